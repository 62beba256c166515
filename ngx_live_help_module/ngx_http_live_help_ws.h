
/*
 * WebSocket connections inside the worker.
 */


#ifndef _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_live_help_ws_parse.h"


#define NGX_LIVE_HELP_VISITOR  1
#define NGX_LIVE_HELP_AGENT    2


/*
 * A message to send, shared by every socket it goes to: a stored chat
 * event is encoded once and its bytes sent to each subscriber.
 */
typedef struct {
    ngx_uint_t                  refs;
    size_t                      len;
    u_char                      data[1];
} ngx_live_help_msg_t;


typedef struct ngx_live_help_out_s  ngx_live_help_out_t;

struct ngx_live_help_out_s {
    ngx_live_help_out_t        *next;
    ngx_live_help_msg_t        *msg;       /* NULL for control frames */
    size_t                      head_len;
    size_t                      sent;      /* of head, then of msg */
    u_char                      head[10 + NGX_LIVE_HELP_WS_MAX_CONTROL];
};


typedef struct ngx_live_help_ws_s  ngx_live_help_ws_t;

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

    void                       *data;      /* the chat layer's */
    ngx_str_t                   user;      /* an agent's name */

    unsigned                    role:2;
    unsigned                    ready:1;       /* detached from HTTP */
    unsigned                    awaiting_pong:1;
    unsigned                    close_sent:1;
    unsigned                    close_received:1;
    unsigned                    finalized:1;
    unsigned                    broken:1;      /* closing when posted */
};


ngx_int_t ngx_http_live_help_ws_handshake(ngx_http_request_t *r,
    ngx_uint_t role);

/* sends a text message; takes a reference to msg */
ngx_int_t ngx_live_help_ws_send(ngx_live_help_ws_t *ws,
    ngx_live_help_msg_t *msg);

/* starts the close handshake; the socket goes when it is done */
void ngx_live_help_ws_close(ngx_live_help_ws_t *ws, ngx_uint_t code,
    const char *reason);

ngx_live_help_msg_t *ngx_live_help_msg_alloc(size_t len, ngx_log_t *log);
void ngx_live_help_msg_release(ngx_live_help_msg_t *msg);

ngx_uint_t ngx_live_help_ws_count(void);
void ngx_live_help_ws_broadcast(ngx_live_help_msg_t *msg);


/* the chat layer, called by the socket layer and the module */
ngx_int_t ngx_live_help_chat_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf);
void ngx_live_help_chat_exit_process(void);
ngx_int_t ngx_live_help_chat_open(ngx_live_help_ws_t *ws);
ngx_int_t ngx_live_help_chat_message(ngx_live_help_ws_t *ws, u_char *data,
    size_t len);
void ngx_live_help_chat_close(ngx_live_help_ws_t *ws);


#endif /* _NGX_HTTP_LIVE_HELP_WS_H_INCLUDED_ */
