
/*
 * The agent part of the endpoint over HTTP.
 *
 * Who an agent is: live_help_agent_user when the location sets it (nginx
 * said who, e.g. auth_basic), else the module's own login when
 * live_help_agents_file is set: a signed cookie, got by posting a name and
 * password to "agent/login".  Passwords are checked in nginx's thread pool,
 * a few at a time per worker, never on the event loop; failures are
 * counted per address and per name (ngx_http_live_help_throttle.c).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/crypto.h>

#include "ngx_http_live_help_login.h"
#include "ngx_http_live_help_agents.h"
#include "ngx_http_live_help_throttle.h"


#define NGX_LIVE_HELP_LOGIN_BODY_MAX  4096
#define NGX_LIVE_HELP_PASSWORD_MAX    1024
#define NGX_LIVE_HELP_LOGIN_CHECKS    4      /* at once, per worker */
#define NGX_LIVE_HELP_LOGIN_GUARD     60000
#define NGX_LIVE_HELP_LOGIN_PAGE      "agent/login.html"


/* a login being checked: the thread task's context */
typedef struct {
    ngx_http_request_t         *request;
    ngx_str_t                   base;
    ngx_str_t                   login;     /* as typed, when a name */
    ngx_str_t                   addr;      /* the client's, for throttling */
    u_char                     *hash;      /* checked against, C string */
    ngx_str_t                   password;  /* C string; wiped when done */
    ngx_uint_t                  known;     /* an agent's name */
    ngx_uint_t                  ok;        /* the thread's answer */

    /*
     * A timer while the thread works: an exiting worker waits for the
     * answer instead of leaving the request behind.
     */
    ngx_event_t                 guard;
} ngx_http_live_help_login_ctx_t;


#define ngx_live_help_is(s, lit)                                             \
    ((s)->len == sizeof(lit) - 1                                             \
     && ngx_strncmp((s)->data, lit, sizeof(lit) - 1) == 0)


static ngx_int_t ngx_http_live_help_login_who(ngx_http_request_t *r,
    ngx_live_help_ws_agent_t *who, ngx_pool_t *pool);
static ngx_int_t ngx_http_live_help_login_name(ngx_http_request_t *r,
    ngx_live_help_ws_agent_t *who, ngx_str_t *fallback);
static ngx_int_t ngx_http_live_help_login_page(ngx_http_request_t *r,
    ngx_uint_t status, const char *error, time_t wait);
static ngx_int_t ngx_http_live_help_login_post(ngx_http_request_t *r,
    ngx_str_t *base);
static void ngx_http_live_help_login_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_live_help_login_check(ngx_http_request_t *r,
    ngx_thread_task_t *task);
static ngx_int_t ngx_http_live_help_login_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_live_help_login_field(ngx_str_t *body,
    const char *key, ngx_str_t *value, ngx_pool_t *pool);
static void ngx_http_live_help_login_thread(void *data, ngx_log_t *log);
static void ngx_http_live_help_login_done(ngx_event_t *ev);
static void ngx_http_live_help_login_guard(ngx_event_t *ev);
static ngx_int_t ngx_http_live_help_login_signed_in(ngx_http_request_t *r,
    ngx_http_live_help_login_ctx_t *ctx, ngx_live_help_agents_entry_t *e);
static ngx_int_t ngx_http_live_help_logout(ngx_http_request_t *r,
    ngx_str_t *base);
static ngx_int_t ngx_http_live_help_login_redirect(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *base, const char *rest);
static ngx_int_t ngx_http_live_help_login_cookie(ngx_http_request_t *r,
    ngx_str_t *base, ngx_str_t *value, time_t max_age);
static ngx_uint_t ngx_http_live_help_login_same_origin(
    ngx_http_request_t *r, ngx_uint_t required);
static ngx_int_t ngx_http_live_help_login_headers(ngx_http_request_t *r,
    ngx_uint_t no_store);


/* password checks of this worker on their way */
static ngx_uint_t  ngx_http_live_help_login_checks;


