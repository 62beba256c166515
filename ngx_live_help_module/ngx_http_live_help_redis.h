
/*
 * Redis connections of a worker: hiredis's async API driven by nginx's
 * event loop and timers.
 */


#ifndef _NGX_HTTP_LIVE_HELP_REDIS_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_live_help_module.h"


typedef struct ngx_live_help_redis_s  ngx_live_help_redis_t;

/* reply is NULL when the connection went before the answer came */
typedef void (*ngx_live_help_redis_reply_pt)(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);

typedef void (*ngx_live_help_redis_event_pt)(ngx_live_help_redis_t *rd);


struct ngx_live_help_redis_s {
    redisAsyncContext                *ac;
    ngx_connection_t                 *connection;
    ngx_event_t                       timer;
    ngx_event_t                       probe_timer;
    ngx_log_t                        *log;
    ngx_http_live_help_main_conf_t   *conf;
    const char                       *name;

    ngx_msec_t                        backoff;
    ngx_msec_t                        probe_backoff;
    ngx_uint_t                        pending;

    /*
     * A connection that writes is ready only when Redis has loaded these
     * scripts and says it is a master: a TCP connect alone is not enough
     * (Redis loading its data, or hung, accepts connections too).
     */
    ngx_str_t                        *scripts;
    ngx_uint_t                        nscripts;
    ngx_uint_t                        probing;   /* replies still to come */

    /*
     * told when the connection is ready, and when it stops being so: lost,
     * or an answer such as LOADING or READONLY says that this Redis takes
     * no writes now (the connection is then probed again)
     */
    ngx_live_help_redis_event_pt      ready_handler;
    ngx_live_help_redis_event_pt      lost_handler;
    void                             *data;

    unsigned                          connected:1;
    unsigned                          ready:1;
    unsigned                          writes:1;     /* probe before ready */
    unsigned                          probe_failed:1;
    unsigned                          told_refusal:1;
    unsigned                          exiting:1;
};


ngx_int_t ngx_live_help_redis_init(ngx_live_help_redis_t *rd,
    ngx_http_live_help_main_conf_t *lmcf, const char *name, ngx_log_t *log);
void ngx_live_help_redis_exit(ngx_live_help_redis_t *rd);

/* NGX_ERROR when not connected: the caller keeps the work for later */
ngx_int_t ngx_live_help_redis_argv(ngx_live_help_redis_t *rd,
    ngx_live_help_redis_reply_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);

/* a reply handler that stays for every message of a subscription */
ngx_int_t ngx_live_help_redis_subscribe(ngx_live_help_redis_t *rd,
    redisCallbackFn *handler, void *data, int argc, const char **argv,
    const size_t *argvlen);


#endif /* _NGX_HTTP_LIVE_HELP_REDIS_H_INCLUDED_ */
