
/*
 * live_help_invite and live_help_booking_url (README, "Invitations").
 *
 * The rules of a configuration level become one JSON array, made once at
 * configuration time: [["/cart*",30,"Questions about your order?"],...],
 * which the widget reads from the script tag's data-live-help-invite.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_invite_conf.h"
#include "ngx_live_help_scan.h"


static ngx_int_t ngx_http_live_help_invite_pattern(ngx_str_t *s);
static ngx_int_t ngx_http_live_help_invite_text(ngx_str_t *s);


/* characters that never need quoting in a tag, a JSON string or a URL */
static ngx_int_t
ngx_http_live_help_invite_plain(u_char c)
{
    return c > 0x20 && c < 0x7f && ngx_strchr("\"'<>\\`", c) == NULL;
}


/* "*", or a path from "/" of plain characters, "*" matching any run */

static ngx_int_t
ngx_http_live_help_invite_pattern(ngx_str_t *s)
{
    ngx_uint_t  i;

    if (s->len == 0 || s->len > NGX_LIVE_HELP_INVITE_PATTERN_MAX
        || (s->data[0] != '/' && s->data[0] != '*'))
    {
        return NGX_ERROR;
    }

    for (i = 0; i < s->len; i++) {
        if (!ngx_http_live_help_invite_plain(s->data[i])) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* 1-200 bytes of UTF-8 without control characters */

static ngx_int_t
ngx_http_live_help_invite_text(ngx_str_t *s)
{
    u_char    *p, *last;
    uint32_t   c;

    if (s->len == 0 || s->len > NGX_LIVE_HELP_INVITE_MESSAGE_MAX) {
        return NGX_ERROR;
    }

    p = s->data;
    last = s->data + s->len;

    while (p < last) {
        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f) {
                return NGX_ERROR;
            }

            p++;
            continue;
        }

        c = ngx_utf8_decode(&p, last - p);

        if (c > 0x10ffff || (c >= 0x80 && c < 0xa0)) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


char *
ngx_http_live_help_invite(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    u_char     *p;
    size_t      len;
    ngx_int_t   seconds;
    ngx_str_t  *value, *old;

    value = cf->args->elts;
    old = &llcf->invite;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "off") != 0 || old->data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"live_help_invite\" takes PATTERN SECONDS "
                               "\"MESSAGE\", or \"off\" alone");
            return NGX_CONF_ERROR;
        }

        /* none here, whatever the levels above have */
        ngx_str_set(old, "");
        return NGX_CONF_OK;
    }

    if (old->data && old->len == 0) {
        return "is duplicate: \"off\" was given at this level";
    }

    if (ngx_http_live_help_invite_pattern(&value[1]) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_invite\": invalid pattern \"%V\": "
                           "\"*\" or a path from \"/\" (\"*\" matches any "
                           "characters), at most 256 characters, no "
                           "spaces or quotes", &value[1]);
        return NGX_CONF_ERROR;
    }

    seconds = ngx_atoi(value[2].data, value[2].len);

    if (seconds == NGX_ERROR || seconds > NGX_LIVE_HELP_INVITE_SECONDS_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_invite\": invalid seconds \"%V\": "
                           "must be from 0 to 3600", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_live_help_invite_text(&value[3]) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_invite\": the message must be 1 to "
                           "200 bytes of UTF-8 without control "
                           "characters");
        return NGX_CONF_ERROR;
    }

    /* [...,["pattern",seconds,"message"]] */

    len = (old->len ? old->len : 1) + sizeof(",[\"\",,\"\"]]") - 1
          + value[1].len + NGX_INT_T_LEN + value[3].len
          + ngx_escape_json(NULL, value[3].data, value[3].len);

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    if (old->len) {
        /* the rules before, without their closing bracket */
        ngx_memcpy(p, old->data, old->len - 1);
        old->data = p;
        p += old->len - 1;
        *p++ = ',';

    } else {
        old->data = p;
        *p++ = '[';
    }

    p = ngx_sprintf(p, "[\"%V\",%i,\"", &value[1], seconds);
    p = (u_char *) ngx_escape_json(p, value[3].data, value[3].len);
    p = ngx_cpymem(p, "\"]]", 3);

    old->len = p - old->data;

    return NGX_CONF_OK;
}


char *
ngx_http_live_help_booking_url(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    size_t      skip;
    ngx_uint_t  i;
    ngx_str_t  *value, *url;

    if (llcf->booking.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    url = &value[1];

    if (url->len > 8 && ngx_strncasecmp(url->data, (u_char *) "https://", 8)
                        == 0)
    {
        skip = 8;

    } else if (url->len > 7
               && ngx_strncasecmp(url->data, (u_char *) "http://", 7) == 0)
    {
        skip = 7;

    } else {
        skip = 0;
    }

    if (skip == 0 || url->len > NGX_LIVE_HELP_BOOKING_URL_MAX
        || url->data[skip] == '/' || url->data[skip] == '?'
        || url->data[skip] == '#')
    {
        goto invalid;
    }

    for (i = 0; i < url->len; i++) {
        if (!ngx_http_live_help_invite_plain(url->data[i])) {
            goto invalid;
        }
    }

    llcf->booking = *url;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"live_help_booking_url\": invalid URL \"%V\": an "
                       "absolute http:// or https:// URL with a host, at "
                       "most 2048 characters, no spaces or quotes", url);

    return NGX_CONF_ERROR;
}


size_t
ngx_http_live_help_invite_attrs(u_char *p, ngx_str_t *invite,
    ngx_str_t *booking)
{
    u_char  *start;
    size_t   len;

    static u_char  inv[] = " data-live-help-invite=\"";
    static u_char  book[] = " data-live-help-booking=\"";

    len = 0;
    start = p;

    if (invite->len) {
        if (p == NULL) {
            len += sizeof(inv) + ngx_live_help_html_escaped_len(invite->data,
                                                                invite->len);
        } else {
            p = ngx_cpymem(p, inv, sizeof(inv) - 1);
            p += ngx_live_help_html_escape(p, invite->data, invite->len);
            *p++ = '"';
        }
    }

    if (booking->len) {
        if (p == NULL) {
            len += sizeof(book) + ngx_live_help_html_escaped_len(
                                      booking->data, booking->len);
        } else {
            p = ngx_cpymem(p, book, sizeof(book) - 1);
            p += ngx_live_help_html_escape(p, booking->data, booking->len);
            *p++ = '"';
        }
    }

    return start ? (size_t) (p - start) : len;
}
