/*
 * csv.c: the streaming CSV reader (see include/mnsafe/csv.h).
 *
 * Two stages per chunk: decoding (UTF-8 is checked byte by byte; CP932 goes
 * through iconv into a small stack buffer) and the record state machine,
 * which sees UTF-8 only. Every byte the format gives a meaning to (quote,
 * comma, CR, LF) is ASCII, and in both encodings an ASCII byte is always the
 * character itself, so the machine can work byte by byte.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "mnsafe/csv.h"

enum state { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN };

struct mns_csv {
    mns_csv_encoding enc;
    iconv_t cd;                /* CP932 -> UTF-8, once SJIS is decided */
    unsigned char pend[8];     /* an undecoded tail carried to the next feed */
    size_t npend;
    bool started;              /* past the BOM check */
    unsigned utf8_need;        /* continuation bytes still expected (UTF-8 check) */
    unsigned char utf8_lead;   /* the lead byte, for overlong and surrogate checks */
    unsigned utf8_seen;
    /* the record being read: fields NUL-separated in buf */
    char *buf;
    size_t len;
    char *field[MNS_CSV_FIELDS_MAX];
    size_t flen[MNS_CSV_FIELDS_MAX];
    size_t field_start;
    size_t nfields;
    enum state state;
    bool after_cr;
    bool any;                  /* the record has a byte besides its line end */
    bool full;                 /* the record outgrew the buffer: the rest is dropped */
    const char *bad;
    uint64_t records, bytes;
    /* AUTO: the bytes from the first non-ASCII one, held until the window is
     * full or the file ends, so that the decision never depends on how the
     * file was cut into chunks */
    unsigned char *hold;
    size_t nhold;
};

#define DECIDE_WINDOW 4096

bool mns_csv_encoding_parse(const char *name, mns_csv_encoding *out)
{
    static const struct {
        const char *name;
        mns_csv_encoding enc;
    } names[] = {{"auto", MNS_CSV_AUTO},      {"utf-8", MNS_CSV_UTF8},  {"utf8", MNS_CSV_UTF8},
                 {"shift_jis", MNS_CSV_SJIS}, {"sjis", MNS_CSV_SJIS},   {"cp932", MNS_CSV_SJIS},
                 {"shift-jis", MNS_CSV_SJIS}, {"windows-31j", MNS_CSV_SJIS}};
    for (size_t i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].enc;
            return true;
        }
    return false;
}

const char *mns_csv_encoding_name(mns_csv_encoding enc)
{
    return enc == MNS_CSV_UTF8 ? "utf-8" : enc == MNS_CSV_SJIS ? "shift_jis" : "undecided";
}

mns_err mns_csv_new(struct mns_csv **out, mns_csv_encoding enc)
{
    struct mns_csv *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL || (c->buf = malloc(MNS_CSV_RECORD_MAX + MNS_CSV_FIELDS_MAX + 1)) == NULL) {
        free(c);
        return MNS_ERR_NOMEM;
    }
    c->enc = enc;
    c->cd = (iconv_t)-1;
    if (enc == MNS_CSV_AUTO && (c->hold = malloc(DECIDE_WINDOW)) == NULL) {
        mns_csv_free(c);
        return MNS_ERR_NOMEM;
    }
    if (enc == MNS_CSV_SJIS && (c->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1) {
        mns_csv_free(c);
        return MNS_ERR_STATE;
    }
    *out = c;
    return MNS_OK;
}

void mns_csv_free(struct mns_csv *c)
{
    if (c == NULL)
        return;
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    OPENSSL_cleanse(c->buf, MNS_CSV_RECORD_MAX + MNS_CSV_FIELDS_MAX + 1);
    free(c->buf);
    OPENSSL_cleanse(c->pend, sizeof(c->pend));
    if (c->hold != NULL) {
        OPENSSL_cleanse(c->hold, DECIDE_WINDOW);
        free(c->hold);
    }
    free(c);
}

mns_csv_encoding mns_csv_encoding_of(const struct mns_csv *c)
{
    return c->enc;
}

uint64_t mns_csv_records(const struct mns_csv *c)
{
    return c->records;
}

uint64_t mns_csv_bytes(const struct mns_csv *c)
{
    return c->bytes;
}

/* ---- the record state machine ------------------------------------------ */

