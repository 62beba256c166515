
/*
 * Conversations and the chat protocol: what ngx_http_live_help_chat.c
 * (the protocol on a socket) and ngx_http_live_help_conv.c (conversations
 * in Redis, catch-up and fan-out) share.
 */


#ifndef _NGX_HTTP_LIVE_HELP_CHAT_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_CHAT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_live_help_ws.h"
#include "ngx_http_live_help_redis.h"
#include "ngx_live_help_token.h"


#define NGX_LIVE_HELP_REPLAY_COUNT   200
#define NGX_LIVE_HELP_REPLAY_COUNT_S "200"
#define NGX_LIVE_HELP_CHANNEL        "lh:c:"
#define NGX_LIVE_HELP_RETRY_SYNC     500

/* bytes of messages a socket may have waiting to be stored */
#define NGX_LIVE_HELP_STORE_QUEUE    (1024 * 1024)

#define NGX_LIVE_HELP_UNSUBSCRIBED   0
#define NGX_LIVE_HELP_SUBSCRIBING    1
#define NGX_LIVE_HELP_SUBSCRIBED     2
#define NGX_LIVE_HELP_UNSUBSCRIBING  3


typedef struct {
    uint64_t                    ms;
    uint64_t                    seq;
} ngx_live_help_seq_t;


typedef struct {
    ngx_str_node_t              sn;
    ngx_queue_t                 all;
    ngx_queue_t                 sessions;
    ngx_uint_t                  nsessions;
    ngx_uint_t                  state;
    u_char                      id[NGX_LIVE_HELP_ID_MAX];
} ngx_live_help_conv_t;


typedef struct {
    ngx_live_help_ws_t         *ws;
    ngx_live_help_conv_t       *conv;      /* a visitor's conversation */
    ngx_queue_t                 link;      /* conv->sessions or agents */
    ngx_queue_t                 requests;

    /*
     * Messages to store, in the order they came; only the head is in
     * Redis.  After a nack, later messages are refused until the nacked
     * one ("held") comes again: a sender's messages are stored in the
     * order it sent them, whatever Redis answered in between.
     */
    ngx_queue_t                 stores;
    size_t                      stores_size;
    size_t                      held_len;
    u_char                      held[NGX_LIVE_HELP_ID_MAX];

    ngx_live_help_seq_t         last;
    size_t                      id_len;
    u_char                      id[NGX_LIVE_HELP_ID_MAX];
    ngx_str_t                   member;    /* an agent's, in lh:agents */

    unsigned                    hello:1;
    unsigned                    listed:1;
    unsigned                    live:1;
    unsigned                    syncing:1;
    unsigned                    dirty:1;
    unsigned                    told_live:1;
    unsigned                    wants_list:1;  /* an agent, until subscribed */
} ngx_live_help_session_t;


typedef struct {
    ngx_queue_t                 link;      /* session->requests */
    ngx_queue_t                 store;     /* session->stores */
    ngx_live_help_session_t    *session;   /* NULL when the socket went */
    size_t                      size;
    ngx_uint_t                  eval;      /* retried with EVAL */
    ngx_uint_t                  sent;      /* in Redis */
    ngx_str_t                   conv;
    ngx_str_t                   cid;
    ngx_str_t                   event;
    u_char                      data[1];
} ngx_live_help_req_t;


ngx_int_t ngx_live_help_entry(redisReply *entry, redisReply **id,
    redisReply **event);
void ngx_live_help_chat_sync(ngx_live_help_session_t *s);
ngx_live_help_conv_t *ngx_live_help_conv_get(u_char *id, size_t len,
    ngx_uint_t create);
void ngx_live_help_conv_subscribe(ngx_live_help_conv_t *conv);
void ngx_live_help_conv_leave(ngx_live_help_session_t *s);
ngx_int_t ngx_live_help_seq_parse(u_char *p, size_t len,
    ngx_live_help_seq_t *seq);
ngx_int_t ngx_live_help_xrange(ngx_str_t *conv, ngx_live_help_seq_t *last,
    const char *count, ngx_live_help_redis_reply_pt handler,
    ngx_live_help_req_t *req);
void ngx_live_help_sub_message(redisAsyncContext *ac, void *r,
    void *privdata);

ngx_live_help_req_t *ngx_live_help_req_new(ngx_live_help_session_t *s,
    size_t size);
void ngx_live_help_req_done(ngx_live_help_req_t *req);
ngx_int_t ngx_live_help_send_json(ngx_live_help_ws_t *ws, json_t *j);
ngx_int_t ngx_live_help_send_error(ngx_live_help_ws_t *ws, const char *code,
    const char *text, json_t *id);
ngx_int_t ngx_live_help_chat_list(ngx_live_help_session_t *s, json_t *id);


void ngx_live_help_presence_init(ngx_log_t *log);
void ngx_live_help_presence_exit(void);
void ngx_live_help_presence_join(ngx_live_help_session_t *s);
void ngx_live_help_presence_leave(ngx_live_help_session_t *s);
void ngx_live_help_presence_tell(ngx_live_help_session_t *s);


extern ngx_http_live_help_main_conf_t  *ngx_live_help_conf;
extern ngx_live_help_redis_t            ngx_live_help_cmd;
extern ngx_live_help_redis_t            ngx_live_help_sub;
extern ngx_queue_t                      ngx_live_help_agents;
extern ngx_uint_t                       ngx_live_help_agents_state;
extern const char                       ngx_live_help_append_lua[];
extern char                             ngx_live_help_sha[41];


#endif /* _NGX_HTTP_LIVE_HELP_CHAT_H_INCLUDED_ */
