/*
 * imports.c: CSV imports of persons and dependents (issue 8).
 *
 * An import is staged: the file arrives in chunks (POST .../imports/ID/data),
 * each chunk is parsed by a streaming reader (lib/csv) and every row is
 * checked (check digit, required fields, dates, purposes, duplicates inside
 * the file and against the store through the blind index). A valid row is
 * sealed at once, exactly as persons.c seals a person (a fresh data key
 * wrapped by the tenant key, the number under AEAD, its blind index), into
 * import_rows; a bad row leaves only its report lines in import_errors, which
 * name row, column and reason but never a cell's text. Nothing reaches
 * persons until the user chooses to store: then one act moves every staged
 * row with set-based INSERT ... SELECT in one transaction, so an import is
 * either wholly stored or not at all, even if the process is killed.
 *
 * Memory does not grow with the file: one record buffer per open import and
 * the chunk being read. The reader state of an open import lives here in the
 * vault (at most IMPORT_OPEN_MAX at once); if the daemon restarts, imports
 * still receiving are marked interrupted and their staged rows deleted.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mnsafe/csv.h"
#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define IMPORT_OPEN_MAX 8
#define IMPORT_IDLE_MS (30LL * 60 * 1000)
#define IMPORT_CHUNK_MAX (8u * 1024 * 1024)
#define ROW_ERRORS_MAX 8
#define DEFAULT_PURPOSES_MAX 16

/* ---- the columns a payroll file may have ------------------------------- */

enum field { F_NAME, F_KANA, F_NUMBER, F_BIRTH, F_CODE, F_KIND, F_REL, F_PURPOSES, F__COUNT };

static const struct {
    const char *code, *ja;
    const char *alias[12];
} fields[F__COUNT] = {
    [F_NAME] = {"name", "氏名", {"氏名", "名前", "氏名(漢字)", "漢字氏名", "従業員氏名", "社員氏名", "受給者氏名", "支払を受ける者氏名", "name"}},
    [F_KANA] = {"name_kana", "フリガナ", {"フリガナ", "ふりがな", "カナ", "氏名(フリガナ)", "氏名(カナ)", "カナ氏名", "氏名カナ", "name_kana", "kana"}},
    [F_NUMBER] = {"mynumber", "個人番号", {"個人番号", "マイナンバー", "個人番号(マイナンバー)", "mynumber", "my_number", "number"}},
    [F_BIRTH] = {"birth_date", "生年月日", {"生年月日", "誕生日", "birth_date", "birthday", "date_of_birth"}},
    [F_CODE] = {"employee_code", "従業員番号", {"従業員番号", "社員番号", "従業員コード", "社員コード", "社員no", "社員no.", "従業員no", "employee_code", "employee_no", "employee_id"}},
    [F_KIND] = {"kind", "区分", {"区分", "種別", "kind"}},
    [F_REL] = {"relationship", "続柄", {"続柄", "relationship"}},
    [F_PURPOSES] = {"purposes", "利用目的", {"利用目的", "purposes", "purpose"}},
};

/* Header text compared without spaces, with full-width ASCII folded and
 * ASCII lower-cased: "社員ＮＯ" and " 社員No " are the same column. */
static void header_key(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < size;) {
        /* U+FF01..U+FF5E (EF BC 81 .. EF BD 9E) -> ASCII; U+3000 and ASCII space dropped */
        if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80) {
            unsigned cp = 0xFF00u + (unsigned)((p[1] - 0xBC) * 64 + (p[2] - 0x80));
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                out[o++] = (char)tolower((int)(cp - 0xFF01 + 0x21));
                p += 3;
                continue;
            }
        }
        if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
            p += 3;
            continue;
        }
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        /* （ ） are the full-width parentheses above; keep everything else */
        out[o++] = (char)(*p < 0x80 ? tolower(*p) : *p);
        p++;
    }
    out[o] = '\0';
}

static int field_by_code(const char *code)
{
    for (int f = 0; f < F__COUNT; f++)
        if (strcmp(fields[f].code, code) == 0)
            return f;
    return -1;
}

/* The parsed, checked content of one data row. number is secret. */
struct row_in {
    char *name, *kana, *code, *rel;
    const char *kind;
    char birth[11];
    bool dependent;
    char number[MNS_MYNUMBER_LEN + 1];
    size_t npurposes;
    char purposes[DEFAULT_PURPOSES_MAX][65];
};

/* ---- one open import's reader state --------------------------------------- */

struct import_stream {
    int64_t id, tenant_id;
    char user[128];
    int64_t last_used_ms;
    struct mns_csv *csv;
    json_t *custom; /* {"header": "field"} from the options, or NULL */
    bool header_done;
    int col_field[MNS_CSV_FIELDS_MAX]; /* field of each column, -1 ignored */
    size_t ncols;
    char col_name[F__COUNT][96];       /* the header text of each field's column */
    int field_col[F__COUNT];           /* column of each field, -1 absent */
    json_t *ignored;                   /* header texts of ignored columns */
    char kind[16];
    size_t npurposes;
    char purposes[DEFAULT_PURPOSES_MAX][65];
    /* counters, mirrored into the imports row after every chunk */
    int64_t rows, persons, dependents, invalid;
    int64_t analyzed_rows; /* staged rows when the planner last counted them */
    /* for the chunk being read */
    struct mns_vault *v;
    const struct tenant_keys *tk;
    const struct purpose_set *known;
    struct act *act;
    struct row_in *row; /* secure memory for the row being checked; NULL until the first */
};

struct import_table {
    struct import_stream *open[IMPORT_OPEN_MAX];
};

static void stream_free(struct import_stream *s)
{
    if (s == NULL)
        return;
    mns_csv_free(s->csv);
    if (s->row != NULL)
        mns_secure_free(s->row, sizeof(*s->row));
    json_decref(s->custom);
    json_decref(s->ignored);
    free(s);
}

static struct import_stream **stream_slot(struct mns_vault *v, int64_t id)
{
    if (v->imports == NULL)
        return NULL;
    for (size_t i = 0; i < IMPORT_OPEN_MAX; i++)
        if (v->imports->open[i] != NULL && v->imports->open[i]->id == id)
            return &v->imports->open[i];
    return NULL;
}

void imports_release(struct mns_vault *v)
{
    if (v->imports == NULL)
        return;
    for (size_t i = 0; i < IMPORT_OPEN_MAX; i++)
        stream_free(v->imports->open[i]);
    free(v->imports);
    v->imports = NULL;
}

/* ---- small store helpers -------------------------------------------------- */

static mns_err exec_id(struct mns_vault *v, const char *sql, int64_t id)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s, sql);
    if (err != MNS_OK)
        return err;
    return run_or_reset(s, mns_stmt_bind_int64(s, 1, id));
}

/* Deletes what an import staged (its sealed rows are its only copy of the numbers). */
static mns_err drop_staged(struct mns_vault *v, int64_t id)
{
    mns_err err;
    if ((err = exec_id(v, "DELETE FROM import_rows WHERE import_id = ?", id)) != MNS_OK)
        return err;
    return exec_id(v, "DELETE FROM import_purposes WHERE import_id = ?", id);
}

/*
 * Deletes a stored import's staged rows in batches, each its own short
 * transaction, after the store act has committed: one DELETE of a million
 * rows inside the act's savepoint would keep every page it touched in the
 * savepoint's journal (in memory: temp_store=MEMORY), so memory would grow
 * with the file. Until this ran, the staged copies are still in the database
 * (a crash here is finished by imports_recover at the next start).
 */
