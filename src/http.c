/*
 * http.c: the daemon's HTTP front (the only file that includes libevent).
 *
 * One event loop thread accepts on the owner-only Unix socket and on HTTPS
 * (OpenSSL, TLS 1.2+). Each request is copied into a job and handed to a
 * worker thread, because vault work (Argon2id, database, fsync) must never
 * block the loop; the worker's answer comes back through a queue and an
 * event, and the loop sends it. A client that disconnects meanwhile cancels
 * its job's reply (the connection's close callback).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "mnsafe/crypto.h"
#include "mnsafe/vault.h"
#include "rate_share.h"
#include "server.h"
#include "web.h"

/* Requests waiting for a worker; past this, new ones get 503 at once. */
#define QUEUE_MAX 1024

struct job {
    struct job *next;
    bool tick; /* a timed audit checkpoint, not a request */
    struct server *srv;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    bool cancelled;
    bool tls;
    char method[8];
    char *path;
    char *query;
    char *body;
    size_t body_len;
    char client[64];
    char cert_cn[96];
    char token[96];
    bool token_cookie;
    char csrf[80];
    struct timespec started;
    struct api_response resp;
};

struct server {
    struct mns_vault *vault;
    struct event_base *base;
    struct event *done_ev;
    struct event *sig_int, *sig_term, *tick_ev, *log_ev;
    pthread_mutex_t lock;
    /* two pools of workers, each with its queue: the quick pool serves the
     * short reading acts (api_is_quick), the general pool everything else,
     * so that a reveal never waits behind a password hash or an import */
    struct job *todo_head[2], *todo_tail[2];
    pthread_cond_t pool_cond[2];
    struct job *done_head;
    unsigned queued; /* jobs in the queues */
    bool quick_pool; /* the quick pool has workers */
    bool stopping;
    SSL_CTX *ssl_ctx;
    unsigned rate_per_s, rate_burst; /* per network client; 0: no limit */
    bool draining;                   /* SIGTERM: no new requests; exit once the last answer is sent */
    unsigned tls_conns, max_conns;   /* open HTTPS connections, and the cap (0: none) */
    struct evconnlistener *tls_listener;
    bool accept_paused;
    unsigned in_flight;              /* requests enqueued and not yet answered (loop thread only) */
    unsigned sending;                /* answers handed to libevent and not yet written out */
    double flush_deadline;           /* draining, nothing in flight: how long to wait for the writes */
    struct event *sig_hup, *drain_ev;
    double drain_deadline;
    struct rate_slot *rates;         /* RATE_SLOTS, used by the loop thread only */
    struct rate_share *shared_rates; /* several servers on one database: their common count */
};

/*
 * Per-client rate limit (a token bucket per peer address) for the network
 * listener; the owner-only Unix socket is not limited. The table is fixed in
 * size: a new address takes a free slot near its hash or the one idle
 * longest among them, so a flood of addresses cannot grow memory.
 */
#define RATE_SLOTS 4096
#define RATE_PROBE 8
struct rate_slot {
    char client[64];
    double tokens;
    double last; /* seconds, CLOCK_MONOTONIC */
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* true if the client may send this request now */
static bool rate_allow(struct server *srv, const char *client)
{
    if (srv->rate_per_s == 0 || srv->rates == NULL)
        return true;
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)client; *p; p++)
        h = (h ^ *p) * 16777619u;
    double now = mono_s();
    struct rate_slot *slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < RATE_PROBE && slot == NULL; i++) {
        struct rate_slot *r = &srv->rates[(h + i) % RATE_SLOTS];
        if (strcmp(r->client, client) == 0)
            slot = r;
        else if (oldest == NULL || r->last < oldest->last)
            oldest = r;
    }
    if (slot == NULL) {
        slot = oldest;
        snprintf(slot->client, sizeof(slot->client), "%s", client);
        slot->tokens = srv->rate_burst;
        slot->last = now;
    }
    slot->tokens += (now - slot->last) * srv->rate_per_s;
    if (slot->tokens > srv->rate_burst)
        slot->tokens = srv->rate_burst;
    slot->last = now;
    if (slot->tokens < 1.0)
        return false;
    slot->tokens -= 1.0;
    return rate_share_allows(srv->shared_rates, client);
}