char *
ngx_http_live_help_login_conf(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf)
{
    if (ngx_live_help_agents_conf(cf, lmcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

#if (NGX_THREADS)
    /* "default", made with 32 threads unless thread_pool says otherwise */
    lmcf->thread_pool = ngx_thread_pool_add(cf, NULL);
    if (lmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }
#else
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"live_help_agents_file\" needs nginx built "
                       "--with-threads: passwords are checked in threads");
    return NGX_CONF_ERROR;
#endif

    lmcf->throttle = ngx_live_help_throttle_zone(cf,
                                                 &ngx_http_live_help_module);

    return lmcf->throttle ? NGX_CONF_OK : NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_live_help_login_route(ngx_http_request_t *r, ngx_str_t *rest,
    ngx_str_t *base, ngx_live_help_ws_agent_t *who)
{
    ngx_int_t                        rc;
    ngx_str_t                        error;
    ngx_uint_t                       ws, page;
    ngx_http_live_help_loc_conf_t   *llcf;
    ngx_http_live_help_main_conf_t  *lmcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);
    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

    ngx_memzero(who, sizeof(ngx_live_help_ws_agent_t));

    if (ngx_live_help_is(rest, "login") || ngx_live_help_is(rest, "logout")
        || ngx_live_help_is(rest, "login.html"))
    {
        /* the page is served rendered, at one address */
        if (lmcf->agents == NULL || ngx_live_help_is(rest, "login.html")) {
            return NGX_HTTP_NOT_FOUND;
        }

        if (ngx_live_help_is(rest, "logout")) {
            return ngx_http_live_help_logout(r, base);
        }

        if (r->method == NGX_HTTP_POST) {
            return ngx_http_live_help_login_post(r, base);
        }

        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            return NGX_HTTP_NOT_ALLOWED;
        }

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        /* after a failed login: the same words, whatever failed */
        if (ngx_http_arg(r, (u_char *) "error", 5, &error) == NGX_OK
            && ngx_live_help_is(&error, "bad"))
        {
            return ngx_http_live_help_login_page(r, NGX_HTTP_OK, "bad", 0);
        }

        return ngx_http_live_help_login_page(r, NGX_HTTP_OK, "", 0);
    }

    /* what the sign-in page needs: its style and its words */
    if (ngx_live_help_is(rest, "login.css")
        || ngx_live_help_is(rest, "login.js")
        || ngx_live_help_is(rest, "strings.js")
        || ngx_live_help_is(rest, "lang/fi.js")
        || ngx_live_help_is(rest, "lang/de.js"))
    {
        return NGX_DECLINED;
    }

    ws = ngx_live_help_is(rest, "ws");
    page = rest->len == 0 || ngx_live_help_is(rest, "index.html");

    /* a socket's sign-in lives as long as its connection */
    rc = ngx_http_live_help_login_who(r, who, ws ? r->connection->pool
                                                 : r->pool);
    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_OK || llcf->agent_user || lmcf->agents == NULL) {
        /*
         * An agent, or nginx guards the panel's files (as before the
         * module had a login); the socket refuses nobody's handshake.
         */
        if (page && ngx_http_live_help_login_headers(r, 0) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ws && rc == NGX_OK) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "live_help: agent socket of \"%V\", shown as "
                          "\"%V\", %s", &who->user, &who->name,
                          who->signin ? "signed in here" : "known to nginx");
        }

        if (ws && rc != NGX_OK && llcf->agent_user == NULL) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "live_help: agent socket refused: neither "
                          "\"live_help_agent_user\" nor "
                          "\"live_help_agents_file\" is set here");
        }

        return NGX_DECLINED;
    }

    if (ws) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "live_help: agent socket refused: not signed in");
        return NGX_HTTP_FORBIDDEN;
    }

    if (page && (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_live_help_login_redirect(r, NGX_HTTP_MOVED_TEMPORARILY,
                                                 base, "agent/login");
    }

    return NGX_HTTP_FORBIDDEN;
}


/* NGX_OK: an agent, in *who; NGX_DECLINED: nobody known */

