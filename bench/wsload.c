/*
 * wsload: the WebSocket load client of bench/ws-bench.sh.
 *
 * One process, one epoll loop, many non-blocking sockets. It speaks just
 * enough RFC 6455 (masked client frames, unfragmented server frames,
 * ping -> pong) and just enough JSON (strstr) for two servers:
 *
 *   --proto lh     ngx_http_live_help_module: welcome, hello, session,
 *                  live, message -> ack + event (docs/PROTOCOL.md)
 *   --proto nchan  nchan_pubsub websocket: every text frame sent is
 *                  published to the channel of the URL (?id=...), every
 *                  message of the channel arrives as a text frame
 *
 * Modes:
 *
 *   wsload idle  --count N ...
 *       open N sockets (lh: each says hello and waits for "live", i.e. is
 *       a visitor with its own conversation; nchan: each subscribes to its
 *       own channel), print one "ready" line, then keep them open (answering
 *       pings) until SIGTERM/SIGINT, then print an "end" line.
 *
 *       With --page each socket, once live, sends one "page" message (a
 *       product page, a search referrer, a Chrome user agent), as the
 *       widget does on every page.  --page-rate R sends R more page views
 *       per second, round robin over the live sockets, for the rest of the
 *       run (a shop's visitors browsing); --page-steps RATE:SECS,... does
 *       the same in steps, each one started by a SIGUSR1, so that a script
 *       can start them together with its agents and its CPU readings, and
 *       prints one "pages" line per step.
 *
 *   wsload agents --count N --auth USER:PASS --path /live-help/agent/ws
 *       open N agent sockets (hello, then wait for "conversations"), print
 *       "ready", then run --steps:
 *         go                    wait for a SIGUSR1
 *         ask:visitors:N:GAPMS  N "visitors" requests, one at a time from
 *                               the first agent, GAPMS ms apart: latency
 *                               and answer size
 *         ask:visitor:N:GAPMS   the same with "visitor", over the visitors
 *                               of the last "visitors" answer
 *         listen:SECS           wait for a SIGUSR1, then count the live
 *                               "visitor" messages every agent gets during
 *                               SECS s (+2 s to drain) and how late they
 *                               come (now minus their "last", wall clock)
 *
 *   wsload pairs --pairs P --steps open:RATE:SECS,closed:WINDOW:SECS ...
 *       open P sender/receiver pairs sharing one conversation (lh: the
 *       receiver says hello with the sender's token) or channel (nchan),
 *       with --cross: sender and receiver on different nginx workers
 *       (lh: "worker" of welcome; nchan: an X-Worker response header,
 *       add_header X-Worker $pid always), reconnecting the receiver until
 *       they differ. Then, per step:
 *         open:RATE:SECS    RATE messages/s in total, round robin over the
 *                           pairs, for SECS seconds (open loop)
 *         closed:W:SECS     W messages in flight per pair for SECS seconds
 *       The latency of a message is its arrival at the receiver minus the
 *       moment the sender wrote it; the send time travels in the message's
 *       cid ("t<ns>_<pair>").
 *
 * Every result is one line of key=value pairs on stdout. With --watch
 * PID,PID,... the utime+stime of those processes over each step is
 * reported (server_cpu_ms) and divided by the messages delivered; --redis
 * PID adds one more, reported on its own as well (redis_cpu_ms).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { PROTO_LH, PROTO_NCHAN };
enum { ST_IDLE, ST_CONNECTING, ST_HS, ST_WELCOME, ST_SESSION, ST_LIVE,
       ST_READY, ST_DEAD };
enum { ROLE_IDLE, ROLE_SEND, ROLE_RECV, ROLE_AGENT };

typedef struct {
    int        fd;
    uint32_t   gen;
    uint8_t    state;
    uint8_t    role;
    int        pair;
    int        id;
    int        worker;
    int        tries;
    char      *rbuf;
    uint32_t   rlen, rcap;
    char      *wbuf;
    uint32_t   wlen, wcap;
    int        want_out;
    uint64_t   nrecv;                   /* agents: "visitor" messages */
} conn_t;

typedef struct {
    conn_t    *s, *r;
    char      *token;
    int        inflight;
} pair_t;

/* options */
static int          proto = PROTO_LH;
static const char  *host = "127.0.0.1";
static int          port;
static const char  *path = "/live-help/ws";
static char        *srcs_opt = "127.0.0.1";
static int          count = 1000;
static int          npairs = 100;
static int          conc = 256;
static int          cross;
static int          payload_size = 100;
static const char  *steps_opt = "open:1000:10";
static const char  *tag = "x";
static char        *watch_opt;
static int          setup_timeout = 120;
static int          max_tries = 64;
static int          page_on;
static double       page_rate;
static const char  *page_steps_opt;
static char         auth_hdr[256];

/* state */
static int               epfd;
static conn_t           *conns;
static int               nconns;
static pair_t           *pairs;
static struct in_addr    srcs[64];
static int               nsrcs;
static int               next_src;
static int64_t           t0;
static char              payload[8192];
static volatile sig_atomic_t  stop_flag;
static volatile sig_atomic_t  go_flag;

/* setup accounting */
static int      next_start;             /* next conn index to start */
static int     *prio;                   /* receivers to start first */
static int      nprio;
static int      inflight_hs;
static int      nready;
static int      nfailed;
static int      reconnects;
static int64_t  t_first, t_all_up, t_all_ready;
static int      nup;                    /* 101 received */

/* counters */
static uint64_t  c_closed_by_server, c_errors_msg, c_nacks, c_acks;
static uint64_t  c_io_errors, c_bad_frames, c_fragments, c_pings;
static char      first_error[256];

/* step accounting */
static int       step_active;
static int       step_closed_loop;
static int       step_window;
static int64_t   step_start, step_end;
static uint64_t  step_sent, step_recv, step_recv_in_window, step_stale;
static uint64_t  warm_recv;
static int64_t  *lat;
static size_t    nlat, lat_cap;
static int64_t  *lag;
static size_t    nlag, lag_cap;

/* page views and agents */
static uint64_t  c_pages;
static uint64_t  c_visitor_msgs;
static int64_t   ask_sent_at;           /* 0: no request in flight */
static uint64_t  ask_bytes, ask_items;
static long      ask_total;
static char      ids[100][40];
static int       nids;


static int64_t
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static uint32_t
rnd(void)
{
    static uint32_t  x = 2463534242u;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}


static void
die(const char *what)
{
    fprintf(stderr, "wsload[%s]: %s: %s\n", tag, what, strerror(errno));
    exit(2);
}


static void
note_error(const char *fmt, const char *p, size_t len)
{
    if (first_error[0] == '\0') {
        snprintf(first_error, sizeof(first_error), fmt,
                 (int) (len > 160 ? 160 : len), p);
        fprintf(stderr, "wsload[%s]: %s\n", tag, first_error);
    }
}


