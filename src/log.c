/* log.c: structured log lines (JSON) on stderr. Callers pass only ids,
 * paths and codes; a number never reaches this function. */
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <time.h>

#include "server.h"

void log_line(const char *level, const char *msg, const char *fmt_kv, ...)
{
    char ts[32], kv[1024] = "";
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
    fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"%s%s}\n", ts, now.tv_nsec / 1000000, level, msg,
            kv[0] ? "," : "", kv);
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
    int rc = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
    close(fd);
    return rc;
}
