
/*
 * The store and its fan-out: conversations as Redis streams, announced to
 * every worker and host by pub/sub, and the followers of a worker caught up
 * from the log.  The layer below the sessions: it knows Redis and JSON
 * bytes, not sockets, and tells whoever follows a conversation through the
 * handlers it was given.
 */


#ifndef _NGX_HTTP_LIVE_HELP_STORE_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_STORE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_msg.h"
#include "ngx_http_live_help_redis.h"
#include "ngx_http_live_help_request.h"
#include "ngx_live_help_token.h"


#define NGX_LIVE_HELP_CHANNEL        "lh:c:"
#define NGX_LIVE_HELP_VISITORS_CHANNEL  "lh:visitors"
#define NGX_LIVE_HELP_HISTORY_COUNT  250
/* lh:gen:<visitor>: tokens of a visitor are refused once it is over 0 */
#define NGX_LIVE_HELP_GENERATION     "lh:gen:"


typedef struct {
    uint64_t                    ms;
    uint64_t                    seq;
} ngx_live_help_seq_t;


typedef struct ngx_live_help_conv_s      ngx_live_help_conv_t;
typedef struct ngx_live_help_follower_s  ngx_live_help_follower_t;


/*
 * How a follower is told.  event: a stored event ("event" message, in
 * order, once) or typing ("typing" message) of what it follows, as bytes
 * ready to send; NGX_ERROR if the follower cannot take more now (its
 * socket broke).  live (visitors): caught up, events come live from now.
 * subscribed (agents): the worker follows every conversation (again);
 * "again" says that announcements may have been missed meanwhile.
 */
typedef struct {
    ngx_int_t  (*event)(ngx_live_help_follower_t *f,
                        ngx_live_help_msg_t *msg);
    void       (*live)(ngx_live_help_follower_t *f);
    void       (*subscribed)(ngx_live_help_follower_t *f, ngx_uint_t again);
} ngx_live_help_follower_handler_t;


struct ngx_live_help_follower_s {
    ngx_queue_t                        link;
    ngx_live_help_conv_t              *conv;     /* NULL: all of them */
    ngx_live_help_follower_handler_t  *handler;
    ngx_live_help_store_req_t         *sync;     /* a catch-up on the way */
    ngx_live_help_seq_t                last;

    unsigned                           live:1;
    unsigned                           syncing:1;
    unsigned                           dirty:1;
    unsigned                           told_live:1;
    unsigned                           paused:1;  /* catch-up, for the
                                                     socket to drain */
    unsigned                           waiting:1; /* for the subscription */
};


/* what the worker's sessions are told by the store as a whole */
typedef struct {
    /* a message can be stored (up) or not: Redis answered, or went */
    void  (*status)(ngx_uint_t up);
    /* agents online, for the owner of a request (store_presence), or for
     * everyone (owner NULL) when agents came or went */
    void  (*presence)(ngx_uint_t agents, void *owner);
} ngx_live_help_store_handler_t;


ngx_int_t ngx_live_help_store_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf,
    ngx_live_help_store_handler_t *handler);
void ngx_live_help_store_exit_process(void);
ngx_uint_t ngx_live_help_store_configured(void);
ngx_uint_t ngx_live_help_store_up(void);

/* following conversations: a visitor its own, after its last seq */
ngx_int_t ngx_live_help_store_follow(ngx_live_help_follower_t *f,
    u_char *conv, size_t len);
/* the id of the conversation a visitor follows */
ngx_str_t *ngx_live_help_store_followed(ngx_live_help_follower_t *f);
/* an agent every conversation; the subscribed handler says when */
void ngx_live_help_store_follow_all(ngx_live_help_follower_t *f);
void ngx_live_help_store_leave(ngx_live_help_follower_t *f);
/* a catch-up paused by the follower's event() (NGX_AGAIN) goes on */
void ngx_live_help_store_resume(ngx_live_help_follower_t *f);


/*
 * Does req->act to req->conv once per req->cid (lua/conversation.lua) and
 * announces what it stored; the reply is the stream id of the event (a
 * string), a refusal (an array: code, owner, owner's name) or an error.
 * NGX_ERROR: not sent.
 */
ngx_int_t ngx_live_help_store_act(ngx_live_help_store_req_t *req);
/* XRANGE of req->conv after "after" (all if NULL), at most count */
ngx_int_t ngx_live_help_store_range(ngx_live_help_store_req_t *req,
    ngx_live_help_seq_t *after, ngx_uint_t count);
/* the visitors followed on this worker stay online until "until" (ms),
 * max of them from the *from-th on; NGX_DONE when none are left */
ngx_int_t ngx_live_help_store_online(ngx_msec_t until, ngx_uint_t *from,
    ngx_uint_t max);
/* an event that is said, not stored: to the followers of conv only */
ngx_int_t ngx_live_help_store_say(ngx_str_t *conv, u_char *event,
    size_t len);

/* an entry of a range: its id and its event's bytes */
ngx_int_t ngx_live_help_store_entry(redisReply *entry, ngx_str_t *id,
    ngx_str_t *event);
ngx_int_t ngx_live_help_seq_parse(u_char *p, size_t len,
    ngx_live_help_seq_t *seq);

/*
 * Revoking a visitor's tokens: the generation of req->conv (a visitor id)
 * is read (GET, the reply nil or a number as a string) or raised (INCR,
 * the reply the new number).  Every token made so far is of generation
 * 0: one of a visitor whose generation is over 0 is refused.
 */
ngx_int_t ngx_live_help_store_generation(ngx_live_help_store_req_t *req);
ngx_int_t ngx_live_help_store_revoke(ngx_live_help_store_req_t *req);

/* agents online, told to the store handler's presence() */
ngx_int_t ngx_live_help_store_presence(ngx_live_help_store_req_t *req);


#endif /* _NGX_HTTP_LIVE_HELP_STORE_H_INCLUDED_ */