static mns_err drop_staged_batched(struct mns_vault *v, int64_t id)
{
    /* the only import staged, as is usual: the staging is overwritten and
     * emptied at once, which costs a fraction of deleting row by row */
    if (!mns_store_is_shared(v->store)) {
        struct mns_stmt *s;
        bool row = false, others = true;
        mns_err err = vault_flush(v);
        if (err == MNS_OK)
            err = mns_store_prepare(v->store, &s,
                                    "SELECT EXISTS (SELECT 1 FROM import_rows WHERE import_id < ?1) "
                                    "OR EXISTS (SELECT 1 FROM import_rows WHERE import_id > ?1) "
                                    "OR EXISTS (SELECT 1 FROM import_purposes WHERE import_id < ?1) "
                                    "OR EXISTS (SELECT 1 FROM import_purposes WHERE import_id > ?1)");
        if (err != MNS_OK)
            return err;
        if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            others = mns_stmt_int64(s, 0) != 0;
        mns_stmt_reset(s);
        if (err != MNS_OK || !others)
            return err != MNS_OK ? err : mns_store_staging_wipe(v->store);
    }
    static const char *const sql[] = {
        /* by a range of the rows' own keys (not SQLite's rowid, and not
         * "IN (subquery)", which PostgreSQL may run as a nested loop over a
         * table its statistics still think empty): the same SQL on both */
        "DELETE FROM import_rows WHERE import_id = ?1 AND row_no <= "
        "(SELECT max(row_no) FROM (SELECT row_no FROM import_rows WHERE import_id = ?1 ORDER BY row_no LIMIT 20000) b)",
        "DELETE FROM import_purposes WHERE import_id = ?1 AND person_id <= "
        "(SELECT max(person_id) FROM (SELECT person_id FROM import_purposes WHERE import_id = ?1 "
        "ORDER BY person_id LIMIT 20000) b)",
    };
    mns_err err = MNS_OK;
    for (size_t i = 0; i < 2 && err == MNS_OK; i++) {
        for (int64_t changed = 1; changed > 0 && err == MNS_OK;) {
            struct mns_stmt *s;
            if ((err = vault_flush(v)) != MNS_OK || (err = mns_store_prepare(v->store, &s, sql[i])) != MNS_OK)
                break;
            if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK)
                err = mns_stmt_run(s);
            changed = err == MNS_OK ? mns_stmt_changes(s) : 0;
            mns_stmt_reset(s);
        }
    }
    return err;
}

static mns_err set_status(struct mns_vault *v, int64_t id, const char *status)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s, "UPDATE imports SET status = ?, finished_at = ? WHERE id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, status, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, mns_now_ms())) == MNS_OK)
        err = mns_stmt_bind_int64(s, 3, id);
    return run_or_reset(s, err);
}

mns_err imports_recover(struct mns_vault *v)
{
    struct mns_stmt *s;
    bool row, emptied = false;
    int64_t ids[64];
    size_t n = 0;
    mns_err err = mns_store_staging_open(v->store, &emptied);
    if (err != MNS_OK)
        return err;
    if (emptied) {
        /* the staging was damaged and started anew: what imports had staged is gone */
        if ((err = mns_store_prepare(v->store, &s,
                                     "UPDATE imports SET status = 'interrupted', finished_at = ? "
                                     "WHERE status IN ('receiving', 'checked')")) != MNS_OK)
            return err;
        return run_or_reset(s, mns_stmt_bind_int64(s, 1, mns_now_ms()));
    }
    /* a restart loses the readers of imports still receiving: they cannot go on */
    if ((err = mns_store_prepare(v->store, &s, "SELECT id FROM imports WHERE status = 'receiving' LIMIT 64")) != MNS_OK)
        return err;
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row && n < 64)
        ids[n++] = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    for (size_t i = 0; i < n && err == MNS_OK; i++)
        if ((err = drop_staged(v, ids[i])) == MNS_OK)
            err = set_status(v, ids[i], "interrupted");
    /* an import stored, discarded or failed whose staged copies were not yet
     * deleted when the process stopped */
    n = 0;
    if (err == MNS_OK && (err = mns_store_prepare(v->store, &s,
                                                  "SELECT DISTINCT r.import_id FROM import_rows r JOIN imports i "
                                                  "ON i.id = r.import_id WHERE i.status <> 'receiving' AND i.status <> 'checked' LIMIT 64")) == MNS_OK) {
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row && n < 64)
            ids[n++] = mns_stmt_int64(s, 0);
        mns_stmt_reset(s);
    }
    for (size_t i = 0; i < n && err == MNS_OK; i++)
        err = drop_staged_batched(v, ids[i]);
    return err;
}

/* ---- checking one row ------------------------------------------------------ */

struct row_errors {
    size_t n;
    struct {
        int field; /* -1: the row as a whole */
        const char *code;
        char text[sizeof(((mns_errmsg *)0)->text)];
    } e[ROW_ERRORS_MAX];
};

static void row_error(struct row_errors *re, int field, const char *code, const char *fmt, ...) MNS_PRINTF(4, 5);
static void row_error(struct row_errors *re, int field, const char *code, const char *fmt, ...)
{
    if (re->n >= ROW_ERRORS_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(re->e[re->n].text, sizeof(re->e[re->n].text), fmt, ap);
    va_end(ap);
    re->e[re->n].field = field;
    re->e[re->n].code = code;
    re->n++;
}

/* Writes a row's errors: "english / 日本語" split into the two languages. */
static mns_err store_errors(struct import_stream *st, uint64_t row_no, const struct row_errors *re)
{
    struct mns_stmt *s;
    mns_err err = MNS_OK;
    for (size_t i = 0; i < re->n && err == MNS_OK; i++) {
        char en[512], ja[512];
        const char *text = re->e[i].text, *sep = strstr(text, " / ");
        snprintf(en, sizeof(en), "%.*s", sep ? (int)(sep - text) : (int)strlen(text), text);
        snprintf(ja, sizeof(ja), "%s", sep ? sep + 3 : text);
        int f = re->e[i].field;
        if ((err = mns_store_prepare(st->v->store, &s,
                                     "INSERT INTO import_errors (import_id, row_no, seq, column_name, field, code, "
                                     "message_en, message_ja) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
            return err;
        err = mns_stmt_bind_int64(s, 1, st->id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, (int64_t)row_no);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, (int64_t)i);
        if (err == MNS_OK)
            err = f >= 0 && st->col_name[f][0] ? mns_stmt_bind_text(s, 4, st->col_name[f], -1) : mns_stmt_bind_null(s, 4);
        if (err == MNS_OK) err = f >= 0 ? mns_stmt_bind_text(s, 5, fields[f].code, -1) : mns_stmt_bind_null(s, 5);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 6, re->e[i].code, -1);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, en, -1);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 8, ja, -1);
        err = run_or_reset(s, err);
    }
    return err;
}

/* Trims ASCII and ideographic spaces at both ends, in place. */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t')
            s++;
        else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        else if (n >= 3 && (unsigned char)s[n - 3] == 0xE3 && (unsigned char)s[n - 2] == 0x80 &&
                 (unsigned char)s[n - 1] == 0x80)
            n -= 3;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * A birth date as payroll files write it: 1985-04-01, 1985/4/1, 1985.4.1,
 * 19850401, 1985年4月1日, or by era: 昭和60年4月1日, S60.4.1, H1/1/8,
 * 令和元年5月1日. Full-width digits are fine. Out: YYYY-MM-DD.
 */
static bool parse_birth(const char *in, char out[11])
{
    static const struct {
        const char *name;
        char letter;
        int base;
    } eras[] = {{"明治", 'm', 1867}, {"大正", 't', 1911}, {"昭和", 's', 1925}, {"平成", 'h', 1988}, {"令和", 'r', 2018}};
    char a[64];
    size_t n = 0;
    int base = 0;
    /* fold full-width digits and separators to ASCII */
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 4 < sizeof(a);) {
        if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
            a[n++] = (char)('0' + p[2] - 0x90);
            p += 3;
        } else if (p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x8F || p[2] == 0x8D || p[2] == 0x8E)) {
            a[n++] = '/';
            p += 3;
        } else {
            a[n++] = (char)*p++;
        }
    }
    a[n] = '\0';
    const char *p = a;
    for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
        size_t l = strlen(eras[i].name);
        if (strncmp(p, eras[i].name, l) == 0) {
            base = eras[i].base;
            p += l;
            break;
        }
        if (tolower((unsigned char)*p) == eras[i].letter && (p[1] == '.' || isdigit((unsigned char)p[1]))) {
            base = eras[i].base;
            p += p[1] == '.' ? 2 : 1;
            break;
        }
    }
    int num[3] = {0, 0, 0};
    size_t k = 0;
    if (base == 0 && strlen(p) == 8 && strspn(p, "0123456789") == 8) {
        num[0] = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
        num[1] = (p[4] - '0') * 10 + (p[5] - '0');
        num[2] = (p[6] - '0') * 10 + (p[7] - '0');
        k = 3;
    } else {
        while (*p && k < 3) {
            if (base != 0 && k == 0 && strncmp(p, "元", strlen("元")) == 0) {
                num[k++] = 1;
                p += strlen("元");
            } else if (isdigit((unsigned char)*p)) {
                int v = 0, digits = 0;
                while (isdigit((unsigned char)*p) && digits < 5)
                    v = v * 10 + (*p++ - '0'), digits++;
                if (isdigit((unsigned char)*p))
                    return false;
                num[k++] = v;
            } else {
                return false;
            }
            /* one separator: - / . or 年 月 日 */
            if (*p == '-' || *p == '/' || *p == '.')
                p++;
            else if (strncmp(p, "年", strlen("年")) == 0 || strncmp(p, "月", strlen("月")) == 0)
                p += strlen("年");
            else if (strncmp(p, "日", strlen("日")) == 0 && k == 3)
                p += strlen("日");
        }
        if (*p != '\0')
            return false;
    }
    if (k != 3)
        return false;
    int y = base ? base + num[0] : num[0], m = num[1], d = num[2];
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if ((base && (num[0] < 1 || num[0] > 64)) || y < 1868 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap(y)))
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m % 100, d % 100); /* all checked above */
    char today[11];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    return strcmp(out, today) <= 0;
}

