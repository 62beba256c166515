
/*
 * The injection filter: puts the widget's script tag before the first
 * </body> of HTML pages, streaming, without buffering the page.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_live_help_scan.h"


typedef struct {
    ngx_live_help_scan_t   scan;
    ngx_str_t              tag;
    ngx_chain_t           *free;
    ngx_chain_t           *busy;
    ngx_uint_t             done;      /* unsigned  done:1; */
} ngx_http_live_help_ctx_t;


static ngx_int_t ngx_http_live_help_is_html(ngx_http_request_t *r);
static ngx_int_t ngx_http_live_help_tag(ngx_http_request_t *r,
    ngx_http_live_help_loc_conf_t *llcf, ngx_str_t *tag);
static ngx_int_t ngx_http_live_help_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_live_help_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_live_help_split(ngx_http_request_t *r,
    ngx_http_live_help_ctx_t *ctx, ngx_buf_t *b, size_t at,
    ngx_chain_t ***ll);
static ngx_int_t ngx_http_live_help_append(ngx_http_request_t *r,
    ngx_buf_t *b, ngx_chain_t ***ll);
static ngx_int_t ngx_http_live_help_append_held(ngx_http_request_t *r,
    ngx_http_live_help_ctx_t *ctx, u_char *held, size_t n,
    ngx_chain_t ***ll);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_live_help_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_live_help_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_live_help_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_live_help_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                       tag;
    ngx_http_live_help_ctx_t       *ctx;
    ngx_http_live_help_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);

    if (!llcf->enable
        || llcf->endpoint
        || r != r->main
        || r->headers_out.status != NGX_HTTP_OK
        || r->header_only
        || (r->method & NGX_HTTP_HEAD)
        || !ngx_http_live_help_is_html(r))
    {
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->hash
        && r->headers_out.content_encoding->value.len)
    {
        if (!llcf->told_encoded) {
            llcf->told_encoded = 1;
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "live_help: not injecting into pages with "
                          "\"Content-Encoding: %V\", such as \"%V\"; have "
                          "the backend send them uncompressed and use "
                          "\"gzip on\" in nginx instead",
                          &r->headers_out.content_encoding->value, &r->uri);
        }

        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_live_help_tag(r, llcf, &tag) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_live_help_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->tag = tag;

    ngx_http_set_ctx(r, ctx, ngx_http_live_help_module);

    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_weak_etag(r);

    r->filter_need_in_memory = 1;

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_live_help_is_html(ngx_http_request_t *r)
{
    ngx_str_t  *type;

    type = &r->headers_out.content_type;

    if (type->len < sizeof("text/html") - 1
        || ngx_strncasecmp(type->data, (u_char *) "text/html",
                           sizeof("text/html") - 1)
           != 0)
    {
        return 0;
    }

    return type->len == sizeof("text/html") - 1
           || type->data[sizeof("text/html") - 1] == ';'
           || type->data[sizeof("text/html") - 1] == ' ';
}


/* the location's tag, or a copy with the nonce of the page's policy */

static ngx_int_t
ngx_http_live_help_tag(ngx_http_request_t *r,
    ngx_http_live_help_loc_conf_t *llcf, ngx_str_t *tag)
{
    u_char           *p;
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;
    const u_char     *nonce;

    *tag = llcf->tag;

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NGX_OK;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0
            || h[i].key.len != sizeof("Content-Security-Policy") - 1
            || ngx_strncasecmp(h[i].key.data,
                               (u_char *) "Content-Security-Policy",
                               h[i].key.len)
               != 0)
        {
            continue;
        }

        if (ngx_live_help_csp_nonce(h[i].value.data, h[i].value.len,
                                    &nonce, &len))
        {
            break;
        }
    }

    tag->len = llcf->tag.len + sizeof(" nonce=\"\"") - 1 + len;

    p = ngx_pnalloc(r->pool, tag->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    tag->data = p;

    p = ngx_cpymem(p, llcf->tag.data, llcf->tag_head);
    p = ngx_cpymem(p, " nonce=\"", sizeof(" nonce=\"") - 1);
    p = ngx_cpymem(p, nonce, len);
    *p++ = '"';
    ngx_memcpy(p, llcf->tag.data + llcf->tag_head,
               llcf->tag.len - llcf->tag_head);

    return NGX_OK;
}