static void job_free(struct job *j)
{
    if (j == NULL)
        return;
    mns_wipe_free(j->path); /* from evhttp_uridecode: libevent's (our wiping) allocator */
    free(j->query);
    if (j->body != NULL) {
        mns_wipe(j->body, j->body_len);
        free(j->body);
    }
    if (j->resp.body != NULL) {
        mns_wipe(j->resp.body, j->resp.body_len);
        free(j->resp.body);
    }
    mns_wipe(j->token, sizeof(j->token));
    mns_wipe(j->csrf, sizeof(j->csrf));
    free(j);
}

/* A job's answer is ready: the loop sends it. */
static void job_done(struct server *srv, struct job *j)
{
    pthread_mutex_lock(&srv->lock);
    j->next = srv->done_head;
    srv->done_head = j;
    pthread_mutex_unlock(&srv->lock);
    event_active(srv->done_ev, EV_READ, 0);
}

/* The outcome of a deferred job's acts (on the committer's thread): only a
 * durable one lets the answer out; otherwise the acts did not happen. */
static void job_durable(void *arg, mns_err result)
{
    struct job *j = arg;
    if (result != MNS_OK)
        api_respond_failure(&j->resp, result == MNS_ERR_FULL || result == MNS_ERR_IO ? result : MNS_ERR_AUDIT);
    job_done(j->srv, j);
}

enum { POOL_GENERAL, POOL_QUICK };
struct worker {
    struct server *srv;
    int pool;
};

static void *worker_main(void *arg)
{
    const struct worker *w = arg;
    struct server *srv = w->srv;
    const int pool = w->pool;
    for (;;) {
        pthread_mutex_lock(&srv->lock);
        while (srv->todo_head[pool] == NULL && !srv->stopping)
            pthread_cond_wait(&srv->pool_cond[pool], &srv->lock);
        /* once stopping, queued work is not started: its clients are gone
         * with the loop, and an act nobody hears of should not happen */
        if (srv->stopping) {
            pthread_mutex_unlock(&srv->lock);
            return NULL;
        }
        struct job *j = srv->todo_head[pool];
        srv->todo_head[pool] = j->next;
        if (srv->todo_head[pool] == NULL)
            srv->todo_tail[pool] = NULL;
        srv->queued--;
        pthread_mutex_unlock(&srv->lock);

        if (j->tick) {
            if (mns_vault_audit_tick(srv->vault) != MNS_OK)
                log_line("error", "timed audit checkpoint failed", NULL);
        } else {
            struct api_request ar = {
            .method = j->method, .path = j->path, .query = j->query, .body = j->body,
                .body_len = j->body_len, .client = j->client, .token = j->token[0] ? j->token : NULL,
                .client_cert_cn = j->cert_cn[0] ? j->cert_cn : NULL, .token_from_cookie = j->token_cookie,
                .csrf = j->csrf[0] ? j->csrf : NULL,
            };
            /* a reading act's answer waits here for its audit entry to be
             * durable, not the worker: it goes on to the next request */
            bool defer = api_may_defer(j->method, j->path);
            if (defer)
                mns_vault_defer_begin(srv->vault);
            api_handle(srv->vault, &ar, &j->resp);
            if (defer) {
                struct mns_durable_ticket *ticket = NULL;
                mns_err r = mns_vault_defer_end(srv->vault, &ticket);
                if (r != MNS_OK) {
                    api_respond_failure(&j->resp, r);
                } else if (ticket != NULL) {
                    mns_vault_when_durable(srv->vault, ticket, job_durable, j);
                    continue;
                }
            }
        }
        job_done(srv, j);
    }
}

static void ignore_bool(bool b)
{
    (void)b;
}

static void wipe_cleanup(const void *data, size_t len, void *arg)
{
    (void)arg;
    mns_wipe((void *)data, len);
    free((void *)data);
}

static void add_security_headers(struct evkeyvalq *h, bool tls, const char *content_type)
{
    evhttp_add_header(h, "Content-Type", content_type != NULL ? content_type : "application/json; charset=utf-8");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (tls)
        evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
}

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * The path as it may go into a log line: runs of digits become "{n}" (a
 * person id is in the audit log; a number typed into a URL must not reach
 * the log), and anything outside printable ASCII or JSON-special becomes "?".
 */
