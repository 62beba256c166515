
/*
 * The agent part of the endpoint over HTTP: who an agent is (nginx's auth
 * or the module's own login), the login page, signing in and out.
 */


#ifndef _NGX_HTTP_LIVE_HELP_LOGIN_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_LOGIN_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_ws.h"


#define NGX_LIVE_HELP_COOKIE_NAME  "lh_agent"


/* at nginx -t, for live_help_agents_file */
char *ngx_http_live_help_login_conf(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf);

/*
 * A request for "agent/..." below the endpoint at base ("rest" is what
 * follows "agent/").  Returns NGX_DECLINED when the endpoint serves it as
 * usual, with *who filled when an agent is known; anything else is the
 * request's answer (the login page, a redirect, 403).
 */
ngx_int_t ngx_http_live_help_login_route(ngx_http_request_t *r,
    ngx_str_t *rest, ngx_str_t *base, ngx_live_help_ws_agent_t *who);


#endif /* _NGX_HTTP_LIVE_HELP_LOGIN_H_INCLUDED_ */
