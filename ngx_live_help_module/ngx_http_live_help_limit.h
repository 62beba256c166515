
/*
 * Rate limits and socket caps: per socket (the session keeps the state)
 * and per client address, across the workers of one host (a shared
 * memory zone).  New conversations are counted in Redis, across hosts
 * (lua/conversation.lua).
 */


#ifndef _NGX_HTTP_LIVE_HELP_LIMIT_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"


/* what is counted per address */
#define NGX_LIVE_HELP_LIMIT_MESSAGES  0
#define NGX_LIVE_HELP_LIMIT_PAGES     1
#define NGX_LIVE_HELP_LIMIT_KINDS     2


typedef struct ngx_live_help_limit_node_s  ngx_live_help_limit_node_t;


/*
 * Nodes in a shared memory zone: a red-black tree of ngx_str_node_t, and
 * the least recently used last (this zone's, and the login throttle's)
 */
typedef struct {
    ngx_rbtree_t                rbtree;
    ngx_rbtree_node_t           sentinel;
    ngx_queue_t                 lru;
} ngx_live_help_shm_tree_t;


/* zone->init of a zone that holds an ngx_live_help_shm_tree_t */
ngx_int_t ngx_live_help_shm_tree_init(ngx_shm_zone_t *zone, void *data);


/*
 * Takes one event of rate at now from the state tat (the time the bucket
 * would be empty): 0 if allowed, else the ms to wait; tat is not changed
 * then.
 */
ngx_msec_t ngx_live_help_rate_take(ngx_live_help_rate_t *rate,
    ngx_msec_t *tat, ngx_msec_t now);

/*
 * Directives: a rate or two (per socket, per address) at cmd->offset of
 * the location's configuration: "10/10s", "30/1m" or "off"
 */
char *ngx_http_live_help_limit_rate(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* n rates of conf not set take prev's, else N per period ms */
void ngx_http_live_help_limit_merge(ngx_live_help_rate_t *conf,
    ngx_live_help_rate_t *prev, ngx_uint_t n, ngx_uint_t *burst,
    ngx_msec_t *period);

ngx_shm_zone_t *ngx_live_help_limit_zone(ngx_conf_t *cf, void *tag);

/*
 * A socket of the address of sockaddr opens: its node, held until
 * ngx_live_help_limit_close(); NULL when the zone is full (no limits for
 * it then).  *over is set when the address has max sockets (0: no cap)
 * already; the socket is not counted then.
 */
ngx_live_help_limit_node_t *ngx_live_help_limit_open(ngx_shm_zone_t *zone,
    struct sockaddr *sockaddr, ngx_uint_t max, ngx_uint_t *over,
    ngx_log_t *log);
void ngx_live_help_limit_close(ngx_shm_zone_t *zone,
    ngx_live_help_limit_node_t *node);

/* as ngx_live_help_rate_take(), for the address of node */
ngx_msec_t ngx_live_help_limit_take(ngx_shm_zone_t *zone,
    ngx_live_help_limit_node_t *node, ngx_uint_t kind,
    ngx_live_help_rate_t *rate);

/*
 * The address of node (as the handshake saw it, after realip) as the key
 * the scripts count conversations by
 */
size_t ngx_live_help_limit_key(ngx_live_help_limit_node_t *node,
    u_char *buf);

#define NGX_LIVE_HELP_LIMIT_KEY_LEN  32


#endif /* _NGX_HTTP_LIVE_HELP_LIMIT_H_INCLUDED_ */