static const char *parse_kind(const char *s, const char *dflt)
{
    static const char *const employee[] = {"employee", "従業員", "社員", "役員", "従業者", "給与"};
    static const char *const payee[] = {"payee", "支払先", "報酬", "取引先", "講師", "支払調書"};
    if (*s == '\0')
        return dflt;
    for (size_t i = 0; i < sizeof(employee) / sizeof(employee[0]); i++)
        if (strcmp(s, employee[i]) == 0)
            return "employee";
    for (size_t i = 0; i < sizeof(payee) / sizeof(payee[0]); i++)
        if (strcmp(s, payee[i]) == 0)
            return "payee";
    return NULL;
}


static void check_text(struct row_errors *re, int f, char *val, size_t max, bool required)
{
    if (*val == '\0') {
        if (required)
            row_error(re, f, "required", "%s: required / %sは必須です", fields[f].code, fields[f].ja);
        return;
    }
    if (mns_text_contains_mynumber(val, strlen(val)))
        row_error(re, f, "number_in_text",
                  "%s: holds what looks like a My Number (columns shifted?); it may be stored only in 個人番号 / "
                  "%sに個人番号と思われる数字があります（列のずれ？）", fields[f].code, fields[f].ja);
    else if (!vault_valid_text(val, max))
        row_error(re, f, "invalid_text", "%s: at most %zu bytes, no control characters / %sは%zuバイト以内、制御文字不可",
                  fields[f].code, max, fields[f].ja, max);
}

static void split_purposes(struct import_stream *st, struct row_in *r, char *val, struct row_errors *re)
{
    r->npurposes = 0;
    char *save = NULL;
    /* ASCII separators only here; 、 and ・ and the ideographic space become ',' first */
    for (char *p = val; *p; p++) {
        unsigned char *u = (unsigned char *)p;
        if (u[0] == 0xE3 && u[1] == 0x80 && (u[2] == 0x81 || u[2] == 0x80))
            u[0] = u[1] = u[2] = ',';
        else if (u[0] == 0xE3 && u[1] == 0x83 && u[2] == 0xBB)
            u[0] = u[1] = u[2] = ',';
    }
    for (char *tok = strtok_r(val, ",; /|", &save); tok != NULL; tok = strtok_r(NULL, ",; /|", &save)) {
        if (!vault_valid_code(tok) || !purpose_known(st->known, tok)) {
            row_error(re, F_PURPOSES, "unknown_purpose", "purposes: not a purpose code of this tenant / "
                      "この事業者の利用目的コードではありません");
            return;
        }
        if (r->npurposes < DEFAULT_PURPOSES_MAX)
            snprintf(r->purposes[r->npurposes++], sizeof(r->purposes[0]), "%s", tok);
    }
}

/* Fills r from the record's cells and lists every problem in re. */
static void check_row(struct import_stream *st, char *const *cell, size_t ncells, struct row_in *r, struct row_errors *re)
{
    char *val[F__COUNT];
    static char empty[1] = "";
    for (int f = 0; f < F__COUNT; f++) {
        int c = st->field_col[f];
        empty[0] = '\0';
        val[f] = c >= 0 && (size_t)c < ncells ? trim(cell[c]) : empty;
    }
    r->name = val[F_NAME];
    r->kana = val[F_KANA];
    r->code = val[F_CODE];
    r->rel = val[F_REL];
    r->dependent = *r->rel != '\0' && strcmp(r->rel, "本人") != 0 && strcasecmp(r->rel, "self") != 0;
    check_text(re, F_NAME, r->name, 200, true);
    check_text(re, F_KANA, r->kana, 200, false);
    check_text(re, F_CODE, r->code, 64, r->dependent);
    check_text(re, F_REL, r->rel, 64, false);
    /* (a dependent names its person by employee code: required above) */
    mns_errmsg em = {""};
    if (*val[F_NUMBER] == '\0')
        row_error(re, F_NUMBER, "required", "mynumber: required / 個人番号は必須です");
    else if (mns_mynumber_parse(r->number, val[F_NUMBER], strlen(val[F_NUMBER]), &em) != MNS_OK)
        row_error(re, F_NUMBER, strstr(em.text, "check digit") ? "check_digit" : "invalid_number", "%s", em.text);
    r->birth[0] = '\0';
    if (*val[F_BIRTH] != '\0' && !parse_birth(val[F_BIRTH], r->birth))
        row_error(re, F_BIRTH, "invalid_date",
                  "birth_date: not a past date (e.g. 1985-04-01, 1985/4/1, 昭和60年4月1日, S60.4.1) / "
                  "生年月日が日付として正しくありません（例: 1985-04-01, 昭和60年4月1日）");
    r->kind = r->dependent ? "dependent" : parse_kind(val[F_KIND], st->kind);
    if (r->kind == NULL)
        row_error(re, F_KIND, "invalid_kind", "kind: employee (従業員) or payee (支払先) / 区分は従業員か支払先です");
    r->npurposes = 0;
    if (!r->dependent) {
        if (*val[F_PURPOSES] != '\0')
            split_purposes(st, r, val[F_PURPOSES], re);
        else
            for (size_t i = 0; i < st->npurposes; i++)
                snprintf(r->purposes[r->npurposes++], sizeof(r->purposes[0]), "%s", st->purposes[i]);
        if (r->npurposes == 0 && re->n == 0)
            row_error(re, F_PURPOSES, "required", "purposes: none given (a column or the import's default) / "
                      "利用目的がありません（列または取込みの既定値）");
    }
}

/* ---- staging a valid row ------------------------------------------------------ */

/* The data key of the person a dependent row belongs to (staged in this
 * import or already stored), found by employee code. */
static mns_err dependent_owner(struct import_stream *st, const char *code, int64_t *pid, uint8_t dk[MNS_KEY_LEN],
                               uint8_t owner_bidx[MNS_BLIND_INDEX_LEN], struct row_errors *re)
{
    struct mns_vault *v = st->v;
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT id, key_version, wrapped, number_bidx FROM import_rows "
                                    "WHERE import_id = ? AND employee_code = ? AND kind <> 'dependent'");
    *pid = 0;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, st->id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, code, -1)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row) {
        char ad[160];
        size_t wlen = 0, blen = 0, len = 0;
        const uint8_t *w = mns_stmt_blob(s, 2, &wlen), *b = mns_stmt_blob(s, 3, &blen);
        *pid = mns_stmt_int64(s, 0);
        ad_person_key(ad, sizeof(ad), st->tenant_id, *pid, mns_stmt_int64(s, 1));
        err = blen == MNS_BLIND_INDEX_LEN ? mns_aead_open(dk, &len, st->tk->kek, ad, strlen(ad), w, wlen) : MNS_ERR_CRYPTO;
        if (err == MNS_OK)
            memcpy(owner_bidx, b, MNS_BLIND_INDEX_LEN);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK || row)
        return err;
    /* not in the file: a person already stored */
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT id, number_bidx FROM persons WHERE tenant_id = ? AND employee_code = ? LIMIT 2")) !=
        MNS_OK)
        return err;
    int n = 0;
    if ((err = mns_stmt_bind_int64(s, 1, st->tenant_id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, code, -1)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            size_t blen = 0;
            const uint8_t *b = mns_stmt_blob(s, 1, &blen);
            *pid = mns_stmt_int64(s, 0);
            if (blen == MNS_BLIND_INDEX_LEN)
                memcpy(owner_bidx, b, MNS_BLIND_INDEX_LEN);
            n++;
        }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (n != 1) {
        row_error(re, F_CODE, n == 0 ? "no_person" : "ambiguous_person",
                  n == 0 ? "employee_code: no person with this code in the file or the store (a dependent row "
                           "follows its person; that row may have errors) / この従業員番号の本人がファイルにも登録済みにもありません"
                         : "employee_code: several stored persons have this code / この従業員番号の本人が複数います");
        *pid = 0;
        return MNS_OK;
    }
    return person_key(v, st->tk, *pid, dk);
}

