
/*
 * Failed logins, counted per client address and per login name across
 * the workers of one host, in shared memory.
 */


#ifndef _NGX_HTTP_LIVE_HELP_THROTTLE_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_THROTTLE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* free failures; then waits of 1, 2, 4, 8, 15 minutes */
#define NGX_LIVE_HELP_THROTTLE_FREE    5
#define NGX_LIVE_HELP_THROTTLE_FIRST   60
#define NGX_LIVE_HELP_THROTTLE_MAX     900
/* a quiet time after which the failures are forgotten */
#define NGX_LIVE_HELP_THROTTLE_WINDOW  300


ngx_shm_zone_t *ngx_live_help_throttle_zone(ngx_conf_t *cf, void *tag);

/* seconds the address or the name must still wait; 0: try */
time_t ngx_live_help_throttle_wait(ngx_shm_zone_t *zone, ngx_str_t *addr,
    ngx_str_t *login);

void ngx_live_help_throttle_failed(ngx_shm_zone_t *zone, ngx_str_t *addr,
    ngx_str_t *login);

/* a right password: the name starts afresh */
void ngx_live_help_throttle_passed(ngx_shm_zone_t *zone, ngx_str_t *login);


#endif /* _NGX_HTTP_LIVE_HELP_THROTTLE_H_INCLUDED_ */
