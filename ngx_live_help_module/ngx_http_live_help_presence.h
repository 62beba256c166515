
/*
 * Agents online, across workers and hosts: ephemeral, never in a log.
 */


#ifndef _NGX_HTTP_LIVE_HELP_PRESENCE_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_PRESENCE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_redis.h"


#define NGX_LIVE_HELP_PRESENCE_CHANNEL  "lh:presence"


/* one agent socket: member is "name|pid.connection" */
typedef struct {
    ngx_queue_t                 link;
    ngx_str_t                   member;
} ngx_live_help_presence_t;


/* the count, for whoever asked (data), or for everyone (data NULL) */
typedef void (*ngx_live_help_presence_told_pt)(ngx_uint_t agents,
    void *data);


void ngx_live_help_presence_init(ngx_live_help_redis_t *cmd,
    ngx_live_help_presence_told_pt told, ngx_log_t *log);
void ngx_live_help_presence_exit(void);
void ngx_live_help_presence_join(ngx_live_help_presence_t *p);
void ngx_live_help_presence_leave(ngx_live_help_presence_t *p);
ngx_int_t ngx_live_help_presence_count(void *data);


#endif /* _NGX_HTTP_LIVE_HELP_PRESENCE_H_INCLUDED_ */
