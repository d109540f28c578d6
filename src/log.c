/* log.c: structured log lines (JSON) on stderr. Callers pass only ids,
 * paths and codes; a number never reaches this function. */
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "server.h"

/* While the server runs, "info" lines (one per request) are gathered and
 * written together, once per batch of answers the loop sends and at least
 * every second, not one write(2) each; any other level writes everything
 * gathered at once, so that an error is never held back. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[32768];
static size_t log_used;
static bool log_gather;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            return; /* a log that cannot be written is not worth stopping for */
        p += w;
        n -= (size_t)w;
    }
}

static void flush_locked(void)
{
    write_all(log_buf, log_used);
    log_used = 0;
}

void log_flush(void)
{
    pthread_mutex_lock(&log_lock);
    flush_locked();
    pthread_mutex_unlock(&log_lock);
}

void log_buffering(bool on)
{
    pthread_mutex_lock(&log_lock);
    if (!on)
        flush_locked();
    log_gather = on;
    pthread_mutex_unlock(&log_lock);
}

void log_line(const char *level, const char *msg, const char *fmt_kv, ...)
{
    char ts[32], kv[1024] = "", line[1400];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    if (fmt_kv != NULL) {
        va_list ap;
        va_start(ap, fmt_kv);
        vsnprintf(kv, sizeof(kv), fmt_kv, ap);
        va_end(ap);
    }
    int n = snprintf(line, sizeof(line), "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"%s%s}\n", ts,
                     now.tv_nsec / 1000000, level, msg, kv[0] ? "," : "", kv);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if ((size_t)n >= sizeof(line))
        line[len - 1] = '\n'; /* cut short, still one line */
    pthread_mutex_lock(&log_lock);
    if (log_used + len > sizeof(log_buf))
        flush_locked();
    memcpy(log_buf + log_used, line, len);
    log_used += len;
    if (!log_gather || strcmp(level, "info") != 0)
        flush_locked();
    pthread_mutex_unlock(&log_lock);
}

/* The log file (serve --log-file), or none: stderr as it is. Only the
 * program's main thread and the event loop call these. */
static char log_path[1024];

int log_open(const char *path)
{
    snprintf(log_path, sizeof(log_path), "%s", path);
    return log_reopen();
}

int log_reopen(void)
{
    if (log_path[0] == '\0')
        return 0;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    fflush(stderr);
    log_flush();
    int rc = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
    close(fd);
    return rc;
}
