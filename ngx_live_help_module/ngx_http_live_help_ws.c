
/*
 * WebSocket connections inside the worker (RFC 6455, server side).
 *
 * After the 101 the HTTP request is freed, as nginx does for an idle
 * keepalive connection: a socket then holds only its connection and a small
 * ngx_live_help_ws_t.  Reads go through one buffer per worker, and a
 * message is copied only when it arrives in pieces.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/sha.h>

#include "ngx_http_live_help_ws.h"
#include "ngx_http_live_help_limit.h"


#define NGX_LIVE_HELP_WS_GUID        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define NGX_LIVE_HELP_WS_READ_SIZE   16384
#define NGX_LIVE_HELP_WS_LINGER      3000
#define NGX_LIVE_HELP_WS_IOVS        32


static size_t ngx_live_help_ws_headers(ngx_http_request_t *r, u_char *p);
static ngx_int_t ngx_live_help_ws_has_token(ngx_table_elt_t *h,
    const char *token, size_t len);
static ngx_int_t ngx_live_help_ws_origin_allowed(ngx_http_request_t *r,
    ngx_http_live_help_loc_conf_t *llcf, ngx_uint_t role);
static void ngx_live_help_ws_detach(ngx_event_t *wev);
static void ngx_live_help_ws_read_handler(ngx_event_t *rev);
static void ngx_live_help_ws_write_handler(ngx_event_t *wev);
static ngx_int_t ngx_live_help_ws_process(ngx_live_help_ws_t *ws,
    u_char *buf, size_t len);
static ngx_int_t ngx_live_help_ws_data(ngx_live_help_ws_t *ws,
    ngx_live_help_ws_event_t *ev);
static ngx_int_t ngx_live_help_ws_control(ngx_live_help_ws_t *ws,
    ngx_live_help_ws_event_t *ev);
static ngx_int_t ngx_live_help_ws_send_control(ngx_live_help_ws_t *ws,
    ngx_uint_t opcode, u_char *data, size_t len);
static ngx_int_t ngx_live_help_ws_queue(ngx_live_help_ws_t *ws,
    ngx_live_help_out_t *out);
static ngx_int_t ngx_live_help_ws_flush(ngx_live_help_ws_t *ws);
static void ngx_live_help_ws_finalize(ngx_live_help_ws_t *ws);


static ngx_queue_t  ngx_live_help_ws_all = {
    &ngx_live_help_ws_all, &ngx_live_help_ws_all
};
static ngx_uint_t   ngx_live_help_ws_n;
static u_char       ngx_live_help_ws_buffer[NGX_LIVE_HELP_WS_READ_SIZE];


ngx_int_t
ngx_http_live_help_ws_handshake(ngx_http_request_t *r,
    ngx_live_help_ws_handler_t *handler, ngx_live_help_ws_agent_t *agent)
{
    u_char                         *p;
    u_char                          sha[SHA_DIGEST_LENGTH];
    u_char                          keybuf[32];
    ngx_str_t                       key, decoded, accept, src;
    ngx_connection_t               *c;
    ngx_table_elt_t                *h, *conn;
    ngx_live_help_ws_t             *ws;
    ngx_live_help_out_t            *out;
    ngx_live_help_msg_t            *msg;
    ngx_uint_t                       over;
    ngx_http_live_help_loc_conf_t   *llcf;
    ngx_http_live_help_main_conf_t  *lmcf;

    static u_char  response[] =
        "HTTP/1.1 101 Switching Protocols" CRLF
        "Upgrade: websocket" CRLF
        "Connection: Upgrade" CRLF
        "Sec-WebSocket-Accept: ";

    c = r->connection;
    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);

    if (r->method != NGX_HTTP_GET) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    /* the core does not keep these two in headers_in */
    h = ngx_http_live_help_header_in(r, "Upgrade", 7);
    conn = ngx_http_live_help_header_in(r, "Connection", 10);

    if (r->http_version != NGX_HTTP_VERSION_11
        || h == NULL
        || !ngx_live_help_ws_has_token(h, "websocket", 9)
        || conn == NULL
        || !ngx_live_help_ws_has_token(conn, "upgrade", 7))
    {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "live_help: not a WebSocket handshake");
        return NGX_HTTP_BAD_REQUEST;
    }

    h = ngx_http_live_help_header_in(r, "Sec-WebSocket-Version", 21);

    if (h == NULL || h->value.len != 2
        || ngx_strncmp(h->value.data, "13", 2) != 0)
    {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Sec-WebSocket-Version");
        ngx_str_set(&h->value, "13");

        r->headers_out.status = 426;
        ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");
        r->headers_out.content_length_n = 0;
        r->header_only = 1;

        return ngx_http_send_header(r);
    }

    h = ngx_http_live_help_header_in(r, "Sec-WebSocket-Key", 17);

    if (h == NULL || h->value.len != 24) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "live_help: bad Sec-WebSocket-Key");
        return NGX_HTTP_BAD_REQUEST;
    }

    key = h->value;
    decoded.data = keybuf;

    if (ngx_decode_base64(&decoded, &key) != NGX_OK || decoded.len != 16) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "live_help: bad Sec-WebSocket-Key");
        return NGX_HTTP_BAD_REQUEST;
    }

    if (!ngx_live_help_ws_origin_allowed(r, llcf, handler->role)) {
        return NGX_HTTP_FORBIDDEN;
    }

    if (handler->role == NGX_LIVE_HELP_AGENT
        && (agent == NULL || agent->user.len == 0))
    {
        return NGX_HTTP_FORBIDDEN;
    }

    ws = ngx_pcalloc(c->pool, sizeof(ngx_live_help_ws_t));
    if (ws == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }


    if (handler->role == NGX_LIVE_HELP_AGENT) {
        /* the agents file may be read again: keep copies */
        ws->user.data = ngx_pstrdup(c->pool, &agent->user);
        ws->user.len = agent->user.len;
        ws->name.len = agent->name.len;
        ws->name.data = agent->name.len ? ngx_pstrdup(c->pool, &agent->name)
                                        : NULL;
        ws->signin = agent->signin;

        if (ws->user.data == NULL || (ws->name.len && ws->name.data == NULL))
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ws->connection = c;
    ws->request = r;
    ws->conf = llcf;
    ws->role = handler->role;
    ws->handler = handler;
    ws->last_out = &ws->out;
    ngx_live_help_ws_parser_init(&ws->parser, llcf->max_message);

    if (handler->handshake && handler->handshake(ws, r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Sec-WebSocket-Accept: base64(SHA-1(key GUID)) */

    {
        SHA_CTX  sctx;

        SHA1_Init(&sctx);
        SHA1_Update(&sctx, key.data, key.len);
        SHA1_Update(&sctx, NGX_LIVE_HELP_WS_GUID,
                    sizeof(NGX_LIVE_HELP_WS_GUID) - 1);
        SHA1_Final(sha, &sctx);
    }

    src.data = sha;
    src.len = SHA_DIGEST_LENGTH;

    msg = ngx_live_help_msg_alloc(sizeof(response) - 1
                                  + ngx_base64_encoded_length(src.len)
                                  + 2 * sizeof(CRLF)
                                  + ngx_live_help_ws_headers(r, NULL),
                                  c->log);
    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(msg->data, response, sizeof(response) - 1);
    accept.data = p;
    ngx_encode_base64(&accept, &src);
    p += accept.len;
    *p++ = CR; *p++ = LF;
    p += ngx_live_help_ws_headers(r, p);
    *p++ = CR; *p++ = LF;
    msg->len = p - msg->data;

    out = ngx_alloc(sizeof(ngx_live_help_out_t), c->log);
    if (out == NULL) {
        ngx_live_help_msg_release(msg);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out->next = NULL;
    out->msg = msg;
    out->head_len = 0;
    out->sent = 0;

    *ws->last_out = out;
    ws->last_out = &out->next;
    ws->queued = msg->len;

    if (handler->role == NGX_LIVE_HELP_VISITOR) {
        /* not agents: a team in one office shares an address */
        lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

        ws->limit = ngx_live_help_limit_open(lmcf->limits, c->sockaddr,
                                             llcf->limit_sockets, &over,
                                             c->log);
        if (over) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "live_help: %ui sockets of this address are open "
                          "already (live_help_limit_sockets)",
                          llcf->limit_sockets);
            ngx_free(out);
            ngx_live_help_msg_release(msg);
            return NGX_HTTP_TOO_MANY_REQUESTS;
        }
    }

    ngx_http_set_ctx(r, ws, ngx_http_live_help_module);

    ngx_queue_insert_tail(&ngx_live_help_ws_all, &ws->queue);
    ngx_live_help_ws_n++;

    /*
     * The request is freed once the core has finished with it: from a
     * posted event, after this handler's NGX_DONE.
     */

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    r->main->count++;

    c->read->handler = ngx_http_empty_handler;
    c->write->handler = ngx_live_help_ws_detach;
    ngx_post_event(c->write, &ngx_posted_events);

    return NGX_DONE;
}


/*
 * The headers the role set for the 101 ("Name: value" CRLF each), written
 * to p, or only counted when p is NULL.
 */

static size_t
ngx_live_help_ws_headers(ngx_http_request_t *r, u_char *p)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = 0;
    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        if (p) {
            p = ngx_cpymem(p, h[i].key.data, h[i].key.len);
            *p++ = ':'; *p++ = ' ';
            p = ngx_cpymem(p, h[i].value.data, h[i].value.len);
            *p++ = CR; *p++ = LF;
        }

        len += h[i].key.len + 2 + h[i].value.len + 2;
    }

    return len;
}


