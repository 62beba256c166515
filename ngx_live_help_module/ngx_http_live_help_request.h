
/*
 * Requests to Redis for the layers above: request objects that outlive
 * their owner, and the module's Lua scripts.
 */


#ifndef _NGX_HTTP_LIVE_HELP_REQUEST_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_REQUEST_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_redis.h"


typedef struct ngx_live_help_store_req_s ngx_live_help_store_req_t;


/*
 * A command for a session.  Its owner keeps it in a list of its own
 * (link) so that, when the owner goes, the answer still to come is
 * dropped: ngx_live_help_store_forget().  The store frees a request once
 * its handler has run; the handler forgets it first.
 */
typedef void (*ngx_live_help_store_reply_pt)(ngx_live_help_store_req_t *req,
    redisReply *reply);

/*
 * A change of one visitor's log (lua/conversation.lua): a message, or who
 * answers it.  The strings are the owner's, in the request's data.
 */
typedef struct {
    const char                    *op;      /* "message", "claim", "close",
                                               "transfer" */
    ngx_str_t                      actor;   /* "visitor" or an agent id */
    ngx_str_t                      name;    /* the actor's display name */
    ngx_str_t                      arg;     /* message: the event;
                                               transfer: the target */
    ngx_str_t                      dept;    /* a visitor's new one's */
    ngx_str_t                      limit;   /* a visitor's: new ones
                                               allowed, "<address>|<burst>|
                                               <ms each>"; empty: all */
    ngx_uint_t                     offline;
} ngx_live_help_act_t;


struct ngx_live_help_store_req_s {
    ngx_queue_t                    link;    /* the owner's list */
    ngx_queue_t                    queue;   /* free for the owner's use */
    ngx_live_help_store_reply_pt   handler;
    void                          *owner;   /* NULL once it went */
    size_t                         size;
    ngx_uint_t                     sent;    /* in Redis */
    ngx_str_t                      conv;
    ngx_str_t                      cid;
    ngx_live_help_act_t            act;

    /* a script's arguments, kept to send it whole after a NOSCRIPT */
    ngx_uint_t                     script;
    ngx_uint_t                     eval;    /* sent as EVAL, not EVALSHA */
    ngx_uint_t                     nargs;
    ngx_str_t                     *args;
    u_char                         data[1];
};


#define NGX_LIVE_HELP_SCRIPT_CONVERSATION  0
#define NGX_LIVE_HELP_SCRIPT_LIST          1
#define NGX_LIVE_HELP_SCRIPT_VISITOR       2
#define NGX_LIVE_HELP_NSCRIPTS             3

#define NGX_LIVE_HELP_SCRIPT_ARGS          16


void ngx_live_help_request_init(ngx_live_help_redis_t *cmd);

/* requests; "size" bytes of data for the owner's strings; list may be
 * NULL for a request the owner keeps track of otherwise */
ngx_live_help_store_req_t *ngx_live_help_store_req(ngx_queue_t *list,
    void *owner, ngx_live_help_store_reply_pt handler, size_t size);
void ngx_live_help_store_req_free(ngx_live_help_store_req_t *req);
void ngx_live_help_store_forget(ngx_queue_t *list);

/* a redis callback that hands the reply to req's handler, then frees req */
void ngx_live_help_request_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);

/*
 * Runs one of the scripts with these arguments (copied); the reply goes
 * to req's handler.  A NOSCRIPT answer sends the script whole.
 */
ngx_int_t ngx_live_help_store_call(ngx_live_help_store_req_t *req,
    ngx_uint_t script, ngx_uint_t nargs, ngx_str_t *args);


#endif /* _NGX_HTTP_LIVE_HELP_REQUEST_H_INCLUDED_ */