static void
push(int64_t **arr, size_t *n, size_t *cap, int64_t v)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 65536;
        *arr = realloc(*arr, *cap * sizeof(int64_t));
        if (*arr == NULL) {
            die("realloc");
        }
    }

    (*arr)[(*n)++] = v;
}


/* ---------------------------------------------------------------- I/O */


static void
ep_mod(conn_t *c, int out)
{
    struct epoll_event  ev;

    ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
    ev.data.u64 = ((uint64_t) c->gen << 32) | (uint32_t) c->id;

    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
        die("epoll_ctl mod");
    }

    c->want_out = out;
}


static void conn_fail(conn_t *c, const char *why);


static int
conn_flush(conn_t *c)
{
    ssize_t  n;

    while (c->wlen) {
        n = write(c->fd, c->wbuf, c->wlen);

        if (n > 0) {
            memmove(c->wbuf, c->wbuf + n, c->wlen - n);
            c->wlen -= n;
            continue;
        }

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == -1 && errno == EAGAIN) {
            if (!c->want_out) {
                ep_mod(c, 1);
            }

            return 0;
        }

        c_io_errors++;
        conn_fail(c, "write");
        return -1;
    }

    if (c->want_out) {
        ep_mod(c, 0);
    }

    return 0;
}


static int
conn_write(conn_t *c, const void *data, size_t len)
{
    ssize_t  n;

    if (c->fd < 0) {
        return -1;
    }

    if (c->wlen == 0) {
        n = write(c->fd, data, len);

        if (n == (ssize_t) len) {
            return 0;
        }

        if (n == -1 && errno != EAGAIN && errno != EINTR) {
            c_io_errors++;
            conn_fail(c, "write");
            return -1;
        }

        if (n < 0) {
            n = 0;
        }

        data = (const char *) data + n;
        len -= n;
    }

    if (c->wlen + len > c->wcap) {
        c->wcap = (c->wlen + len) * 2;
        c->wbuf = realloc(c->wbuf, c->wcap);
        if (c->wbuf == NULL) {
            die("realloc");
        }
    }

    memcpy(c->wbuf + c->wlen, data, len);
    c->wlen += len;

    return conn_flush(c);
}


/* a masked client frame */

static int
ws_send(conn_t *c, int opcode, const char *data, size_t len)
{
    unsigned char  frame[16384], *p;
    uint32_t       m;
    size_t         i;

    if (len + 14 > sizeof(frame)) {
        return -1;
    }

    p = frame;
    *p++ = 0x80 | opcode;

    if (len < 126) {
        *p++ = 0x80 | len;
    } else {
        *p++ = 0x80 | 126;
        *p++ = len >> 8;
        *p++ = len & 0xff;
    }

    m = rnd();
    memcpy(p, &m, 4);

    for (i = 0; i < len; i++) {
        p[4 + i] = data[i] ^ p[i & 3];
    }

    p += 4 + len;

    return conn_write(c, frame, p - frame);
}


/* ---------------------------------------------------------- connecting */


static void start_connect(conn_t *c);


static void
conn_close_fd(conn_t *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }

    c->gen++;
    c->rlen = 0;
    c->wlen = 0;
    c->want_out = 0;
}


static void
conn_fail(conn_t *c, const char *why)
{
    int  was = c->state;

    conn_close_fd(c);
    c->state = ST_DEAD;

    if (was < ST_READY) {
        inflight_hs--;
        nfailed++;

        /* a receiver whose sender failed never starts */
        if (c->role == ROLE_SEND && pairs[c->pair].r->state == ST_IDLE) {
            pairs[c->pair].r->state = ST_DEAD;
            nfailed++;
        }

        if (nfailed <= 3) {
            fprintf(stderr, "wsload[%s]: socket %d failed during setup"
                    " (%s, state %d)\n", tag, c->id, why, was);
        }

    } else {
        nready--;
        if (c_closed_by_server + c_io_errors <= 3) {
            fprintf(stderr, "wsload[%s]: socket %d lost (%s)\n",
                    tag, c->id, why);
        }
    }
}


static void
start_connect(conn_t *c)
{
    struct sockaddr_in  sa;
    struct epoll_event  ev;
    int                 fd, one = 1;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        die("socket");
    }

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr = srcs[next_src++ % nsrcs];

    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == -1) {
        die("bind");
    }

    sa.sin_port = htons(port);
    inet_pton(AF_INET, host, &sa.sin_addr);

    c->fd = fd;
    c->state = ST_CONNECTING;

    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = ((uint64_t) c->gen << 32) | (uint32_t) c->id;
    c->want_out = 1;

    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
        die("epoll_ctl add");
    }

    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == -1
        && errno != EINPROGRESS)
    {
        c_io_errors++;
        conn_fail(c, strerror(errno));
    }
}


static void
send_handshake(conn_t *c)
{
    char  req[512];
    int   n;

    if (proto == PROTO_NCHAN) {
        n = snprintf(req, sizeof(req),
                     "GET %s?id=%s_%c%d HTTP/1.1\r\n", path, tag,
                     c->role == ROLE_IDLE ? 'i' : 'p',
                     c->role == ROLE_IDLE ? c->id : c->pair);
    } else {
        n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n", path);
    }

    n += snprintf(req + n, sizeof(req) - n,
                  "Host: %s:%d\r\n"
                  "Upgrade: websocket\r\n"
                  "Connection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n%s\r\n", host, port,
                  auth_hdr);

    c->state = ST_HS;
    (void) conn_write(c, req, n);
}


static void
start_more(void)
{
    conn_t  *c;

    while (inflight_hs < conc) {
        if (nprio) {
            c = &conns[prio[--nprio]];

        } else if (next_start < nconns) {
            c = &conns[next_start];
            if (c->role == ROLE_RECV) {
                /* receivers start once their sender is ready */
                next_start++;
                continue;
            }
            next_start++;

        } else {
            return;
        }

        if (t_first == 0) {
            t_first = now_ns();
        }

        inflight_hs++;
        start_connect(c);
    }
}


static void
conn_ready(conn_t *c)
{
    pair_t  *p;

    c->state = ST_READY;
    inflight_hs--;
    nready++;

    if (c->role == ROLE_SEND) {
        p = &pairs[c->pair];
        prio[nprio++] = p->r->id;
    }

    if (nready + nfailed == nconns) {
        t_all_ready = now_ns();
    }
}


static void
reconnect(conn_t *c)
{
    conn_close_fd(c);
    c->tries++;
    reconnects++;
    start_connect(c);
}


/* the receiver must land on another worker than its sender */