static ngx_int_t
ngx_http_live_help_login_who(ngx_http_request_t *r,
    ngx_live_help_ws_agent_t *who, ngx_pool_t *pool)
{
    ngx_str_t                        value;
    ngx_live_help_cookie_t           cookie;
    ngx_live_help_signin_t          *signin;
    ngx_http_live_help_loc_conf_t   *llcf;
    ngx_live_help_agents_entry_t    *e;
    ngx_http_live_help_main_conf_t  *lmcf;

    static ngx_str_t  name = ngx_string(NGX_LIVE_HELP_COOKIE_NAME);

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);
    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

    if (llcf->agent_user) {
        /* nginx said who: auth_basic, auth_request, ... */

        if (ngx_http_complex_value(r, llcf->agent_user, &who->user)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        if (who->user.len == 0 || who->user.len > NGX_LIVE_HELP_LOGIN_MAX) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "live_help: no agent name from "
                          "\"live_help_agent_user\"");
            who->user.len = 0;
            return NGX_DECLINED;
        }

        return ngx_http_live_help_login_name(r, who, NULL);
    }

    if (lmcf->agents == NULL
        || ngx_http_parse_multi_header_lines(&r->headers_in.cookies, &name,
                                             &value)
           == NGX_DECLINED)
    {
        return NGX_DECLINED;
    }

    /* a cookie made for a longer lifetime than today's is not honoured */

    if (!ngx_live_help_cookie_check(value.data, value.len,
                                    lmcf->secret.data, lmcf->secret.len,
                                    ngx_time(), &cookie)
        || cookie.expires > ngx_time() + lmcf->agent_session + 60)
    {
        return NGX_DECLINED;
    }

    e = ngx_live_help_agents_find((u_char *) cookie.login, cookie.login_len);

    if (e == NULL
        || CRYPTO_memcmp(e->digest, cookie.digest, NGX_LIVE_HELP_DIGEST_LEN)
           != 0)
    {
        return NGX_DECLINED;
    }

    signin = ngx_palloc(pool, sizeof(ngx_live_help_signin_t));
    if (signin == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(signin->digest, e->digest, NGX_LIVE_HELP_DIGEST_LEN);
    signin->expires = (time_t) cookie.expires;

    who->user = e->login;
    who->signin = signin;

    return ngx_http_live_help_login_name(r, who, &e->name);
}


/* live_help_agent_name when it gives one, else the agents file's */

static ngx_int_t
ngx_http_live_help_login_name(ngx_http_request_t *r,
    ngx_live_help_ws_agent_t *who, ngx_str_t *fallback)
{
    ngx_str_t                       v;
    ngx_uint_t                      i;
    ngx_http_live_help_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_live_help_module);

    if (fallback) {
        who->name = *fallback;
    }

    if (llcf->agent_name == NULL) {
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, llcf->agent_name, &v) != NGX_OK) {
        return NGX_ERROR;
    }

    if (v.len == 0) {
        return NGX_OK;
    }

    for (i = 0; i < v.len; i++) {
        if (v.data[i] < 0x20 || v.data[i] == 0x7f) {
            break;
        }
    }

    if (i < v.len || v.len > NGX_LIVE_HELP_NAME_MAX) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "live_help: \"live_help_agent_name\" ignored: over "
                      "64 bytes or control characters");
        return NGX_OK;
    }

    who->name = v;

    return NGX_OK;
}


/*
 * static/agent/login.html, with the error to show (data-error="...") and
 * the minutes to wait ({minutes}) put in.
 */