static mns_err insert_staged(struct import_stream *st, uint64_t row_no, int64_t id, const struct row_in *r,
                             int64_t person_id, const uint8_t *wrapped, size_t wlen, const uint8_t *ct, size_t ctlen,
                             const uint8_t bidx[MNS_BLIND_INDEX_LEN])
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(st->v->store, &s,
                                    "INSERT INTO import_rows (import_id, row_no, id, kind, person_id, name, name_kana, "
                                    "birth_date, employee_code, relationship, key_version, wrapped, number_ct, number_bidx) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (err != MNS_OK)
        return err;
#define TEXT_OR_NULL(i, t) ((t) != NULL && *(t) ? mns_stmt_bind_text(s, i, t, -1) : mns_stmt_bind_null(s, i))
    err = mns_stmt_bind_int64(s, 1, st->id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, (int64_t)row_no);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, r->kind, -1);
    if (err == MNS_OK) err = person_id ? mns_stmt_bind_int64(s, 5, person_id) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 6, r->name, -1);
    if (err == MNS_OK) err = TEXT_OR_NULL(7, r->kana);
    if (err == MNS_OK) err = TEXT_OR_NULL(8, r->birth);
    if (err == MNS_OK) err = TEXT_OR_NULL(9, r->code);
    if (err == MNS_OK) err = TEXT_OR_NULL(10, r->dependent ? r->rel : NULL);
    if (err == MNS_OK) err = wrapped ? mns_stmt_bind_int64(s, 11, st->tk->version) : mns_stmt_bind_null(s, 11);
    if (err == MNS_OK) err = wrapped ? mns_stmt_bind_blob(s, 12, wrapped, wlen) : mns_stmt_bind_null(s, 12);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 13, ct, ctlen);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 14, bidx, MNS_BLIND_INDEX_LEN);
#undef TEXT_OR_NULL
    if ((err = run_or_reset(s, err)) != MNS_OK)
        return err;
    for (size_t i = 0; i < r->npurposes && err == MNS_OK; i++) {
        if ((err = mns_store_prepare(st->v->store, &s,
                                     "INSERT INTO import_purposes (import_id, person_id, purpose_code) "
                                     "VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) != MNS_OK)
            return err;
        err = mns_stmt_bind_int64(s, 1, st->id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, r->purposes[i], -1);
        err = run_or_reset(s, err);
    }
    return err;
}

/* Seals and stages a checked row; duplicates found here go into re. */
static mns_err stage_row(struct import_stream *st, uint64_t row_no, const struct row_in *r, struct row_errors *re)
{
    struct mns_vault *v = st->v;
    uint8_t dk[MNS_KEY_LEN], bidx[MNS_BLIND_INDEX_LEN], owner_bidx[MNS_BLIND_INDEX_LEN];
    uint8_t wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD], ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    int64_t id = 0, pid = 0;
    char ad[160];
    mns_err err;

    if ((err = mns_blind_index(bidx, st->tk->bidx, r->number, MNS_MYNUMBER_LEN)) != MNS_OK)
        goto out;
    if (!r->dependent) {
        /* the four duplicate checks in one statement: one step per row */
        struct mns_stmt *s;
        int64_t dup[4] = {0, 0, 0, 0};
        bool row = false;
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT (SELECT row_no FROM import_rows WHERE import_id = ?1 AND number_bidx = ?2 "
                                     "AND kind <> 'dependent'), "
                                     "(SELECT id FROM persons WHERE tenant_id = ?3 AND number_bidx = ?2), "
                                     "(SELECT row_no FROM import_rows WHERE import_id = ?1 AND employee_code = ?4 "
                                     "AND kind <> 'dependent' LIMIT 1), "
                                     "(SELECT id FROM persons WHERE tenant_id = ?3 AND employee_code = ?4 LIMIT 1)")) != MNS_OK)
            goto out;
        err = mns_stmt_bind_int64(s, 1, st->id);
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx));
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, st->tenant_id);
        if (err == MNS_OK) err = *r->code ? mns_stmt_bind_text(s, 4, r->code, -1) : mns_stmt_bind_null(s, 4);
        if (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            for (int k = 0; k < 4; k++)
                dup[k] = mns_stmt_is_null(s, k) ? 0 : mns_stmt_int64(s, k);
        mns_stmt_reset(s);
        if (err != MNS_OK)
            goto out;
        if (dup[0] != 0)
            row_error(re, F_NUMBER, "duplicate_in_file", "mynumber: the same number as row %lld / %lld行目と同じ番号です",
                      (long long)dup[0], (long long)dup[0]);
        else if (dup[1] != 0)
            row_error(re, F_NUMBER, "already_registered",
                      "mynumber: already registered (person %lld) / 既に登録されています（本人ID %lld）", (long long)dup[1],
                      (long long)dup[1]);
        if (dup[2] != 0)
            row_error(re, F_CODE, "duplicate_code", "employee_code: the same code as row %lld / %lld行目と同じ従業員番号です",
                      (long long)dup[2], (long long)dup[2]);
        else if (dup[3] != 0)
            row_error(re, F_CODE, "code_registered",
                      "employee_code: already used by person %lld / 本人ID %lld が使用しています", (long long)dup[3],
                      (long long)dup[3]);
        if (re->n > 0)
            goto out;
        if ((err = vault_new_id(v, &id)) != MNS_OK || (err = mns_random(dk, sizeof(dk))) != MNS_OK)
            goto out;
        ad_person_key(ad, sizeof(ad), st->tenant_id, id, st->tk->version);
        if ((err = mns_aead_seal(wrapped, st->tk->kek, ad, strlen(ad), dk, sizeof(dk))) != MNS_OK)
            goto out;
        ad_number(ad, sizeof(ad), st->tenant_id, "person", id);
        if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), (const uint8_t *)r->number, MNS_MYNUMBER_LEN)) != MNS_OK)
            goto out;
        err = insert_staged(st, row_no, id, r, 0, wrapped, sizeof(wrapped), ct, sizeof(ct), bidx);
        goto out;
    }
    /* a dependent: sealed under its person's key */
    if ((err = dependent_owner(st, r->code, &pid, dk, owner_bidx, re)) != MNS_OK || pid == 0)
        goto out;
    if (mns_equal(owner_bidx, bidx, MNS_BLIND_INDEX_LEN)) {
        row_error(re, F_NUMBER, "dependent_is_person", "mynumber: the same number as the person's own / 本人と同じ番号です");
        goto out;
    }
    {
        struct mns_stmt *s;
        bool row = false;
        /* by the person's code first: the staged rows of one code are a
         * few, found by import_rows_code; without it every dependent row
         * scanned all of the import's rows (40,000 rows: 77 s) */
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT 1 FROM import_rows WHERE import_id = ? AND employee_code = ? AND person_id = ? "
                                     "AND number_bidx = ? "
                                     "UNION ALL SELECT 1 FROM dependents WHERE person_id = ? AND number_bidx = ?")) != MNS_OK)
            goto out;
        err = mns_stmt_bind_int64(s, 1, st->id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, r->code, -1);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, pid);
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 4, bidx, sizeof(bidx));
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 5, pid);
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 6, bidx, sizeof(bidx));
        if (err == MNS_OK)
            err = mns_stmt_step(s, &row);
        mns_stmt_reset(s);
        if (err != MNS_OK)
            goto out;
        if (row) {
            row_error(re, F_NUMBER, "duplicate_dependent",
                      "mynumber: this person already has this dependent / この本人に同じ扶養親族が既にいます");
            goto out;
        }
    }
    if ((err = vault_new_id(v, &id)) != MNS_OK)
        goto out;
    ad_number(ad, sizeof(ad), st->tenant_id, "dependent", id);
    if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), (const uint8_t *)r->number, MNS_MYNUMBER_LEN)) != MNS_OK)
        goto out;
    err = insert_staged(st, row_no, id, r, pid, NULL, 0, ct, sizeof(ct), bidx);
out:
    mns_wipe(dk, sizeof(dk));
    return err;
}

/* ---- the header and the record callback ------------------------------------- */

