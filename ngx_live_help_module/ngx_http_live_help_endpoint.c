
/*
 * The endpoint location: the widget and panel files compiled into the
 * module, with ETag, gzip and caching.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_login.h"


static ngx_int_t ngx_http_live_help_accepts_gzip(ngx_http_request_t *r);
static ngx_int_t ngx_http_live_help_serve_asset(ngx_http_request_t *r,
    ngx_live_help_asset_t *asset);


ngx_int_t
ngx_http_live_help_endpoint_handler(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_str_t                       path, index, rest, *base;
    ngx_live_help_asset_t          *asset;
    ngx_live_help_ws_agent_t        agent;
    ngx_http_live_help_srv_conf_t  *lscf;
    ngx_http_live_help_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);
    lscf = ngx_http_get_module_srv_conf(r, ngx_http_live_help_module);

    /*
     * Paths are relative to the server's first endpoint, so that a nested
     * endpoint location (say /live-help/agent/ with auth_basic) serves
     * "agent/..." of the same tree.  A base always ends with '/'.
     */

    base = &lscf->endpoint;

    if (r->uri.len < base->len
        || ngx_strncmp(r->uri.data, base->data, base->len) != 0)
    {
        base = &llcf->base;

        if (r->uri.len < base->len
            || ngx_strncmp(r->uri.data, base->data, base->len) != 0)
        {
            return NGX_HTTP_NOT_FOUND;
        }
    }

    path.data = r->uri.data + base->len;
    path.len = r->uri.len - base->len;

    if (path.len == 2 && ngx_strncmp(path.data, "ws", 2) == 0) {
        return ngx_http_live_help_ws_handshake(r,
                                               &ngx_live_help_visitor_handler,
                                               NULL);
    }

    /* the agents' part: who may have it, the login page */

    if (path.len >= 6 && ngx_strncmp(path.data, "agent/", 6) == 0) {
        rest.data = path.data + 6;
        rest.len = path.len - 6;

        rc = ngx_http_live_help_login_route(r, &rest, base, &agent);
        if (rc != NGX_DECLINED) {
            return rc;
        }

        if (rest.len == 2 && ngx_strncmp(rest.data, "ws", 2) == 0) {
            return ngx_http_live_help_ws_handshake(r,
                                                 &ngx_live_help_agent_handler,
                                                 &agent);
        }
    }

    if (path.len == 0 || path.data[path.len - 1] == '/') {
        /* a directory: its index.html */
        index.len = path.len + sizeof("index.html") - 1;
        index.data = ngx_pnalloc(r->pool, index.len);
        if (index.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(ngx_cpymem(index.data, path.data, path.len), "index.html",
                   sizeof("index.html") - 1);
        path = index;
    }

    asset = ngx_live_help_asset_find(path.data, path.len);
    if (asset == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    return ngx_http_live_help_serve_asset(r, asset);
}


static ngx_int_t
ngx_http_live_help_serve_asset(ngx_http_request_t *r,
    ngx_live_help_asset_t *asset)
{
    ngx_int_t         rc, gz;
    ngx_str_t         v, value;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    static ngx_str_t  immutable =
                          ngx_string("public, max-age=31536000, immutable");
    static ngx_str_t  revalidate = ngx_string("public, max-age=300");
    static ngx_str_t  no_cache = ngx_string("no-cache");
    static ngx_str_t  accept_encoding = ngx_string("Accept-Encoding");
    static ngx_str_t  gzip = ngx_string("gzip");

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    gz = asset->gz && ngx_http_live_help_accepts_gzip(r);

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = asset->type;
    r->headers_out.content_type_len = asset->type.len;
    r->headers_out.content_length_n = gz ? asset->gz_len : asset->len;

    h = ngx_http_live_help_header_out(r, "ETag",
                                      gz ? &asset->etag_gz : &asset->etag);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.etag = h;

    /*
     * A URL with the current version (as in the injected tag) never
     * changes; any other is revalidated by its ETag.
     */

    if (ngx_strncmp(asset->type.data, "text/html", 9) == 0) {
        value = no_cache;

    } else if (ngx_http_arg(r, (u_char *) "v", 1, &v) == NGX_OK
               && v.len == ngx_live_help_assets_version.len
               && ngx_strncmp(v.data, ngx_live_help_assets_version.data,
                              v.len)
                  == 0)
    {
        value = immutable;

    } else {
        value = revalidate;
    }

    if (ngx_http_live_help_header_out(r, "Cache-Control", &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (asset->gz) {
        if (ngx_http_live_help_header_out(r, "Vary", &accept_encoding)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (gz) {
        h = ngx_http_live_help_header_out(r, "Content-Encoding", &gzip);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.content_encoding = h;
    }

    r->allow_ranges = 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = (u_char *) (gz ? asset->gz : asset->data);
    b->last = b->pos + (gz ? asset->gz_len : asset->len);
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* "gzip" listed in Accept-Encoding, and not with q=0 */

static ngx_int_t
ngx_http_live_help_accepts_gzip(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_table_elt_t  *h;

    h = ngx_http_live_help_header_in(r, "Accept-Encoding", 15);

    if (h == NULL) {
        return 0;
    }

    last = h->value.data + h->value.len;
    p = ngx_strlcasestrn(h->value.data, last, (u_char *) "gzip", 4 - 1);

    if (p == NULL) {
        return 0;
    }

    p += 4;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p < last && *p == ';') {
        do {
            p++;
        } while (p < last && (*p == ' ' || *p == '\t'));

        if (last - p >= 2 && (p[0] | 0x20) == 'q' && p[1] == '=') {

            /* "gzip;q=0" refuses, "gzip;q=0.5" does not */

            for (p += 2; p < last && (*p == '0' || *p == '.'); p++) {
                /* void */
            }

            if (p == last || *p == ',' || *p == ' ' || *p == ';') {
                return 0;
            }
        }
    }

    return 1;
}
