/* test_crypto_memory.c: wipe, constant-time compare, secure memory, hardening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mnsafe/crypto.h"
#include "test_util.h"

/* AddressSanitizer replaces mlock with a stub that reports success without
 * locking, so under it the kernel's VmFlags cannot confirm the lock. */
#if defined(__SANITIZE_ADDRESS__)
#define MNS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MNS_TEST_ASAN 1
#endif
#endif
#ifndef MNS_TEST_ASAN
#define MNS_TEST_ASAN 0
#endif

static void test_wipe(void **state)
{
    uint8_t buf[64];
    (void)state;
    memset(buf, 0xa5, sizeof(buf));
    mns_wipe(buf, 10);
    assert_true(tu_all_zero(buf, 10));
    assert_int_equal(buf[10], 0xa5); /* only n bytes */
    mns_wipe(buf, sizeof(buf));
    assert_true(tu_all_zero(buf, sizeof(buf)));
    mns_wipe(NULL, 16); /* NULL-safe */
}

static void test_equal(void **state)
{
    uint8_t a[32], b[32];
    (void)state;
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 7);
    assert_true(mns_equal(a, b, sizeof(a)));
    assert_true(mns_equal(a, b, 0));
    for (size_t i = 0; i < sizeof(a); i++) {
        b[i] ^= 0x80;
        assert_false(mns_equal(a, b, sizeof(a)));
        b[i] ^= 0x80;
    }
}

/* The VmFlags of the mapping that holds p, from /proc/self/smaps. */
static bool vm_flags(const void *p, char *flags, size_t size)
{
    FILE *fp = fopen("/proc/self/smaps", "r");
    char line[512];
    bool in_map = false, found = false;
    uintptr_t addr = (uintptr_t)p;

    if (fp == NULL)
        return false;
    while (fgets(line, sizeof(line), fp) != NULL) {
        unsigned long lo, hi;
        char *end;
        lo = strtoul(line, &end, 16);
        if (*end == '-') {
            hi = strtoul(end + 1, &end, 16);
            if (*end == ' ') {
                in_map = addr >= lo && addr < hi;
                continue;
            }
        }
        if (in_map && strncmp(line, "VmFlags:", 8) == 0) {
            size_t len = strnlen(line + 8, size - 1);
            memcpy(flags, line + 8, len);
            flags[len] = '\0';
            found = true;
            break;
        }
    }
    fclose(fp);
    return found;
}

/* Whether mlock of n bytes works here at all (an independent probe). */
static bool can_mlock(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool ok;
    if (p == MAP_FAILED)
        return false;
    ok = mlock(p, n) == 0;
    if (ok)
        munlock(p, n);
    munmap(p, n);
    return ok;
}

static void test_secure_alloc(void **state)
{
    static const size_t sizes[] = {0, 1, 32, 4095, 4096, 4097, 100000};
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    (void)state;

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        uint8_t *p = mns_secure_alloc(n);
        char flags[256];
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % ps, 0); /* page-aligned */
        assert_true(tu_all_zero(p, n));
        memset(p, 0x5a, n); /* all of it is writable */
        assert_true(vm_flags(p, flags, sizeof(flags)));
        assert_non_null(strstr(flags, " dd")); /* MADV_DONTDUMP */
        if (can_mlock(n == 0 ? 1 : n))
            assert_true(mns_secure_alloc_locked(p));
#if !MNS_TEST_ASAN
        /* the kernel's view agrees with the flag */
        if (mns_secure_alloc_locked(p))
            assert_non_null(strstr(flags, " lo"));
#endif
        mns_secure_free(p, n);
    }
    assert_null(mns_secure_alloc(SIZE_MAX));
    assert_null(mns_secure_alloc(SIZE_MAX - 4096));
}

static void test_secure_free_null(void **state)
{
    (void)state;
    mns_secure_free(NULL, 0);
    mns_secure_free(NULL, 123);
    assert_false(mns_secure_alloc_locked(NULL));
}

/* Runs fn in a child; true if the child died of a memory fault. */
static bool child_faults(void (*fn)(uint8_t *, size_t), size_t n)
{
    pid_t pid = fork();
    int status = 0;
    if (pid == 0) {
        /* cmocka (and ASan) catch SIGSEGV; here the plain death is the answer */
        struct rlimit no_core = {0, 0};
        uint8_t *p;
        (void)setrlimit(RLIMIT_CORE, &no_core); /* no core files from the planned faults */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        p = mns_secure_alloc(n);
        if (p == NULL)
            _exit(0); /* "did not fault": makes the test fail */
        fn(p, n);
        _exit(0);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) &&
           (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

static void write_past_end(uint8_t *p, size_t n)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    volatile uint8_t *v = p;
    v[(n + ps - 1) / ps * ps] = 1; /* first byte of the guard page */
}

static void write_before_start(uint8_t *p, size_t n)
{
    volatile uint8_t *v = p;
    (void)n;
    v[-1] = 1; /* last byte of the read-only header page */
}

static void write_inside(uint8_t *p, size_t n)
{
    volatile uint8_t *v = p;
    v[n - 1] = 1;
}

static void test_secure_guards(void **state)
{
    (void)state;
    assert_false(child_faults(write_inside, 100)); /* the probe itself is sound */
    assert_true(child_faults(write_past_end, 100));
    assert_true(child_faults(write_before_start, 100));
}

/* Last: it changes this process for good. */
static void test_process_harden(void **state)
{
    struct rlimit rl;
    (void)state;
    assert_int_equal(mns_process_harden(), MNS_OK);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
    assert_int_equal(rl.rlim_max, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_secure_alloc),
        cmocka_unit_test(test_secure_free_null),
        cmocka_unit_test(test_secure_guards),
        cmocka_unit_test(test_process_harden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