static mns_err map_header(struct import_stream *st, char *const *cell, size_t ncells, mns_errmsg *em)
{
    char key[256], alias[256];
    for (int f = 0; f < F__COUNT; f++) {
        st->field_col[f] = -1;
        st->col_name[f][0] = '\0';
    }
    st->ncols = ncells;
    for (size_t c = 0; c < ncells; c++) {
        int f = -1;
        const char *text = trim(cell[c]);
        header_key(text, key, sizeof(key));
        /* the user's own mapping first, then the names payroll files use */
        const char *custom = json_string_value(json_object_get(st->custom, text));
        if (custom != NULL)
            f = field_by_code(custom);
        for (int g = 0; custom == NULL && f < 0 && g < F__COUNT; g++)
            for (size_t a = 0; a < 12 && fields[g].alias[a] != NULL; a++) {
                header_key(fields[g].alias[a], alias, sizeof(alias));
                if (strcmp(key, alias) == 0) {
                    f = g;
                    break;
                }
            }
        if (f >= 0 && st->field_col[f] >= 0)
            return mns_fail(em, MNS_ERR_INVALID, "header: columns %d and %zu both map to %s / %d列目と%zu列目がどちらも「%s」です",
                            st->field_col[f] + 1, c + 1, fields[f].code, st->field_col[f] + 1, c + 1, fields[f].ja);
        st->col_field[c] = f;
        if (f >= 0) {
            st->field_col[f] = (int)c;
            snprintf(st->col_name[f], sizeof(st->col_name[f]), "%s", text);
        } else if (mns_text_contains_mynumber(text, strlen(text))) {
            return mns_fail(em, MNS_ERR_INVALID, "header: column %zu holds what looks like a My Number: the first row "
                            "must be the column names / %zu列目の見出しに個人番号と思われる数字があります（1行目は見出し行）",
                            c + 1, c + 1);
        } else {
            json_array_append_new(st->ignored, json_string(text));
        }
    }
    if (st->field_col[F_NAME] < 0 || st->field_col[F_NUMBER] < 0)
        return mns_fail(em, MNS_ERR_INVALID,
                        "header: the columns 氏名 (name) and 個人番号 (mynumber) are required; map others with "
                        "\"columns\" / 見出し行に「氏名」と「個人番号」の列が必要です");
    st->header_done = true;
    return MNS_OK;
}

static mns_err on_record(void *ctx, uint64_t no, char *const *cell, const size_t *len, size_t ncells, const char *bad,
                         mns_errmsg *em)
{
    struct import_stream *st = ctx;
    struct row_errors re = {0};
    struct row_in *r = NULL;
    mns_err err = MNS_OK;
    (void)len;

    if (!st->header_done) {
        if (bad != NULL)
            return mns_fail(em, MNS_ERR_INVALID, "header: %s", bad);
        return map_header(st, cell, ncells, em);
    }
    st->rows++;
    if (bad != NULL) {
        row_error(&re, -1, "format", "%s", bad);
    } else {
        /* one secure buffer per import, wiped after every row */
        if (st->row == NULL && (st->row = mns_secure_alloc(sizeof(*st->row))) == NULL)
            return MNS_ERR_NOMEM;
        r = st->row;
        check_row(st, cell, ncells, r, &re);
        if (re.n == 0)
            err = stage_row(st, no, r, &re);
        mns_wipe(r, sizeof(*r));
    }
    if (err != MNS_OK)
        return err;
    if (re.n > 0) {
        st->invalid++;
        return store_errors(st, no, &re);
    }
    /* the duplicate checks look the staged rows up by index: the planner
     * must know the table grew (at 1,000 rows, then each time it doubled) */
    if (st->rows >= 1000 && st->rows >= 2 * st->analyzed_rows) {
        if ((err = mns_store_analyze(st->v->store, "import_rows")) != MNS_OK)
            return err;
        st->analyzed_rows = st->rows;
    }
    if (bad == NULL) {
        /* stage_row only succeeds for a row it staged */
        bool dep = st->field_col[F_REL] >= 0 && (size_t)st->field_col[F_REL] < ncells && *cell[st->field_col[F_REL]] &&
                   strcmp(cell[st->field_col[F_REL]], "本人") != 0 && strcasecmp(cell[st->field_col[F_REL]], "self") != 0;
        if (dep)
            st->dependents++;
        else
            st->persons++;
    }
    return MNS_OK;
}

/* ---- the public acts --------------------------------------------------------- */

static json_t *import_json(struct mns_vault *v, int64_t id, int64_t tid)
{
    struct mns_stmt *s;
    bool row = false;
    json_t *o = NULL;
    if (mns_store_prepare(v->store, &s,
                          "SELECT id, created_by, created_at, file_name, encoding, options, columns, status, bytes, rows, "
                          "valid_persons, valid_dependents, invalid_rows, finished_at FROM imports "
                          "WHERE id = ? AND tenant_id = ?") != MNS_OK)
        return NULL;
    if (mns_stmt_bind_int64(s, 1, id) == MNS_OK && mns_stmt_bind_int64(s, 2, tid) == MNS_OK &&
        mns_stmt_step(s, &row) == MNS_OK && row) {
        o = json_pack("{s:I, s:s, s:I, s:s?, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "import_id", (json_int_t)mns_stmt_int64(s, 0),
                      "created_by", mns_stmt_text(s, 1), "created_at", (json_int_t)mns_stmt_int64(s, 2), "file_name",
                      mns_stmt_text(s, 3), "encoding", mns_stmt_text(s, 4), "status", mns_stmt_text(s, 7), "bytes",
                      (json_int_t)mns_stmt_int64(s, 8), "rows", (json_int_t)mns_stmt_int64(s, 9), "valid_persons",
                      (json_int_t)mns_stmt_int64(s, 10), "valid_dependents", (json_int_t)mns_stmt_int64(s, 11),
                      "invalid_rows", (json_int_t)mns_stmt_int64(s, 12));
        if (o != NULL) {
            json_t *opt = json_loads(mns_stmt_text(s, 5) ? mns_stmt_text(s, 5) : "{}", 0, NULL);
            json_t *cols = mns_stmt_text(s, 6) ? json_loads(mns_stmt_text(s, 6), 0, NULL) : NULL;
            json_object_set_new(o, "options", opt ? opt : json_object());
            if (cols != NULL)
                json_object_update_missing(o, cols);
            json_decref(cols);
            if (!mns_stmt_is_null(s, 13))
                json_object_set_new(o, "finished_at", json_integer(mns_stmt_int64(s, 13)));
        }
    }
    mns_stmt_reset(s);
    return o;
}

/* The import's owner and status (lock held); MNS_ERR_NOT_FOUND if none in this tenant. */
static mns_err import_state(struct mns_vault *v, int64_t id, int64_t tid, char *owner, size_t osize, char *status,
                            size_t ssize, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT created_by, status FROM imports WHERE id = ? AND tenant_id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row) {
        snprintf(owner, osize, "%s", mns_stmt_text(s, 0));
        snprintf(status, ssize, "%s", mns_stmt_text(s, 1));
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such import / 取込みが見つかりません");
    return err;
}