static void log_path(char *out, size_t size, const char *path)
{
    size_t o = 0;
    for (const char *p = path; *p != '\0' && o + 4 < size; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= '0' && c <= '9') {
            while (p[1] >= '0' && p[1] <= '9')
                p++;
            memcpy(out + o, "{n}", 3);
            o += 3;
        } else {
            out[o++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
        }
    }
    out[o] = '\0';
}

/* libevent has written the whole answer to the socket */
static void on_sent(struct evhttp_request *req, void *arg)
{
    (void)req;
    struct server *srv = arg;
    if (srv->sending > 0)
        srv->sending--;
}

static void send_job(struct job *j)
{
    struct evhttp_request *req = j->req;
    j->srv->sending++;
    evhttp_request_set_on_complete_cb(req, on_sent, j->srv);
    struct evbuffer *out = evbuffer_new();
    add_security_headers(evhttp_request_get_output_headers(req), j->tls, j->resp.content_type);
    if (j->resp.set_cookie[0])
        evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", j->resp.set_cookie);
    if (j->resp.status == 503) /* the database cannot be reached (restarting): a client may retry */
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "2");
    if (out != NULL && j->resp.body != NULL) {
        /* the buffer is handed over; its cleanup wipes it (it may hold a revealed number) */
        if (evbuffer_add_reference(out, j->resp.body, j->resp.body_len, wipe_cleanup, NULL) == 0) {
            j->resp.body = NULL;
            j->resp.body_len = 0;
        }
    }
    evhttp_send_reply(req, j->resp.status, NULL, out);
    if (out != NULL)
        evbuffer_free(out);
    metrics_observe(j->resp.status, elapsed_ms(&j->started));
    char path[256];
    log_path(path, sizeof(path), j->path);
    log_line("info", "request", "\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"ms\":%.2f,\"client\":\"%s\"",
             j->method, path, j->resp.status, elapsed_ms(&j->started), j->client);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct server *srv = arg;
    pthread_mutex_lock(&srv->lock);
    struct job *list = srv->done_head;
    srv->done_head = NULL;
    pthread_mutex_unlock(&srv->lock);
    while (list != NULL) {
        struct job *j = list;
        list = j->next;
        if (!j->cancelled && !j->tick) {
            evhttp_connection_set_closecb(j->conn, NULL, NULL);
            send_job(j);
        }
        if (!j->tick && srv->in_flight > 0)
            srv->in_flight--;
        job_free(j);
    }
    atomic_store_explicit(&api_metrics.in_flight, srv->in_flight, memory_order_relaxed);
    /* the batch's request lines in one write */
    log_flush();
}

static void on_log_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    log_flush();
}

static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct job *j = arg;
    j->cancelled = true;
}

static void reply_error(struct evhttp_request *req, bool tls, int status, const char *code, const char *en,
                        const char *ja)
{
    struct evbuffer *out = evbuffer_new();
    add_security_headers(evhttp_request_get_output_headers(req), tls, NULL);
    if (out != NULL)
        evbuffer_add_printf(out, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\",\"message_ja\":\"%s\"}}\n", code, en, ja);
    evhttp_send_reply(req, status, NULL, out);
    if (out != NULL)
        evbuffer_free(out);
}

/* evhttp lets NUL and control bytes through in header values: refuse them. */
static bool headers_clean(struct evkeyvalq *headers)
{
    for (struct evkeyval *kv = headers->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
        for (const unsigned char *p = (const unsigned char *)kv->value; *p; p++)
            if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
                return false;
    }
    return true;
}

static void peer_name(struct evhttp_request *req, bool is_unix, char *out, size_t size)
{
    if (is_unix) {
        snprintf(out, size, "unix");
        return;
    }
    char *addr = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
    snprintf(out, size, "%s", addr != NULL ? addr : "-");
}

struct listener_ctx {
    struct server *srv;
    bool is_unix;
};

/* The web UI's files (web.h), answered from memory on the loop thread:
 * they hold no data and need no session; the API calls they make do. */
