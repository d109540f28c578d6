/*
 * enospc.c: an LD_PRELOAD shim for the full-disk test. While the file named
 * by $MNS_ENOSPC_FLAG exists, every write to a file of the data directory's
 * database (mnsafe.db, its -wal and -journal) fails with ENOSPC, as on a full
 * disk. Nothing else changes. Test use only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int disk_full(int fd)
{
    const char *flag = getenv("MNS_ENOSPC_FLAG");
    char link[64], path[4096];
    if (flag == NULL || access(flag, F_OK) != 0)
        return 0;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strstr(path, "mnsafe.db") != NULL;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (real == NULL)
        real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (disk_full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, count, offset);
}

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (real == NULL)
        real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (disk_full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, count);
}