static int
wrong_worker(conn_t *c)
{
    if (!cross || c->role != ROLE_RECV || c->worker == 0) {
        return 0;
    }

    if (c->worker != pairs[c->pair].s->worker) {
        return 0;
    }

    if (c->tries >= max_tries) {
        return 0;
    }

    reconnect(c);
    return 1;
}


/* ---------------------------------------------------------------- JSON */


/* the string value of "key" (no escapes in the values we look at) */

static const char *
jstr(const char *p, size_t len, const char *key, size_t *vlen)
{
    char         k[64];
    const char  *e, *v, *q;
    size_t       kl;

    kl = snprintf(k, sizeof(k), "\"%s\"", key);
    e = p + len;

    for (v = p; (v = memmem(v, e - v, k, kl)) != NULL; v += kl) {
        q = v + kl;
        while (q < e && (*q == ' ' || *q == ':')) {
            q++;
        }

        if (q < e && *q == '"') {
            q++;
            v = memchr(q, '"', e - q);
            if (v == NULL) {
                return NULL;
            }

            *vlen = v - q;
            return q;
        }
    }

    return NULL;
}


static long
jint(const char *p, size_t len, const char *key)
{
    char         k[64];
    const char  *e, *v;
    size_t       kl;

    kl = snprintf(k, sizeof(k), "\"%s\"", key);
    e = p + len;
    v = memmem(p, len, k, kl);
    if (v == NULL) {
        return 0;
    }

    for (v += kl; v < e && (*v == ' ' || *v == ':'); v++) { /* void */ }

    return strtol(v, NULL, 10);
}


static int
is_type(const char *t, size_t tl, const char *want)
{
    return t && tl == strlen(want) && memcmp(t, want, tl) == 0;
}


/* ----------------------------------------------------------- messages */


static void send_message(pair_t *p, int warm);


static void
delivered(conn_t *c, const char *cid, size_t cl)
{
    int64_t  t, now;
    pair_t  *p;

    if (cl < 2) {
        return;
    }

    if (cid[0] == 'w') {
        warm_recv++;
        return;
    }

    if (cid[0] != 't') {
        return;
    }

    t = strtoll(cid + 1, NULL, 10) + t0;
    now = now_ns();

    if (!step_active || t < step_start) {
        step_stale++;
        return;
    }

    step_recv++;
    if (now <= step_end) {
        step_recv_in_window++;
    }

    push(&lat, &nlat, &lat_cap, now - t);

    if (step_closed_loop) {
        p = &pairs[c->pair];
        p->inflight--;
        if (now < step_end) {
            send_message(p, 0);
        }
    }
}


/* what the widget sends on every page; i varies the page */

static void
send_page(conn_t *c, uint64_t i)
{
    char  msg[512];
    int   n;

    n = snprintf(msg, sizeof(msg),
                 "{\"type\":\"page\",\"url\":\"https://shop.example/p/%llu\","
                 "\"title\":\"Product %llu\","
                 "\"referrer\":\"https://search.example/?q=%llu\","
                 "\"ua\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
                 " (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\"}",
                 (unsigned long long) i, (unsigned long long) i,
                 (unsigned long long) i);

    if (ws_send(c, 1, msg, n) == 0) {
        c_pages++;
    }
}


static int64_t
wall_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/*
 * A live "visitor" message counts with its delay: its "last" is when the
 * server stored the page (ms, wall clock, the same clock here).  An answer
 * to our own request ends that request's wait.
 */

static void
agent_text(conn_t *c, const char *m, size_t len, const char *t, size_t tl)
{
    const char  *p, *e, *v;
    size_t       vl;
    long         last;

    if (ask_sent_at && c->id == 0
        && (is_type(t, tl, "visitors") || is_type(t, tl, "visitor")))
    {
        push(&lat, &nlat, &lat_cap, now_ns() - ask_sent_at);
        ask_sent_at = 0;
        ask_bytes += len;

        if (is_type(t, tl, "visitor")) {
            /* pages of the visitor: one "at" each */
            for (p = m, e = m + len;
                 (p = memmem(p, e - p, "\"at\":", 5)) != NULL; p += 5)
            {
                ask_items++;
            }
            return;
        }

        ask_total = jint(m, len, "total");
        nids = 0;

        for (p = m, e = m + len; nids < 100; p = v + vl) {
            v = jstr(p, e - p, "visitor", &vl);
            if (v == NULL) {
                break;
            }
            if (vl < sizeof(ids[0])) {
                memcpy(ids[nids], v, vl);
                ids[nids++][vl] = '\0';
            }
        }

        ask_items += nids;
        return;
    }

    if (is_type(t, tl, "visitor") && step_active) {
        c_visitor_msgs++;
        c->nrecv++;
        last = jint(m, len, "last");
        if (last > 0) {
            push(&lag, &nlag, &lag_cap, (wall_ms() - last) * 1000000);
        }
    }
}


static void
on_text(conn_t *c, const char *m, size_t len)
{
    const char  *t, *v;
    size_t       tl, vl;
    char         hello[1024];
    pair_t      *p;
    int          n;

    if (proto == PROTO_NCHAN) {
        if (c->state == ST_READY && c->role == ROLE_RECV) {
            v = jstr(m, len, "cid", &vl);
            if (v) {
                delivered(c, v, vl);
            }
        }
        return;
    }

    t = jstr(m, len, "type", &tl);

    if (is_type(t, tl, "error")) {
        c_errors_msg++;
        note_error("error message: %.*s", m, len);
        return;
    }

    switch (c->state) {

    case ST_WELCOME:
        if (!is_type(t, tl, "welcome")) {
            note_error("expected welcome: %.*s", m, len);
            return;
        }

        c->worker = (int) jint(m, len, "worker");
        if (wrong_worker(c)) {
            return;
        }

        p = (c->role == ROLE_SEND || c->role == ROLE_RECV)
            ? &pairs[c->pair] : NULL;

        if (c->role == ROLE_RECV && p->token) {
            n = snprintf(hello, sizeof(hello),
                         "{\"type\":\"hello\",\"token\":\"%s\"}", p->token);
        } else {
            n = snprintf(hello, sizeof(hello), "{\"type\":\"hello\"}");
        }

        c->state = ST_SESSION;
        (void) ws_send(c, 1, hello, n);
        return;

    case ST_SESSION:
        /* an agent's session, then presence, then the list: ready */
        if (c->role == ROLE_AGENT) {
            if (is_type(t, tl, "conversations")) {
                conn_ready(c);
            }
            return;
        }

        if (!is_type(t, tl, "session")) {
            note_error("expected session: %.*s", m, len);
            return;
        }

        if (c->role == ROLE_SEND) {
            v = jstr(m, len, "token", &vl);
            if (v) {
                pairs[c->pair].token = strndup(v, vl);
            }
        }

        c->state = ST_LIVE;
        return;

    case ST_LIVE:
        if (is_type(t, tl, "live")) {
            conn_ready(c);
            if (page_on) {
                send_page(c, c->id);
            }
        }
        return;

    case ST_READY:
        if (c->role == ROLE_AGENT) {
            agent_text(c, m, len, t, tl);
            return;
        }

        if (is_type(t, tl, "event")) {
            if (c->role == ROLE_RECV) {
                v = jstr(m, len, "cid", &vl);
                if (v) {
                    delivered(c, v, vl);
                }
            }

        } else if (is_type(t, tl, "ack")) {
            c_acks++;

        } else if (is_type(t, tl, "nack")) {
            c_nacks++;
            note_error("nack: %.*s", m, len);
        }
        return;
    }
}