static void serve_web(struct server *srv, struct evhttp_request *req, const char *method, const char *path)
{
    struct timespec started;
    char client[64];
    clock_gettime(CLOCK_MONOTONIC, &started);
    peer_name(req, false, client, sizeof(client));
    if (!rate_allow(srv, client)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        reply_error(req, true, 429, "limit", "too many requests from this address; slow down",
                    "このアドレスからの要求が多すぎます。間隔をあけてください");
        return;
    }
    const struct web_asset *a = strcmp(method, "GET") == 0 ? web_find(path) : NULL;
    if (a == NULL) {
        reply_error(req, true, strcmp(method, "GET") == 0 ? 404 : 405, strcmp(method, "GET") == 0 ? "not_found" : "method",
                    "no such page", "ページがありません");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", a->content_type);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Content-Security-Policy", WEB_CSP);
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Permissions-Policy", "camera=(self), geolocation=(), microphone=()");
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
    struct evbuffer *out = evbuffer_new();
    if (out != NULL)
        ignore_bool(evbuffer_add_reference(out, a->data, a->len, NULL, NULL) == 0);
    evhttp_send_reply(req, 200, NULL, out);
    if (out != NULL)
        evbuffer_free(out);
    metrics_observe(200, elapsed_ms(&started));
    log_line("info", "request", "\"method\":\"GET\",\"path\":\"%s\",\"status\":200,\"ms\":%.2f,\"client\":\"%s\"", a->path,
             elapsed_ms(&started), client);
}

