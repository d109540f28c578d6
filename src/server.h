/*
 * server.h: what the daemon's parts share. http.c (the only file that sees
 * libevent) turns requests into struct api_request and runs api_handle() on
 * a worker thread; api.c maps routes onto the vault.
 */
#ifndef MNS_SRC_SERVER_H
#define MNS_SRC_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "mnsafe/vault.h"

#define API_PREFIX "/api/v1"
#define API_BODY_MAX (16u * 1024 * 1024)
#define API_HEADERS_MAX 16384

struct api_request {
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;   /* decoded path, no query */
    const char *query;  /* raw query string or NULL */
    const char *body;
    size_t body_len;
    const char *client; /* "unix" or the peer address */
    const char *token;  /* bearer token, or the session cookie's, or NULL */
    bool token_from_cookie; /* a browser session: state-changing requests need csrf */
    const char *csrf;   /* the X-CSRF-Token header, or NULL */
    const char *client_cert_cn; /* CN of a verified HTTPS client certificate, or NULL */
};

struct api_response {
    int status;
    char *body;      /* malloc'ed JSON text; wiped and freed by the sender */
    size_t body_len;
    const char *content_type; /* a static string; NULL: JSON */
    char set_cookie[192];     /* a Set-Cookie header value, or empty */
};

void api_handle(struct mns_vault *vault, const struct api_request *req, struct api_response *resp);
/* Requests whose acts only read and answer (reveals, searches, every GET):
 * their answer may wait in the server for the acts' durability instead of
 * a worker waiting (mns_vault_defer_begin). */
bool api_may_defer(const char *method, const char *path);
/* The short reading acts a small pool of their own serves (reveals,
 * searches, person lists of up to API_QUICK_LIST_MAX and pages, the
 * session, health): they never wait for the disk (deferred) nor for a
 * password hash. query: the request's, or NULL. */
#define API_QUICK_LIST_MAX 100
bool api_is_quick(const char *method, const char *path, const char *query);
/* The answer replaced by err's error (its body wiped): a deferred act whose
 * audit entry did not become durable did not happen. */
void api_respond_failure(struct api_response *resp, mns_err err);

/* Request counters for GET /api/v1/metrics: updated by the event loop as it
 * sends each answer, read by a worker (relaxed atomics: a scrape may see one
 * request half counted, never a torn value). No path, client or user in them. */
#define METRICS_BUCKETS 9
extern const double metrics_bucket_ms[METRICS_BUCKETS]; /* upper bounds; the last is +Inf */
struct api_metrics {
    _Atomic unsigned long long by_class[6];                /* [1..5]: 1xx..5xx */
    _Atomic unsigned long long latency[METRICS_BUCKETS];   /* non-cumulative counts */
    _Atomic unsigned long long latency_sum_us;
    _Atomic unsigned long long started_unix;
    _Atomic unsigned long long jobs[2];                    /* requests queued: [0] general, [1] quick pool */
    _Atomic unsigned in_flight;                            /* requests taken and not yet answered */
};
extern struct api_metrics api_metrics;
void metrics_observe(int status, double ms);
/* The text of a scrape (malloc'ed), or NULL without memory. */
char *metrics_render(struct mns_vault *v);

/* routes.c: the API's routes (paths after API_PREFIX, {name} segments) */
struct api_route {
    const char *method;
    const char *path;
};
extern const struct api_route api_routes[];
extern const size_t api_routes_count;
/* 200 if method and path (split in segments) are a route, 405 if only the
 * path is, 404 otherwise */
int api_route_check(const char *method, char *const *seg, size_t n);

struct server_config {
    const char *data_dir;
    const char *socket_path;   /* Unix socket, owner-only */
    const char *listen_host;   /* HTTPS; NULL: no TCP listener */
    int listen_port;
    const char *cert_file;
    const char *key_file;
    unsigned threads;            /* the general pool's workers; 0: 16 */
    unsigned quick_threads;      /* the quick pool's (api_is_quick); 0: none, the general pool serves all */
    unsigned checkpoint_seconds; /* timed audit checkpoints; 0: 60 */
    const char *client_ca;       /* CA file: HTTPS clients may present certificates it signed */
    unsigned rate_per_s;         /* requests per second per network client; 0: no limit */
    unsigned rate_burst;         /* bucket size; 0: twice rate_per_s */
    unsigned max_connections;    /* open HTTPS connections; 0: no cap */
};

/* Runs the event loop until SIGINT/SIGTERM. Returns a process exit code. */
int server_run(struct mns_vault *vault, const struct server_config *cfg);

/* log.c: --log-file: stderr goes to path (0600, appended); log_reopen()
 * opens it afresh (SIGHUP, after logrotate moved it). 0 or -1. */
int log_open(const char *path);
int log_reopen(void);

/* One JSON line on stderr; never holds a number. */
void log_line(const char *level, const char *msg, const char *fmt_kv, ...) MNS_PRINTF(3, 4);
/* While on (the server's loop), "info" lines are gathered and written by
 * log_flush (or when the buffer fills, or with any other level's line). */
void log_buffering(bool on);
void log_flush(void);

/* tls.c */
int tls_make_self_signed(const char *cert_path, const char *key_path, char *err, size_t errlen);
void *tls_server_ctx(const char *cert_path, const char *key_path, const char *client_ca, char *err, size_t errlen);
/* CN of the peer's certificate if it was presented and verified; false if not. */
bool tls_peer_cn(void *ssl, char *cn, size_t size);
void tls_free_ctx(void *ctx);

#endif