static void mark_bad(struct mns_csv *c, const char *why)
{
    c->any = true; /* a row of nothing but broken bytes is still a row to report */
    if (c->bad == NULL)
        c->bad = why;
}

static void put(struct mns_csv *c, char ch)
{
    c->any = true;
    if (c->full)
        return;
    /* room for this byte and the NUL of every field still to end */
    if (c->len + 1 >= MNS_CSV_RECORD_MAX) {
        c->full = true;
        mark_bad(c, "the row is longer than 64 KiB / 行が64KiBを超えています");
        return;
    }
    if (ch == '\0')
        mark_bad(c, "a NUL byte / NULバイトがあります");
    c->buf[c->len++] = ch;
}

static void end_field(struct mns_csv *c)
{
    if (c->nfields >= MNS_CSV_FIELDS_MAX) {
        mark_bad(c, "more than 256 columns / 列が256を超えています");
        c->len = c->field_start; /* the extra columns are dropped */
    } else {
        c->field[c->nfields] = c->buf + c->field_start;
        c->flen[c->nfields] = c->len - c->field_start;
        c->nfields++;
        c->buf[c->len++] = '\0'; /* the buffer keeps MNS_CSV_FIELDS_MAX + 1 spare bytes for these */
    }
    c->field_start = c->len;
    c->state = FIELD_START;
}

static void reset_record(struct mns_csv *c)
{
    OPENSSL_cleanse(c->buf, c->len);
    c->len = c->field_start = c->nfields = 0;
    c->any = c->full = false;
    c->bad = NULL;
    c->state = FIELD_START;
}

static mns_err end_record(struct mns_csv *c, mns_csv_record_fn fn, void *ctx, mns_errmsg *em)
{
    mns_err err = MNS_OK;
    c->records++;
    if (c->any || c->nfields > 0) {
        end_field(c);
        err = fn(ctx, c->records, c->field, c->flen, c->nfields, c->bad, em);
    }
    reset_record(c);
    return err;
}

/* One decoded UTF-8 byte into the machine. */
static mns_err step(struct mns_csv *c, char ch, mns_csv_record_fn fn, void *ctx, mns_errmsg *em)
{
    if (c->after_cr) {
        c->after_cr = false;
        if (ch == '\n')
            return MNS_OK; /* CRLF: the CR ended the record */
    }
    switch (c->state) {
    case QUOTED:
        if (ch == '"')
            c->state = QUOTE_SEEN;
        else
            put(c, ch);
        return MNS_OK;
    case QUOTE_SEEN:
        if (ch == '"') {
            put(c, '"');
            c->state = QUOTED;
            return MNS_OK;
        }
        if (ch != ',' && ch != '\n' && ch != '\r') {
            mark_bad(c, "text after a closing quote / 閉じた引用符の後に文字があります");
            put(c, ch);
            c->state = UNQUOTED;
            return MNS_OK;
        }
        break;
    case FIELD_START:
        if (ch == '"') {
            c->any = true;
            c->state = QUOTED;
            return MNS_OK;
        }
        break;
    case UNQUOTED:
        if (ch == '"')
            mark_bad(c, "a quote inside a field that is not quoted / 引用符で囲まれていない項目に引用符があります");
        break;
    }
    if (ch == ',') {
        c->any = true;
        end_field(c);
        return MNS_OK;
    }
    if (ch == '\n' || ch == '\r') {
        c->after_cr = ch == '\r';
        return end_record(c, fn, ctx, em);
    }
    put(c, ch);
    c->state = UNQUOTED;
    return MNS_OK;
}

/* ---- decoding ------------------------------------------------------------ */

/* Checks one byte of UTF-8 (RFC 3629: no overlongs, surrogates or values
 * above U+10FFFF); false if it cannot continue what came before. */
static bool utf8_byte_ok(struct mns_csv *c, unsigned char b)
{
    if (c->utf8_need == 0) {
        if (b < 0x80)
            return true;
        if (b >= 0xC2 && b <= 0xDF)
            c->utf8_need = 1;
        else if (b >= 0xE0 && b <= 0xEF)
            c->utf8_need = 2;
        else if (b >= 0xF0 && b <= 0xF4)
            c->utf8_need = 3;
        else
            return false;
        c->utf8_lead = b;
        c->utf8_seen = 0;
        return true;
    }
    if ((b & 0xC0) != 0x80)
        return false;
    if (c->utf8_seen++ == 0) {
        unsigned char l = c->utf8_lead;
        if ((l == 0xE0 && b < 0xA0) || (l == 0xED && b > 0x9F) || (l == 0xF0 && b < 0x90) || (l == 0xF4 && b > 0x8F))
            return false;
    }
    c->utf8_need--;
    return true;
}

