/*
 * metrics.c: GET /api/v1/metrics in the Prometheus text format (0.0.4):
 * requests by status class, a latency histogram, the requests each worker
 * pool took, those under way, the seal state, the audit
 * log's length and the process's resident memory. Nothing personal: no path,
 * client, user or tenant appears. tests/integration/test_metrics.sh checks
 * the output with promtool.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mnsafe/text.h"
#include "server.h"

const double metrics_bucket_ms[METRICS_BUCKETS] = {0.5, 1, 2.5, 5, 10, 50, 100, 1000, 0 /* +Inf */};
struct api_metrics api_metrics;

void metrics_observe(int status, double ms)
{
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        atomic_fetch_add_explicit(&api_metrics.by_class[cls], 1, memory_order_relaxed);
    size_t b = 0;
    while (b + 1 < METRICS_BUCKETS && ms > metrics_bucket_ms[b])
        b++;
    atomic_fetch_add_explicit(&api_metrics.latency[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&api_metrics.latency_sum_us, (unsigned long long)(ms * 1000.0), memory_order_relaxed);
}

static unsigned long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long pages = 0, rss = 0;
    if (f != NULL) {
        if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * 4096ull;
}

char *metrics_render(struct mns_vault *v)
{
    struct mns_text t = {0};
    mns_text_str(&t, "# HELP mnsafe_http_requests_total HTTP requests answered, by status class.\n"
                     "# TYPE mnsafe_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        mns_text_printf(&t, "mnsafe_http_requests_total{code=\"%dxx\"} %llu\n", c,
                        atomic_load_explicit(&api_metrics.by_class[c], memory_order_relaxed));
    mns_text_str(&t, "# HELP mnsafe_http_request_duration_seconds Time from receipt to answer.\n"
                     "# TYPE mnsafe_http_request_duration_seconds histogram\n");
    unsigned long long cumulative = 0;
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += atomic_load_explicit(&api_metrics.latency[b], memory_order_relaxed);
        if (b + 1 < METRICS_BUCKETS)
            mns_text_printf(&t, "mnsafe_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                            metrics_bucket_ms[b] / 1000.0, cumulative);
        else
            mns_text_printf(&t, "mnsafe_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cumulative);
    }
    mns_text_printf(&t, "mnsafe_http_request_duration_seconds_sum %.6f\n",
                    (double)atomic_load_explicit(&api_metrics.latency_sum_us, memory_order_relaxed) / 1e6);
    mns_text_printf(&t, "mnsafe_http_request_duration_seconds_count %llu\n", cumulative);
    mns_text_printf(&t, "# HELP mnsafe_jobs_total Requests queued for the workers, by pool (quick: short reads and "
                        "reveals).\n# TYPE mnsafe_jobs_total counter\nmnsafe_jobs_total{pool=\"general\"} %llu\n"
                        "mnsafe_jobs_total{pool=\"quick\"} %llu\n",
                    atomic_load_explicit(&api_metrics.jobs[0], memory_order_relaxed),
                    atomic_load_explicit(&api_metrics.jobs[1], memory_order_relaxed));
    mns_text_printf(&t, "# HELP mnsafe_http_requests_in_flight Requests taken and not yet answered (this scrape "
                        "included).\n# TYPE mnsafe_http_requests_in_flight gauge\nmnsafe_http_requests_in_flight %u\n",
                    atomic_load_explicit(&api_metrics.in_flight, memory_order_relaxed));
    mns_text_printf(&t, "# HELP mnsafe_sealed 1 while the vault holds no keys.\n# TYPE mnsafe_sealed gauge\n"
                        "mnsafe_sealed %d\n", mns_vault_is_sealed(v) ? 1 : 0);
    mns_text_printf(&t, "# HELP mnsafe_audit_entries Entries in the audit log.\n# TYPE mnsafe_audit_entries gauge\n"
                        "mnsafe_audit_entries %llu\n", (unsigned long long)mns_vault_audit_entries(v));
    mns_text_printf(&t, "# HELP mnsafe_resident_memory_bytes Resident memory of the daemon.\n"
                        "# TYPE mnsafe_resident_memory_bytes gauge\nmnsafe_resident_memory_bytes %llu\n", rss_bytes());
    mns_text_printf(&t, "# HELP mnsafe_start_time_seconds When the daemon started (Unix time).\n"
                        "# TYPE mnsafe_start_time_seconds gauge\nmnsafe_start_time_seconds %llu\n",
                    atomic_load_explicit(&api_metrics.started_unix, memory_order_relaxed));
    return mns_text_take(&t);
}
