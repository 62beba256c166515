
/*
 * WebSocket connections inside the worker.
 */


#ifndef _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_msg.h"
#include "ngx_live_help_ws_parse.h"


#define NGX_LIVE_HELP_VISITOR  1
#define NGX_LIVE_HELP_AGENT    2


typedef struct ngx_live_help_out_s  ngx_live_help_out_t;

struct ngx_live_help_out_s {
    ngx_live_help_out_t        *next;
    ngx_live_help_msg_t        *msg;       /* NULL for control frames */
    size_t                      head_len;
    size_t                      sent;      /* of head, then of msg */
    u_char                      head[10 + NGX_LIVE_HELP_WS_MAX_CONTROL];
};


typedef struct ngx_live_help_ws_s  ngx_live_help_ws_t;


/*
 * Who an agent's socket is for.  The HTTP layer decides (nginx's auth, or
 * the module's own login) and the handshake keeps it.
 */
typedef struct {
    ngx_str_t                   user;      /* login name, 1-64 bytes */
    ngx_str_t                   name;      /* display name; may be empty */
    /* the module's login: see ngx_http_live_help_agents.h; NULL: nginx */
    struct ngx_live_help_signin_s  *signin;
} ngx_live_help_ws_agent_t;


/*
 * What a socket is for, given at the handshake: the transport knows frames,
 * not what the messages in them mean.
 */
typedef struct {
    ngx_uint_t                  role;
    /* past the handshake; NGX_ERROR closes with 1011 */
    ngx_int_t                 (*open)(ngx_live_help_ws_t *ws);
    /* one whole text message; NGX_ERROR closes with 1011 */
    ngx_int_t                 (*message)(ngx_live_help_ws_t *ws,
                                         u_char *data, size_t len);
    /* the socket goes (if open() was called); nothing may be sent to it
     * any more */
    void                      (*close)(ngx_live_help_ws_t *ws);
    /*
     * The handshake is accepted: the headers the role adds to
     * r->headers_out.headers go out with the 101, and ws->data keeps what
     * open() needs.  NULL: nothing; NGX_ERROR answers 500.
     */
    ngx_int_t                 (*handshake)(ngx_live_help_ws_t *ws,
                                           ngx_http_request_t *r);
    /*
     * everything queued was written, after the handler set want_drain;
     * NULL: never asked
     */
    void                      (*drained)(ngx_live_help_ws_t *ws);
} ngx_live_help_ws_handler_t;


struct ngx_live_help_ws_s {
    ngx_connection_t           *connection;
    ngx_http_request_t         *request;   /* until the 101 is done */
    ngx_http_live_help_loc_conf_t  *conf;

    ngx_queue_t                 queue;     /* all sockets of the worker */

    ngx_live_help_ws_parser_t   parser;

    /* a data message being received; allocated only while it arrives */
    u_char                     *msg;
    size_t                      msg_len;
    size_t                      msg_size;

    /* frames not yet written */
    ngx_live_help_out_t        *out;
    ngx_live_help_out_t       **last_out;
    size_t                      queued;

    ngx_live_help_ws_handler_t *handler;
    void                       *data;      /* the handler's */
    ngx_str_t                   user;      /* an agent's login name */
    ngx_str_t                   name;      /* its display name, or empty */
    struct ngx_live_help_signin_s  *signin;   /* NULL: nginx said who */
    /* the client's address, counted while the socket is open */
    struct ngx_live_help_limit_node_s  *limit;

    unsigned                    role:2;
    unsigned                    ready:1;       /* detached from HTTP */
    unsigned                    opened:1;      /* open() was called */
    unsigned                    awaiting_pong:1;
    unsigned                    close_sent:1;
    unsigned                    close_received:1;
    unsigned                    finalized:1;
    unsigned                    broken:1;      /* closing when posted */
    unsigned                    want_drain:1;  /* call drained() */
};


/* agent: who an agent socket is for; NULL for visitors */
ngx_int_t ngx_http_live_help_ws_handshake(ngx_http_request_t *r,
    ngx_live_help_ws_handler_t *handler, ngx_live_help_ws_agent_t *agent);

/* sends a text message; takes a reference to msg */
ngx_int_t ngx_live_help_ws_send(ngx_live_help_ws_t *ws,
    ngx_live_help_msg_t *msg);

/* starts the close handshake; the socket goes when it is done */
void ngx_live_help_ws_close(ngx_live_help_ws_t *ws, ngx_uint_t code,
    const char *reason);

ngx_table_elt_t *ngx_http_live_help_header_in(ngx_http_request_t *r,
    const char *name, size_t len);
ngx_table_elt_t *ngx_http_live_help_header_out(ngx_http_request_t *r,
    char *key, ngx_str_t *value);
/* the next item of a comma-separated header value from *pos, trimmed;
 * 0 when none is left */
ngx_uint_t ngx_http_live_help_next_item(u_char **pos, u_char *last,
    ngx_str_t *item);
/* Set-Cookie: name=value; Path; Max-Age; HttpOnly; SameSite=Strict, and
 * Secure over TLS */
ngx_int_t ngx_http_live_help_set_cookie(ngx_http_request_t *r,
    const char *name, ngx_str_t *value, ngx_str_t *path, time_t max_age);
/*
 * url ("scheme://host[/...]", as in Origin and Referer) is this site:
 * this host, and https (or http, when nginx itself serves plain http)
 */
ngx_uint_t ngx_http_live_help_same_origin(ngx_http_request_t *r,
    ngx_str_t *url);

ngx_uint_t ngx_live_help_ws_count(void);
void ngx_live_help_ws_broadcast(ngx_live_help_msg_t *msg);


#endif /* _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_ */