static ngx_int_t
ngx_http_live_help_login_page(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, time_t wait)
{
    u_char                 *p, *at, *mark, *last;
    size_t                  len;
    ngx_int_t               rc;
    ngx_str_t               retry;
    ngx_buf_t              *b;
    ngx_chain_t             out;
    ngx_live_help_asset_t  *asset;

    static u_char  error_mark[] = "data-error=\"\"";
    static u_char  minutes_mark[] = "{minutes}";

    asset = ngx_live_help_asset_find((u_char *) NGX_LIVE_HELP_LOGIN_PAGE,
                                     sizeof(NGX_LIVE_HELP_LOGIN_PAGE) - 1);
    if (asset == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = asset->len + ngx_strlen(error) + NGX_TIME_T_LEN;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = p;
    at = (u_char *) asset->data;
    last = at + asset->len;

    mark = ngx_strlcasestrn(at, last, error_mark, sizeof(error_mark) - 2);

    if (mark) {
        p = ngx_cpymem(p, at, mark - at);
        p = ngx_sprintf(p, "data-error=\"%s\"", error);
        at = mark + sizeof(error_mark) - 1;
    }

    mark = ngx_strlcasestrn(at, last, minutes_mark, sizeof(minutes_mark) - 2);

    if (mark) {
        p = ngx_cpymem(p, at, mark - at);
        p = ngx_sprintf(p, "%T", (wait + 59) / 60);
        at = mark + sizeof(minutes_mark) - 1;
    }

    p = ngx_cpymem(p, at, last - at);

    b->last = p;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_type = asset->type;
    r->headers_out.content_type_len = asset->type.len;
    r->headers_out.content_length_n = b->last - b->pos;

    if (ngx_http_live_help_login_headers(r, 1) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (wait) {
        retry.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
        if (retry.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        retry.len = ngx_sprintf(retry.data, "%T", wait) - retry.data;

        if (ngx_http_live_help_header_out(r, "Retry-After", &retry) == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_live_help_login_post(ngx_http_request_t *r, ngx_str_t *base)
{
    ngx_int_t                        rc;
    ngx_thread_task_t               *task;
    ngx_http_live_help_login_ctx_t  *ctx;

    /* a login from another site's form is not the agent's */
    if (!ngx_http_live_help_login_same_origin(r, 0)) {
        return NGX_HTTP_FORBIDDEN;
    }

    if (r->headers_in.content_length_n > NGX_LIVE_HELP_LOGIN_BODY_MAX) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_live_help_login_ctx_t));
    if (task == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = task->ctx;
    ctx->request = r;
    ctx->base = *base;

    ngx_http_set_ctx(r, task, ngx_http_live_help_module);

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_live_help_login_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_live_help_login_body(ngx_http_request_t *r)
{
    ngx_thread_task_t  *task;

    /*
     * The module's ctx held the task only while the body came: the
     * injection filter reads that ctx as its own on the way out.
     */
    task = ngx_http_get_module_ctx(r, ngx_http_live_help_module);
    ngx_http_set_ctx(r, NULL, ngx_http_live_help_module);

    ngx_http_finalize_request(r, ngx_http_live_help_login_check(r, task));
}


/*
 * An unknown name is checked against a hash as costly as an agent's, and
 * answered alike: names cannot be found out by asking.
 */

static ngx_int_t
ngx_http_live_help_login_check(ngx_http_request_t *r, ngx_thread_task_t *task)
{
    time_t                           wait;
    ngx_str_t                        body, name, *hash;
    struct sockaddr_in              *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6             *sin6;
#endif
    ngx_live_help_agents_entry_t    *e;
    ngx_http_live_help_login_ctx_t  *ctx;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);
    ctx = task->ctx;

    if (ngx_http_live_help_login_read_body(r, &body) != NGX_OK) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    if (ngx_http_live_help_login_field(&body, "name", &name, r->pool)
        == NGX_ERROR
        || ngx_http_live_help_login_field(&body, "password", &ctx->password,
                                          r->pool)
           == NGX_ERROR)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    OPENSSL_cleanse(body.data, body.len);

    /* the address counts without its port; IPv4 and IPv6 as bytes */

    switch (r->connection->sockaddr->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) r->connection->sockaddr;
        ctx->addr.data = (u_char *) &sin->sin_addr;
        ctx->addr.len = sizeof(sin->sin_addr);
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) r->connection->sockaddr;
        ctx->addr.data = (u_char *) &sin6->sin6_addr;
        ctx->addr.len = sizeof(sin6->sin6_addr);
        break;
#endif

    default:
        ctx->addr = r->connection->addr_text;
    }

    if (ngx_live_help_login_valid(name.data, name.len)) {
        ctx->login = name;
    }

    wait = ngx_live_help_throttle_wait(lmcf->throttle, &ctx->addr,
                                       &ctx->login);
    if (wait) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "live_help: login of \"%V\" refused for %T s: "
                      "too many failures", &ctx->login, wait);
        OPENSSL_cleanse(ctx->password.data, ctx->password.len);
        return ngx_http_live_help_login_page(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                             "throttled", wait);
    }

    if (ngx_http_live_help_login_checks >= NGX_LIVE_HELP_LOGIN_CHECKS) {
        OPENSSL_cleanse(ctx->password.data, ctx->password.len);
        return ngx_http_live_help_login_page(r,
                                             NGX_HTTP_SERVICE_UNAVAILABLE,
                                             "busy", 1);
    }

    e = ctx->login.len ? ngx_live_help_agents_find(ctx->login.data,
                                                   ctx->login.len)
                       : NULL;

    /* crypt() reads up to a NUL: "pw%00x" must not pass for "pw" */

    ctx->known = e != NULL && ctx->password.len > 0
                 && ctx->password.len <= NGX_LIVE_HELP_PASSWORD_MAX
                 && ngx_strlchr(ctx->password.data,
                                ctx->password.data + ctx->password.len, '\0')
                    == NULL;

    hash = e ? &e->hash : ngx_live_help_agents_dummy();

    /* the file may be read again meanwhile: the thread has its own copy */
    ctx->hash = ngx_pnalloc(r->pool, hash->len + 1);
    if (ctx->hash == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_cpystrn(ctx->hash, hash->data, hash->len + 1);

    if (ctx->password.len > NGX_LIVE_HELP_PASSWORD_MAX) {
        ctx->password.data[NGX_LIVE_HELP_PASSWORD_MAX] = '\0';
    }

    task->handler = ngx_http_live_help_login_thread;
    task->event.handler = ngx_http_live_help_login_done;
    task->event.data = task;
    task->event.log = r->connection->log;

#if (NGX_THREADS)
    if (ngx_thread_task_post(lmcf->thread_pool, task) != NGX_OK) {
        OPENSSL_cleanse(ctx->password.data, ctx->password.len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
#endif

    ngx_http_live_help_login_checks++;

    ctx->guard.handler = ngx_http_live_help_login_guard;
    ctx->guard.data = ctx;
    ctx->guard.log = r->connection->log;
    ngx_add_timer(&ctx->guard, NGX_LIVE_HELP_LOGIN_GUARD);

    /* the request waits for the thread */
    r->main->blocked++;
    r->main->count++;

    return NGX_DONE;
}


static ngx_int_t
ngx_http_live_help_login_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    size_t        len;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = NULL;

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    if (r->request_body->temp_file) {
        return NGX_ERROR;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            return NGX_ERROR;
        }

        len += cl->buf->last - cl->buf->pos;
    }

    if (len > NGX_LIVE_HELP_LOGIN_BODY_MAX) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        OPENSSL_cleanse(cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    body->len = len;

    return NGX_OK;
}


/*
 * One field of an application/x-www-form-urlencoded body, decoded ('+' is
 * a space, %XX a byte) into a NUL-terminated copy; empty when absent.
 */

static ngx_int_t
ngx_http_live_help_login_field(ngx_str_t *body, const char *key,
    ngx_str_t *value, ngx_pool_t *pool)
{
    u_char  *p, *last, *end, *src, *dst, *q;
    size_t   klen;

    value->len = 0;
    value->data = (u_char *) "";

    klen = ngx_strlen(key);
    p = body->data;
    last = p + body->len;

    while (p < last) {
        end = ngx_strlchr(p, last, '&');
        if (end == NULL) {
            end = last;
        }

        if ((size_t) (end - p) > klen && p[klen] == '='
            && ngx_strncmp(p, key, klen) == 0)
        {
            p += klen + 1;

            dst = ngx_pnalloc(pool, end - p + 1);
            if (dst == NULL) {
                return NGX_ERROR;
            }

            for (q = p; q < end; q++) {
                if (*q == '+') {
                    *q = ' ';
                }
            }

            src = p;
            q = dst;
            ngx_unescape_uri(&q, &src, end - p, 0);
            *q = '\0';

            value->data = dst;
            value->len = q - dst;

            return NGX_OK;
        }

        p = end + 1;
    }

    return NGX_DECLINED;
}


static void
ngx_http_live_help_login_thread(void *data, ngx_log_t *log)
{
    ngx_http_live_help_login_ctx_t  *ctx = data;

    ctx->ok = ngx_live_help_agents_password_ok((char *) ctx->password.data,
                                               (char *) ctx->hash);
}


static void
ngx_http_live_help_login_done(ngx_event_t *ev)
{
    ngx_int_t                        rc;
    ngx_thread_task_t               *task;
    ngx_connection_t                *c;
    ngx_http_request_t              *r;
    ngx_live_help_agents_entry_t    *e;
    ngx_http_live_help_login_ctx_t  *ctx;
    ngx_http_live_help_main_conf_t  *lmcf;

    task = ev->data;
    ctx = task->ctx;
    r = ctx->request;
    c = r->connection;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

    ngx_http_live_help_login_checks--;
    r->main->blocked--;

    if (ctx->guard.timer_set) {
        ngx_del_timer(&ctx->guard);
    }

    OPENSSL_cleanse(ctx->password.data, ctx->password.len);

    /* the agent, with the hash checked (the file may be new by now) */

    e = ctx->known ? ngx_live_help_agents_find(ctx->login.data,
                                               ctx->login.len)
                   : NULL;

    if (ctx->ok && e && ngx_strcmp(e->hash.data, ctx->hash) == 0) {
        ngx_live_help_throttle_passed(lmcf->throttle, &ctx->login);

        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "live_help: agent \"%V\" signed in", &e->login);

        rc = ngx_http_live_help_login_signed_in(r, ctx, e);

    } else {
        ngx_live_help_throttle_failed(lmcf->throttle, &ctx->addr,
                                      &ctx->login);

        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "live_help: login of \"%V\" failed", &ctx->login);

        rc = ngx_http_live_help_login_redirect(r, NGX_HTTP_SEE_OTHER,
                                               &ctx->base,
                                               "agent/login?error=bad");
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_live_help_login_guard(ngx_event_t *ev)
{
    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "live_help: a password check takes over %M ms",
                  (ngx_msec_t) NGX_LIVE_HELP_LOGIN_GUARD);
}


static ngx_int_t
ngx_http_live_help_login_signed_in(ngx_http_request_t *r,
    ngx_http_live_help_login_ctx_t *ctx, ngx_live_help_agents_entry_t *e)
{
    ngx_str_t                        cookie;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

    cookie.data = ngx_pnalloc(r->pool, NGX_LIVE_HELP_COOKIE_MAX);
    if (cookie.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cookie.len = ngx_live_help_cookie_make(cookie.data, lmcf->secret.data,
                                           lmcf->secret.len, e->login.data,
                                           e->login.len,
                                           ngx_time() + lmcf->agent_session,
                                           e->digest);
    if (cookie.len == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_live_help_login_cookie(r, &ctx->base, &cookie,
                                        lmcf->agent_session)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_live_help_login_redirect(r, NGX_HTTP_SEE_OTHER,
                                             &ctx->base, "agent/");
}


/*
 * The cookie is forgotten; a copy of it stays valid until it expires or
 * the agent's password changes, as any signed, stateless session does.
 */

static ngx_int_t
ngx_http_live_help_logout(ngx_http_request_t *r, ngx_str_t *base)
{
    ngx_int_t  rc;
    ngx_str_t  empty;

    if (r->method != NGX_HTTP_POST) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (!ngx_http_live_help_login_same_origin(r, 1)) {
        return NGX_HTTP_FORBIDDEN;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ngx_str_null(&empty);

    if (ngx_http_live_help_login_cookie(r, base, &empty, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_live_help_login_redirect(r, NGX_HTTP_SEE_OTHER, base,
                                             "agent/login");
}


/* "lh_agent=...; Path=<endpoint>agent/; Max-Age=...; HttpOnly; ..." */

static ngx_int_t
ngx_http_live_help_login_cookie(ngx_http_request_t *r, ngx_str_t *base,
    ngx_str_t *value, time_t max_age)
{
    ngx_str_t  path;

    path.len = base->len + sizeof("agent/") - 1;
    path.data = ngx_pnalloc(r->pool, path.len);
    if (path.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(path.data, base->data, base->len), "agent/",
               sizeof("agent/") - 1);

    return ngx_http_live_help_set_cookie(r, NGX_LIVE_HELP_COOKIE_NAME, value,
                                         &path, max_age);
}


static ngx_int_t
ngx_http_live_help_login_redirect(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *base, const char *rest)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   location;

    len = ngx_strlen(rest);

    p = ngx_pnalloc(r->pool, base->len + len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    location.data = p;
    location.len = ngx_cpymem(ngx_cpymem(p, base->data, base->len), rest, len)
                   - p;

    r->headers_out.location = ngx_http_live_help_header_out(r, "Location",
                                                            &location);
    if (r->headers_out.location == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    if (ngx_http_live_help_login_headers(r, 1) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_send_header(r);
}


/*
 * Origin (else Referer) is this site: same host, and a scheme as
 * ngx_http_live_help_same_origin() wants.  Browsers send Origin with every
 * POST; "required" refuses a request with neither.
 */

static ngx_uint_t
ngx_http_live_help_login_same_origin(ngx_http_request_t *r,
    ngx_uint_t required)
{
    ngx_table_elt_t  *h;

    h = ngx_http_live_help_header_in(r, "Origin", 6);

    if (h == NULL) {
        h = r->headers_in.referer;
    }

    if (h == NULL) {
        return !required;
    }

    if (!ngx_http_live_help_same_origin(r, &h->value)) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "live_help: agent login or logout from \"%V\" "
                      "refused: another site", &h->value);
        return 0;
    }

    return 1;
}


/*
 * The login page and the panel: only this site's scripts and sockets, in
 * no frame, telling other sites nothing.
 */

static ngx_int_t
ngx_http_live_help_login_headers(ngx_http_request_t *r, ngx_uint_t no_store)
{
    u_char      *p;
    ngx_str_t    host, csp;
    u_char       ch;
    ngx_uint_t   i;

    static ngx_str_t  deny = ngx_string("DENY");
    static ngx_str_t  nosniff = ngx_string("nosniff");
    static ngx_str_t  same_origin = ngx_string("same-origin");
    static ngx_str_t  nostore = ngx_string("no-store");

    static u_char  head[] = "default-src 'self'; connect-src 'self'";
    static u_char  tail[] = "; img-src 'self' data:; frame-ancestors 'none';"
                            " base-uri 'none'; form-action 'self'";

    ngx_str_null(&host);

    if (r->headers_in.host) {
        host = r->headers_in.host->value;

        /* a host as the core accepted it, and nothing to quote */
        for (i = 0; i < host.len; i++) {
            ch = ngx_tolower(host.data[i]);

            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                  || ch == '.' || ch == '-' || ch == ':' || ch == '['
                  || ch == ']'))
            {
                host.len = 0;
                break;
            }
        }
    }

    p = ngx_pnalloc(r->pool, sizeof(head) + sizeof(tail)
                             + 2 * (sizeof(" wss://") + host.len));
    if (p == NULL) {
        return NGX_ERROR;
    }

    csp.data = p;
    p = ngx_cpymem(p, head, sizeof(head) - 1);

    if (host.len) {
        p = ngx_sprintf(p, " ws://%V wss://%V", &host, &host);
    }

    p = ngx_cpymem(p, tail, sizeof(tail) - 1);
    csp.len = p - csp.data;

    if (ngx_http_live_help_header_out(r, "Content-Security-Policy", &csp)
        == NULL
        || ngx_http_live_help_header_out(r, "X-Frame-Options", &deny) == NULL
        || ngx_http_live_help_header_out(r, "X-Content-Type-Options",
                                         &nosniff)
           == NULL
        || ngx_http_live_help_header_out(r, "Referrer-Policy", &same_origin)
           == NULL
        || (no_store
            && ngx_http_live_help_header_out(r, "Cache-Control", &nostore)
               == NULL))
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
