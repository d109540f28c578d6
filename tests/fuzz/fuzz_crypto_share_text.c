/*
 * fuzz_crypto_share_text.c: libFuzzer harness for mns_share_parse and
 * mns_share_format (include/mnsafe/crypto.h).
 *
 * Each input is used two ways:
 *  1. as share text (NUL-terminated copy): whatever parses must be a share a
 *     split can produce (2 <= k, x != 0, set id != 0), must format back to
 *     text that parses to the same struct, and that text must be canonical
 *     (formatting it again gives the same text);
 *  2. if it is long enough, as the fields of a struct mns_share: its text form
 *     must parse back to the same struct when the fields are valid and be
 *     refused (MNS_ERR_BAD_SHARE) when not; the rest of the input then
 *     respells the text the ways crypto.h says are forgiven (case, spaces,
 *     full-width letters and digits, ideographic space, where the hyphens
 *     between groups are, ー for a hyphen), which must parse to the same
 *     struct; and one changed hex character must be refused (the checksum
 *     misses one with probability 2^-32).
 * A broken invariant aborts with a line on stderr naming it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/crypto.h"
#include "mnsafe/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fields of a share taken from the input: k, set id (4), x, y (32). */
#define STRUCT_BYTES (1 + 4 + 1 + MNS_KEY_LEN)
/* Respelled text: at most 3 bytes of UTF-8 for a character plus 6 around it. */
#define RESPELL_MAX (MNS_SHARE_TEXT_MAX * 9 + 1)

static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "INVARIANT BROKEN: %s\ninput (%zu bytes):", what, size);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    abort();
}

static bool same_share(const struct mns_share *a, const struct mns_share *b)
{
    return a->threshold == b->threshold && a->set_id == b->set_id && a->x == b->x &&
           memcmp(a->y, b->y, MNS_KEY_LEN) == 0;
}

static bool share_is_valid(const struct mns_share *s)
{
    return s->threshold >= 2 && s->x != 0 && s->set_id != 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (mns_global_init() != MNS_OK)
        abort();
    return 0;
}

/* Appends the UTF-8 of code point cp (< 0x10000). */
static size_t put_cp(char *out, size_t o, uint32_t cp)
{
    if (cp < 0x80) {
        out[o++] = (char)cp;
    } else if (cp < 0x800) {
        out[o++] = (char)(0xC0 | cp >> 6);
        out[o++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[o++] = (char)(0xE0 | cp >> 12);
        out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[o++] = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/*
 * Rewrites canonical share text in a form that must parse the same, one
 * recipe byte per character (recycled when the recipe runs out):
 *   bits 0-1: whitespace before it (none, ' ', U+3000, '\t');
 *   bit 2: upper case; bit 3: full-width (U+FF01..U+FF5E);
 *   bits 4-5, for a hyphen after "mns1": keep, drop, ー (U+30FC), double it.
 * Returns the length (out is NUL-terminated).
 */
static size_t respell(char *out, const char *text, const uint8_t *recipe, size_t rlen)
{
    size_t o = 0;

    for (size_t i = 0; text[i] != '\0'; i++) {
        uint8_t r = rlen > 0 ? recipe[i % rlen] : 0;
        unsigned char c = (unsigned char)text[i];
        static const uint32_t spaces[4] = {0, ' ', 0x3000, '\t'};

        if ((r & 3) != 0)
            o = put_cp(out, o, spaces[r & 3]);
        if (c == '-' && i >= 4) {
            switch (r >> 4 & 3) {
            case 1:
                continue;
            case 2:
                o = put_cp(out, o, 0x30FC);
                continue;
            case 3:
                out[o++] = '-';
                break;
            default:
                break;
            }
        }
        if ((r & 4) && c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (r & 8)
            o = put_cp(out, o, 0xFEE0u + c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    return o;
}

static void check_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct mns_share s, again;
    char canon[MNS_SHARE_TEXT_MAX], canon2[MNS_SHARE_TEXT_MAX];
    mns_errmsg em;
    mns_err r;

    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';

    memset(em.text, 0, sizeof(em.text));
    r = mns_share_parse(&s, text, &em);
    if (r == MNS_OK) {
        if (!share_is_valid(&s))
            fail("parse accepted a share no split produces", data, size);
        mns_share_format(canon, &s);
        if (canon[0] == '\0')
            fail("format gave no text for a parsed share", data, size);
        if (mns_share_parse(&again, canon, &em) != MNS_OK)
            fail("formatted text of a parsed share does not parse", data, size);
        if (!same_share(&s, &again))
            fail("formatted text of a parsed share parses to another share", data, size);
        mns_share_format(canon2, &again);
        if (strcmp(canon, canon2) != 0)
            fail("format is not canonical", data, size);
    } else {
        if (r != MNS_ERR_BAD_SHARE && r != MNS_ERR_INVALID)
            fail("parse failed with an unexpected code", data, size);
        if (strnlen(em.text, sizeof(em.text)) == sizeof(em.text))
            fail("error text is not NUL-terminated", data, size);
    }
    free(text);
}

static void check_struct(const uint8_t *data, size_t size)
{
    struct mns_share s = {0}, p;
    char text[MNS_SHARE_TEXT_MAX];
    static char spelled[RESPELL_MAX];
    mns_errmsg em;
    mns_err r;

    s.threshold = data[0];
    s.set_id = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
    s.x = data[5];
    memcpy(s.y, data + 6, MNS_KEY_LEN);

    mns_share_format(text, &s);
    if (text[0] == '\0' || strlen(text) >= MNS_SHARE_TEXT_MAX)
        fail("format gave no text or too much", data, size);
    for (const char *c = text; *c != '\0'; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || *c == '-'))
            fail("formatted text has a character other than [0-9a-z-]", data, size);
    }
    r = mns_share_parse(&p, text, &em);
    if (!share_is_valid(&s)) {
        if (r != MNS_ERR_BAD_SHARE)
            fail("formatted text of an invalid share was not refused", data, size);
        return;
    }
    if (r != MNS_OK)
        fail("formatted text of a valid share does not parse", data, size);
    if (!same_share(&s, &p))
        fail("formatted text parses to another share", data, size);

    /* Forgiven respellings parse the same. */
    respell(spelled, text, data + STRUCT_BYTES, size - STRUCT_BYTES);
    r = mns_share_parse(&p, spelled, &em);
    if (r != MNS_OK)
        fail("a forgiven respelling (case, spaces, width, hyphens) does not parse", data, size);
    if (!same_share(&s, &p))
        fail("a forgiven respelling parses to another share", data, size);

    /* One changed hex character after "mns1-<k>-" is refused. */
    if (size > STRUCT_BYTES) {
        size_t len = strlen(text);
        size_t start = strlen("mns1-") + 1;
        size_t at;
        char c;

        while (text[start] != '-')
            start++;
        at = start + 1 + data[STRUCT_BYTES] % (len - start - 1);
        if (text[at] != '-') {
            c = text[at];
            text[at] = "0123456789abcdef"[((unsigned)(c <= '9' ? c - '0' : c - 'a' + 10) + 1u +
                                           data[size - 1] % 15u) & 15u];
            if (mns_share_parse(&p, text, &em) == MNS_OK)
                fail("one changed hex character was not caught", data, size);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_text(data, size);
    if (size >= STRUCT_BYTES)
        check_struct(data, size);
    return 0;
}
