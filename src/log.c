/* log.c: structured log lines (JSON) on stderr. Callers pass only ids,
 * paths and codes; a number never reaches this function. */
#include <stdarg.h>
#include <stdio.h>
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
