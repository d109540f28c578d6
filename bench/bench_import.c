/*
 * bench_import.c: how fast a batch import of persons goes through the real
 * mnsafe daemon, beside plain SQLite doing the same inserts in the same run.
 *
 *   bench_import [--persons N] [--batch B] [--seed S] [--mnsafe PATH]
 *                [--tmpdir DIR] [--threads T] [--baseline-ids seq|random]
 *                [--perf-record FILE] [--repeat R] [--keep] [--secondary] [--target X]
 *
 * 1. Makes N distinct random valid My Numbers (check digit per the Ministry
 *    ordinance: weights 6,5,4,3,2,7,6,5,4,3,2, r = sum mod 11, check = 0 if
 *    r <= 1 else 11 - r) with names and employee codes, from a fixed seed.
 * 2. Baseline: a plaintext SQLite database in a temp dir, journal_mode=WAL and
 *    synchronous=FULL like the vault, its 8 MiB page cache, one transaction
 *    per batch, inserting
 *    (id, tenant_id, kind, name, employee_code, mynumber TEXT, created_at) with
 *    a unique index on (tenant_id, mynumber) and one person_purposes row per
 *    person. Its peak RSS is measured as the growth of this process's VmHWM
 *    (reset through /proc/self/clear_refs before it starts).
 * 3. mnsafe: `mnsafe init --dev`, `mnsafe serve --dev --no-https` in another
 *    temp dir; admin login, tenant, clerk, assignment, clerk login, all as
 *    HTTP/1.1 over the daemon's Unix socket (one request per connection, as
 *    src/client.c does); then POST .../persons in batches, one request after
 *    the other. Wall time, persons/s, p50/p99 latency per request, the
 *    daemon's CPU time (/proc/PID/stat) and its peak RSS (VmHWM).
 * 4. Checks: the ids the daemon answered equal the ids its paginated list
 *    shows (and there are N of them), and `mnsafe audit verify` passes once
 *    the daemon has stopped.
 *
 * Exit status: 0 when everything ran and the checks passed (whether or not
 * the speed target is met; the table says), 1 when a check failed, 2 on a
 * usage or setup error. No timed assertion lives in the test suites: this
 * program runs from `make bench` only.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#ifndef MNS_BENCH_MNSAFE
#define MNS_BENCH_MNSAFE "mnsafe"
#endif

#define API "/api/v1"
#define TENANT "bench"
#define PURPOSE "withholding_slip"
#define RESPONSE_MAX (256u * 1024 * 1024)

/* ---- small helpers ---------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
    fprintf(stderr, "bench_import: %s\n", msg);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die("out of memory");
    return p;
}

struct buf {
    char *p;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len > more)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= more)
        cap *= 2;
    char *n = realloc(b->p, cap);
    if (n == NULL)
        die("out of memory");
    b->p = n;
    b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* splitmix64: small, fast, and the same sequence on every machine */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted array */
static double percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/* A "Key:   123 kB" line of /proc/<pid>/status, in kB; -1 if absent. */
static long proc_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    long v = -1;
    size_t klen = strlen(key);
    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    else
        snprintf(path, sizeof(path), "/proc/self/status");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* A "key: 123" line of /proc/<pid>/io (rchar, wchar: bytes read and written
 * through read/write/pread/pwrite, page cache or not); -1 if unreadable. */