/* Queues a job; false when the queue is full (the caller answers 503). */
static bool enqueue(struct server *srv, struct job *j)
{
    int pool = !j->tick && srv->quick_pool && api_is_quick(j->method, j->path, j->query) ? POOL_QUICK : POOL_GENERAL;
    pthread_mutex_lock(&srv->lock);
    if (!j->tick && srv->queued >= QUEUE_MAX) {
        pthread_mutex_unlock(&srv->lock);
        return false;
    }
    srv->queued++;
    if (!j->tick)
        atomic_fetch_add_explicit(&api_metrics.jobs[pool], 1, memory_order_relaxed);
    if (srv->todo_tail[pool] != NULL)
        srv->todo_tail[pool]->next = j;
    else
        srv->todo_head[pool] = j;
    srv->todo_tail[pool] = j;
    pthread_cond_signal(&srv->pool_cond[pool]);
    pthread_mutex_unlock(&srv->lock);
    return true;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct listener_ctx *lc = arg;
    struct server *srv = lc->srv;
    struct job *j = NULL;
    const char *method;

    if (srv->draining) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        reply_error(req, !lc->is_unix, 503, "busy", "the server is shutting down", "サーバーを停止しています");
        return;
    }

    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET: method = "GET"; break;
    case EVHTTP_REQ_POST: method = "POST"; break;
    case EVHTTP_REQ_DELETE: method = "DELETE"; break;
    case EVHTTP_REQ_PUT: method = "PUT"; break;
    default:
        reply_error(req, !lc->is_unix, 405, "method", "method not allowed", "許可されていないメソッドです");
        return;
    }
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    if (!headers_clean(in)) {
        reply_error(req, !lc->is_unix, 400, "invalid", "control characters in a header", "ヘッダーに制御文字が含まれています");
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    if (raw_path == NULL || raw_path[0] != '/') {
        reply_error(req, !lc->is_unix, 400, "invalid", "bad request path", "リクエストパスが不正です");
        return;
    }
    if (!lc->is_unix && strncmp(raw_path, API_PREFIX "/", strlen(API_PREFIX) + 1) != 0 &&
        strcmp(raw_path, API_PREFIX) != 0) {
        serve_web(srv, req, method, raw_path);
        return;
    }
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        reply_error(req, !lc->is_unix, 503, "nomem", "out of memory", "メモリが不足しています");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &j->started);
    j->srv = srv;
    j->req = req;
    j->conn = evhttp_request_get_connection(req);
    j->tls = !lc->is_unix;
    snprintf(j->method, sizeof(j->method), "%s", method);
    size_t decoded_len = 0;
    j->path = evhttp_uridecode(raw_path, 0, &decoded_len);
    const char *q = evhttp_uri_get_query(uri);
    j->query = q != NULL ? strdup(q) : NULL;
    /* "%00" would cut the path short: a path must decode to text without NUL */
    if (j->path == NULL || strlen(j->path) != decoded_len || (q != NULL && j->query == NULL)) {
        job_free(j);
        reply_error(req, !lc->is_unix, 400, "invalid", "bad request path", "リクエストパスが不正です");
        return;
    }
    peer_name(req, lc->is_unix, j->client, sizeof(j->client));
    if (!lc->is_unix && !rate_allow(srv, j->client)) {
        job_free(j);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        reply_error(req, true, 429, "limit", "too many requests from this address; slow down",
                    "このアドレスからの要求が多すぎます。間隔をあけてください");
        return;
    }
    if (!lc->is_unix) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(j->conn);
        SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
        if (ssl == NULL) {
            /* the TLS setup failed and libevent fell back to plain HTTP: the
             * API is never served in clear; an empty 400 and the connection closes */
            job_free(j);
            evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
            evhttp_send_reply(req, 400, "Bad Request", NULL);
            return;
        }
        ignore_bool(tls_peer_cn(ssl, j->cert_cn, sizeof(j->cert_cn)));
    }
    const char *auth = evhttp_find_header(in, "Authorization");
    if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0) {
        snprintf(j->token, sizeof(j->token), "%s", auth + 7);
    } else {
        /* a browser's session cookie (set by POST /sessions with "cookie": true) */
        const char *cookie = evhttp_find_header(in, "Cookie");
        for (const char *p = cookie; p != NULL && *p;) {
            while (*p == ' ' || *p == ';')
                p++;
            if (strncmp(p, "mnsafe_session=", 15) == 0) {
                size_t n = strcspn(p + 15, "; ");
                if (n < sizeof(j->token)) {
                    memcpy(j->token, p + 15, n);
                    j->token[n] = '\0';
                    j->token_cookie = true;
                }
                break;
            }
            p = strchr(p, ';');
        }
    }
    const char *csrf = evhttp_find_header(in, "X-CSRF-Token");
    if (csrf != NULL)
        snprintf(j->csrf, sizeof(j->csrf), "%s", csrf);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(body);
    if (len > API_BODY_MAX) {
        job_free(j);
        reply_error(req, !lc->is_unix, 413, "limit", "request body too large", "リクエストが大きすぎます");
        return;
    }
    if (len > 0) {
        j->body = malloc(len + 1);
        if (j->body == NULL) {
            job_free(j);
            reply_error(req, !lc->is_unix, 503, "nomem", "out of memory", "メモリが不足しています");
            return;
        }
        evbuffer_remove(body, j->body, len);
        j->body[len] = '\0';
        j->body_len = len;
    }
    evhttp_connection_set_closecb(j->conn, on_conn_close, j);
    /* counted before a worker can take it: a metrics scrape counts itself */
    srv->in_flight++;
    atomic_store_explicit(&api_metrics.in_flight, srv->in_flight, memory_order_relaxed);
    if (!enqueue(srv, j)) {
        srv->in_flight--;
        atomic_store_explicit(&api_metrics.in_flight, srv->in_flight, memory_order_relaxed);
        evhttp_connection_set_closecb(j->conn, NULL, NULL);
        job_free(j);
        reply_error(req, !lc->is_unix, 503, "busy", "too many requests waiting; try again",
                    "処理待ちの要求が多すぎます。しばらくしてから再試行してください");
        return;
    }
}

/* Timed checkpoints run on a worker: they take the vault lock and fsync. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct server *srv = arg;
    struct job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return;
    j->tick = true;
    j->srv = srv;
    if (!enqueue(srv, j))
        free(j);
}

/*
 * Open HTTPS connections are counted through the SSL objects: each carries
 * the server in its ex_data, and OpenSSL calls conn_gone when libevent frees
 * it with the connection. At max_conns the listener stops accepting (the
 * kernel's backlog holds the rest) until one closes; the Unix socket is not
 * limited. Loop thread only.
 */
static int conn_ex_index = -1;

static void conn_gone(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    struct server *srv = ptr;
    if (srv == NULL)
        return;
    if (srv->tls_conns > 0)
        srv->tls_conns--;
    if (srv->accept_paused && srv->tls_conns < srv->max_conns && srv->tls_listener != NULL) {
        evconnlistener_enable(srv->tls_listener);
        srv->accept_paused = false;
    }
}