static void
on_upgraded(conn_t *c)
{
    nup++;
    if (nup + nfailed == nconns) {
        t_all_up = now_ns();
    }

    if (proto == PROTO_LH) {
        c->state = ST_WELCOME;
        return;
    }

    if (wrong_worker(c)) {
        return;
    }

    conn_ready(c);
}


/* ------------------------------------------------------------ reading */


static void
parse_frames(conn_t *c)
{
    unsigned char  *b;
    uint64_t        plen;
    size_t          hl, off = 0;
    int             op, masked, i;
    uint32_t        gen = c->gen;

    while (c->fd >= 0 && c->gen == gen) {
        b = (unsigned char *) c->rbuf + off;
        if (c->rlen - off < 2) {
            break;
        }

        op = b[0] & 0x0f;
        masked = b[1] & 0x80;
        plen = b[1] & 0x7f;
        hl = 2;

        if (plen == 126) {
            if (c->rlen - off < 4) {
                break;
            }
            plen = (b[2] << 8) | b[3];
            hl = 4;

        } else if (plen == 127) {
            if (c->rlen - off < 10) {
                break;
            }
            plen = 0;
            for (i = 0; i < 8; i++) {
                plen = (plen << 8) | b[2 + i];
            }
            hl = 10;
        }

        if (masked) {
            hl += 4;
            c_bad_frames++;
        }

        if (c->rlen - off < hl + plen) {
            break;
        }

        if (masked) {
            for (i = 0; (uint64_t) i < plen; i++) {
                b[hl + i] ^= b[hl - 4 + (i & 3)];
            }
        }

        if (!(b[0] & 0x80) || op == 0) {
            c_fragments++;
        }

        off += hl + plen;

        switch (op) {
        case 1:
        case 0:
            on_text(c, (char *) b + hl, plen);
            break;
        case 8:
            c_closed_by_server++;
            conn_fail(c, "close frame");
            return;
        case 9:
            c_pings++;
            (void) ws_send(c, 0xA, (char *) b + hl, plen);
            break;
        case 0xA:
            break;
        default:
            c_bad_frames++;
        }
    }

    if (c->fd >= 0 && c->gen == gen && off) {
        memmove(c->rbuf, c->rbuf + off, c->rlen - off);
        c->rlen -= off;
    }
}


static void
on_readable(conn_t *c)
{
    ssize_t   n, want;
    char     *e, *h;
    uint32_t  gen = c->gen;

    for ( ;; ) {
        if (c->rcap - c->rlen < 4096) {
            c->rcap = c->rcap ? c->rcap * 2 : 8192;
            c->rbuf = realloc(c->rbuf, c->rcap);
            if (c->rbuf == NULL) {
                die("realloc");
            }
        }

        want = c->rcap - c->rlen - 1;
        n = read(c->fd, c->rbuf + c->rlen, want);

        if (n == 0) {
            c_closed_by_server++;
            conn_fail(c, "eof");
            return;
        }

        if (n == -1) {
            if (errno == EAGAIN) {
                break;
            }
            if (errno == EINTR) {
                continue;
            }
            c_io_errors++;
            conn_fail(c, strerror(errno));
            return;
        }

        c->rlen += n;

        if (c->state == ST_HS) {
            c->rbuf[c->rlen] = '\0';
            e = strstr(c->rbuf, "\r\n\r\n");
            if (e == NULL) {
                continue;
            }

            if (strncmp(c->rbuf, "HTTP/1.1 101", 12) != 0) {
                note_error("handshake refused: %.*s", c->rbuf,
                           e - c->rbuf);
                conn_fail(c, "handshake");
                return;
            }

            *e = '\0';
            h = strcasestr(c->rbuf, "\r\nX-Worker:");
            if (h) {
                c->worker = atoi(h + 11);
            }

            e += 4;
            c->rlen -= e - c->rbuf;
            memmove(c->rbuf, e, c->rlen);

            on_upgraded(c);
            if (c->fd < 0 || c->gen != gen) {
                return;
            }
        }

        if (n < want) {
            break;              /* the socket is drained */
        }
    }

    if (c->state > ST_HS) {
        parse_frames(c);
    }

    /* an idle socket holds no read buffer */
    if (c->fd >= 0 && c->gen == gen && c->rlen == 0
        && (c->role == ROLE_IDLE || c->rcap > 65536))
    {
        free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
    }
}


static void
on_event(uint64_t data, uint32_t events)
{
    conn_t     *c;
    int         err = 0;
    socklen_t   el = sizeof(err);

    c = &conns[(uint32_t) data];
    if (c->gen != (uint32_t) (data >> 32) || c->fd < 0) {
        return;
    }

    if (c->state == ST_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            return;
        }

        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            c_io_errors++;
            errno = err;
            conn_fail(c, strerror(err));
            return;
        }

        ep_mod(c, 0);
        send_handshake(c);
        return;
    }

    if (events & EPOLLOUT) {
        if (conn_flush(c) == -1) {
            return;
        }
    }

    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        on_readable(c);
    }
}


static void
poll_once(int64_t timeout_ns)
{
    struct epoll_event  evs[512];
    struct timespec     ts;
    int                 n, i;

    if (timeout_ns < 0) {
        timeout_ns = 0;
    }

    ts.tv_sec = timeout_ns / 1000000000;
    ts.tv_nsec = timeout_ns % 1000000000;

    n = epoll_pwait2(epfd, evs, 512, &ts, NULL);
    if (n == -1) {
        if (errno == EINTR) {
            return;
        }
        die("epoll_pwait2");
    }

    for (i = 0; i < n; i++) {
        on_event(evs[i].data.u64, evs[i].events);
    }
}


/* -------------------------------------------------------------- setup */


