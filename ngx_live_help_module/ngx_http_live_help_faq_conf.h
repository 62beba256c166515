
/*
 * live_help_faq: the FAQ file of a location, read and indexed when nginx
 * reads its configuration (ngx_live_help_faq.c searches it).
 */


#ifndef _NGX_HTTP_LIVE_HELP_FAQ_CONF_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_FAQ_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_live_help_faq.h"


/* live_help_faq FILE | off */
char *ngx_http_live_help_faq(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_LIVE_HELP_FAQ_CONF_H_INCLUDED_ */