/* An answer reaches the output buffer in pieces (evhttp's head, then the
 * body's chain), and bufferevent_openssl seals each piece as a TLS record
 * of its own: two records, two write(2)s and two segments for the client to
 * wake up for. A small answer is joined into one piece before it goes out;
 * a large one (an export) is left alone, its records are full anyway. */
#define TLS_JOIN_MAX 16384

static void join_small_output(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
    (void)arg;
    if (info->n_added > 0 && evbuffer_get_length(out) <= TLS_JOIN_MAX && evbuffer_peek(out, -1, NULL, NULL, 0) > 1)
        evbuffer_pullup(out, -1);
}

static struct bufferevent *tls_bevcb(struct event_base *base, void *arg)
{
    struct server *srv = arg;
    SSL *ssl = SSL_new(srv->ssl_ctx);
    /* NULL would make libevent speak plain HTTP on this socket: on_request
     * refuses any request that did not come over TLS */
    if (ssl == NULL)
        return NULL;
    if (conn_ex_index >= 0 && SSL_set_ex_data(ssl, conn_ex_index, srv) == 1) {
        srv->tls_conns++;
        if (srv->max_conns > 0 && srv->tls_conns >= srv->max_conns && srv->tls_listener != NULL && !srv->accept_paused) {
            evconnlistener_disable(srv->tls_listener);
            srv->accept_paused = true;
            log_line("warning", "connection limit reached: not accepting", "\"open\":%u", srv->tls_conns);
        }
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                             BEV_OPT_CLOSE_ON_FREE);
    if (bev != NULL && evbuffer_add_cb(bufferevent_get_output(bev), join_small_output, NULL) == NULL) {
        bufferevent_free(bev);
        return NULL;
    }
    return bev;
}

/* While draining: exits once every accepted request is answered, or at the deadline. */
static void on_drain_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct server *srv = arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    /* every accepted request answered, and every answer written out (a
     * reply only queued would be lost with the loop); a connection that
     * died mid-answer is given two seconds */
    if (srv->in_flight == 0 && srv->flush_deadline == 0)
        srv->flush_deadline = now + 2.0;
    if ((srv->in_flight == 0 && (srv->sending == 0 || now >= srv->flush_deadline)) || now >= srv->drain_deadline) {
        log_line("info", "stopped", "\"unanswered\":%u,\"unsent\":%u", srv->in_flight, srv->sending);
        event_base_loopexit(srv->base, NULL);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct server *srv = arg;
    if (sig == SIGHUP) {
        /* logrotate moved the log file: write to a fresh one */
        log_line("info", "reopening log", NULL);
        if (log_reopen() != 0)
            log_line("error", "cannot reopen the log file", NULL);
        else
            log_line("info", "log reopened", NULL);
        return;
    }
    if (srv->draining) {
        /* a second signal: stop now */
        event_base_loopexit(srv->base, NULL);
        return;
    }
    /* drain: answer what was accepted, refuse what comes, then stop */
    log_line("info", "stopping", "\"signal\":%d,\"in_flight\":%u", (int)sig, srv->in_flight);
    srv->draining = true;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    srv->drain_deadline = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + 30.0;
    struct timeval every = {0, 20000};
    if (srv->drain_ev == NULL || event_add(srv->drain_ev, &every) != 0)
        event_base_loopexit(srv->base, NULL);
}

static int open_unix_socket(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    /* created owner-only from the start: no window where others may connect */
    mode_t old = umask(0177);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 128) != 0 || evutil_make_socket_nonblocking(fd) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static struct evhttp *make_http(struct server *srv, struct listener_ctx *lc)
{
    struct evhttp *http = evhttp_new(srv->base);
    if (http == NULL)
        return NULL;
    evhttp_set_max_headers_size(http, API_HEADERS_MAX);
    /* libevent answers requests it refuses itself with an HTML page and none
     * of our headers: let every method and a little more than our body limit
     * through, so that on_request refuses them in the one JSON shape. Only
     * bodies past the larger limit still get libevent's page. */
    evhttp_set_max_body_size(http, API_BODY_MAX + 1);
    evhttp_set_timeout(http, 30);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT |
                                         EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_gencb(http, on_request, lc);
    return http;
}