static void
setup(void)
{
    int64_t  deadline = now_ns() + (int64_t) setup_timeout * 1000000000;

    start_more();

    while (nready + nfailed < nconns && !stop_flag) {
        if (now_ns() > deadline) {
            fprintf(stderr, "wsload[%s]: setup timed out: %d ready, "
                    "%d failed of %d\n", tag, nready, nfailed, nconns);
            break;
        }

        poll_once(100000000);
        start_more();
    }

    if (t_all_up == 0) {
        t_all_up = now_ns();
    }

    if (t_all_ready == 0) {
        t_all_ready = now_ns();
    }
}


/* --------------------------------------------------------------- steps */


static void
send_message(pair_t *p, int warm)
{
    char     msg[sizeof(payload) + 128];
    int64_t  t;
    int      n;

    if (p->s->state != ST_READY || p->r->state != ST_READY) {
        return;
    }

    t = now_ns() - t0;

    n = snprintf(msg, sizeof(msg),
                 "{\"type\":\"message\",\"cid\":\"%c%lld_%d\",\"text\":\"%s\"}",
                 warm ? 'w' : 't', (long long) t, (int) (p - pairs), payload);

    if (ws_send(p->s, 1, msg, n) == 0) {
        if (!warm) {
            step_sent++;
            p->inflight++;
        }
    }
}


static int      nwatch;
static int      watch[64];
static int      redis_pid;
static long     clk_tck;


static int64_t
cpu_ticks_of(int *pids, int npids)
{
    char     fn[64], buf[1024], *p;
    int64_t  sum = 0;
    unsigned long long  ut, st;
    FILE    *f;
    int      i;
    size_t   n;

    for (i = 0; i < npids; i++) {
        snprintf(fn, sizeof(fn), "/proc/%d/stat", pids[i]);
        f = fopen(fn, "r");
        if (f == NULL) {
            continue;
        }
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';

        p = strrchr(buf, ')');
        if (p == NULL) {
            continue;
        }

        /* fields 3..: state ppid pgrp session tty tpgid flags minflt
         * cminflt majflt cmajflt utime stime */
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
                   " %llu %llu", &ut, &st) == 2)
        {
            sum += ut + st;
        }
    }

    return sum;
}


static int64_t
watched_cpu_ticks(void)
{
    return cpu_ticks_of(watch, nwatch)
           + (redis_pid ? cpu_ticks_of(&redis_pid, 1) : 0);
}


static int64_t
redis_cpu_ticks(void)
{
    return redis_pid ? cpu_ticks_of(&redis_pid, 1) : 0;
}


/* busy time of the whole machine (all cores, every namespace), in ticks */

static int64_t
machine_busy_ticks(void)
{
    unsigned long long  v[8] = { 0 };
    FILE               *f;

    f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return 0;
    }

    /* cpu user nice system idle iowait irq softirq steal */
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
               &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
    {
        v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
    }

    fclose(f);

    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}


static int64_t
self_cpu_us(void)
{
    struct rusage  ru;

    getrusage(RUSAGE_SELF, &ru);
    return (int64_t) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec
           + (int64_t) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}


static int
cmp64(const void *a, const void *b)
{
    int64_t  x = *(const int64_t *) a, y = *(const int64_t *) b;

    return x < y ? -1 : x > y;
}


static double
pct(int64_t *a, size_t n, double q)
{
    size_t  i;

    if (n == 0) {
        return -1;
    }

    i = (size_t) (q * (n - 1) + 0.5);
    return a[i] / 1e6;
}


static void
warm_up(void)
{
    int64_t  deadline;
    int      i, ok = 0;

    for (i = 0; i < npairs; i++) {
        if (pairs[i].s->state == ST_READY && pairs[i].r->state == ST_READY) {
            send_message(&pairs[i], 1);
            ok++;
        }
    }

    deadline = now_ns() + 10000000000LL;
    while ((int) warm_recv < ok && now_ns() < deadline) {
        poll_once(10000000);
    }

    printf("warmup tag=%s pairs_ok=%d delivered=%llu\n", tag, ok,
           (unsigned long long) warm_recv);
    fflush(stdout);
}


static void
run_step(const char *kind, double arg, double secs)
{
    int64_t   now, next_due, lag_ns, cpu0, cpu1, self0, self1, drain_end;
    int64_t   rcpu0, rcpu1, busy0, busy1, others;
    uint64_t  k = 0, acks0, nacks0, errs0;
    double    rate = arg, dur;
    int       i, w;

    step_closed_loop = strcmp(kind, "closed") == 0;
    step_window = (int) arg;
    step_sent = step_recv = step_recv_in_window = step_stale = 0;
    nlat = nlag = 0;
    acks0 = c_acks;
    nacks0 = c_nacks;
    errs0 = c_errors_msg;

    for (i = 0; i < npairs; i++) {
        pairs[i].inflight = 0;
    }

    busy0 = machine_busy_ticks();
    cpu0 = watched_cpu_ticks();
    rcpu0 = redis_cpu_ticks();
    self0 = self_cpu_us();
    step_start = now_ns();
    step_end = step_start + (int64_t) (secs * 1e9);
    step_active = 1;

    if (step_closed_loop) {
        for (w = 0; w < step_window; w++) {
            for (i = 0; i < npairs; i++) {
                send_message(&pairs[i], 0);
            }
        }

        while ((now = now_ns()) < step_end && !stop_flag) {
            poll_once(step_end - now);
        }

    } else {
        next_due = step_start;

        while ((now = now_ns()) < step_end && !stop_flag) {
            while (next_due <= now) {
                lag_ns = now_ns() - next_due;
                push(&lag, &nlag, &lag_cap, lag_ns);
                send_message(&pairs[k % npairs], 0);
                k++;
                next_due = step_start + (int64_t) (k * 1e9 / rate);
                now = now_ns();
            }

            poll_once(next_due - now);
        }
    }

    /* let what was sent arrive */
    drain_end = now_ns() + 5000000000LL;
    while (step_recv < step_sent && now_ns() < drain_end && !stop_flag) {
        poll_once(1000000);
    }

    now = now_ns();
    cpu1 = watched_cpu_ticks();
    rcpu1 = redis_cpu_ticks();
    self1 = self_cpu_us();
    busy1 = machine_busy_ticks();

    /* CPU that neither the servers nor this client used: other work on
     * the machine, which disturbs the numbers */
    others = (busy1 - busy0) * 1000 / clk_tck - (cpu1 - cpu0) * 1000 / clk_tck
             - (self1 - self0) / 1000;
    step_active = 0;

    qsort(lat, nlat, sizeof(int64_t), cmp64);
    qsort(lag, nlag, sizeof(int64_t), cmp64);

    dur = (step_end - step_start) / 1e9;

    printf("step tag=%s kind=%s arg=%g secs=%.2f pairs=%d sent=%llu"
           " delivered=%llu lost=%lld delivered_per_s=%.0f"
           " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f"
           " send_lag_p99_ms=%.3f send_lag_max_ms=%.3f"
           " server_cpu_ms=%.0f server_cpu_us_per_msg=%.1f"
           " redis_cpu_ms=%.0f redis_cpu_us_per_msg=%.1f"
           " client_cpu_ms=%.0f client_cpu_us_per_msg=%.1f"
           " others_cpu_ms=%lld"
           " wall_with_drain_s=%.2f acks=%llu nacks=%llu errors=%llu"
           " stale=%llu\n",
           tag, kind, arg, dur, npairs,
           (unsigned long long) step_sent, (unsigned long long) step_recv,
           (long long) step_sent - (long long) step_recv,
           step_recv_in_window / dur,
           pct(lat, nlat, 0.5), pct(lat, nlat, 0.9), pct(lat, nlat, 0.99),
           pct(lat, nlat, 0.999), nlat ? lat[nlat - 1] / 1e6 : -1,
           pct(lag, nlag, 0.99), nlag ? lag[nlag - 1] / 1e6 : -1,
           (cpu1 - cpu0) * 1000.0 / clk_tck,
           step_recv ? (cpu1 - cpu0) * 1e6 / clk_tck / step_recv : -1,
           (rcpu1 - rcpu0) * 1000.0 / clk_tck,
           step_recv ? (rcpu1 - rcpu0) * 1e6 / clk_tck / step_recv : -1,
           (self1 - self0) / 1000.0,
           step_recv ? (double) (self1 - self0) / step_recv : -1,
           (long long) others, (now - step_start) / 1e9,
           (unsigned long long) (c_acks - acks0),
           (unsigned long long) (c_nacks - nacks0),
           (unsigned long long) (c_errors_msg - errs0),
           (unsigned long long) step_stale);
    fflush(stdout);

    /* a short pause so that steps do not overlap */
    drain_end = now_ns() + 500000000LL;
    while ((now = now_ns()) < drain_end) {
        poll_once(drain_end - now);
    }
}