static mns_err feed_utf8(struct mns_csv *c, const unsigned char *p, size_t n, mns_csv_record_fn fn, void *ctx,
                         mns_errmsg *em)
{
    mns_err err;
    for (size_t i = 0; i < n; i++) {
        if (!utf8_byte_ok(c, p[i])) {
            /* drop the broken sequence; a byte that cannot continue may start the next one */
            mark_bad(c, "bytes that are not UTF-8 / UTF-8 として読めない文字があります");
            bool restart = c->utf8_need > 0 && (p[i] & 0xC0) != 0x80;
            c->utf8_need = 0;
            if (!restart || !utf8_byte_ok(c, p[i]))
                continue;
        }
        if ((err = step(c, (char)p[i], fn, ctx, em)) != MNS_OK)
            return err;
    }
    return MNS_OK;
}

static mns_err feed_sjis(struct mns_csv *c, const unsigned char *p, size_t n, mns_csv_record_fn fn, void *ctx,
                         mns_errmsg *em)
{
    char out[16384];
    mns_err err = MNS_OK;

    /* a lead byte carried over from the last chunk meets its trail byte
     * (a CP932 character has at most two bytes, so at most one is carried) */
    if (c->npend > 0 && n > 0) {
        unsigned char joined[2] = {c->pend[0], p[0]};
        char *ip = (char *)joined, *op = out;
        size_t il = 2, ol = sizeof(out);
        c->npend = 0;
        if (iconv(c->cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0) {
            /* not a character: the lead byte is bad, p[0] is read afresh */
            mark_bad(c, "bytes that are not Shift_JIS / Shift_JIS として読めない文字があります");
            iconv(c->cd, NULL, NULL, NULL, NULL);
        } else {
            p++, n--;
        }
        for (char *q = out; q < op && err == MNS_OK; q++)
            err = step(c, *q, fn, ctx, em);
        OPENSSL_cleanse(out, (size_t)(op - out));
        if (err != MNS_OK)
            return err;
    }
    while (n > 0) {
        char *ip = (char *)p, *op = out;
        size_t il = n, ol = sizeof(out);
        size_t r = iconv(c->cd, &ip, &il, &op, &ol);
        int e = r == (size_t)-1 ? errno : 0;
        size_t used = n - il;
        for (char *q = out; q < op && err == MNS_OK; q++)
            err = step(c, *q, fn, ctx, em);
        OPENSSL_cleanse(out, (size_t)(op - out));
        if (err != MNS_OK)
            return err;
        p += used;
        n -= used;
        if (e == E2BIG)
            continue;
        if (e == EINVAL && n < sizeof(c->pend)) {
            memcpy(c->pend, p, n);
            c->npend = n;
            return MNS_OK;
        }
        if (e == EILSEQ || e == EINVAL) {
            mark_bad(c, "bytes that are not Shift_JIS / Shift_JIS として読めない文字があります");
            p++, n--;
            iconv(c->cd, NULL, NULL, NULL, NULL);
        } else if (e != 0) {
            return mns_fail(em, MNS_ERR_INTERNAL, "csv: decoding failed / 文字コードの変換に失敗しました");
        }
    }
    return MNS_OK;
}

/* AUTO: decides on the held window whether the text is UTF-8 (at the end of
 * the file a cut-off sequence counts against it), then reads the window. */
static mns_err decide_and_flush(struct mns_csv *c, bool at_end, mns_csv_record_fn fn, void *ctx, mns_errmsg *em)
{
    struct mns_csv probe = {0};
    bool ok = true;
    for (size_t i = 0; i < c->nhold && ok; i++)
        ok = utf8_byte_ok(&probe, c->hold[i]);
    if (at_end && probe.utf8_need > 0)
        ok = false;
    c->enc = ok ? MNS_CSV_UTF8 : MNS_CSV_SJIS;
    if (c->enc == MNS_CSV_SJIS && (c->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1)
        return mns_fail(em, MNS_ERR_STATE, "csv: Shift_JIS is not available on this system / Shift_JIS を扱えません");
    size_t n = c->nhold;
    c->nhold = 0;
    mns_err err = c->enc == MNS_CSV_SJIS ? feed_sjis(c, c->hold, n, fn, ctx, em) : feed_utf8(c, c->hold, n, fn, ctx, em);
    OPENSSL_cleanse(c->hold, n);
    return err;
}

mns_err mns_csv_feed(struct mns_csv *c, const void *data, size_t len, mns_csv_record_fn fn, void *ctx, mns_errmsg *em)
{
    const unsigned char *p = data;
    c->bytes += len;
    if (!c->started) {
        /* the BOM may arrive a byte at a time */
        static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
        unsigned char head[3];
        size_t have = c->npend + len < 3 ? c->npend + len : 3;
        memcpy(head, c->pend, c->npend);
        memcpy(head + c->npend, p, have - c->npend);
        if (have < 3 && memcmp(head, bom, have) == 0) {
            memcpy(c->pend, head, have);
            c->npend = have;
            return MNS_OK;
        }
        c->started = true;
        if (have >= 3 && memcmp(head, bom, 3) == 0) {
            size_t skip = 3 - c->npend;
            c->npend = 0;
            p += skip, len -= skip;
            if (c->enc == MNS_CSV_AUTO)
                c->enc = MNS_CSV_UTF8;
        } else if (c->npend > 0) {
            /* what was held back was not a BOM: feed it first */
            size_t held = c->npend;
            unsigned char tmp[3];
            memcpy(tmp, c->pend, held);
            c->npend = 0;
            c->bytes -= held;
            mns_err err = mns_csv_feed(c, tmp, held, fn, ctx, em);
            if (err != MNS_OK)
                return err;
        }
    }
    while (c->enc == MNS_CSV_AUTO && len > 0) {
        mns_err err;
        if (c->nhold == 0) {
            /* ASCII reads the same in both encodings: no need to wait */
            size_t i = 0;
            while (i < len && p[i] < 0x80)
                i++;
            if (i > 0 && (err = feed_utf8(c, p, i, fn, ctx, em)) != MNS_OK)
                return err;
            p += i, len -= i;
            if (len == 0)
                return MNS_OK;
        }
        size_t take = len < DECIDE_WINDOW - c->nhold ? len : DECIDE_WINDOW - c->nhold;
        memcpy(c->hold + c->nhold, p, take);
        c->nhold += take;
        p += take, len -= take;
        if (c->nhold == DECIDE_WINDOW && (err = decide_and_flush(c, false, fn, ctx, em)) != MNS_OK)
            return err;
    }
    if (len == 0)
        return MNS_OK;
    if (c->enc == MNS_CSV_SJIS)
        return feed_sjis(c, p, len, fn, ctx, em);
    return feed_utf8(c, p, len, fn, ctx, em);
}

mns_err mns_csv_finish(struct mns_csv *c, mns_csv_record_fn fn, void *ctx, mns_errmsg *em)
{
    if (!c->started && c->npend > 0) {
        /* a file of one or two bytes that began like a BOM */
        unsigned char tmp[3];
        size_t held = c->npend;
        memcpy(tmp, c->pend, held);
        c->npend = 0;
        c->started = true;
        c->bytes -= held;
        mns_err err = mns_csv_feed(c, tmp, held, fn, ctx, em);
        if (err != MNS_OK)
            return err;
    }
    if (c->enc == MNS_CSV_AUTO && c->nhold > 0) {
        mns_err err = decide_and_flush(c, true, fn, ctx, em);
        if (err != MNS_OK)
            return err;
    }
    if (c->npend > 0 || c->utf8_need > 0) {
        mark_bad(c, "the file ends inside a character / ファイルが文字の途中で終わっています");
        c->any = true;
        c->npend = 0;
        c->utf8_need = 0;
    }
    if (c->state == QUOTED) {
        mark_bad(c, "a quoted field is not closed / 引用符が閉じられていません");
        c->any = true;
    }
    if (!c->any && c->nfields == 0)
        return MNS_OK;
    c->after_cr = false;
    mns_err err = end_record(c, fn, ctx, em);
    return err;
}
