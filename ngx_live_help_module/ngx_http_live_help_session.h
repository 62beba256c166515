
/*
 * Sessions: one socket's chat protocol (docs/PROTOCOL.md).  The parts both
 * roles share are here; each role (ngx_http_live_help_visitor.c,
 * ngx_http_live_help_agent.c) has a socket handler for the transport and a
 * follower handler for the store, and uses these.
 */


#ifndef _NGX_HTTP_LIVE_HELP_SESSION_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_SESSION_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <jansson.h>

#include "ngx_http_live_help_ws.h"
#include "ngx_http_live_help_store.h"
#include "ngx_live_help_proto.h"


/*
 * What a socket may have waiting to be stored: bytes, and messages (each
 * new one is compared with those waiting, so their number stays small)
 */
#define NGX_LIVE_HELP_STORE_QUEUE    (1024 * 1024)
#define NGX_LIVE_HELP_STORE_QUEUE_N  256


/* what a socket is limited in */
#define NGX_LIVE_HELP_LIMIT_MESSAGE  0   /* messages and changes: cid */
#define NGX_LIVE_HELP_LIMIT_PAGE     1   /* agents: history pages */
#define NGX_LIVE_HELP_LIMIT_HISTORY  1
#define NGX_LIVE_HELP_LIMIT_REQUEST  2   /* pings, profiles, agents' asks */
#define NGX_LIVE_HELP_LIMIT_TYPING   3   /* ngx_live_help_session_typing() */
#define NGX_LIVE_HELP_LIMIT_STRIKE   4   /* refusals: bad or too many */
#define NGX_LIVE_HELP_LIMIT_N        5


typedef struct {
    ngx_live_help_ws_t         *ws;
    ngx_live_help_follower_t    follower;
    ngx_queue_t                 requests;  /* store requests on the way */

    /*
     * Messages to store, in the order they came; only the head is in
     * Redis.  After a nack, later messages are refused until the nacked
     * one ("held") comes again: a sender's messages are stored in the
     * order it sent them, whatever Redis answered in between.
     */
    ngx_queue_t                 stores;
    uint32_t                    stores_size;
    uint32_t                    nstores;
    ngx_str_t                   held;

    /* rate limits of this socket (ngx_live_help_rate_take()) */
    ngx_msec_t                  tat[NGX_LIVE_HELP_LIMIT_N];
    ngx_msec_t                  typing_at;  /* the last typing said */

    unsigned                    hello:1;
    unsigned                    following:1;
    unsigned                    counted:1;  /* visitors: online in Redis */
    unsigned                    held_limited:1;  /* held for a rate limit */
    unsigned                    typing_on:1;     /* the last typing said */
} ngx_live_help_session_t;


#define ngx_live_help_follower_session(f)                                    \
    ((ngx_live_help_session_t *)                                             \
         ((u_char *) (f) - offsetof(ngx_live_help_session_t, follower)))


/* the module's process init and exit: the store, told by the sessions */
ngx_int_t ngx_live_help_session_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf);
void ngx_live_help_session_exit_process(void);

/* a session of "size" bytes (a role's struct begins with the session) */
ngx_live_help_session_t *ngx_live_help_session_open(ngx_live_help_ws_t *ws,
    size_t size);
void ngx_live_help_session_close(ngx_live_help_session_t *s);

/*
 * Decodes a message.  NGX_OK: m is for the role to handle (and free with
 * ngx_live_help_proto_free()); otherwise it was answered here (ping, a bad
 * message, no hello yet, hello twice) and the return code is the answer's.
 */
ngx_int_t ngx_live_help_session_decode(ngx_live_help_session_t *s,
    u_char *data, size_t len, ngx_live_help_proto_msg_t *m);

/*
 * Does act to conv in this socket's order, once per cid; a message's event
 * (taken, may be NULL) becomes act->arg.  Acks, refuses or nacks.
 */
ngx_int_t ngx_live_help_session_act(ngx_live_help_session_t *s,
    ngx_str_t *conv, const char *cid, json_t *event,
    ngx_live_help_act_t *act);
/* an event said to conv's followers, not stored (typing) */
ngx_int_t ngx_live_help_session_say(ngx_live_help_session_t *s,
    ngx_str_t *conv, json_t *event);
/*
 * Takes one "what" (NGX_LIVE_HELP_LIMIT_*) of the socket's and its
 * address's allowance.  0: go on.  Else the ms to wait: the caller says
 * so (ngx_live_help_session_limited(), or an error "rate_limited"), except
 * for typing, which is dropped; a socket that goes on past its refusals
 * is closed with 1008 (ws->close_sent is set then).
 */
ngx_msec_t ngx_live_help_session_limit(ngx_live_help_session_t *s,
    ngx_uint_t what);
/*
 * Typing: 1 if it goes on.  A change goes on, a repeat of the same state
 * only a second after the last; beyond 4 at once, one a second.
 */
ngx_uint_t ngx_live_help_session_typing(ngx_live_help_session_t *s,
    ngx_uint_t on);
/* a message (cid) over the limit: nacked "rate_limited", held */
ngx_int_t ngx_live_help_session_limited(ngx_live_help_session_t *s,
    const char *cid, ngx_msec_t wait);
/* a request over the limit: an error "rate_limited" */
ngx_int_t ngx_live_help_session_too_fast(ngx_live_help_session_t *s,
    ngx_msec_t wait, json_t *id);
/* a refusal counts: NGX_DONE when the socket is closing for it */
ngx_int_t ngx_live_help_session_strike(ngx_live_help_session_t *s);

/* how many agents are online, told to this socket */
void ngx_live_help_session_presence(ngx_live_help_session_t *s);

/*
 * the store's events, as they are, to the socket; a catch-up pauses
 * (NGX_AGAIN) while half the send limit waits to be written, and goes on
 * once it was (ngx_live_help_session_drained(), the socket handler's)
 */
ngx_int_t ngx_live_help_session_event(ngx_live_help_follower_t *f,
    ngx_live_help_msg_t *msg);
void ngx_live_help_session_drained(ngx_live_help_ws_t *ws);

ngx_int_t ngx_live_help_send_json(ngx_live_help_ws_t *ws, json_t *j);
ngx_int_t ngx_live_help_send_error(ngx_live_help_ws_t *ws, const char *code,
    const char *text, json_t *id);


extern ngx_live_help_ws_handler_t  ngx_live_help_visitor_handler;
extern ngx_live_help_ws_handler_t  ngx_live_help_agent_handler;


#endif /* _NGX_HTTP_LIVE_HELP_SESSION_H_INCLUDED_ */