/* ------------------------------------------------- pages and agents */


/* a step of a script's: it starts when the script says so (SIGUSR1) */

static void
wait_go(void)
{
    while (!go_flag && !stop_flag) {
        poll_once(1000000000);
    }

    go_flag = 0;
}


/*
 * RATE page views per second for SECS s (0: until stopped), each from the
 * next live socket: every visitor browses, none twice in a row.
 */

static void
run_pages(double rate, double secs)
{
    static uint64_t  seq;
    static int       cursor;
    int64_t          start, end, now, next_due, self0, wait;
    uint64_t         k = 0, sent0 = c_pages;
    conn_t          *c;
    int              i;

    nlag = 0;
    self0 = self_cpu_us();
    start = now_ns();
    end = secs > 0 ? start + (int64_t) (secs * 1e9) : INT64_MAX;
    next_due = start;

    while ((now = now_ns()) < end && !stop_flag) {
        while (next_due <= now && nready > 0) {
            push(&lag, &nlag, &lag_cap, now - next_due);

            for (i = 0; i < nconns; i++) {
                c = &conns[cursor];
                cursor = (cursor + 1) % nconns;
                if (c->state == ST_READY) {
                    send_page(c, nconns + seq++);
                    break;
                }
            }

            k++;
            next_due = start + (int64_t) (k * 1e9 / rate);
        }

        wait = (next_due < end ? next_due : end) - now;
        poll_once(wait > 0 ? wait : 0);
    }

    qsort(lag, nlag, sizeof(int64_t), cmp64);

    printf("pages tag=%s rate=%g secs=%.2f sent=%llu ready=%d"
           " send_lag_p99_ms=%.3f send_lag_max_ms=%.3f client_cpu_ms=%.0f\n",
           tag, rate, (now_ns() - start) / 1e9,
           (unsigned long long) (c_pages - sent0), nready,
           pct(lag, nlag, 0.99), nlag ? lag[nlag - 1] / 1e6 : -1,
           (self_cpu_us() - self0) / 1000.0);
    fflush(stdout);
}


/*
 * N requests, one at a time, from the first agent, GAP ms apart; the
 * slowest ones are printed with their wall-clock time so that they can be
 * put next to Redis's SLOWLOG.
 */

static void
run_ask(const char *what, int n, int gap)
{
    char      msg[128];
    int64_t   deadline, sent_wall, until;
    int       i, len, answered = 0, nslow = 0;
    int64_t   slow_ms[20], slow_ns[20];
    conn_t   *c = &conns[0];

    nlat = 0;
    ask_bytes = ask_items = 0;

    for (i = 0; i < n && !stop_flag && c->state == ST_READY; i++) {
        if (strcmp(what, "visitor") == 0) {
            if (nids == 0) {
                fprintf(stderr, "wsload[%s]: ask:visitor needs a visitors"
                        " answer first\n", tag);
                break;
            }
            len = snprintf(msg, sizeof(msg),
                           "{\"type\":\"visitor\",\"visitor\":\"%s\"}",
                           ids[i % nids]);
        } else {
            len = snprintf(msg, sizeof(msg), "{\"type\":\"visitors\"}");
        }

        sent_wall = wall_ms();
        ask_sent_at = now_ns();
        if (ws_send(c, 1, msg, len) != 0) {
            break;
        }

        deadline = ask_sent_at + 10000000000LL;
        while (ask_sent_at && !stop_flag && now_ns() < deadline) {
            poll_once(1000000);
        }

        if (ask_sent_at) {
            ask_sent_at = 0;            /* no answer in 10 s */
            continue;
        }

        answered++;

        if (lat[nlat - 1] > 5000000 && nslow < 20) {
            slow_ms[nslow] = sent_wall;
            slow_ns[nslow++] = lat[nlat - 1];
        }

        until = now_ns() + (int64_t) gap * 1000000;
        while (now_ns() < until && !stop_flag) {
            poll_once(until - now_ns());
        }
    }

    for (i = 0; i < nslow; i++) {
        printf("slow tag=%s ask=%s wall_ms=%lld ms=%.3f\n", tag, what,
               (long long) slow_ms[i], slow_ns[i] / 1e6);
    }

    {
        size_t  over5 = 0, over20 = 0, j;

        for (j = 0; j < nlat; j++) {
            over5 += lat[j] > 5000000;
            over20 += lat[j] > 20000000;
        }

        qsort(lat, nlat, sizeof(int64_t), cmp64);

        printf("ask tag=%s ask=%s requests=%d answered=%d p50_ms=%.3f"
               " p90_ms=%.3f p99_ms=%.3f max_ms=%.3f over_5ms=%zu"
               " over_20ms=%zu bytes_avg=%.0f items_avg=%.1f total=%ld\n",
               tag, what, n, answered, pct(lat, nlat, 0.5),
               pct(lat, nlat, 0.9), pct(lat, nlat, 0.99),
               nlat ? lat[nlat - 1] / 1e6 : -1, over5, over20,
               answered ? (double) ask_bytes / answered : 0,
               answered ? (double) ask_items / answered : 0, ask_total);
        fflush(stdout);
    }
}


