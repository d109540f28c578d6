/*
 * fuzz_csv_reader.c: libFuzzer harness for the streaming CSV reader
 * (include/mnsafe/csv.h).
 *
 * The first byte chooses the encoding (auto, UTF-8, Shift_JIS) and a chunk
 * size; the rest is the file. Invariants:
 *  1. the records (numbers, fields, bad reasons) are the same whether the
 *     file is fed whole or in chunks of that size (a chunk may cut a
 *     character, a quote pair or a CRLF anywhere);
 *  2. every field handed over is at most MNS_CSV_RECORD_MAX bytes, there are
 *     at most MNS_CSV_FIELDS_MAX fields, record numbers only grow;
 *  3. a record without a bad reason holds valid UTF-8 and no NUL.
 * A broken invariant aborts with a line on stderr naming it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of what the reader handed over: FNV-1a over every record. */
struct digest {
    uint64_t h;
    uint64_t records;
    uint64_t last_no;
};

static void fail(const char *what)
{
    fprintf(stderr, "INVARIANT BROKEN: %s\n", what);
    abort();
}

static void mix(struct digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (k == 0 || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

static mns_err on_record(void *ctx, uint64_t no, char *const *field, const size_t *len, size_t n, const char *bad,
                         mns_errmsg *em)
{
    struct digest *d = ctx;
    (void)em;
    if (no <= d->last_no)
        fail("record numbers must grow");
    if (n > MNS_CSV_FIELDS_MAX)
        fail("more fields than MNS_CSV_FIELDS_MAX");
    d->last_no = no;
    d->records++;
    mix(d, &no, sizeof(no));
    mix(d, &n, sizeof(n));
    for (size_t i = 0; i < n; i++) {
        if (len[i] > MNS_CSV_RECORD_MAX)
            fail("a field longer than MNS_CSV_RECORD_MAX");
        if (bad == NULL && (memchr(field[i], '\0', len[i]) != NULL || !utf8_ok((const unsigned char *)field[i], len[i])))
            fail("a good record with NUL or bytes that are not UTF-8");
        mix(d, &len[i], sizeof(len[i]));
        mix(d, field[i], len[i]);
    }
    if (bad != NULL)
        mix(d, bad, strlen(bad));
    return MNS_OK;
}

static struct digest run(mns_csv_encoding enc, const uint8_t *data, size_t size, size_t chunk)
{
    struct digest d = {14695981039346656037ull, 0, 0};
    struct mns_csv *c;
    mns_errmsg em = {""};
    if (mns_csv_new(&c, enc) != MNS_OK)
        fail("mns_csv_new");
    for (size_t off = 0; off < size; off += chunk)
        if (mns_csv_feed(c, data + off, size - off < chunk ? size - off : chunk, on_record, &d, &em) != MNS_OK)
            fail("feed failed with a callback that never fails");
    if (mns_csv_finish(c, on_record, &d, &em) != MNS_OK)
        fail("finish failed");
    if (mns_csv_bytes(c) != size)
        fail("bytes counted");
    mns_csv_free(c);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    mns_csv_encoding enc = (mns_csv_encoding)(data[0] % 3);
    size_t chunk = 1 + (data[0] >> 2) % 17;
    data++, size--;
    struct digest whole = run(enc, data, size, size ? size : 1);
    struct digest split = run(enc, data, size, chunk);
    if (whole.h != split.h || whole.records != split.records)
        fail("chunked feeding changed the records");
    return 0;
}