static mns_err parse_options(struct import_stream *st, const json_t *opt, mns_csv_encoding *enc, mns_errmsg *em)
{
    static const char *const known[] = {"file_name", "encoding", "kind", "purposes", "columns"};
    const char *key;
    json_t *val;
    *enc = MNS_CSV_AUTO;
    snprintf(st->kind, sizeof(st->kind), "employee");
    if (opt == NULL)
        return MNS_OK;
    if (!json_is_object(opt))
        return mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
    json_object_foreach((json_t *)opt, key, val) {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0]))
            return mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field / 不明な項目です", vault_valid_code(key) ? key : "field");
    }
    const char *fname = json_string_value(json_object_get(opt, "file_name"));
    if (json_object_get(opt, "file_name") != NULL && !vault_valid_text(fname, 255))
        return mns_fail(em, MNS_ERR_INVALID, "file_name: text of at most 255 bytes / 255バイト以内");
    val = json_object_get(opt, "encoding");
    if (val != NULL && !mns_csv_encoding_parse(json_string_value(val), enc))
        return mns_fail(em, MNS_ERR_INVALID, "encoding: auto, utf-8 or shift_jis / auto, utf-8, shift_jis のいずれかです");
    val = json_object_get(opt, "kind");
    if (val != NULL) {
        const char *k = json_is_string(val) ? parse_kind(json_string_value(val), NULL) : NULL;
        if (k == NULL)
            return mns_fail(em, MNS_ERR_INVALID, "kind: employee or payee / employee か payee です");
        snprintf(st->kind, sizeof(st->kind), "%s", k);
    }
    val = json_object_get(opt, "purposes");
    if (val != NULL) {
        if (!json_is_array(val) || json_array_size(val) > DEFAULT_PURPOSES_MAX)
            return mns_fail(em, MNS_ERR_INVALID, "purposes: a list of at most 16 codes / 16件以内のコードの一覧です");
        for (size_t i = 0; i < json_array_size(val); i++) {
            const char *code = json_string_value(json_array_get(val, i));
            if (!vault_valid_code(code) || !purpose_known(st->known, code))
                return mns_fail(em, MNS_ERR_INVALID, "purposes[%zu]: not a purpose code of this tenant / "
                                "この事業者の利用目的コードではありません", i);
            snprintf(st->purposes[st->npurposes++], sizeof(st->purposes[0]), "%s", code);
        }
    }
    val = json_object_get(opt, "columns");
    if (val != NULL) {
        if (!json_is_object(val) || json_object_size(val) > MNS_CSV_FIELDS_MAX)
            return mns_fail(em, MNS_ERR_INVALID, "columns: an object {\"header\": \"field\"} / {\"見出し\": \"項目\"} の形です");
        json_t *f;
        json_object_foreach(val, key, f) {
            if (!json_is_string(f) || field_by_code(json_string_value(f)) < 0)
                return mns_fail(em, MNS_ERR_INVALID,
                                "columns: each value is one of name, name_kana, mynumber, birth_date, employee_code, kind, "
                                "relationship, purposes / 対応先の項目名が正しくありません");
            if (mns_text_contains_mynumber(key, strlen(key)))
                return mns_fail(em, MNS_ERR_INVALID, "columns: a header may not hold a number / 見出しに番号は使えません");
        }
        st->custom = json_deep_copy(val);
    }
    return MNS_OK;
}

/* Clerk access to a tenant's persons, as for person add (lock held). */
static mns_err import_access(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *tenant_code,
                             int64_t *tid, mns_errmsg *em)
{
    mns_err err;
    if ((err = require_role(actor, MNS_ROLE_CLERK, em)) != MNS_OK ||
        (err = resolve_tenant(v, a, actor, tenant_code, tid, em)) != MNS_OK)
        return err;
    a->tenant_id = *tid;
    return require_unsealed(v, em);
}

mns_err mns_vault_import_begin(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const json_t *options, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct import_stream *st = calloc(1, sizeof(*st));
    struct purpose_set *known = malloc(sizeof(*known));
    mns_csv_encoding enc = MNS_CSV_AUTO;
    int64_t tid = 0, id = 0, stale = 0;
    size_t slot = IMPORT_OPEN_MAX;
    char *opt_text = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "import.begin");
    if (st == NULL || known == NULL || (st->ignored = json_array()) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = import_access(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = load_purposes(v, tid, known)) != MNS_OK)
        goto out;
    st->known = known;
    if ((err = parse_options(st, options, &enc, em)) != MNS_OK)
        goto out;
    st->known = NULL;
    if ((err = require_file(&a, st->kind, em)) != MNS_OK)
        goto out;
    if (v->imports == NULL && (v->imports = calloc(1, sizeof(*v->imports))) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    /* a free slot, or the one idle longest past IMPORT_IDLE_MS (that import is interrupted) */
    int64_t now = mns_now_ms(), oldest = now;
    for (size_t i = 0; i < IMPORT_OPEN_MAX; i++) {
        struct import_stream *o = v->imports->open[i];
        if (o == NULL) {
            slot = i;
            break;
        }
        if (now - o->last_used_ms > IMPORT_IDLE_MS && o->last_used_ms < oldest) {
            oldest = o->last_used_ms;
            slot = i;
        }
    }
    if (slot == IMPORT_OPEN_MAX) {
        err = mns_fail(em, MNS_ERR_LIMIT, "%d imports are in progress; finish one first / 取込みが%d件進行中です",
                       IMPORT_OPEN_MAX, IMPORT_OPEN_MAX);
        goto out;
    }
    if ((err = mns_csv_new(&st->csv, enc)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    stale = v->imports->open[slot] != NULL ? v->imports->open[slot]->id : 0;
    if (stale != 0 && (err = set_status(v, stale, "interrupted")) != MNS_OK)
        goto out;
    json_t *opt = options != NULL ? json_deep_copy(options) : json_object();
    if (opt == NULL || (opt_text = vault_json_text(opt)) == NULL) {
        json_decref(opt);
        err = MNS_ERR_NOMEM;
        goto out;
    }
    json_decref(opt);
    struct mns_stmt *s;
    if ((err = vault_new_id(v, &id)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO imports (id, tenant_id, created_by, created_at, file_name, encoding, options, "
                                 "status) VALUES (?, ?, ?, ?, ?, ?, ?, 'receiving')")) != MNS_OK)
        goto out;
    const char *fname = json_string_value(json_object_get(options, "file_name"));
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, now);
    if (err == MNS_OK) err = fname ? mns_stmt_bind_text(s, 5, fname, -1) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 6, mns_csv_encoding_name(enc), -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, opt_text, -1);
    if ((err = run_or_reset(s, err)) != MNS_OK)
        goto out;
    st->id = id;
    st->tenant_id = tid;
    st->last_used_ms = now;
    snprintf(st->user, sizeof(st->user), "%s", actor->name);
    snprintf(a.subject, sizeof(a.subject), "import:%lld", (long long)id);
    act_note(&a, "encoding=%s", mns_csv_encoding_name(enc));
out:
    free(opt_text);
    free(known);
    err = act_end(&a, err);
    if (err == MNS_OK) {
        stream_free(v->imports->open[slot]);
        v->imports->open[slot] = st;
        st = NULL;
        if (stale != 0)
            ignore_err(drop_staged_batched(v, stale)); /* else imports_recover finishes it */
    }
    vault_unlock(v);
    stream_free(st);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:s}", "import_id", (json_int_t)id, "status", "receiving");
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

static mns_err save_progress(struct import_stream *st, const char *status)
{
    struct mns_stmt *s;
    json_t *cols = json_object(), *map = json_array();
    char *cols_text = NULL;
    mns_err err;
    for (int f = 0; f < F__COUNT && cols && map; f++)
        if (st->field_col[f] >= 0)
            json_array_append_new(map, json_pack("{s:s, s:s, s:i}", "header", st->col_name[f], "field", fields[f].code,
                                                 "column", st->field_col[f] + 1));
    if (cols != NULL && map != NULL && st->header_done) {
        json_object_set(cols, "columns", map);
        json_object_set(cols, "ignored_columns", st->ignored);
        cols_text = vault_json_text(cols);
    }
    json_decref(cols);
    json_decref(map);
    if ((err = mns_store_prepare(st->v->store, &s,
                                 "UPDATE imports SET encoding = ?, columns = COALESCE(?, columns), status = ?, bytes = ?, "
                                 "rows = ?, valid_persons = ?, valid_dependents = ?, invalid_rows = ?, "
                                 "finished_at = CASE WHEN ? = 'receiving' THEN NULL ELSE ? END WHERE id = ?")) != MNS_OK) {
        free(cols_text);
        return err;
    }
    err = mns_stmt_bind_text(s, 1, mns_csv_encoding_name(mns_csv_encoding_of(st->csv)), -1);
    if (err == MNS_OK) err = cols_text ? mns_stmt_bind_text(s, 2, cols_text, -1) : mns_stmt_bind_null(s, 2);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, status, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, (int64_t)mns_csv_bytes(st->csv));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 5, st->rows);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, st->persons);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 7, st->dependents);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, st->invalid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 9, status, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 10, mns_now_ms());
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 11, st->id);
    free(cols_text);
    return run_or_reset(s, err);
}