/*
 * The live "visitor" messages every agent gets in SECS s after SIGUSR1,
 * and 2 s more for those still on their way: an agent that keeps up gets
 * every page view, a few ms late.
 */

static void
run_listen(double secs)
{
    int64_t   start, end, now, self0;
    uint64_t  lo = UINT64_MAX, hi = 0, sum = 0;
    int       i, agents = 0;

    wait_go();

    for (i = 0; i < nconns; i++) {
        conns[i].nrecv = 0;
    }

    nlag = 0;
    self0 = self_cpu_us();
    step_active = 1;
    start = now_ns();
    end = start + (int64_t) ((secs + 2) * 1e9);

    while ((now = now_ns()) < end && !stop_flag) {
        poll_once(end - now);
    }

    step_active = 0;

    for (i = 0; i < nconns; i++) {
        if (conns[i].state != ST_READY) {
            continue;
        }
        agents++;
        sum += conns[i].nrecv;
        lo = conns[i].nrecv < lo ? conns[i].nrecv : lo;
        hi = conns[i].nrecv > hi ? conns[i].nrecv : hi;
    }

    qsort(lag, nlag, sizeof(int64_t), cmp64);

    printf("listen tag=%s secs=%g agents=%d of=%d lost=%llu received=%llu"
           " per_agent_min=%llu per_agent_max=%llu per_agent_per_s=%.1f"
           " delay_p50_ms=%.1f delay_p99_ms=%.1f delay_max_ms=%.1f"
           " client_cpu_ms=%.0f\n",
           tag, secs, agents, nconns,
           (unsigned long long) (c_closed_by_server + c_io_errors),
           (unsigned long long) sum,
           (unsigned long long) (agents ? lo : 0), (unsigned long long) hi,
           agents ? (double) sum / agents / secs : 0,
           pct(lag, nlag, 0.5), pct(lag, nlag, 0.99),
           nlag ? lag[nlag - 1] / 1e6 : -1,
           (self_cpu_us() - self0) / 1000.0);
    fflush(stdout);
}


static void
run_agent_steps(const char *steps)
{
    char    *s, *tok, *save, what[16];
    int      n, gap;
    double   secs;

    s = strdup(steps);

    for (tok = strtok_r(s, ",", &save); tok && !stop_flag;
         tok = strtok_r(NULL, ",", &save))
    {
        if (sscanf(tok, "ask:%15[a-z]:%d:%d", what, &n, &gap) == 3
            && (strcmp(what, "visitors") == 0
                || strcmp(what, "visitor") == 0))
        {
            run_ask(what, n, gap);

        } else if (sscanf(tok, "listen:%lf", &secs) == 1 && secs > 0) {
            run_listen(secs);

        } else if (strcmp(tok, "go") == 0) {
            wait_go();

        } else {
            fprintf(stderr, "wsload: bad agents step %s\n", tok);
            exit(1);
        }
    }

    free(s);
}


static void
run_page_steps(const char *steps)
{
    char    *s, *tok, *save;
    double   rate, secs;

    s = strdup(steps);

    for (tok = strtok_r(s, ",", &save); tok && !stop_flag;
         tok = strtok_r(NULL, ",", &save))
    {
        if (sscanf(tok, "%lf:%lf", &rate, &secs) != 2
            || rate <= 0 || secs <= 0)
        {
            fprintf(stderr, "wsload: bad page step %s\n", tok);
            exit(1);
        }

        wait_go();
        if (!stop_flag) {
            run_pages(rate, secs);
        }
    }

    free(s);
}


/* ---------------------------------------------------------------- main */


static void
on_signal(int sig)
{
    if (sig == SIGUSR1) {
        go_flag = 1;
        return;
    }

    stop_flag = 1;
}


/* "Authorization: Basic ..." for agents behind auth_basic */

static void
make_auth(const char *user_pass)
{
    static const char  b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char  *in = (const unsigned char *) user_pass;
    size_t                len = strlen(user_pass), i;
    char                 *p;
    uint32_t              v;

    if (len > 150) {
        fprintf(stderr, "wsload: --auth is too long\n");
        exit(1);
    }

    p = auth_hdr + sprintf(auth_hdr, "Authorization: Basic ");

    for (i = 0; i < len; i += 3) {
        v = in[i] << 16;
        v |= i + 1 < len ? in[i + 1] << 8 : 0;
        v |= i + 2 < len ? in[i + 2] : 0;
        *p++ = b64[v >> 18];
        *p++ = b64[(v >> 12) & 63];
        *p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? b64[v & 63] : '=';
    }

    strcpy(p, "\r\n");
}


static void
usage(void)
{
    fprintf(stderr,
        "usage: wsload idle|pairs|agents --port P [--proto lh|nchan]\n"
        "         [--host H] [--path /live-help/ws] [--src IP,IP,...]\n"
        "         [--conc 256] [--tag NAME] [--watch PID,PID,...]\n"
        "         [--redis PID]\n"
        "       idle:  --count N [--page] [--page-rate R]\n"
        "              [--page-steps RATE:SECS,...]\n"
        "       agents: --count N --auth USER:PASS\n"
        "              [--steps go,ask:visitors|visitor:N:GAPMS,listen:SECS]\n"
        "       pairs: --pairs P [--cross] [--payload 100]\n"
        "              [--steps open:RATE:SECS,closed:WINDOW:SECS,...]\n");
    exit(1);
}


