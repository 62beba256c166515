
/*
 * live_help_invite and live_help_booking_url: proactive invitations by
 * rule and the "Book a call" link, checked at configuration time and
 * handed to the widget as attributes of the injected script tag.
 */


#ifndef _NGX_HTTP_LIVE_HELP_INVITE_CONF_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_INVITE_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#define NGX_LIVE_HELP_INVITE_PATTERN_MAX  256
#define NGX_LIVE_HELP_INVITE_MESSAGE_MAX  200
#define NGX_LIVE_HELP_INVITE_SECONDS_MAX  3600
#define NGX_LIVE_HELP_BOOKING_URL_MAX     2048


/* live_help_invite PATTERN SECONDS "MESSAGE": one rule more */
char *ngx_http_live_help_invite(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* live_help_booking_url URL: an absolute http or https URL */
char *ngx_http_live_help_booking_url(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/*
 * The tag's attributes for the rules and the booking URL, each only when
 * set (HTML-escaped, with a leading space): written at p, or, p NULL,
 * only measured.  Returns their length.
 */
size_t ngx_http_live_help_invite_attrs(u_char *p, ngx_str_t *invite,
    ngx_str_t *booking);


#endif /* _NGX_HTTP_LIVE_HELP_INVITE_CONF_H_INCLUDED_ */