static ngx_int_t
ngx_http_live_help_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    int                        in_held;
    size_t                     at, nheld;
    u_char                     held[NGX_LIVE_HELP_SCAN_HELD];
    ngx_int_t                  rc, found;
    ngx_buf_t                 *b;
    ngx_chain_t               *cl, *out, **ll;
    ngx_http_live_help_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_live_help_module);

    if (ctx == NULL || ctx->done || in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    out = NULL;
    ll = &out;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (ctx->done || !ngx_buf_in_memory(b) || b->last == b->pos) {

            if (b->last_buf && ctx->scan.nheld) {
                /* the page ended in what only looked like the tag */
                if (ngx_http_live_help_append_held(r, ctx, ctx->scan.held,
                                                   ctx->scan.nheld, &ll)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                ngx_live_help_scan_reset(&ctx->scan);
            }

            if (ngx_http_live_help_append(r, b, &ll) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        nheld = ctx->scan.nheld;
        ngx_memcpy(held, ctx->scan.held, nheld);

        rc = ngx_live_help_scan(&ctx->scan, b->pos, b->last - b->pos, &at,
                                &in_held);

        found = (rc == NGX_LIVE_HELP_SCAN_FOUND);

        if (rc == NGX_LIVE_HELP_SCAN_PARTIAL && b->last_buf) {
            /* the page ended in what only looked like the tag */
            ngx_live_help_scan_reset(&ctx->scan);
            rc = NGX_LIVE_HELP_SCAN_NONE;
            in_held = 0;
        }

        if (found && in_held) {
            /* the tag began in the held bytes: the script goes first */
            at = 0;
            in_held = 0;
            ctx->done = 1;

            if (ngx_http_live_help_split(r, ctx, b, 0, &ll) != NGX_OK) {
                return NGX_ERROR;
            }

            b = NULL;
        }

        if (nheld && !in_held) {
            if (ngx_http_live_help_append_held(r, ctx, held, nheld, &ll)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        if (b == NULL) {
            /* only the held bytes and the buffer are left, in order */
            if (ngx_http_live_help_append(r, cl->buf, &ll) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        if (found) {
            ctx->done = 1;

            if (ngx_http_live_help_split(r, ctx, b, at, &ll) != NGX_OK) {
                return NGX_ERROR;
            }

            if (ngx_http_live_help_append(r, b, &ll) != NGX_OK) {
                return NGX_ERROR;
            }

            continue;
        }

        if (rc == NGX_LIVE_HELP_SCAN_PARTIAL) {
            /* the held bytes leave the buffer; they were copied */

            if (b->in_file) {
                b->file_last -= (b->last - b->pos) - at;
            }

            b->last = b->pos + at;

            if (b->last == b->pos) {
                if (!b->flush) {
                    continue;
                }

                /* keep the flush, without an empty memory buffer */

                b = ngx_calloc_buf(r->pool);
                if (b == NULL) {
                    return NGX_ERROR;
                }

                b->flush = 1;
            }
        }

        if (ngx_http_live_help_append(r, b, &ll) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    rc = ngx_http_next_body_filter(r, out);

    ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                            (ngx_buf_tag_t) &ngx_http_live_help_module);

    return rc;
}


/*
 * Outputs the part of b before "at" and the script tag, and leaves b to
 * start at "at".  Happens once per response, so the descriptors are not
 * worth recycling.
 */

static ngx_int_t
ngx_http_live_help_split(ngx_http_request_t *r, ngx_http_live_help_ctx_t *ctx,
    ngx_buf_t *b, size_t at, ngx_chain_t ***ll)
{
    ngx_buf_t  *head, *tag;

    if (at) {
        head = ngx_calloc_buf(r->pool);
        if (head == NULL) {
            return NGX_ERROR;
        }

        head->pos = b->pos;
        head->last = b->pos + at;
        head->memory = 1;

        if (ngx_http_live_help_append(r, head, ll) != NGX_OK) {
            return NGX_ERROR;
        }

        b->pos += at;

        if (b->in_file) {
            b->file_pos += at;
        }
    }

    tag = ngx_calloc_buf(r->pool);
    if (tag == NULL) {
        return NGX_ERROR;
    }

    tag->pos = ctx->tag.data;
    tag->last = ctx->tag.data + ctx->tag.len;
    tag->memory = 1;

    return ngx_http_live_help_append(r, tag, ll);
}


static ngx_int_t
ngx_http_live_help_append(ngx_http_request_t *r, ngx_buf_t *b,
    ngx_chain_t ***ll)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;

    **ll = cl;
    *ll = &cl->next;

    return NGX_OK;
}


/* bytes held back at the end of a buffer that turned out not to be a tag */

static ngx_int_t
ngx_http_live_help_append_held(ngx_http_request_t *r,
    ngx_http_live_help_ctx_t *ctx, u_char *held, size_t n, ngx_chain_t ***ll)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (ctx->free) {
        cl = ctx->free;
        ctx->free = cl->next;
        b = cl->buf;

    } else {
        b = ngx_create_temp_buf(r->pool, NGX_LIVE_HELP_SCAN_HELD);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->tag = (ngx_buf_tag_t) &ngx_http_live_help_module;

        cl = ngx_alloc_chain_link(r->pool);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        cl->buf = b;
    }

    b->pos = b->start;
    b->last = ngx_cpymem(b->start, held, n);

    cl->next = NULL;
    **ll = cl;
    *ll = &cl->next;

    return NGX_OK;
}
