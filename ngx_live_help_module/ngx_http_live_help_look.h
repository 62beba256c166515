
/*
 * Languages and theming: live_help_lang, live_help_string,
 * live_help_greeting, live_help_color, live_help_position and
 * live_help_launcher_icon, read at configuration time and handed to the
 * widget as attributes of its script tag.
 */


#ifndef _NGX_HTTP_LIVE_HELP_LOOK_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_LOOK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"


/* ngx_http_live_help_loc_conf_t's look: NULL where none was set */
struct ngx_http_live_help_look_s {
    ngx_str_t           lang;      /* en, fi, de; empty: auto */
    ngx_int_t           color;     /* 0xRRGGBB; -1: unset */
    ngx_str_t           position;  /* right, left; empty: unset */
    ngx_str_t           icon;      /* chat, help, none; empty: unset */
    ngx_array_t        *strings;   /* of ngx_keyval_t; NULL: none */
    ngx_str_t           attrs;     /* the tag's attributes, escaped */
};


char *ngx_http_live_help_look_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_live_help_look_string(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* inherits what the child did not set, then builds look->attrs */
char *ngx_http_live_help_look_merge(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *prev, ngx_http_live_help_loc_conf_t *conf);


#endif /* _NGX_HTTP_LIVE_HELP_LOOK_H_INCLUDED_ */