mns_err mns_vault_import_data(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                              const void *data, size_t len, bool last, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct purpose_set *known = malloc(sizeof(*known));
    struct import_stream **slot = NULL, *st = NULL;
    char owner[128] = "", status[16] = "";
    int64_t tid = 0;
    bool failed = false;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, last ? "import.finish" : "import.data");
    snprintf(a.subject, sizeof(a.subject), "import:%lld", (long long)id);
    if (known == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = import_access(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = import_state(v, id, tid, owner, sizeof(owner), status, sizeof(status), em)) != MNS_OK)
        goto out;
    if (strcmp(owner, actor->name) != 0) {
        err = mns_fail(em, MNS_ERR_DENIED, "only the clerk who began the import sends its file / "
                       "取込みを開始した担当者だけがファイルを送れます");
        goto out;
    }
    slot = stream_slot(v, id);
    if (strcmp(status, "receiving") != 0 || slot == NULL) {
        err = mns_fail(em, MNS_ERR_STATE, "the import is %s, not receiving; begin a new one / "
                       "この取込みは受付中ではありません（%s）。新しく開始してください",
                       strcmp(status, "receiving") == 0 ? "interrupted" : status,
                       strcmp(status, "receiving") == 0 ? "interrupted" : status);
        goto out;
    }
    if (len > IMPORT_CHUNK_MAX) {
        err = mns_fail(em, MNS_ERR_LIMIT, "data: at most 8 MiB per request / 1回に8MiBまでです");
        goto out;
    }
    st = *slot;
    /* Staged rows are written in the group transaction without a savepoint of
     * the act's own: a savepoint over tens of thousands of inserts into the
     * staging indexes would keep a copy of every index page they touch in
     * SQLite's in-memory sub-journal, so memory would grow with the file. A
     * chunk that fails leaves what it staged, and the failure path below
     * marks the import failed and deletes everything it staged. */
    if ((err = load_purposes(v, tid, known)) != MNS_OK || (err = tenant_keys_get(v, tid, &st->tk)) != MNS_OK ||
        (err = act_group_join(&a)) != MNS_OK)
        goto out;
    st->v = v;
    st->known = known;
    st->act = &a;
    int64_t persons0 = st->persons, deps0 = st->dependents, invalid0 = st->invalid;
    err = mns_csv_feed(st->csv, data, len, on_record, st, em);
    if (err == MNS_OK && last)
        err = mns_csv_finish(st->csv, on_record, st, em);
    if (err == MNS_OK && last && !st->header_done)
        err = mns_fail(em, MNS_ERR_INVALID, "the file is empty: no header row / ファイルが空です（見出し行がありません）");
    /* kinds the rows brought must be files the clerk is assigned to */
    if (err == MNS_OK && st->persons > persons0 && (err = require_file(&a, st->kind, em)) != MNS_OK)
        a.failure_detail = "file not assigned";
    if (err != MNS_OK) {
        /* the reader is past this chunk: the import cannot continue */
        failed = true;
        goto out;
    }
    st->last_used_ms = mns_now_ms();
    if ((err = save_progress(st, last ? "checked" : "receiving")) != MNS_OK) {
        failed = true;
        goto out;
    }
    act_note(&a, "rows=%lld valid_persons=%lld valid_dependents=%lld invalid_rows=%lld", (long long)st->rows,
             (long long)(st->persons - persons0 + persons0), (long long)(st->dependents - deps0 + deps0),
             (long long)(st->invalid - invalid0 + invalid0));
out:
    if (st != NULL) {
        st->known = NULL;
        st->tk = NULL;
        st->act = NULL;
    }
    err = act_end(&a, err);
    if (err != MNS_OK && st != NULL)
        failed = true;
    if (failed) {
        /* what this chunk staged was rolled back with the act; the rest goes too */
        mns_errmsg ignored = {""};
        struct act f;
        act_init(&f, v, actor, "import.fail");
        snprintf(f.subject, sizeof(f.subject), "import:%lld", (long long)id);
        f.tenant_id = tid;
        mns_err ferr = act_begin(&f);
        if (ferr == MNS_OK)
            ferr = set_status(v, id, "failed");
        (void)ignored;
        if (act_end(&f, ferr) == MNS_OK) /* the first error is the one to report */
            ignore_err(drop_staged_batched(v, id)); /* else imports_recover finishes it */
    }
    if ((failed || (err == MNS_OK && last)) && (slot = stream_slot(v, id)) != NULL) {
        stream_free(*slot);
        *slot = NULL;
    }
    json_t *summary = err == MNS_OK ? import_json(v, id, tid) : NULL;
    vault_unlock(v);
    free(known);
    if (err != MNS_OK)
        return err;
    *result = summary;
    return summary ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_import_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                             int64_t errors_after, unsigned limit, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    bool row;
    json_t *o = NULL, *errors = json_array();
    mns_err err;

    *result = NULL;
    if (limit == 0 || limit > 1000)
        limit = limit == 0 ? 100 : 1000;
    vault_lock(v);
    act_init(&a, v, actor, "import.read");
    snprintf(a.subject, sizeof(a.subject), "import:%lld", (long long)id);
    if ((err = require_role(actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    if ((o = import_json(v, id, tid)) == NULL) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such import / 取込みが見つかりません");
        goto out;
    }
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT row_no, column_name, field, code, message_en, message_ja FROM import_errors "
                                 "WHERE import_id = ? AND row_no > ? ORDER BY row_no, seq LIMIT ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, errors_after)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, limit)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
            json_array_append_new(errors, json_pack("{s:I, s:s?, s:s?, s:s, s:{s:s, s:s}}", "row",
                                                    (json_int_t)mns_stmt_int64(s, 0), "column", mns_stmt_text(s, 1),
                                                    "field", mns_stmt_text(s, 2), "code", mns_stmt_text(s, 3), "message",
                                                    "en", mns_stmt_text(s, 4), "ja", mns_stmt_text(s, 5)));
    mns_stmt_reset(s);
    json_object_set(o, "errors", errors);
    if (json_array_size(errors) == limit)
        json_object_set_new(o, "errors_next",
                            json_integer(json_integer_value(json_object_get(json_array_get(errors, limit - 1), "row"))));
out:
    json_decref(errors);
    return act_finish_result(&a, err, o, result);
}

/* One page of the tenant's imports, newest first; one more id than the page
 * is read to learn whether another page follows (ctx: struct import_page). */
struct import_page {
    struct page_bounds bounds;
    int64_t next; /* out: the next page's "before", 0: none */
};

static mns_err fill_imports(struct mns_vault *v, int64_t tid, json_t *list, const void *ctx)
{
    struct import_page *pg = (struct import_page *)ctx;
    struct mns_stmt *s;
    int64_t *ids = calloc((size_t)pg->bounds.limit + 1, sizeof(*ids));
    size_t n = 0;
    bool row;
    if (ids == NULL)
        return MNS_ERR_NOMEM;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT id FROM imports WHERE tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?");
    if (err != MNS_OK) {
        free(ids);
        return err;
    }
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, pg->bounds.before)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, pg->bounds.limit + 1)) == MNS_OK)
        while (n < (size_t)pg->bounds.limit + 1 && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            ids[n++] = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    if (n > (size_t)pg->bounds.limit) {
        n = (size_t)pg->bounds.limit;
        pg->next = ids[n - 1];
    }
    for (size_t i = 0; i < n && err == MNS_OK; i++) {
        json_t *o = import_json(v, ids[i], tid);
        if (o != NULL)
            json_array_append_new(list, o);
    }
    free(ids);
    return err;
}

mns_err mns_vault_import_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              const struct mns_list_page *page, json_t **result, mns_errmsg *em)
{
    struct import_page pg = {page_bounds_of(page), 0};
    mns_err err = tenant_list_fill(v, actor, "import.list", MNS_ROLE_CLERK | MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR,
                                   tenant_code, fill_imports, &pg, "imports", result, em);
    return err == MNS_OK ? page_next_set(result, pg.next) : err;
}

mns_err mns_vault_import_discard(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                                 mns_errmsg *em)
{
    struct act a;
    struct import_stream **slot;
    char owner[128], status[16];
    int64_t tid = 0;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "import.discard");
    snprintf(a.subject, sizeof(a.subject), "import:%lld", (long long)id);
    if ((err = require_role(actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = import_state(v, id, tid, owner, sizeof(owner), status, sizeof(status), em)) != MNS_OK)
        goto out;
    if (actor->role == MNS_ROLE_CLERK && strcmp(owner, actor->name) != 0) {
        err = mns_fail(em, MNS_ERR_DENIED, "another clerk's import: an officer may discard it / "
                       "他の担当者の取込みです（責任者は破棄できます）");
        goto out;
    }
    if (strcmp(status, "receiving") != 0 && strcmp(status, "checked") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "the import is already %s / この取込みは既に%sです", status, status);
        goto out;
    }
    if ((err = act_begin(&a)) == MNS_OK)
        err = set_status(v, id, "discarded");
out:
    err = act_end(&a, err);
    if (err == MNS_OK)
        ignore_err(drop_staged_batched(v, id)); /* else imports_recover finishes it */
    if (err == MNS_OK && (slot = stream_slot(v, id)) != NULL) {
        stream_free(*slot);
        *slot = NULL;
    }
    vault_unlock(v);
    return err;
}