/* a comma-separated header value has the token, in any case */

static ngx_int_t
ngx_live_help_ws_has_token(ngx_table_elt_t *h, const char *token,
    size_t len)
{
    u_char     *p;
    ngx_str_t   item;

    p = h->value.data;

    while (ngx_http_live_help_next_item(&p, h->value.data + h->value.len,
                                        &item))
    {
        if (item.len == len
            && ngx_strncasecmp(item.data, (u_char *) token, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


ngx_uint_t
ngx_http_live_help_next_item(u_char **pos, u_char *last, ngx_str_t *item)
{
    u_char  *p, *end;

    p = *pos;

    while (p < last && (*p == ' ' || *p == '\t' || *p == ',')) {
        p++;
    }

    item->data = p;

    while (p < last && *p != ',') {
        p++;
    }

    end = p;

    while (end > item->data && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    item->len = end - item->data;
    *pos = p;

    return item->len != 0;
}


/*
 * Browsers send Origin with every WebSocket handshake: a page of another
 * site must not open a chat socket with the visitor's cookies or the
 * agent's credentials.  The same origin is allowed, and the origins listed
 * in live_help_origins (visitors) or live_help_agent_origins (agents):
 * the shop's other sites are no reason to open the agents' socket to
 * them.  Clients that are not browsers send no Origin.
 */

static ngx_int_t
ngx_live_help_ws_origin_allowed(ngx_http_request_t *r,
    ngx_http_live_help_loc_conf_t *llcf, ngx_uint_t role)
{
    ngx_str_t        *allowed;
    ngx_uint_t        i;
    ngx_array_t      *list;
    ngx_table_elt_t  *origin;

    origin = ngx_http_live_help_header_in(r, "Origin", 6);

    if (origin == NULL) {
        return 1;
    }

    list = (role == NGX_LIVE_HELP_AGENT) ? llcf->agent_origins
                                         : llcf->origins;

    if (list) {
        allowed = list->elts;

        for (i = 0; i < list->nelts; i++) {
            if ((allowed[i].len == 1 && allowed[i].data[0] == '*')
                || (allowed[i].len == origin->value.len
                    && ngx_strncasecmp(allowed[i].data, origin->value.data,
                                       origin->value.len)
                       == 0))
            {
                return 1;
            }
        }
    }

    if (ngx_http_live_help_same_origin(r, &origin->value)) {
        return 1;
    }

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "live_help: WebSocket from origin \"%V\" refused; "
                  "allow it with \"%s\"", &origin->value,
                  (role == NGX_LIVE_HELP_AGENT) ? "live_help_agent_origins"
                                                : "live_help_origins");

    return 0;
}


static void
ngx_live_help_ws_detach(ngx_event_t *wev)
{
    u_char                    *pending;
    size_t                     npending;
    ngx_int_t                  rc;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl, *ln;
    ngx_connection_t          *c;
    ngx_live_help_ws_t        *ws;
    ngx_http_request_t        *r;
    ngx_http_connection_t     *hc;
    ngx_http_core_loc_conf_t  *clcf;

    c = wev->data;
    r = c->data;
    ws = ngx_http_get_module_ctx(r, ngx_http_live_help_module);
    hc = r->http_connection;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* frames a client sent right behind its handshake */

    pending = NULL;
    npending = 0;
    b = r->header_in;

    if (b && b->pos < b->last) {
        npending = b->last - b->pos;
        pending = ngx_alloc(npending, c->log);
        if (pending == NULL) {
            npending = 0;
        } else {
            ngx_memcpy(pending, b->pos, npending);
        }
    }

    if (clcf->tcp_nodelay) {
        (void) ngx_tcp_nodelay(c);
    }

    ws->request = NULL;
    ngx_http_free_request(r, 0);

    c->destroyed = 0;
    c->data = ws;
    c->log->action = "serving live help socket";

    /* what ngx_http_set_keepalive() frees for an idle connection */

    b = c->buffer;

    if (b && ngx_pfree(c->pool, b->start) == NGX_OK) {
        c->buffer = NULL;
    }

    for (cl = hc->free; cl; /* void */) {
        ln = cl;
        cl = cl->next;
        ngx_pfree(c->pool, ln->buf->start);
        ngx_free_chain(c->pool, ln);
    }

    hc->free = NULL;

    for (cl = hc->busy; cl; /* void */) {
        ln = cl;
        cl = cl->next;
        ngx_pfree(c->pool, ln->buf->start);
        ngx_free_chain(c->pool, ln);
    }

    hc->busy = NULL;
    hc->nbusy = 0;

#if (NGX_HTTP_SSL)
    if (c->ssl) {
        ngx_ssl_free_buffer(c);

        /*
         * Frames go out as they are queued: nginx's SSL buffer would keep
         * them, the 101 first, until a flush that a socket never sends.
         */
        c->ssl->buffer = 0;
    }
#endif

    ws->ready = 1;

    /* a graceful shutdown of the worker calls the read handler: 1001 */
    c->idle = 1;

    c->read->handler = ngx_live_help_ws_read_handler;
    c->write->handler = ngx_live_help_ws_write_handler;

    c->read->cancelable = 1;
    c->write->cancelable = 1;
    ngx_add_timer(c->read, ws->conf->ping_interval);

    if (ngx_live_help_ws_flush(ws) != NGX_OK) {
        ngx_free(pending);
        ngx_live_help_ws_finalize(ws);
        return;
    }

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        /*
         * The worker started shutting down after the handshake: idle
         * connections were closed before this one was one.  Go now, or
         * the worker would exit with it open.
         */
        ngx_free(pending);
        c->close = 1;
        ngx_live_help_ws_read_handler(c->read);
        return;
    }

    ws->opened = 1;

    if (ws->handler->open(ws) != NGX_OK) {
        ngx_free(pending);
        ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_INTERNAL, NULL);
        return;
    }

    if (npending) {
        rc = ngx_live_help_ws_process(ws, pending, npending);
        ngx_free(pending);

        if (rc == NGX_DONE) {
            return;
        }
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_live_help_ws_finalize(ws);
        return;
    }

    if (c->read->ready) {
        ngx_post_event(c->read, &ngx_posted_events);
    }
}


static void
ngx_live_help_ws_read_handler(ngx_event_t *rev)
{
    u_char               code[2];
    ssize_t              n;
    ngx_connection_t    *c;
    ngx_live_help_ws_t  *ws;

    c = rev->data;
    ws = c->data;

    if (c->close) {
        /* the worker is going away: tell the client to come back */
        if (!ws->close_sent) {
            ws->close_sent = 1;
            code[0] = (u_char) (NGX_LIVE_HELP_WS_GOING_AWAY >> 8);
            code[1] = (u_char) (NGX_LIVE_HELP_WS_GOING_AWAY & 0xff);
            (void) ngx_live_help_ws_send_control(ws, NGX_LIVE_HELP_WS_CLOSE,
                                                 code, 2);
        }

        ngx_live_help_ws_finalize(ws);
        return;
    }

    if (rev->timedout) {
        rev->timedout = 0;

        if (ws->close_sent || ws->awaiting_pong) {
            /* no close reply, or no sign of life since the last ping */
            ngx_live_help_ws_finalize(ws);
            return;
        }

        ws->awaiting_pong = 1;
        ngx_add_timer(rev, ws->conf->ping_interval);

        if (ngx_live_help_ws_send_control(ws, NGX_LIVE_HELP_WS_PING, NULL, 0)
            != NGX_OK)
        {
            ngx_live_help_ws_finalize(ws);
        }

        return;
    }

    while (rev->ready) {
        n = c->recv(c, ngx_live_help_ws_buffer,
                    NGX_LIVE_HELP_WS_READ_SIZE);

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_live_help_ws_finalize(ws);
            return;
        }

        if (ngx_live_help_ws_process(ws, ngx_live_help_ws_buffer, n)
            == NGX_DONE)
        {
            return;
        }
    }

    if (!ws->close_sent) {
        ws->awaiting_pong = 0;
        ngx_add_timer(rev, ws->conf->ping_interval);
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_live_help_ws_finalize(ws);
    }
}


/* returns NGX_DONE when the socket is gone */

static ngx_int_t
ngx_live_help_ws_process(ngx_live_help_ws_t *ws, u_char *buf, size_t len)
{
    int                       rc;
    size_t                    used;
    ngx_live_help_ws_event_t  ev;

    while (len) {
        rc = ngx_live_help_ws_parse(&ws->parser, buf, len, &used, &ev);
        buf += used;
        len -= used;

        switch (rc) {

        case NGX_LIVE_HELP_WS_DATA:
            if (ngx_live_help_ws_data(ws, &ev) == NGX_DONE) {
                return NGX_DONE;
            }
            break;

        case NGX_LIVE_HELP_WS_CONTROL:
            if (ngx_live_help_ws_control(ws, &ev) == NGX_DONE) {
                return NGX_DONE;
            }
            break;

        case NGX_LIVE_HELP_WS_ERROR:
            ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                          "live_help: closing socket with %ui: %s",
                          (ngx_uint_t) ev.code, ev.reason);
            ws->close_received = 1;
            ngx_live_help_ws_close(ws, ev.code, NULL);
            return NGX_DONE;

        default: /* NGX_LIVE_HELP_WS_AGAIN */
            break;
        }

        if (ws->finalized) {
            return NGX_DONE;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_live_help_ws_data(ngx_live_help_ws_t *ws, ngx_live_help_ws_event_t *ev)
{
    u_char    *p;
    size_t     size;
    ngx_int_t  rc;

    if (ws->close_sent) {
        return NGX_OK;
    }

    if (ev->opcode == NGX_LIVE_HELP_WS_BINARY) {
        /* the protocol is JSON text */
        ws->close_received = 1;
        ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_UNSUPPORTED,
                               "text messages only");
        return NGX_DONE;
    }

    if (ev->last && ws->msg_len == 0) {
        /* the whole message in this read: no copy */
        rc = ws->handler->message(ws, ev->data, ev->len);
        return ws->finalized ? NGX_DONE : rc;
    }

    if (ws->msg_len + ev->len > ws->msg_size) {
        size = ngx_max(ws->msg_len + ev->len, 2 * ws->msg_size);
        size = ngx_min(size, ws->conf->max_message);

        p = ngx_alloc(size, ws->connection->log);
        if (p == NULL) {
            ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_INTERNAL, NULL);
            return NGX_DONE;
        }

        if (ws->msg) {
            ngx_memcpy(p, ws->msg, ws->msg_len);
            ngx_free(ws->msg);
        }

        ws->msg = p;
        ws->msg_size = size;
    }

    ngx_memcpy(ws->msg + ws->msg_len, ev->data, ev->len);
    ws->msg_len += ev->len;

    if (!ev->last) {
        return NGX_OK;
    }

    rc = ws->handler->message(ws, ws->msg, ws->msg_len);

    if (ws->finalized) {
        return NGX_DONE;
    }

    /* an idle socket keeps no buffer */
    ngx_free(ws->msg);
    ws->msg = NULL;
    ws->msg_len = 0;
    ws->msg_size = 0;

    return rc;
}


static ngx_int_t
ngx_live_help_ws_control(ngx_live_help_ws_t *ws, ngx_live_help_ws_event_t *ev)
{
    switch (ev->opcode) {

    case NGX_LIVE_HELP_WS_PING:
        if (ws->close_sent) {
            return NGX_OK;
        }

        if (ngx_live_help_ws_send_control(ws, NGX_LIVE_HELP_WS_PONG,
                                          ev->data, ev->len)
            != NGX_OK)
        {
            ngx_live_help_ws_finalize(ws);
            return NGX_DONE;
        }

        return NGX_OK;

    case NGX_LIVE_HELP_WS_PONG:
        ws->awaiting_pong = 0;
        return NGX_OK;

    default: /* NGX_LIVE_HELP_WS_CLOSE */
        ws->close_received = 1;

        if (ws->close_sent) {
            ngx_live_help_ws_finalize(ws);
            return NGX_DONE;
        }

        /* echo the code, as RFC 6455 5.5.1 asks */
        ngx_live_help_ws_close(ws, ev->code == NGX_LIVE_HELP_WS_NO_STATUS
                                   ? 0 : ev->code, NULL);

        return NGX_DONE;
    }
}


void
ngx_live_help_ws_close(ngx_live_help_ws_t *ws, ngx_uint_t code,
    const char *reason)
{
    u_char             payload[NGX_LIVE_HELP_WS_MAX_CONTROL];
    size_t             len;
    ngx_connection_t  *c;

    if (ws->finalized) {
        return;
    }

    c = ws->connection;

    if (!ws->close_sent) {
        ws->close_sent = 1;
        len = 0;

        if (code) {
            payload[0] = (u_char) (code >> 8);
            payload[1] = (u_char) code;
            len = 2;

            if (reason) {
                len += ngx_cpystrn(payload + 2, (u_char *) reason,
                                   sizeof(payload) - 2)
                       - (payload + 2);
            }
        }

        if (ngx_live_help_ws_send_control(ws, NGX_LIVE_HELP_WS_CLOSE,
                                          payload, len)
            != NGX_OK)
        {
            ngx_live_help_ws_finalize(ws);
            return;
        }
    }

    if (ws->close_received && ws->out == NULL) {
        ngx_live_help_ws_finalize(ws);
        return;
    }

    /* wait for the close reply, or for the queue to drain, not forever */
    ngx_add_timer(c->read, NGX_LIVE_HELP_WS_LINGER);
}


static ngx_int_t
ngx_live_help_ws_send_control(ngx_live_help_ws_t *ws, ngx_uint_t opcode,
    u_char *data, size_t len)
{
    ngx_live_help_out_t  *out;

    out = ngx_alloc(sizeof(ngx_live_help_out_t), ws->connection->log);
    if (out == NULL) {
        return NGX_ERROR;
    }

    out->msg = NULL;
    out->head_len = ngx_live_help_ws_frame_header(out->head, opcode, len);

    if (len) {
        ngx_memcpy(out->head + out->head_len, data, len);
        out->head_len += len;
    }

    return ngx_live_help_ws_queue(ws, out);
}


ngx_int_t
ngx_live_help_ws_send(ngx_live_help_ws_t *ws, ngx_live_help_msg_t *msg)
{
    ngx_live_help_out_t  *out;

    if (ws->close_sent || ws->finalized || ws->broken) {
        /* the client resumes from the log when it comes back */
        return NGX_OK;
    }

    out = ngx_alloc(sizeof(ngx_live_help_out_t), ws->connection->log);
    if (out == NULL) {
        return NGX_ERROR;
    }

    out->msg = msg;
    msg->refs++;
    out->head_len = ngx_live_help_ws_frame_header(out->head,
                                                  NGX_LIVE_HELP_WS_TEXT,
                                                  msg->len);

    if (ngx_live_help_ws_queue(ws, out) != NGX_OK) {
        /*
         * Closed from a posted event: the caller may be walking a list
         * this socket is on.
         */
        ws->broken = 1;
        ngx_post_event(ws->connection->write, &ngx_posted_events);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_live_help_ws_queue(ngx_live_help_ws_t *ws, ngx_live_help_out_t *out)
{
    size_t  size;

    out->next = NULL;
    out->sent = 0;

    size = out->head_len + (out->msg ? out->msg->len : 0);

    *ws->last_out = out;
    ws->last_out = &out->next;
    ws->queued += size;

    /*
     * A slow reader: more than the limit is queued besides the message
     * being written and besides this one; one message alone, however
     * large, says nothing of the reader.  Memory stays bounded; it
     * resumes when back.
     */
    if (ws->queued - ngx_max(size, ws->out->head_len
                                   + (ws->out->msg ? ws->out->msg->len : 0)
                                   - ws->out->sent)
        > ws->conf->send_limit)
    {
        ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                      "live_help: closing slow client, %uz bytes queued",
                      ws->queued);
        return NGX_ERROR;
    }

    if (!ws->ready) {
        return NGX_OK;
    }

    return ngx_live_help_ws_flush(ws);
}


static ngx_int_t
ngx_live_help_ws_flush(ngx_live_help_ws_t *ws)
{
    size_t                n, queued;
    ngx_buf_t             bufs[2 * NGX_LIVE_HELP_WS_IOVS];
    ngx_uint_t            i, k;
    ngx_chain_t           links[2 * NGX_LIVE_HELP_WS_IOVS], *cl, **ll, *rest;
    ngx_connection_t     *c;
    ngx_live_help_out_t  *out, *items[NGX_LIVE_HELP_WS_IOVS];

    c = ws->connection;
    queued = ws->queued;

    /* after a failed write, another (a close frame) must not be tried:
       OpenSSL refuses it as a bad retry */
    if (c->error) {
        return NGX_ERROR;
    }

    while (ws->out) {

        ll = &cl;
        k = 0;
        n = 0;

        for (out = ws->out; out && n < NGX_LIVE_HELP_WS_IOVS;
             out = out->next)
        {
            items[n++] = out;

            if (out->sent < out->head_len) {
                ngx_memzero(&bufs[k], sizeof(ngx_buf_t));
                bufs[k].pos = out->head + out->sent;
                bufs[k].last = out->head + out->head_len;
                bufs[k].memory = 1;
                links[k].buf = &bufs[k];
                *ll = &links[k];
                ll = &links[k].next;
                k++;
            }

            if (out->msg && out->msg->len) {
                ngx_memzero(&bufs[k], sizeof(ngx_buf_t));
                bufs[k].pos = out->msg->data
                              + (out->sent > out->head_len
                                 ? out->sent - out->head_len : 0);
                bufs[k].last = out->msg->data + out->msg->len;
                bufs[k].memory = 1;
                links[k].buf = &bufs[k];
                *ll = &links[k];
                ll = &links[k].next;
                k++;
            }
        }

        *ll = NULL;

        rest = c->send_chain(c, cl, 0);

        if (rest == NGX_CHAIN_ERROR) {
            c->error = 1;
            return NGX_ERROR;
        }

        /* account what went out, from the buffers' positions */

        k = 0;

        for (i = 0; i < n; i++) {
            out = items[i];

            if (out->sent < out->head_len) {
                ws->queued -= (bufs[k].pos - out->head) - out->sent;
                out->sent = bufs[k].pos - out->head;
                k++;
            }

            if (out->msg && out->msg->len) {
                if (out->sent >= out->head_len) {
                    ws->queued -= (bufs[k].pos - out->msg->data)
                                  - (out->sent - out->head_len);
                    out->sent = out->head_len
                                + (bufs[k].pos - out->msg->data);
                }

                k++;
            }

            if (out->sent < out->head_len + (out->msg ? out->msg->len : 0)) {
                break;
            }

            ws->out = out->next;

            if (ws->out == NULL) {
                ws->last_out = &ws->out;
            }

            if (out->msg) {
                ngx_live_help_msg_release(out->msg);
            }

            ngx_free(out);
        }

        if (rest != NULL) {
            break;
        }
    }

    if (ws->out) {
        /* a client that stops reading goes after live_help_send_timeout */
        if (ws->queued != queued || !c->write->timer_set) {
            ngx_add_timer(c->write, ws->conf->send_timeout);
        }

        if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (ws->want_drain && ws->opened && !ws->close_sent) {
        ws->want_drain = 0;
        ws->handler->drained(ws);
    }

    return NGX_OK;
}


static void
ngx_live_help_ws_write_handler(ngx_event_t *wev)
{
    ngx_connection_t    *c;
    ngx_live_help_ws_t  *ws;

    c = wev->data;
    ws = c->data;

    if (wev->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "live_help: client stopped reading, %uz bytes queued",
                      ws->queued);
        c->timedout = 1;
        ngx_live_help_ws_finalize(ws);
        return;
    }

    if (ws->broken || ngx_live_help_ws_flush(ws) != NGX_OK) {
        ngx_live_help_ws_finalize(ws);
        return;
    }

    if (ws->close_sent && ws->close_received && ws->out == NULL) {
        ngx_live_help_ws_finalize(ws);
    }
}


static void
ngx_live_help_ws_finalize(ngx_live_help_ws_t *ws)
{
    ngx_connection_t                *c;
    ngx_live_help_out_t             *out;
    ngx_http_live_help_main_conf_t  *lmcf;

    if (ws->finalized) {
        return;
    }

    ws->finalized = 1;
    c = ws->connection;

    /* before open(), ws->data is what the handshake left, no session */
    if (ws->opened) {
        ws->handler->close(ws);
    }

    if (ws->limit) {
        lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                                   ngx_http_live_help_module);
        ngx_live_help_limit_close(lmcf->limits, ws->limit);
        ws->limit = NULL;
    }

    ngx_queue_remove(&ws->queue);
    ngx_live_help_ws_n--;

    while (ws->out) {
        out = ws->out;
        ws->out = out->next;

        if (out->msg) {
            ngx_live_help_msg_release(out->msg);
        }

        ngx_free(out);
    }

    if (ws->msg) {
        ngx_free(ws->msg);
    }

    if (ws->request) {
        /* never detached: the core still owns the request */
        ngx_http_free_request(ws->request, 0);
    }

    ngx_http_close_connection(c);
}


ngx_uint_t
ngx_live_help_ws_count(void)
{
    return ngx_live_help_ws_n;
}


/* to every socket of the worker that is past its handshake */

void
ngx_live_help_ws_broadcast(ngx_live_help_msg_t *msg)
{
    ngx_queue_t         *q, *next;
    ngx_live_help_ws_t  *ws;

    for (q = ngx_queue_head(&ngx_live_help_ws_all);
         q != ngx_queue_sentinel(&ngx_live_help_ws_all);
         q = next)
    {
        next = ngx_queue_next(q);
        ws = ngx_queue_data(q, ngx_live_help_ws_t, queue);

        if (ws->ready) {
            (void) ngx_live_help_ws_send(ws, msg);
        }
    }
}


/* a request header the core does not keep in headers_in */

ngx_table_elt_t *
ngx_http_live_help_header_in(ngx_http_request_t *r, const char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/*
 * The scheme counts: over TLS only an https page is this site (a page
 * served over plain http may have been changed on its way); over plain
 * http an https page is too, as a TLS proxy in front of nginx serves it.
 */

ngx_uint_t
ngx_http_live_help_same_origin(ngx_http_request_t *r, ngx_str_t *url)
{
    u_char      *p, *last;
    size_t       scheme;
    ngx_str_t    host;
    ngx_uint_t   tls;

    last = url->data + url->len;
    p = ngx_strlcasestrn(url->data, last, (u_char *) "://", 3 - 1);

    if (p == NULL || r->headers_in.host == NULL) {
        return 0;
    }

    tls = 0;

#if (NGX_HTTP_SSL)
    tls = r->connection->ssl != NULL;
#endif

    scheme = p - url->data;

    if (!(scheme == 5 && ngx_strncasecmp(url->data, (u_char *) "https", 5)
                         == 0)
        && !(!tls && scheme == 4
             && ngx_strncasecmp(url->data, (u_char *) "http", 4) == 0))
    {
        return 0;
    }

    host.data = p + 3;
    p = ngx_strlchr(host.data, last, '/');
    host.len = (p ? p : last) - host.data;

    return host.len == r->headers_in.host->value.len
           && ngx_strncasecmp(host.data, r->headers_in.host->value.data,
                              host.len)
              == 0;
}


ngx_table_elt_t *
ngx_http_live_help_header_out(ngx_http_request_t *r, char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return h;
}


ngx_int_t
ngx_http_live_help_set_cookie(ngx_http_request_t *r, const char *name,
    ngx_str_t *value, ngx_str_t *path, time_t max_age)
{
    u_char      *p;
    size_t       len;
    ngx_str_t    v;
    ngx_uint_t   secure;

    secure = 0;

#if (NGX_HTTP_SSL)
    secure = r->connection->ssl != NULL;
#endif

    len = ngx_strlen(name)
          + sizeof("=; Path=; Max-Age=; HttpOnly; SameSite=Strict; Secure")
          + value->len + path->len + NGX_TIME_T_LEN;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v.data = p;
    v.len = ngx_sprintf(p, "%s=%V; Path=%V; Max-Age=%T; HttpOnly; "
                        "SameSite=Strict%s", name, value, path, max_age,
                        secure ? "; Secure" : "")
            - p;

    return ngx_http_live_help_header_out(r, "Set-Cookie", &v) ? NGX_OK
                                                               : NGX_ERROR;
}
