
/*
 * live_help_hours: business hours per department, read at configuration
 * time, asked by the sockets.
 */


#ifndef _NGX_HTTP_LIVE_HELP_HOURS_CONF_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_HOURS_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_live_help_hours.h"


/* where zone files are read from, at configuration time only */
#define NGX_LIVE_HELP_ZONEINFO      "/usr/share/zoneinfo/"
#define NGX_LIVE_HELP_ZONEINFO_MAX  (1024 * 1024)


/* an element of ngx_http_live_help_loc_conf_t's hours */
typedef struct {
    ngx_str_t                department;  /* empty: the default */
    ngx_str_t                zone;
    ngx_live_help_hours_t    hours;
} ngx_live_help_hours_entry_t;


/* live_help_hours "<schedule>" <zone> [department] */
char *ngx_http_live_help_hours(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * Whether the department (NULL or empty: the default) is open at now:
 * 1 open, 0 closed; *next is when that changes, 0 when not within eight
 * days.  Without a schedule for it, it is always open.  Allocates nothing.
 */
ngx_int_t ngx_live_help_hours_now(ngx_array_t *hours, ngx_str_t *dept,
    time_t now, time_t *next);


#endif /* _NGX_HTTP_LIVE_HELP_HOURS_CONF_H_INCLUDED_ */