/*
 * The ledger's count of the purposes in use (purpose_use) for an import's
 * persons. On SQLite tallied here in one pass rather than by GROUP BY:
 * SQLite sorts a GROUP BY it cannot read in index order, and with
 * temp_store=MEMORY the sort of a 1,000,000-row import held some 60 MiB.
 * On PostgreSQL the server groups them: libpq holds a whole result in the
 * client's memory, and a row per person was most of the daemon's 85 MiB
 * peak in that import. A code the tenant's set does not list (it cannot be
 * staged so) is still counted.
 */
static mns_err count_purposes_in_use(struct mns_vault *v, int64_t id, int64_t tid)
{
    struct purpose_set *set = malloc(sizeof(*set));
    struct purpose_tally *tally = calloc(1, sizeof(*tally));
    struct mns_stmt *s = NULL;
    bool row = false;
    mns_err err = set != NULL && tally != NULL ? load_purposes(v, tid, set) : MNS_ERR_NOMEM;

    if (err == MNS_OK)
        err = mns_store_prepare(v->store, &s,
                                strcmp(mns_store_backend(v->store), "sqlite") == 0
                                    ? "SELECT r.kind, ip.purpose_code, 1 FROM import_purposes ip JOIN import_rows r "
                                      "ON r.import_id = ip.import_id AND r.id = ip.person_id WHERE ip.import_id = ?"
                                    : "SELECT r.kind, ip.purpose_code, count(*) FROM import_purposes ip JOIN import_rows r "
                                      "ON r.import_id = ip.import_id AND r.id = ip.person_id WHERE ip.import_id = ? "
                                      "GROUP BY r.kind, ip.purpose_code");
    if (err == MNS_OK)
        err = mns_stmt_bind_int64(s, 1, id);
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        const char *kind = mns_stmt_text(s, 0), *code = mns_stmt_text(s, 1);
        int64_t n = mns_stmt_int64(s, 2);
        int k = strcmp(kind, "employee") == 0 ? 0 : strcmp(kind, "payee") == 0 ? 1 : -1;
        int i = purpose_index(set, code);
        if (k >= 0 && i >= 0)
            tally->count[k][i] += n;
        else
            err = purpose_use_add(v, tid, kind, code, n);
    }
    if (s != NULL)
        mns_stmt_reset(s);
    if (err == MNS_OK)
        err = purpose_tally_flush(v, tid, set, tally);
    free(set);
    free(tally);
    return err;
}

/* Moves an import's staged rows into persons (with their wrapped keys),
 * person_purposes and dependents: set-based, in the act's transaction. */
static mns_err move_rows(struct mns_vault *v, int64_t id, int64_t tid, int64_t now)
{
    static const char *const sql[] = {
        "INSERT INTO persons (id, tenant_id, kind, name, name_kana, birth_date, employee_code, number_ct, number_bidx, "
        "created_at, key_version, wrapped) SELECT id, ?2, kind, name, name_kana, birth_date, employee_code, number_ct, "
        "number_bidx, ?3, key_version, wrapped FROM import_rows WHERE import_id = ?1 AND kind <> 'dependent'",
        "INSERT INTO person_purposes (person_id, purpose_code) SELECT person_id, purpose_code "
        "FROM import_purposes WHERE import_id = ?1 AND ?2 = ?2 AND ?3 = ?3",
        "INSERT INTO dependents (id, person_id, tenant_id, name, relationship, name_kana, birth_date, number_ct, "
        "number_bidx, created_at) SELECT id, person_id, ?2, name, relationship, name_kana, birth_date, number_ct, "
        "number_bidx, ?3 FROM import_rows WHERE import_id = ?1 AND kind = 'dependent'",
    };
    mns_err err = MNS_OK;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && err == MNS_OK; i++) {
        struct mns_stmt *s;
        if ((err = mns_store_prepare(v->store, &s, sql[i])) != MNS_OK)
            return err;
        err = mns_stmt_bind_int64(s, 1, id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, now);
        err = run_or_reset(s, err);
    }
    return err == MNS_OK ? count_purposes_in_use(v, id, tid) : err;
}

mns_err mns_vault_import_store(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                               bool valid_only, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    char owner[128], status[16];
    int64_t tid = 0, persons = 0, deps = 0, invalid = 0;
    bool row = false, payees = false, employees = false;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "import.store");
    snprintf(a.subject, sizeof(a.subject), "import:%lld", (long long)id);
    if ((err = import_access(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = import_state(v, id, tid, owner, sizeof(owner), status, sizeof(status), em)) != MNS_OK)
        goto out;
    if (strcmp(owner, actor->name) != 0) {
        err = mns_fail(em, MNS_ERR_DENIED, "only the clerk who began the import stores it / "
                       "取込みを開始した担当者だけが登録できます");
        goto out;
    }
    if (strcmp(status, "checked") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "the import is %s: only a checked import is stored / "
                       "この取込みは%sです（確認済みの取込みだけ登録できます）", status, status);
        goto out;
    }
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT valid_persons, valid_dependents, invalid_rows, "
                                 "EXISTS (SELECT 1 FROM import_rows WHERE import_id = ?1 AND kind = 'employee'), "
                                 "EXISTS (SELECT 1 FROM import_rows WHERE import_id = ?1 AND kind = 'payee') "
                                 "FROM imports WHERE id = ?1")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        persons = mns_stmt_int64(s, 0);
        deps = mns_stmt_int64(s, 1);
        invalid = mns_stmt_int64(s, 2);
        employees = mns_stmt_int64(s, 3) != 0;
        payees = mns_stmt_int64(s, 4) != 0;
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    if (invalid > 0 && !valid_only) {
        err = mns_fail(em, MNS_ERR_STATE, "%lld rows have errors: fix the file, or choose to store only the valid rows "
                       "(valid_only) / %lld行にエラーがあります。修正するか、正しい行だけを登録してください",
                       (long long)invalid, (long long)invalid);
        goto out;
    }
    if (persons + deps == 0) {
        err = mns_fail(em, MNS_ERR_STATE, "no valid rows to store / 登録できる行がありません");
        goto out;
    }
    if ((employees && (err = require_file(&a, "employee", em)) != MNS_OK) ||
        (payees && (err = require_file(&a, "payee", em)) != MNS_OK))
        goto out;
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    /* every checked row still staged? (not in a store restored from a
     * backup, which holds no staging, or after a lost staging file) */
    if ((err = mns_store_prepare(v->store, &s, "SELECT count(*) FROM import_rows WHERE import_id = ?")) != MNS_OK)
        goto out;
    int64_t staged = -1;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        staged = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    if (err == MNS_OK && staged != persons + deps)
        err = mns_fail(em, MNS_ERR_STATE, "%lld of the %lld checked rows are no longer staged; import the file again / "
                       "確認済みの%lld行のうち%lld行しか残っていません。もう一度取り込んでください",
                       (long long)staged, (long long)(persons + deps), (long long)(persons + deps), (long long)staged);
    if (err != MNS_OK)
        goto out;
    err = move_rows(v, id, tid, mns_now_ms());
    if (err == MNS_ERR_EXISTS)
        err = mns_fail(em, MNS_ERR_STATE, "a number of this import was registered since it was checked; import the file "
                       "again / 確認後に同じ番号が登録されました。もう一度取り込んでください");
    if (err == MNS_OK)
        err = set_status(v, id, "stored");
    /* a large import changes what the tables hold: the planner is told */
    for (size_t i = 0; err == MNS_OK && persons + deps >= 1000 && person_tables[i] != NULL; i++)
        err = mns_store_analyze(v->store, person_tables[i]);
    act_note(&a, "persons=%lld dependents=%lld skipped_rows=%lld", (long long)persons, (long long)deps,
             (long long)invalid);
out:
    err = act_end(&a, err);
    /* the staged copies (own wrapped keys) must not outlive the store: gone now */
    if (err == MNS_OK)
        ignore_err(drop_staged_batched(v, id)); /* retried by imports_recover if this fails */
    json_t *summary = err == MNS_OK ? import_json(v, id, tid) : NULL;
    vault_unlock(v);
    if (err != MNS_OK)
        return err;
    if (summary == NULL)
        return MNS_ERR_NOMEM;
    json_object_set_new(summary, "stored_persons", json_integer(persons));
    json_object_set_new(summary, "stored_dependents", json_integer(deps));
    *result = summary;
    return MNS_OK;
}