int server_run(struct mns_vault *vault, const struct server_config *cfg)
{
    struct server srv;
    struct listener_ctx unix_lc = {&srv, true}, tls_lc = {&srv, false};
    struct evhttp *http_unix = NULL, *http_tls = NULL;
    pthread_t threads[64 + 16];
    struct worker workers[64 + 16];
    unsigned nthreads = 0;
    int rc = 1, ufd = -1;
    char err[256];

    atomic_store(&api_metrics.started_unix, (unsigned long long)time(NULL));

    memset(&srv, 0, sizeof(srv));
    srv.vault = vault;
    srv.rate_per_s = cfg->rate_per_s;
    srv.max_conns = cfg->max_connections;
    if (conn_ex_index < 0)
        conn_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_gone);
    srv.rate_burst = cfg->rate_burst ? cfg->rate_burst : 2 * cfg->rate_per_s;
    if (srv.rate_per_s > 0 && (srv.rates = calloc(RATE_SLOTS, sizeof(*srv.rates))) == NULL) {
        log_line("error", "out of memory", NULL);
        return 1;
    }
    if (rate_share_start(&srv.shared_rates, vault, srv.rate_per_s) != 0) {
        free(srv.rates);
        log_line("error", "cannot start the shared rate limit", NULL);
        return 1;
    }
    pthread_mutex_init(&srv.lock, NULL);
    pthread_cond_init(&srv.pool_cond[POOL_GENERAL], NULL);
    pthread_cond_init(&srv.pool_cond[POOL_QUICK], NULL);
    signal(SIGPIPE, SIG_IGN);
    /* libevent's buffers hold request bodies (numbers, passwords, shares):
     * every block is wiped when freed. Must precede any other libevent call. */
    event_set_mem_functions(mns_wipe_malloc, mns_wipe_realloc, mns_wipe_free);
    /* the changelist folds a request's event changes (reading off, writing
     * on, then back) into one epoll_ctl per loop turn instead of four */
    struct event_config *ev_cfg = evthread_use_pthreads() == 0 ? event_config_new() : NULL;
    if (ev_cfg != NULL) {
        event_config_set_flag(ev_cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        srv.base = event_base_new_with_config(ev_cfg);
        event_config_free(ev_cfg);
    }
    if (srv.base == NULL) {
        log_line("error", "cannot start the event loop", NULL);
        goto out;
    }
    srv.done_ev = event_new(srv.base, -1, EV_PERSIST | EV_READ, on_done, &srv);
    srv.sig_int = evsignal_new(srv.base, SIGINT, on_signal, &srv);
    srv.sig_term = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
    srv.sig_hup = evsignal_new(srv.base, SIGHUP, on_signal, &srv);
    srv.drain_ev = event_new(srv.base, -1, EV_PERSIST, on_drain_check, &srv);
    srv.tick_ev = event_new(srv.base, -1, EV_PERSIST, on_tick, &srv);
    srv.log_ev = event_new(srv.base, -1, EV_PERSIST, on_log_flush, &srv);
    struct timeval log_every = {1, 0};
    if (srv.log_ev == NULL || event_add(srv.log_ev, &log_every) != 0)
        goto out;
    log_buffering(true);
    struct timeval tick_every = {cfg->checkpoint_seconds ? cfg->checkpoint_seconds : 60, 0};
    if (srv.done_ev == NULL || srv.sig_int == NULL || srv.sig_term == NULL || srv.tick_ev == NULL ||
        srv.sig_hup == NULL || srv.drain_ev == NULL || event_add(srv.done_ev, NULL) != 0 ||
        event_add(srv.sig_int, NULL) != 0 || event_add(srv.sig_term, NULL) != 0 || event_add(srv.sig_hup, NULL) != 0 ||
        event_add(srv.tick_ev, &tick_every) != 0)
        goto out;

    if (cfg->socket_path != NULL) {
        if ((ufd = open_unix_socket(cfg->socket_path)) < 0) {
            log_line("error", "cannot listen on the Unix socket", "\"path\":\"%s\",\"errno\":%d", cfg->socket_path, errno);
            goto out;
        }
        if ((http_unix = make_http(&srv, &unix_lc)) == NULL || evhttp_accept_socket(http_unix, ufd) != 0)
            goto out;
        ufd = -1; /* evhttp owns it now */
    }
    if (cfg->listen_host != NULL) {
        srv.ssl_ctx = tls_server_ctx(cfg->cert_file, cfg->key_file, cfg->client_ca, err, sizeof(err));
        if (srv.ssl_ctx == NULL) {
            log_line("error", "cannot set up TLS", "\"detail\":\"%s\"", err);
            goto out;
        }
        if ((http_tls = make_http(&srv, &tls_lc)) == NULL)
            goto out;
        evhttp_set_bevcb(http_tls, tls_bevcb, &srv);
        struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(http_tls, cfg->listen_host,
                                                                         (ev_uint16_t)cfg->listen_port);
        if (bound == NULL) {
            log_line("error", "cannot listen for HTTPS", "\"host\":\"%s\",\"port\":%d", cfg->listen_host,
                     cfg->listen_port);
            goto out;
        }
        srv.tls_listener = evhttp_bound_socket_get_listener(bound);
        /* without TCP_NODELAY small replies wait ~40 ms for delayed ACKs */
        int one = 1;
        setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }

    if (mns_vault_committer_start(vault) != MNS_OK) {
        log_line("error", "cannot start the committer thread", NULL);
        goto out;
    }
    unsigned general = cfg->threads ? cfg->threads : 16, quick = cfg->quick_threads;
    if (general > 64)
        general = 64;
    if (quick > 16)
        quick = 16;
    srv.quick_pool = quick > 0;
    for (unsigned i = 0; i < general + quick; i++) {
        workers[i] = (struct worker){&srv, i < general ? POOL_GENERAL : POOL_QUICK};
        if (pthread_create(&threads[i], NULL, worker_main, &workers[i]) != 0)
            goto out;
        nthreads = i + 1;
    }
    log_line("info", "listening", "\"socket\":\"%s\",\"https\":\"%s:%d\",\"threads\":%u,\"quick_threads\":%u",
             cfg->socket_path ? cfg->socket_path : "", cfg->listen_host ? cfg->listen_host : "", cfg->listen_port,
             general, quick);
    event_base_dispatch(srv.base);
    rc = 0;
out:
    pthread_mutex_lock(&srv.lock);
    srv.stopping = true;
    pthread_cond_broadcast(&srv.pool_cond[POOL_GENERAL]);
    pthread_cond_broadcast(&srv.pool_cond[POOL_QUICK]);
    pthread_mutex_unlock(&srv.lock);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    /* answers parked for durability come back (to be dropped below) */
    mns_vault_committer_stop(vault);
    /* the connections go first: freeing them calls the close callbacks,
     * which still point at the jobs; then the unsent replies are dropped */
    if (http_unix != NULL)
        evhttp_free(http_unix);
    srv.tls_listener = NULL; /* freed with http_tls before its connections: conn_gone must not touch it */
    if (http_tls != NULL)
        evhttp_free(http_tls);
    while (srv.done_head != NULL) {
        struct job *j = srv.done_head;
        srv.done_head = j->next;
        job_free(j);
    }
    for (int pool = 0; pool < 2; pool++)
        while (srv.todo_head[pool] != NULL) {
            struct job *j = srv.todo_head[pool];
            srv.todo_head[pool] = j->next;
            job_free(j);
        }
    if (ufd >= 0)
        close(ufd);
    if (cfg->socket_path != NULL)
        unlink(cfg->socket_path);
    if (srv.done_ev) event_free(srv.done_ev);
    if (srv.sig_int) event_free(srv.sig_int);
    if (srv.sig_term) event_free(srv.sig_term);
    if (srv.sig_hup) event_free(srv.sig_hup);
    if (srv.drain_ev) event_free(srv.drain_ev);
    if (srv.tick_ev) event_free(srv.tick_ev);
    if (srv.log_ev) event_free(srv.log_ev);
    log_buffering(false);
    if (srv.base) event_base_free(srv.base);
    rate_share_stop(srv.shared_rates);
    free(srv.rates);
    tls_free_ctx(srv.ssl_ctx);
    pthread_mutex_destroy(&srv.lock);
    pthread_cond_destroy(&srv.pool_cond[POOL_GENERAL]);
    pthread_cond_destroy(&srv.pool_cond[POOL_QUICK]);
    return rc;
}