static long long proc_io(pid_t pid, const char *key)
{
    char path[64], line[128];
    long long v = -1;
    size_t klen = strlen(key);
    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
    else
        snprintf(path, sizeof(path), "/proc/self/io");
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtoll(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Resets the peak RSS (VmHWM) of a process to its current RSS (Linux >= 4.0). */
static bool reset_hwm(pid_t pid)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
    else
        snprintf(path, sizeof(path), "/proc/self/clear_refs");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

/* utime + stime of a process, in seconds; -1 if unreadable. */
static double proc_cpu_s(pid_t pid, double *user, double *sys)
{
    char path[64], text[2048];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    char *p = strrchr(text, ')'); /* the command name may hold spaces */
    if (p == NULL)
        return -1;
    /* after ") ": state(3) ... utime is field 14, stime 15 */
    unsigned long long ut = 0, st = 0;
    int field = 2;
    for (char *tok = p + 1; *tok && field < 15;) {
        while (*tok == ' ')
            tok++;
        field++;
        if (field == 14)
            ut = strtoull(tok, NULL, 10);
        else if (field == 15)
            st = strtoull(tok, NULL, 10);
        while (*tok && *tok != ' ')
            tok++;
    }
    double hz = (double)sysconf(_SC_CLK_TCK);
    *user = (double)ut / hz;
    *sys = (double)st / hz;
    return *user + *sys;
}

static double rusage_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- test data ------------------------------------------------------------------ */

struct person {
    char number[13];
    char name[48];
    char code[24];
};

static int check_digit(const char *d11)
{
    static const int w[11] = {6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (int i = 0; i < 11; i++)
        sum += (d11[i] - '0') * w[i];
    int r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

/* N distinct valid numbers (an open-addressing set of their values) */
static struct person *make_persons(size_t n, uint64_t seed)
{
    static const char *const family[] = {"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本",
                                         "中村", "小林", "加藤", "吉田", "山田", "佐々木", "山口",
                                         "松本", "井上", "木村", "林", "斎藤", "清水"};
    static const char *const given[] = {"太郎", "花子", "一郎", "美咲", "翔太", "陽菜", "大輔",
                                        "さくら", "健太", "結衣", "拓也", "愛", "直樹", "葵",
                                        "誠", "彩", "浩", "舞", "隆", "恵"};
    struct person *ps = xmalloc(n * sizeof(*ps));
    size_t cap = 1;
    while (cap < n * 2 + 16)
        cap <<= 1;
    uint64_t *set = calloc(cap, sizeof(*set)); /* 0 = empty; values are stored +1 */
    if (set == NULL)
        die("out of memory");
    uint64_t st = seed;
    for (size_t i = 0; i < n;) {
        char d[13];
        uint64_t r = rng_next(&st);
        for (int k = 0; k < 11; k++) {
            d[k] = (char)('0' + r % 10);
            r /= 10;
        }
        d[11] = (char)('0' + check_digit(d));
        d[12] = '\0';
        uint64_t val = strtoull(d, NULL, 10) + 1, h = val * UINT64_C(0x9E3779B97F4A7C15);
        size_t slot = (size_t)(h >> 20) & (cap - 1);
        bool dup = false;
        while (set[slot] != 0) {
            if (set[slot] == val) {
                dup = true;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
        if (dup)
            continue;
        set[slot] = val;
        memcpy(ps[i].number, d, sizeof(d));
        uint64_t nr = rng_next(&st);
        snprintf(ps[i].name, sizeof(ps[i].name), "%s %s", family[nr % 20], given[(nr >> 8) % 20]);
        snprintf(ps[i].code, sizeof(ps[i].code), "E%07zu", i + 1);
        i++;
    }
    free(set);
    return ps;
}

/* ---- results ----------------------------------------------------------------- */

struct run {
    bool ok;
    double wall_s, cpu_s, cpu_user_s, cpu_sys_s;
    double *lat_ms; /* per request (mnsafe) or per transaction (baseline) */
    size_t nlat;
    long rss_before_kb, rss_peak_kb; /* baseline: this process; mnsafe: the daemon */
    double client_cpu_s;             /* mnsafe: this process while importing */
    long long rchar, wchar;          /* bytes read / written by the importer (-1: unknown) */
};

static void lat_sort(struct run *r)
{
    qsort(r->lat_ms, r->nlat, sizeof(double), cmp_double);
}

/* ---- baseline: plain SQLite ------------------------------------------------------ */

static int sq_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_import: baseline: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int sq_check_pragma(sqlite3 *db, const char *get, const char *want)
{
    sqlite3_stmt *s = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(db, get, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        ok = v != NULL && strcmp(v, want) == 0;
    }
    sqlite3_finalize(s);
    if (!ok)
        fprintf(stderr, "bench_import: baseline: %s is not %s\n", get, want);
    return ok ? 0 : -1;
}

static void baseline_run(const struct person *ps, size_t n, size_t batch, const char *dir, bool random_ids,
                         uint64_t seed, struct run *r)
{
    char path[4200];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *pur = NULL;

    memset(r, 0, sizeof(*r));
    r->lat_ms = xmalloc(((n + batch - 1) / batch) * sizeof(double));
    /* reset this process's peak RSS to what it holds now */
    if (!reset_hwm(0))
        fprintf(stderr, "bench_import: cannot reset VmHWM; the baseline's RSS delta is an upper bound\n");
    r->rss_before_kb = proc_status_kb(0, "VmRSS");

    snprintf(path, sizeof(path), "%s/baseline.db", dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "bench_import: baseline: cannot open %s\n", path);
        goto out;
    }
    /* the page cache the vault's store has (lib/store/sqlite.c), so that
     * neither side is measured with more memory than the other */
    if (sq_exec(db, "PRAGMA journal_mode=WAL") || sq_exec(db, "PRAGMA synchronous=FULL") ||
        sq_exec(db, "PRAGMA cache_size=-8192") || sq_check_pragma(db, "PRAGMA cache_size", "-8192") ||
        sq_check_pragma(db, "PRAGMA journal_mode", "wal") || sq_check_pragma(db, "PRAGMA synchronous", "2") ||
        sq_exec(db, "CREATE TABLE persons (\n"
                    "  id INTEGER PRIMARY KEY,\n"
                    "  tenant_id INTEGER NOT NULL,\n"
                    "  kind TEXT NOT NULL,\n"
                    "  name TEXT NOT NULL,\n"
                    "  employee_code TEXT,\n"
                    "  mynumber TEXT NOT NULL,\n"
                    "  created_at INTEGER NOT NULL\n"
                    ")") ||
        sq_exec(db, "CREATE UNIQUE INDEX persons_number ON persons (tenant_id, mynumber)") ||
        sq_exec(db, "CREATE TABLE person_purposes (\n"
                    "  person_id INTEGER NOT NULL REFERENCES persons(id),\n"
                    "  purpose_code TEXT NOT NULL,\n"
                    "  PRIMARY KEY (person_id, purpose_code)\n"
                    ")"))
        goto out;
    if (sqlite3_prepare_v3(db,
                           "INSERT INTO persons (id, tenant_id, kind, name, employee_code, mynumber, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, "INSERT INTO person_purposes (person_id, purpose_code) VALUES (?, ?)", -1,
                           SQLITE_PREPARE_PERSISTENT, &pur, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_import: baseline: prepare: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    uint64_t st = seed ^ UINT64_C(0x5DEECE66D);
    long long rc0 = proc_io(0, "rchar"), wc0 = proc_io(0, "wchar");
    double cpu0 = rusage_cpu_s(), t0 = now_s();
    for (size_t i = 0; i < n;) {
        double b0 = now_s();
        if (sq_exec(db, "BEGIN IMMEDIATE"))
            goto out;
        size_t end = i + batch < n ? i + batch : n;
        for (; i < end; i++) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t id = random_ids ? (int64_t)((rng_next(&st) & ((UINT64_C(1) << 53) - 1)) | 1024) : (int64_t)i + 1;
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_int64(ins, 2, 1);
            sqlite3_bind_text(ins, 3, "employee", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, ps[i].name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 5, ps[i].code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 6, ps[i].number, 12, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 7, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "bench_import: baseline: insert: %s\n", sqlite3_errmsg(db));
                goto out;
            }
            sqlite3_reset(ins);
            sqlite3_bind_int64(pur, 1, id);
            sqlite3_bind_text(pur, 2, PURPOSE, -1, SQLITE_STATIC);
            if (sqlite3_step(pur) != SQLITE_DONE) {
                fprintf(stderr, "bench_import: baseline: insert purpose: %s\n", sqlite3_errmsg(db));
                goto out;
            }
            sqlite3_reset(pur);
        }
        if (sq_exec(db, "COMMIT"))
            goto out;
        r->lat_ms[r->nlat++] = (now_s() - b0) * 1e3;
    }
    r->wall_s = now_s() - t0;
    r->cpu_s = rusage_cpu_s() - cpu0;
    long long rc1 = proc_io(0, "rchar"), wc1 = proc_io(0, "wchar");
    r->rchar = rc0 >= 0 && rc1 >= 0 ? rc1 - rc0 : -1;
    r->wchar = wc0 >= 0 && wc1 >= 0 ? wc1 - wc0 : -1;
    /* correctness of the baseline too */
    sqlite3_stmt *cnt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM person_purposes)", -1,
                           &cnt, NULL) == SQLITE_OK &&
        sqlite3_step(cnt) == SQLITE_ROW && (size_t)sqlite3_column_int64(cnt, 0) == n &&
        (size_t)sqlite3_column_int64(cnt, 1) == n)
        r->ok = true;
    else
        fprintf(stderr, "bench_import: baseline: row count is not %zu\n", n);
    sqlite3_finalize(cnt);
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(pur);
    sqlite3_close_v2(db);
    r->rss_peak_kb = proc_status_kb(0, "VmHWM");
    lat_sort(r);
}

/* ---- HTTP over the daemon's Unix socket -------------------------------------------- */

struct http_resp {
    int status;
    json_t *json;
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One request on its own connection (Connection: close), like src/client.c.
 * Returns the HTTP status, or -1 when the daemon could not be reached. */
static int http_call(const char *sock, const char *method, const char *path, const char *token, const char *body,
                     size_t body_len, json_t **out, struct buf *rbuf)
{
    struct sockaddr_un sa;
    char head[1024];
    int fd, status = -1;

    *out = NULL;
    rbuf->len = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, sock, strlen(sock) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        goto out;
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAccept: application/json\r\n"
                      "%s%s%s"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      method, path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "",
                      body_len);
    if (hl < 0 || (size_t)hl >= sizeof(head) || write_all(fd, head, (size_t)hl) != 0 ||
        (body_len > 0 && write_all(fd, body, body_len) != 0))
        goto out;
    for (;;) {
        buf_reserve(rbuf, 65536);
        ssize_t r = read(fd, rbuf->p + rbuf->len, rbuf->cap - rbuf->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        rbuf->len += (size_t)r;
        if (rbuf->len > RESPONSE_MAX)
            goto out;
    }
    if (rbuf->len < 12 || strncmp(rbuf->p, "HTTP/1.1 ", 9) != 0)
        goto out;
    rbuf->p[rbuf->len] = '\0';
    char *sep = strstr(rbuf->p, "\r\n\r\n");
    if (sep == NULL)
        goto out;
    status = (int)strtol(rbuf->p + 9, NULL, 10);
    size_t blen = rbuf->len - (size_t)(sep + 4 - rbuf->p);
    if (blen > 0) {
        json_error_t jerr;
        *out = json_loadb(sep + 4, blen, 0, &jerr);
    }
out:
    close(fd);
    return status;
}

/* A call with a JSON body given as a jansson value; prints the error on a
 * status other than want. */
static json_t *api(const char *sock, const char *method, const char *path, const char *token, json_t *body,
                   int want, struct buf *rbuf)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_t *out = NULL;
    int st = http_call(sock, method, path, token, text, text ? strlen(text) : 0, &out, rbuf);
    free(text);
    json_decref(body);
    if (st != want) {
        char *e = out ? json_dumps(out, JSON_COMPACT) : NULL;
        fprintf(stderr, "bench_import: %s %s: status %d (wanted %d): %s\n", method, path, st, want,
                e ? e : "(no body)");
        free(e);
        json_decref(out);
        return NULL;
    }
    return out != NULL ? out : json_object();
}

/* ---- the daemon ------------------------------------------------------------------- */

/* Runs argv to completion with stdout captured into out; returns the exit
 * status (or -1). */
static int run_capture(char *const argv[], struct buf *out, const char *log_path)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(p[1], 1);
        int lfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (lfd >= 0)
            dup2(lfd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    out->len = 0;
    for (;;) {
        buf_reserve(out, 4096);
        ssize_t r = read(p[0], out->p + out->len, out->cap - out->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        out->len += (size_t)r;
        out->p[out->len] = '\0';
    }
    close(p[0]);
    int wst;
    while (waitpid(pid, &wst, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
}

static pid_t start_daemon(const char *mnsafe, const char *data, const char *sock, const char *threads,
                          const char *log_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* the daemon dies with us, whatever happens to us */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int lfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (lfd >= 0) {
        dup2(lfd, 1);
        dup2(lfd, 2);
    }
    char *argv[16];
    int a = 0;
    argv[a++] = (char *)mnsafe;
    argv[a++] = (char *)"--data";
    argv[a++] = (char *)data;
    argv[a++] = (char *)"--socket";
    argv[a++] = (char *)sock;
    argv[a++] = (char *)"serve";
    argv[a++] = (char *)"--dev";
    argv[a++] = (char *)"--no-https";
    if (threads != NULL) {
        argv[a++] = (char *)"--threads";
        argv[a++] = (char *)threads;
    }
    argv[a] = NULL;
    execv(mnsafe, argv);
    _exit(127);
}

static int stop_child(pid_t pid, int sig, double timeout_s)
{
    int wst = 0;
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    double t0 = now_s();
    for (;;) {
        pid_t w = waitpid(pid, &wst, WNOHANG);
        if (w == pid)
            return WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + (WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
        if (w < 0 && errno != EINTR)
            return -1;
        if (now_s() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &wst, 0);
            return -1;
        }
        usleep(10000);
    }
}

static pid_t start_perf(const char *out_file, pid_t target)
{
    char pidtext[32];
    snprintf(pidtext, sizeof(pidtext), "%d", (int)target);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGINT);
    int nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (nfd >= 0) {
        dup2(nfd, 1);
        dup2(nfd, 2);
    }
    execlp("perf", "perf", "record", "-F", "499", "--call-graph", "dwarf,32768", "-p", pidtext, "-o", out_file,
           (char *)NULL);
    _exit(127);
}

/* ---- mnsafe run ---------------------------------------------------------------------- */

struct mns_ctx {
    const char *mnsafe, *threads, *perf_file;
    unsigned connections; /* client connections sending batches at once */
    char dir[4096], data[4200], sock[4300], log[4300];
    pid_t daemon;
    char token[128];
    char admin_pw[64];
    /* checks */
    size_t created, listed;
    bool ids_match, verify_ok;
    char verify_line[256];
    long rss_life_before_kb; /* VmHWM after setup (logins included) */
};

static bool wait_ready(struct mns_ctx *c, struct buf *rbuf)
{
    for (int i = 0; i < 400; i++) {
        json_t *out = NULL;
        int wst;
        if (waitpid(c->daemon, &wst, WNOHANG) == c->daemon) {
            c->daemon = 0;
            return false;
        }
        if (access(c->sock, F_OK) == 0 &&
            http_call(c->sock, "GET", API "/health", NULL, NULL, 0, &out, rbuf) == 200) {
            json_decref(out);
            return true;
        }
        json_decref(out);
        usleep(50000);
    }
    return false;
}

static const char *str_of(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v != NULL ? v : "";
}

/* First login of a new user: changes the one-time password to pw + "-Changed1". */
static bool activate(struct mns_ctx *c, const char *user, char *pw, size_t pwsize, struct buf *rbuf)
{
    char fresh[64];
    snprintf(fresh, sizeof(fresh), "%.40s-Changed1", pw);
    json_t *r = api(c->sock, "POST", API "/sessions", NULL, json_pack("{s:s, s:s}", "user", user, "password", pw), 201,
                    rbuf);
    if (r == NULL)
        return false;
    char token[128];
    snprintf(token, sizeof(token), "%s", str_of(r, "token"));
    json_decref(r);
    r = api(c->sock, "POST", API "/users/me/password", token,
            json_pack("{s:s, s:s}", "old_password", pw, "new_password", fresh), 200, rbuf);
    if (r == NULL)
        return false;
    json_decref(r);
    snprintf(pw, pwsize, "%s", fresh);
    return true;
}

static bool mns_setup(struct mns_ctx *c, struct buf *rbuf)
{
    struct buf out = {0};
    char *init_argv[] = {(char *)c->mnsafe, (char *)"--data", c->data, (char *)"--socket", c->sock,
                         (char *)"init", (char *)"--dev", NULL};
    int rc = run_capture(init_argv, &out, c->log);
    const char *pw = out.p ? strstr(out.p, "One-time password: ") : NULL;
    if (rc != 0 || pw == NULL) {
        fprintf(stderr, "bench_import: `mnsafe init --dev` failed (exit %d); see %s\n", rc, c->log);
        free(out.p);
        return false;
    }
    pw += strlen("One-time password: ");
    size_t pl = strcspn(pw, "\r\n");
    snprintf(c->admin_pw, sizeof(c->admin_pw), "%.*s", (int)pl, pw);
    free(out.p);

    c->daemon = start_daemon(c->mnsafe, c->data, c->sock, c->threads, c->log);
    if (c->daemon < 0 || !wait_ready(c, rbuf)) {
        fprintf(stderr, "bench_import: the daemon did not start; see %s\n", c->log);
        return false;
    }

    /* one-time passwords allow nothing but their change: do it first */
    if (!activate(c, "admin", c->admin_pw, sizeof(c->admin_pw), rbuf))
        return false;
    json_t *r = api(c->sock, "POST", API "/sessions", NULL,
                    json_pack("{s:s, s:s}", "user", "admin", "password", c->admin_pw), 201, rbuf);
    if (r == NULL)
        return false;
    char admin_token[128];
    snprintf(admin_token, sizeof(admin_token), "%s", str_of(r, "token"));
    json_decref(r);
    if ((r = api(c->sock, "POST", API "/tenants", admin_token,
                 json_pack("{s:s, s:s}", "code", TENANT, "name", "ベンチマーク株式会社"), 201, rbuf)) == NULL)
        return false;
    json_decref(r);
    if ((r = api(c->sock, "POST", API "/users", admin_token,
                 json_pack("{s:s, s:s}", "name", "clerk1", "role", "clerk"), 201, rbuf)) == NULL)
        return false;
    char clerk_pw[64];
    snprintf(clerk_pw, sizeof(clerk_pw), "%s", str_of(r, "one_time_password"));
    json_decref(r);
    if ((r = api(c->sock, "POST", API "/users/clerk1/assignments", admin_token,
                 json_pack("{s:s}", "tenant", TENANT), 200, rbuf)) == NULL)
        return false;
    json_decref(r);
    if (!activate(c, "clerk1", clerk_pw, sizeof(clerk_pw), rbuf))
        return false;
    if ((r = api(c->sock, "POST", API "/sessions", NULL,
                 json_pack("{s:s, s:s}", "user", "clerk1", "password", clerk_pw), 201, rbuf)) == NULL)
        return false;
    snprintf(c->token, sizeof(c->token), "%s", str_of(r, "token"));
    json_decref(r);
    return c->token[0] != '\0';
}

static void person_json(struct buf *b, const struct person *p)
{
    char tmp[256];
    int n = snprintf(tmp, sizeof(tmp),
                     "{\"kind\":\"employee\",\"name\":\"%s\",\"employee_code\":\"%s\",\"mynumber\":\"%s\","
                     "\"purposes\":[\"" PURPOSE "\"]}",
                     p->name, p->code, p->number);
    buf_add(b, tmp, (size_t)n);
}

struct sender {
    struct mns_ctx *c;
    const struct person *ps;
    size_t n, batch;
    struct run *r;
    int64_t *ids;
    const char *path;
    pthread_mutex_t lock;
    size_t next, got; /* under lock */
    bool failed;
};

/* One client connection's loop: takes batches until none are left. */
static void *sender_main(void *arg)
{
    struct sender *sh = arg;
    struct buf body = {0}, rbuf = {0};
    for (;;) {
        pthread_mutex_lock(&sh->lock);
        size_t i = sh->next;
        bool stop = i >= sh->n || sh->failed;
        if (!stop)
            sh->next = i + sh->batch < sh->n ? i + sh->batch : sh->n;
        pthread_mutex_unlock(&sh->lock);
        if (stop)
            break;
        size_t end = i + sh->batch < sh->n ? i + sh->batch : sh->n;
        body.len = 0;
        buf_adds(&body, "{\"persons\":[");
        for (size_t k = i; k < end; k++) {
            if (k > i)
                buf_add(&body, ",", 1);
            person_json(&body, &sh->ps[k]);
        }
        buf_adds(&body, "]}");
        json_t *out = NULL;
        double b0 = now_s();
        int st = http_call(sh->c->sock, "POST", sh->path, sh->c->token, body.p, body.len, &out, &rbuf);
        sh->r->lat_ms[i / sh->batch] = (now_s() - b0) * 1e3;
        json_t *created = json_object_get(out, "created");
        if (st != 201 || json_array_size(created) != end - i) {
            char *e = out ? json_dumps(out, JSON_COMPACT) : NULL;
            fprintf(stderr, "bench_import: POST %s (persons %zu..%zu): status %d: %.400s\n", sh->path, i, end - 1, st,
                    e ? e : "(no body)");
            free(e);
            json_decref(out);
            pthread_mutex_lock(&sh->lock);
            sh->failed = true;
            pthread_mutex_unlock(&sh->lock);
            break;
        }
        /* each batch owns its slice of ids: the order stays the request order */
        for (size_t k = 0; k < json_array_size(created); k++)
            sh->ids[i + k] = (int64_t)json_integer_value(json_array_get(created, k));
        json_decref(out);
        pthread_mutex_lock(&sh->lock);
        sh->got += end - i;
        pthread_mutex_unlock(&sh->lock);
    }
    free(body.p);
    free(rbuf.p);
    return NULL;
}

static void mns_import(struct mns_ctx *c, const struct person *ps, size_t n, size_t batch, struct run *r,
                       int64_t *ids)
{
    char path[256];
    double u0 = 0, s0 = 0, u1 = 0, s1 = 0;
    pid_t perf = 0;

    memset(r, 0, sizeof(*r));
    r->lat_ms = xmalloc(((n + batch - 1) / batch) * sizeof(double));
    snprintf(path, sizeof(path), API "/tenants/%s/persons", TENANT);
    /* The logins' Argon2id (19 MiB) has set the daemon's VmHWM already: keep
     * that figure, then reset the mark so that the import's own peak shows. */
    c->rss_life_before_kb = proc_status_kb(c->daemon, "VmHWM");
    if (!reset_hwm(c->daemon))
        fprintf(stderr, "bench_import: cannot reset the daemon's VmHWM; its import peak includes the logins\n");
    r->rss_before_kb = proc_status_kb(c->daemon, "VmRSS");
    if (c->perf_file != NULL) {
        perf = start_perf(c->perf_file, c->daemon);
        usleep(500000); /* let perf attach */
    }
    proc_cpu_s(c->daemon, &u0, &s0);
    long long rc0 = proc_io(c->daemon, "rchar"), wc0 = proc_io(c->daemon, "wchar");
    double ccpu0 = rusage_cpu_s(), t0 = now_s();
    /* C connections take the next batch in turn: a bulk importer on a
     * multi-core machine sends in parallel, and the vault seals (encrypts)
     * outside its lock, so batches overlap on the cores */
    struct sender sh = {.c = c, .ps = ps, .n = n, .batch = batch, .r = r, .ids = ids, .path = path};
    pthread_mutex_init(&sh.lock, NULL);
    unsigned nconn = c->connections ? c->connections : 1;
    pthread_t th[64];
    for (unsigned t = 0; t < nconn && t < 64; t++)
        if (pthread_create(&th[t], NULL, sender_main, &sh) != 0)
            die("pthread_create");
    for (unsigned t = 0; t < nconn && t < 64; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&sh.lock);
    r->nlat = (n + batch - 1) / batch;
    size_t got = sh.failed ? 0 : sh.got;
    if (sh.failed)
        goto out;
    r->wall_s = now_s() - t0;
    r->client_cpu_s = rusage_cpu_s() - ccpu0;
    proc_cpu_s(c->daemon, &u1, &s1);
    long long rc1 = proc_io(c->daemon, "rchar"), wc1 = proc_io(c->daemon, "wchar");
    /* the daemon also reads the requests and writes the answers and its log: small beside the database */
    r->rchar = rc0 >= 0 && rc1 >= 0 ? rc1 - rc0 : -1;
    r->wchar = wc0 >= 0 && wc1 >= 0 ? wc1 - wc0 : -1;
    r->cpu_user_s = u1 - u0;
    r->cpu_sys_s = s1 - s0;
    r->cpu_s = r->cpu_user_s + r->cpu_sys_s;
    r->ok = got == n;
    c->created = got;
out:
    if (perf > 0)
        stop_child(perf, SIGINT, 60);
    r->rss_peak_kb = proc_status_kb(c->daemon, "VmHWM");
    lat_sort(r);
}

/* Pages through the list; true when it holds exactly the created ids. */
static bool mns_check_list(struct mns_ctx *c, const int64_t *ids, size_t n, struct buf *rbuf)
{
    char path[256];
    int64_t after = 0;
    size_t cap = n + 16, got = 0;
    int64_t *seen = xmalloc(cap * sizeof(*seen));
    bool ok = true;
    for (;;) {
        snprintf(path, sizeof(path), API "/tenants/%s/persons?after=%" PRId64 "&limit=1000", TENANT, after);
        json_t *out = api(c->sock, "GET", path, c->token, NULL, 200, rbuf);
        if (out == NULL) {
            ok = false;
            break;
        }
        json_t *list = json_object_get(out, "persons"), *next = json_object_get(out, "next_after");
        for (size_t i = 0; i < json_array_size(list); i++) {
            json_t *p = json_array_get(list, i);
            if (got == cap) {
                ok = false;
                break;
            }
            seen[got++] = (int64_t)json_integer_value(json_object_get(p, "id"));
            const char *m = json_string_value(json_object_get(p, "mynumber_masked"));
            if (m == NULL || strlen(m) != 12)
                ok = false;
        }
        if (!json_is_integer(next) || !ok) {
            json_decref(out);
            break;
        }
        after = (int64_t)json_integer_value(next);
        json_decref(out);
    }
    c->listed = got;
    if (ok && got == n) {
        int64_t *want = xmalloc(n * sizeof(*want));
        memcpy(want, ids, n * sizeof(*want));
        qsort(want, n, sizeof(*want), cmp_i64);
        qsort(seen, got, sizeof(*seen), cmp_i64);
        c->ids_match = memcmp(want, seen, n * sizeof(*want)) == 0;
        free(want);
    }
    free(seen);
    return ok && got == n && c->ids_match;
}

static bool mns_verify(struct mns_ctx *c)
{
    struct buf out = {0};
    char *argv[] = {(char *)c->mnsafe, (char *)"--data", c->data, (char *)"--socket", c->sock,
                    (char *)"audit", (char *)"verify", NULL};
    int rc = run_capture(argv, &out, c->log);
    snprintf(c->verify_line, sizeof(c->verify_line), "%.*s", out.p ? (int)strcspn(out.p, "\n") : 0,
             out.p ? out.p : "");
    free(out.p);
    c->verify_ok = rc == 0;
    return c->verify_ok;
}

/* ---- report ------------------------------------------------------------------------ */

static void fmt_mib(char *out, size_t size, long kb)
{
    if (kb < 0)
        snprintf(out, size, "n/a");
    else
        snprintf(out, size, "%.1f MiB", (double)kb / 1024.0);
}

static double kib_per(long long bytes, size_t n)
{
    return bytes >= 0 && n > 0 ? (double)bytes / 1024.0 / (double)n : 0;
}

static double per_s(size_t n, const struct run *r)
{
    return r->ok && r->wall_s > 0 ? (double)n / r->wall_s : 0;
}

struct rep {
    struct run base, mns;
    struct mns_ctx c;
    char bdir[4096];
    bool setup_ok, list_ok, verify_ok, all_ok;
    int stop_rc;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_import [--persons N] [--batch B] [--seed S] [--mnsafe PATH] [--tmpdir DIR]\n"
            "                    [--threads T] [--baseline-ids seq|random] [--perf-record FILE]\n"
            "                    [--repeat R] [--target X] [--secondary] [--keep]\n"
            "  --persons N        persons to import (default 100000)\n"
            "  --batch B          persons per request / per baseline transaction (default 1000; max 10000)\n"
            "  --seed S           seed of the generated data (default 20240601)\n"
            "  --mnsafe PATH      the mnsafe binary (default: the one built beside this program)\n"
            "  --tmpdir DIR       where the temporary data dirs go (default $TMPDIR or /tmp)\n"
            "  --threads T        daemon worker threads (default: the daemon's own)\n"
            "  --baseline-ids     seq: 1, 2, 3... (default); random: random 53-bit ids as mnsafe makes\n"
            "  --perf-record FILE run `perf record --call-graph dwarf` on the daemon\n"
            "                     during the import (analyse with perf report -i FILE)\n"
            "  --repeat R         run both sides R times (alternating) and report the best run of each\n"
            "                     (default 1; use 3 or more on a machine that does other work)\n"
            "  --target X         the ratio baseline/mnsafe to meet (default 3)\n"
            "  --secondary        label the result informational (the target is for batched import)\n"
            "  --connections C    client connections sending batches at once (default 2, one per core)\n"
            "  --keep             keep the temporary data dirs\n");
}

int main(int argc, char **argv)
{
    size_t n = 100000, batch = 1000;
    uint64_t seed = 20240601;
    double target = 3.0;
    bool keep = false, secondary = false, random_ids = false;
    const char *tmpdir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    unsigned repeat = 1, connections = 2;
    const char *mnsafe = MNS_BENCH_MNSAFE, *threads = NULL, *perf_file = NULL;

    static const struct option opts[] = {{"persons", required_argument, NULL, 'n'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"mnsafe", required_argument, NULL, 'm'},
                                         {"tmpdir", required_argument, NULL, 'T'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"connections", required_argument, NULL, 'c'},
                                         {"baseline-ids", required_argument, NULL, 'i'},
                                         {"perf-record", required_argument, NULL, 'p'},
                                         {"target", required_argument, NULL, 'g'},
                                         {"repeat", required_argument, NULL, 'r'},
                                         {"secondary", no_argument, NULL, 'S'},
                                         {"keep", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'n': n = (size_t)strtoull(optarg, &end, 10); break;
        case 'b': batch = (size_t)strtoull(optarg, &end, 10); break;
        case 's': seed = strtoull(optarg, &end, 10); break;
        case 'm': mnsafe = optarg; break;
        case 'T': tmpdir = optarg; break;
        case 't': threads = optarg; break;
        case 'c': connections = (unsigned)strtoul(optarg, &end, 10); break;
        case 'i':
            if (strcmp(optarg, "random") == 0)
                random_ids = true;
            else if (strcmp(optarg, "seq") != 0) {
                usage(stderr);
                return 2;
            }
            break;
        case 'p': perf_file = optarg; break;
        case 'g': target = strtod(optarg, &end); break;
        case 'r': repeat = (unsigned)strtoul(optarg, &end, 10); break;
        case 'S': secondary = true; break;
        case 'k': keep = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (end != NULL && *end != '\0') {
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || n == 0 || batch == 0 || batch > 10000 || !(target > 0) || repeat == 0 || repeat > 64 ||
        connections == 0 || connections > 64) {
        usage(stderr);
        return 2;
    }
    if (access(mnsafe, X_OK) != 0) {
        fprintf(stderr, "bench_import: no mnsafe binary at %s (build it first, or pass --mnsafe)\n", mnsafe);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    printf("== bench_import: %zu persons, %zu per request, best of %u run(s)%s\n", n, batch, repeat,
           secondary ? " (secondary figure)" : "");
    fflush(stdout);
    double g0 = now_s();
    struct person *ps = make_persons(n, seed);
    printf("   generated %zu distinct valid numbers in %.2f s (seed %" PRIu64 ")\n", n, now_s() - g0, seed);
    fflush(stdout);

    struct rep *reps = calloc(repeat, sizeof(*reps));
    int64_t *ids = xmalloc(n * sizeof(*ids));
    struct buf rbuf = {0};
    if (reps == NULL)
        die("out of memory");
    for (unsigned k = 0; k < repeat; k++) {
        struct rep *rp = &reps[k];
        struct mns_ctx *c = &rp->c;
        c->mnsafe = mnsafe;
        c->threads = threads;
        c->connections = connections;
        c->perf_file = k == 0 ? perf_file : NULL;
        snprintf(rp->bdir, sizeof(rp->bdir), "%s/mnsafe-bench-sqlite.XXXXXX", tmpdir);
        snprintf(c->dir, sizeof(c->dir), "%s/mnsafe-bench.XXXXXX", tmpdir);
        if (mkdtemp(rp->bdir) == NULL || mkdtemp(c->dir) == NULL)
            die("cannot make the temporary directories");
        snprintf(c->data, sizeof(c->data), "%s/data", c->dir);
        snprintf(c->sock, sizeof(c->sock), "%s/mnsafe.sock", c->dir);
        snprintf(c->log, sizeof(c->log), "%s/daemon.log", c->dir);
        if (strlen(c->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
            die("the temporary directory's path is too long for a Unix socket; use --tmpdir");

        /* baseline first: it measures this process's RSS, before any HTTP buffers */
        baseline_run(ps, n, batch, rp->bdir, random_ids, seed, &rp->base);
        rp->setup_ok = mns_setup(c, &rbuf);
        if (rp->setup_ok) {
            mns_import(c, ps, n, batch, &rp->mns, ids);
            if (rp->mns.ok)
                rp->list_ok = mns_check_list(c, ids, n, &rbuf);
        }
        rp->stop_rc = c->daemon > 0 ? stop_child(c->daemon, SIGTERM, 30) : -1;
        if (rp->setup_ok && rp->stop_rc != 0)
            fprintf(stderr, "bench_import: the daemon did not stop cleanly (status %d)\n", rp->stop_rc);
        if (rp->setup_ok)
            rp->verify_ok = mns_verify(c);
        rp->all_ok = rp->base.ok && rp->setup_ok && rp->mns.ok && rp->list_ok && rp->verify_ok && rp->stop_rc == 0;
        printf("   run %u: baseline %.2f s (%.0f rows/s), mnsafe %.2f s (%.0f persons/s), checks %s\n", k + 1,
               rp->base.wall_s, per_s(n, &rp->base), rp->mns.wall_s, per_s(n, &rp->mns), rp->all_ok ? "ok" : "FAILED");
        fflush(stdout);
        if (keep || !rp->all_ok) {
            printf("   kept: %s (daemon log: %s) and %s\n", c->dir, c->log, rp->bdir);
        } else {
            rm_rf(c->dir);
            rm_rf(rp->bdir);
        }
        if (!rp->setup_ok)
            break; /* the next run would fail the same way */
    }

    /* the best run of each side: the least disturbed by whatever else the machine did */
    unsigned bm = 0, bb = 0, nrun = 0, nok = 0;
    double ratios[64];
    for (unsigned k = 0; k < repeat; k++) {
        if (!reps[k].setup_ok && k > 0)
            break;
        nrun++;
        nok += reps[k].all_ok;
        if (per_s(n, &reps[k].mns) > per_s(n, &reps[bm].mns))
            bm = k;
        if (per_s(n, &reps[k].base) > per_s(n, &reps[bb].base))
            bb = k;
        ratios[k] = per_s(n, &reps[k].mns) > 0 ? per_s(n, &reps[k].base) / per_s(n, &reps[k].mns) : 0;
    }
    qsort(ratios, nrun, sizeof(double), cmp_double);
    const struct run *mns = &reps[bm].mns, *base = &reps[bb].base;
    const struct mns_ctx *c = &reps[bm].c;
    bool all_ok = nok == nrun && nrun == repeat;

    char a[64], b[64];
    double mps = per_s(n, mns), bps = per_s(n, base);
    double ratio = mps > 0 ? bps / mps : 0;
    bool met = all_ok && ratio > 0 && ratio <= target;
    printf("\n");
    printf("  settings: N=%zu persons, batch=%zu per request/transaction (%zu requests), seed=%" PRIu64 "\n", n,
           batch, (n + batch - 1) / batch, seed);
    printf("            durability: journal_mode=WAL, synchronous=FULL on both; one transaction per batch;\n"
           "            page cache: 8 MiB on both;\n");
    printf("            mnsafe: dev daemon, HTTP/1.1 over its Unix socket, one request per connection,\n");
    printf("            %u client connection(s) sending batches at once; baseline: one thread; ids: %s\n",
           connections, random_ids ? "random 53-bit" : "1, 2, 3...");
    printf("            figures: the best of %u run(s) of each side%s\n", nrun,
           nrun > 1 ? "; the ratio's median over the runs is below" : "");
    printf("\n");
    printf("  %-28s %22s %22s\n", "", "mnsafe (daemon)", "baseline (SQLite)");
    printf("  %-28s %20.2f s %20.2f s\n", "wall time", mns->wall_s, base->wall_s);
    printf("  %-28s %13.0f persons/s %16.0f rows/s\n", "throughput", mps, bps);
    printf("  %-28s %19.2f ms %19.2f ms\n", "latency per batch p50", percentile(mns->lat_ms, mns->nlat, 50),
           percentile(base->lat_ms, base->nlat, 50));
    printf("  %-28s %19.2f ms %19.2f ms\n", "latency per batch p99", percentile(mns->lat_ms, mns->nlat, 99),
           percentile(base->lat_ms, base->nlat, 99));
    printf("  %-28s %19.2f ms %19.2f ms\n", "latency per batch max", mns->nlat ? mns->lat_ms[mns->nlat - 1] : 0,
           base->nlat ? base->lat_ms[base->nlat - 1] : 0);
    printf("  %-28s %20.2f s %20.2f s\n", "CPU time (user+sys)", mns->cpu_s, base->cpu_s);
    printf("  %-28s %12.2f s + %.2f s %22s\n", "  of which user / sys", mns->cpu_user_s, mns->cpu_sys_s, "");
    printf("  %-28s %17.1f KiB %18.1f KiB\n", "bytes written per person", kib_per(mns->wchar, n),
           kib_per(base->wchar, n));
    printf("  %-28s %17.1f KiB %18.1f KiB\n", "bytes read per person", kib_per(mns->rchar, n), kib_per(base->rchar, n));
    fmt_mib(a, sizeof(a), mns->rss_peak_kb);
    printf("  %-28s %22s %22s\n", "peak RSS in the run (VmHWM)", a, "(in-process: see growth)");
    fmt_mib(a, sizeof(a),
            mns->rss_peak_kb >= 0 && mns->rss_before_kb >= 0 ? mns->rss_peak_kb - mns->rss_before_kb : -1);
    /* the baseline's heap is reused from one run to the next: its largest growth is the first run's */
    long bgrow = -1;
    for (unsigned k = 0; k < nrun; k++)
        if (reps[k].base.rss_peak_kb >= 0 && reps[k].base.rss_before_kb >= 0 &&
            reps[k].base.rss_peak_kb - reps[k].base.rss_before_kb > bgrow)
            bgrow = reps[k].base.rss_peak_kb - reps[k].base.rss_before_kb;
    fmt_mib(b, sizeof(b), bgrow);
    printf("  %-28s %22s %22s\n", "  growth over RSS at start", a, b);
    long life = c->rss_life_before_kb > mns->rss_peak_kb ? c->rss_life_before_kb : mns->rss_peak_kb;
    fmt_mib(a, sizeof(a), c->rss_life_before_kb >= 0 ? life : -1);
    printf("  %-28s %22s %22s\n", "daemon lifetime peak RSS", a, "(Argon2id logins: 19 MiB)");
    printf("  %-28s %20.2f s %22s\n", "bench client CPU (JSON, I/O)", mns->client_cpu_s, "");
    printf("\n");
    printf("  ratio baseline/mnsafe throughput: %.2fx   target <= %.1fx: %s%s\n", ratio, target,
           met ? "MET" : "NOT MET", secondary ? "  (informational: the target is for batched import)" : "");
    if (nrun > 1) {
        printf("  runs (persons/s, mnsafe / baseline):");
        for (unsigned k = 0; k < nrun; k++)
            printf(" %.0f/%.0f", per_s(n, &reps[k].mns), per_s(n, &reps[k].base));
        printf("; ratio per run: min %.2fx, median %.2fx, max %.2fx\n", ratios[0], ratios[nrun / 2],
               ratios[nrun - 1]);
    }
    for (unsigned k = 0; k < nrun; k++) {
        const struct rep *rp = &reps[k];
        if (!rp->setup_ok)
            printf("  checks (run %u): baseline rows %s; mnsafe did not run (setup failed; see %s)\n", k + 1,
                   rp->base.ok ? "ok" : "WRONG", rp->c.log);
        else
            printf("  checks (run %u): baseline rows %s; mnsafe created %zu, listed %zu, ids %s; daemon stop %s; "
                   "audit verify: %s%s%s\n",
                   k + 1, rp->base.ok ? "ok" : "WRONG", rp->c.created, rp->c.listed,
                   rp->c.ids_match ? "match" : "DO NOT MATCH", rp->stop_rc == 0 ? "ok" : "FAILED",
                   rp->verify_ok ? "ok" : "FAILED", rp->c.verify_line[0] ? " — " : "", rp->c.verify_line);
    }
    printf("RESULT bench=import persons=%zu batch=%zu runs=%u mnsafe_per_s=%.0f baseline_per_s=%.0f ratio=%.2f "
           "ratio_median=%.2f target=%.1f target_met=%s mnsafe_p50_ms=%.2f mnsafe_p99_ms=%.2f "
           "daemon_import_peak_rss_kb=%ld checks=%s\n",
           n, batch, nrun, mps, bps, ratio, nrun ? ratios[nrun / 2] : 0, target, met ? "yes" : "no",
           percentile(mns->lat_ms, mns->nlat, 50), percentile(mns->lat_ms, mns->nlat, 99), mns->rss_peak_kb,
           all_ok ? "ok" : "FAILED");

    bool any_setup = reps[0].setup_ok;
    for (unsigned k = 0; k < repeat; k++) {
        free(reps[k].base.lat_ms);
        free(reps[k].mns.lat_ms);
    }
    free(reps);
    free(ps);
    free(ids);
    free(rbuf.p);
    return all_ok ? 0 : (any_setup ? 1 : 2);
}