int
main(int argc, char **argv)
{
    const char  *mode;
    char        *s, *tok, *save;
    int          i, idle, agents;

    if (argc < 2) {
        usage();
    }

    mode = argv[1];
    idle = strcmp(mode, "idle") == 0;
    agents = strcmp(mode, "agents") == 0;
    if (!idle && !agents && strcmp(mode, "pairs") != 0) {
        usage();
    }

    for (i = 2; i < argc; i++) {
        const char  *o = argv[i];
        const char  *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(o, "--cross") == 0) {
            cross = 1;
            continue;
        }

        if (strcmp(o, "--page") == 0) {
            page_on = 1;
            continue;
        }

        if (v == NULL) {
            usage();
        }

        i++;

        if (strcmp(o, "--proto") == 0) {
            proto = strcmp(v, "nchan") == 0 ? PROTO_NCHAN : PROTO_LH;
        } else if (strcmp(o, "--host") == 0) {
            host = v;
        } else if (strcmp(o, "--port") == 0) {
            port = atoi(v);
        } else if (strcmp(o, "--path") == 0) {
            path = v;
        } else if (strcmp(o, "--src") == 0) {
            srcs_opt = strdup(v);
        } else if (strcmp(o, "--count") == 0) {
            count = atoi(v);
        } else if (strcmp(o, "--pairs") == 0) {
            npairs = atoi(v);
        } else if (strcmp(o, "--conc") == 0) {
            conc = atoi(v);
        } else if (strcmp(o, "--payload") == 0) {
            payload_size = atoi(v);
        } else if (strcmp(o, "--steps") == 0) {
            steps_opt = v;
        } else if (strcmp(o, "--tag") == 0) {
            tag = v;
        } else if (strcmp(o, "--watch") == 0) {
            watch_opt = strdup(v);
        } else if (strcmp(o, "--redis") == 0) {
            redis_pid = atoi(v);
        } else if (strcmp(o, "--setup-timeout") == 0) {
            setup_timeout = atoi(v);
        } else if (strcmp(o, "--page-rate") == 0) {
            page_rate = atof(v);
        } else if (strcmp(o, "--page-steps") == 0) {
            page_steps_opt = v;
        } else if (strcmp(o, "--auth") == 0) {
            make_auth(v);
        } else {
            usage();
        }
    }

    if (port == 0 || payload_size < 1
        || payload_size >= (int) sizeof(payload))
    {
        usage();
    }

    for (tok = strtok_r(srcs_opt, ",", &save); tok && nsrcs < 64;
         tok = strtok_r(NULL, ",", &save))
    {
        if (inet_pton(AF_INET, tok, &srcs[nsrcs]) != 1) {
            usage();
        }
        nsrcs++;
    }

    if (watch_opt) {
        for (tok = strtok_r(watch_opt, ",", &save); tok && nwatch < 64;
             tok = strtok_r(NULL, ",", &save))
        {
            watch[nwatch++] = atoi(tok);
        }
    }

    clk_tck = sysconf(_SC_CLK_TCK);

    /* ~100 bytes of plain chat text, the same for both servers */
    {
        static const char  words[] = "Hello, I ordered a blue jacket last "
            "week and would like to change the delivery address, thanks! ";
        for (i = 0; i < payload_size; i++) {
            payload[i] = words[i % (sizeof(words) - 1)];
        }
        payload[payload_size] = '\0';
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_signal);

    epfd = epoll_create1(0);
    if (epfd == -1) {
        die("epoll_create1");
    }

    nconns = (idle || agents) ? count : 2 * npairs;
    conns = calloc(nconns, sizeof(conn_t));
    prio = calloc(nconns + 1, sizeof(int));
    if (conns == NULL || prio == NULL) {
        die("calloc");
    }

    if (!idle && !agents) {
        pairs = calloc(npairs, sizeof(pair_t));
        if (pairs == NULL) {
            die("calloc");
        }
    }

    for (i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        conns[i].id = i;
        conns[i].pair = -1;
        conns[i].role = agents ? ROLE_AGENT : ROLE_IDLE;

        if (!idle && !agents) {
            conns[i].pair = i / 2;
            conns[i].role = (i & 1) ? ROLE_RECV : ROLE_SEND;
            if (i & 1) {
                pairs[i / 2].r = &conns[i];
            } else {
                pairs[i / 2].s = &conns[i];
            }
        }
    }

    t0 = now_ns();
    setup();

    {
        int  ncross = 0, nsame = 0, nunknown = 0;

        if (!idle && !agents) {
            for (i = 0; i < npairs; i++) {
                if (pairs[i].s->state != ST_READY
                    || pairs[i].r->state != ST_READY)
                {
                    continue;
                }
                if (pairs[i].s->worker == 0 || pairs[i].r->worker == 0) {
                    nunknown++;
                } else if (pairs[i].s->worker != pairs[i].r->worker) {
                    ncross++;
                } else {
                    nsame++;
                }
            }
        }

        printf("ready tag=%s mode=%s conns=%d ready=%d failed=%d"
               " t_first_ns=%lld t_all_up_ns=%lld t_all_ready_ns=%lld"
               " upgrade_s=%.3f ready_s=%.3f reconnects=%d"
               " pairs_cross=%d pairs_same=%d pairs_unknown=%d"
               " client_cpu_ms=%.0f\n",
               tag, mode, nconns, nready, nfailed,
               (long long) t_first, (long long) t_all_up,
               (long long) t_all_ready,
               (t_all_up - t_first) / 1e9, (t_all_ready - t_first) / 1e9,
               reconnects, ncross, nsame, nunknown, self_cpu_us() / 1000.0);
        fflush(stdout);
    }

    if (idle || agents) {
        int64_t  self0 = self_cpu_us(), ts = now_ns();

        if (agents) {
            run_agent_steps(steps_opt);

        } else if (page_rate > 0) {
            run_pages(page_rate, 0);

        } else if (page_steps_opt) {
            run_page_steps(page_steps_opt);
        }

        while (!stop_flag) {
            poll_once(1000000000);
        }

        printf("end tag=%s ready=%d closed_by_server=%llu io_errors=%llu"
               " errors=%llu pings=%llu pages=%llu visitor_msgs=%llu"
               " idle_client_cpu_ms=%.0f idle_s=%.1f\n",
               tag, nready, (unsigned long long) c_closed_by_server,
               (unsigned long long) c_io_errors,
               (unsigned long long) c_errors_msg,
               (unsigned long long) c_pings, (unsigned long long) c_pages,
               (unsigned long long) c_visitor_msgs,
               (self_cpu_us() - self0) / 1000.0, (now_ns() - ts) / 1e9);
        return 0;
    }

    warm_up();

    s = strdup(steps_opt);
    for (tok = strtok_r(s, ",", &save); tok && !stop_flag;
         tok = strtok_r(NULL, ",", &save))
    {
        char    kind[16];
        double  arg, secs;

        if (sscanf(tok, "%15[a-z]:%lf:%lf", kind, &arg, &secs) != 3
            || (strcmp(kind, "open") != 0 && strcmp(kind, "closed") != 0)
            || arg <= 0 || secs <= 0)
        {
            fprintf(stderr, "wsload: bad step %s\n", tok);
            return 1;
        }

        run_step(kind, arg, secs);
    }

    printf("end tag=%s ready=%d closed_by_server=%llu io_errors=%llu"
           " errors=%llu nacks=%llu pings=%llu bad_frames=%llu"
           " fragments=%llu first_error=\"%s\"\n",
           tag, nready, (unsigned long long) c_closed_by_server,
           (unsigned long long) c_io_errors,
           (unsigned long long) c_errors_msg, (unsigned long long) c_nacks,
           (unsigned long long) c_pings, (unsigned long long) c_bad_frames,
           (unsigned long long) c_fragments, first_error);

    return 0;
}
