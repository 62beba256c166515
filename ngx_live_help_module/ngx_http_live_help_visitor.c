
/*
 * A visitor's socket: one conversation, named after the visitor, known by
 * a signed token: in an HttpOnly cookie that the handshake sets, or one
 * the client keeps (hello's "token"; a widget on another site offers it as
 * the subprotocol "lh.<token>"); the events after the last one the visitor
 * saw, then live ones; its messages and typing.  A visitor whose
 * generation in Redis is over 0 is revoked: their tokens are refused.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/rand.h>

#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_limit.h"
#include "ngx_http_live_help_queue.h"
#include "ngx_http_live_help_hours_conf.h"
#include "ngx_http_live_help_faq_conf.h"
#include "ngx_http_live_help_marks.h"


#define NGX_LIVE_HELP_TOKEN_TTL      (30 * 86400)
#define NGX_LIVE_HELP_VISITOR_COOKIE "lh_v"
#define NGX_LIVE_HELP_PROTOCOL       "lh."
/* "<address>|<burst>|<ms each>": new conversations allowed, for the Lua */
#define NGX_LIVE_HELP_VISITOR_LIMIT_LEN                                      \
    (NGX_LIVE_HELP_LIMIT_KEY_LEN + 2 * NGX_INT_T_LEN + 2)


/* who the handshake found: the visitor whose token the 101's cookie holds */
typedef struct {
    u_char                      id[NGX_LIVE_HELP_ID_MAX];
    size_t                      id_len;
    unsigned                    known:1;        /* a valid token came */
    unsigned                    same_origin:1;  /* a page of this host */
} ngx_live_help_visitor_hs_t;


/* a message that came while the hello waited for the store */
typedef struct ngx_live_help_early_s  ngx_live_help_early_t;

struct ngx_live_help_early_s {
    ngx_live_help_early_t      *next;
    size_t                      len;
    u_char                      data[1];
};


typedef struct {
    ngx_live_help_session_t     s;              /* first */
    ngx_live_help_visitor_hs_t  hs;
    u_char                      id[NGX_LIVE_HELP_ID_MAX];  /* hello's */
    size_t                      id_len;
    ngx_live_help_early_t      *early;
    ngx_live_help_early_t     **last_early;
    size_t                      early_size;
    ngx_uint_t                  nearly;
    unsigned                    checking:1;     /* the generation is asked */
} ngx_live_help_visitor_t;


static ngx_int_t ngx_live_help_visitor_open(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_visitor_message(ngx_live_help_ws_t *ws,
    u_char *data, size_t len);
static void ngx_live_help_visitor_close(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_visitor_handshake(ngx_live_help_ws_t *ws,
    ngx_http_request_t *r);
static ngx_int_t ngx_live_help_visitor_offered(ngx_http_request_t *r,
    ngx_str_t *offered);
static ngx_uint_t ngx_live_help_visitor_known(ngx_str_t *token,
    ngx_live_help_visitor_hs_t *hs);
static size_t ngx_live_help_visitor_new_id(u_char *id);
static ngx_int_t ngx_live_help_visitor_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static void ngx_live_help_visitor_checked(ngx_live_help_store_req_t *req,
    redisReply *reply);
static ngx_int_t ngx_live_help_visitor_session(ngx_live_help_visitor_t *v);
static ngx_int_t ngx_live_help_visitor_keep(ngx_live_help_visitor_t *v,
    u_char *data, size_t len);
static void ngx_live_help_visitor_free_early(ngx_live_help_visitor_t *v);
static void ngx_live_help_visitor_live(ngx_live_help_follower_t *f);
static void ngx_live_help_visitor_limit(ngx_live_help_session_t *s,
    ngx_live_help_act_t *act, u_char *buf);
static ngx_int_t ngx_live_help_visitor_act(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event);
static ngx_int_t ngx_live_help_visitor_page(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_visitor_handoff(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static json_t *ngx_live_help_visitor_departments(ngx_live_help_session_t *s);
static ngx_int_t ngx_live_help_visitor_faq(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_visitor_faq_shown(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);


ngx_live_help_ws_handler_t  ngx_live_help_visitor_handler = {
    NGX_LIVE_HELP_VISITOR,
    ngx_live_help_visitor_open,
    ngx_live_help_visitor_message,
    ngx_live_help_visitor_close,
    ngx_live_help_visitor_handshake,
    ngx_live_help_session_drained
};


static ngx_live_help_follower_handler_t  ngx_live_help_visitor_follower = {
    ngx_live_help_session_event,
    ngx_live_help_visitor_live,
    NULL
};


/*
 * The visitor's cookie: the token it holds (a token the page offered
 * first: a widget on another site, or one moving its token out of
 * localStorage), or a new visitor's, renewed for 30 days on every
 * handshake as the token is on every hello.
 */

static ngx_int_t
ngx_live_help_visitor_handshake(ngx_live_help_ws_t *ws,
    ngx_http_request_t *r)
{
    ngx_str_t                        token, value, path;
    ngx_table_elt_t                 *origin;
    ngx_live_help_visitor_hs_t      *hs;
    ngx_http_live_help_main_conf_t  *lmcf;

    static ngx_str_t  name = ngx_string(NGX_LIVE_HELP_VISITOR_COOKIE);

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_live_help_module);

    hs = ngx_pcalloc(ws->connection->pool,
                     sizeof(ngx_live_help_visitor_hs_t));
    if (hs == NULL) {
        return NGX_ERROR;
    }

    ws->data = hs;

    if (ngx_live_help_visitor_offered(r, &value) == NGX_OK) {
        /* a browser fails a handshake that does not name it back */
        if (ngx_http_live_help_header_out(r, "Sec-WebSocket-Protocol",
                                          &value)
            == NULL)
        {
            return NGX_ERROR;
        }

        token.data = value.data + sizeof(NGX_LIVE_HELP_PROTOCOL) - 1;
        token.len = value.len - (sizeof(NGX_LIVE_HELP_PROTOCOL) - 1);
        hs->known = ngx_live_help_visitor_known(&token, hs);
    }

    if (!hs->known
        && ngx_http_parse_multi_header_lines(&r->headers_in.cookies, &name,
                                             &token)
           != NGX_DECLINED)
    {
        hs->known = ngx_live_help_visitor_known(&token, hs);
    }

    if (!hs->known) {
        hs->id_len = ngx_live_help_visitor_new_id(hs->id);
        if (hs->id_len == 0) {
            return NGX_ERROR;
        }
    }

    origin = ngx_http_live_help_header_in(r, "Origin", 6);
    hs->same_origin = origin
                      && ngx_http_live_help_same_origin(r, &origin->value);

    token.data = ngx_pnalloc(r->pool, NGX_LIVE_HELP_TOKEN_MAX);
    if (token.data == NULL) {
        return NGX_ERROR;
    }

    token.len = ngx_live_help_token_make(token.data, lmcf->secret.data,
                                         lmcf->secret.len, hs->id,
                                         hs->id_len,
                                         ngx_time() + NGX_LIVE_HELP_TOKEN_TTL);
    if (token.len == 0) {
        return NGX_ERROR;
    }

    /* the endpoint's path: the socket's, without "ws" */
    path.data = r->uri.data;
    path.len = r->uri.len - 2;

    return ngx_http_live_help_set_cookie(r, NGX_LIVE_HELP_VISITOR_COOKIE,
                                         &token, &path,
                                         NGX_LIVE_HELP_TOKEN_TTL);
}


/* "lh.<token>" in Sec-WebSocket-Protocol, the first of the list */

static ngx_int_t
ngx_live_help_visitor_offered(ngx_http_request_t *r, ngx_str_t *offered)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    h = ngx_http_live_help_header_in(r, "Sec-WebSocket-Protocol", 22);

    if (h == NULL) {
        return NGX_DECLINED;
    }

    p = h->value.data;

    while (ngx_http_live_help_next_item(&p, h->value.data + h->value.len,
                                        offered))
    {
        if (offered->len > sizeof(NGX_LIVE_HELP_PROTOCOL) - 1
            && offered->len <= sizeof(NGX_LIVE_HELP_PROTOCOL) - 1
                               + NGX_LIVE_HELP_TOKEN_MAX
            && ngx_strncmp(offered->data, NGX_LIVE_HELP_PROTOCOL,
                           sizeof(NGX_LIVE_HELP_PROTOCOL) - 1)
               == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* a valid token: its visitor in hs */

static ngx_uint_t
ngx_live_help_visitor_known(ngx_str_t *token, ngx_live_help_visitor_hs_t *hs)
{
    size_t                           id_len;
    const u_char                    *id;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_live_help_module);

    if (!ngx_live_help_token_check(token->data, token->len,
                                   lmcf->secret.data, lmcf->secret.len,
                                   ngx_time(), &id, &id_len))
    {
        return 0;
    }

    ngx_memcpy(hs->id, id, id_len);
    hs->id_len = id_len;

    return 1;
}


/* "v" and 16 random characters; 0 on failure */

static size_t
ngx_live_help_visitor_new_id(u_char *id)
{
    u_char  rnd[12];

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return 0;
    }

    id[0] = 'v';

    return 1 + ngx_live_help_base64url(id + 1, rnd, sizeof(rnd));
}


static ngx_int_t
ngx_live_help_visitor_open(ngx_live_help_ws_t *ws)
{
    ngx_live_help_visitor_t     *v;
    ngx_live_help_visitor_hs_t  *hs;

    hs = ws->data;
    ws->data = NULL;

    v = (ngx_live_help_visitor_t *)
            ngx_live_help_session_open(ws, sizeof(ngx_live_help_visitor_t));
    if (v == NULL) {
        return NGX_ERROR;
    }

    if (hs) {
        v->hs = *hs;
    }

    v->last_early = &v->early;

    return NGX_OK;
}


static void
ngx_live_help_visitor_close(ngx_live_help_ws_t *ws)
{
    ngx_live_help_session_t  *s;

    s = ws->data;

    if (s == NULL) {
        return;
    }

    ngx_live_help_visitor_free_early((ngx_live_help_visitor_t *) s);

    if (s->counted) {
        (void) ngx_live_help_queue_left(
                   ngx_live_help_store_followed(&s->follower));
    }

    ngx_live_help_session_close(s);
}


static ngx_int_t
ngx_live_help_visitor_message(ngx_live_help_ws_t *ws, u_char *data,
    size_t len)
{
    json_t                     *ev;
    ngx_int_t                   rc;
    ngx_str_t                   name, email;
    ngx_msec_t                  wait;
    ngx_live_help_session_t    *s;
    ngx_live_help_proto_msg_t   m;

    s = ws->data;

    if (((ngx_live_help_visitor_t *) s)->checking) {
        return ngx_live_help_visitor_keep((ngx_live_help_visitor_t *) s,
                                          data, len);
    }

    rc = ngx_live_help_session_decode(s, data, len, &m);
    if (rc != NGX_OK) {
        return rc == NGX_DONE ? NGX_OK : rc;
    }

    wait = 0;

    switch (m.type) {

    case NGX_LIVE_HELP_MSG_PAGE:
        wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_PAGE);
        break;

    case NGX_LIVE_HELP_MSG_PROFILE:
    case NGX_LIVE_HELP_MSG_FAQ:
    case NGX_LIVE_HELP_MSG_HANDOFF:
        wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_REQUEST);
        break;

    case NGX_LIVE_HELP_MSG_TYPING:
        if (!ngx_live_help_session_typing(s, m.on)) {
            /* the next one says it again */
            ngx_live_help_proto_free(&m);
            return NGX_OK;
        }

        break;

    default:
        break;
    }

    if (wait) {
        rc = ngx_live_help_session_too_fast(s, wait, m.id);
        ngx_live_help_proto_free(&m);
        return rc;
    }

    switch (m.type) {

    case NGX_LIVE_HELP_MSG_HELLO:
        rc = ngx_live_help_visitor_hello(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_MESSAGE:
        ev = json_pack("{s:s, s:s, s:s%, s:s}", "kind", "message",
                       "from", "visitor", "text", m.text, m.text_len,
                       "cid", m.cid);

        rc = ev ? ngx_live_help_visitor_act(s, &m, "message", ev)
                : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_CLOSE:
        rc = ngx_live_help_visitor_act(s, &m, "close", NULL);
        break;

    case NGX_LIVE_HELP_MSG_READ:
    case NGX_LIVE_HELP_MSG_RATE:
        ngx_str_set(&name, "visitor");
        rc = ngx_live_help_marks_message(s,
                 ngx_live_help_store_followed(&s->follower), &name, NULL, &m);
        break;

    case NGX_LIVE_HELP_MSG_PAGE:
        rc = ngx_live_help_visitor_page(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_PROFILE:
        name.data = (u_char *) m.name;
        name.len = m.name_len;
        email.data = (u_char *) m.email;
        email.len = m.email_len;

        if (ngx_live_help_queue_profile(
                ngx_live_help_store_followed(&s->follower), &name, &email)
            != NGX_OK)
        {
            rc = ngx_live_help_send_error(ws, "unavailable",
                                          "the store is not reachable",
                                          m.id);
        }

        break;

    case NGX_LIVE_HELP_MSG_HANDOFF:
        rc = ngx_live_help_visitor_handoff(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_TYPING:
        ev = json_pack("{s:s, s:s, s:b}", "kind", "typing",
                       "from", "visitor", "on", m.on);

        rc = ev ? ngx_live_help_session_say(s,
                      ngx_live_help_store_followed(&s->follower), ev)
                : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_FAQ:
        rc = ngx_live_help_visitor_faq(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_FAQ_SHOWN:
        rc = ngx_live_help_visitor_faq_shown(s, &m);
        break;

    default:
        /* the decoder refuses agents' requests from visitors */
        rc = ngx_live_help_send_error(ws, "unknown_type", "not for visitors",
                                      m.id);
    }

    ngx_live_help_proto_free(&m);

    return rc;
}


/*
 * The new conversations the client's address may still open, for
 * lua/conversation.lua (a visitor's message, or the first note of a log):
 * counted in Redis, by every host the address reaches, in buf
 * (NGX_LIVE_HELP_VISITOR_LIMIT_LEN bytes).
 */

static void
ngx_live_help_visitor_limit(ngx_live_help_session_t *s,
    ngx_live_help_act_t *act, u_char *buf)
{
    u_char                *p;
    ngx_live_help_rate_t  *rate;

    rate = &s->ws->conf->limit_conversations;

    if (rate->interval && s->ws->limit) {
        p = buf + ngx_live_help_limit_key(s->ws->limit, buf);
        p = ngx_sprintf(p, "|%ui|%M", rate->burst, rate->interval);
        act->limit.data = buf;
        act->limit.len = p - buf;
    }
}


/*
 * A change of the visitor's own log, in this socket's order: a message
 * (which starts a new conversation after a closed one, in the department
 * the visitor chose, if it is one) or closing the conversation.
 */

static ngx_int_t
ngx_live_help_visitor_act(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event)
{
    u_char                 limit[NGX_LIVE_HELP_VISITOR_LIMIT_LEN];
    size_t                 len;
    ngx_uint_t             i;
    ngx_live_help_act_t    act;
    ngx_live_help_dept_t  *d;
    ngx_array_t           *depts;

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = op;
    ngx_str_set(&act.actor, "visitor");
    act.offline = m->offline;

    ngx_live_help_visitor_limit(s, &act, limit);

    depts = s->ws->conf->departments;

    if (m->department && depts) {
        len = ngx_strlen(m->department);
        d = depts->elts;

        for (i = 0; i < depts->nelts; i++) {
            if (d[i].id.len == len
                && ngx_strncmp(d[i].id.data, m->department, len) == 0)
            {
                act.dept = d[i].id;
                break;
            }
        }
    }

    return ngx_live_help_session_act(s,
                                     ngx_live_help_store_followed(&s->follower),
                                     m->cid, event, &act);
}


/*
 * {"type":"page","url":"...","title":"...","referrer":"...","ua":"..."}:
 * where the visitor is, for agents; the first one counts the socket
 * online until it closes.
 */

static ngx_int_t
ngx_live_help_visitor_page(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    char                  browser[NGX_LIVE_HELP_BROWSER_MAX];
    ngx_live_help_page_t  page;

    page.url.data = (u_char *) m->url;
    page.url.len = m->url_len;
    page.title.data = (u_char *) (m->title ? m->title : "");
    page.title.len = m->title_len;
    page.referrer.data = (u_char *) (m->referrer ? m->referrer : "");
    page.referrer.len = m->referrer_len;
    page.browser.data = (u_char *) browser;
    page.browser.len = ngx_live_help_proto_browser(m->ua, m->ua_len, browser,
                                                   sizeof(browser));
    page.first = !s->counted;

    if (ngx_live_help_queue_page(ngx_live_help_store_followed(&s->follower),
                                 &page)
        != NGX_OK)
    {
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    s->counted = 1;

    return NGX_OK;
}


/*
 * {"type":"handoff","cid":"..","via":"email","email":"..","text":".."}
 * or "via":"booking": a "handoff" note in the log for the agents, which
 * opens no conversation; an e-mail also goes into the visitor's record,
 * their name kept.
 */

static ngx_int_t
ngx_live_help_visitor_handoff(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char                limit[NGX_LIVE_HELP_VISITOR_LIMIT_LEN];
    json_t               *ev;
    ngx_str_t             name, email;
    ngx_live_help_act_t   act;

    ev = json_pack("{s:s, s:s, s:s}", "kind", "handoff", "via", m->via,
                   "cid", m->cid);
    if (ev == NULL) {
        return NGX_ERROR;
    }

    if ((m->email_len
         && json_object_set_new(ev, "email",
                                json_stringn(m->email, m->email_len)))
        || (m->text_len
            && json_object_set_new(ev, "text",
                                   json_stringn(m->text, m->text_len))))
    {
        json_decref(ev);
        return NGX_ERROR;
    }

    if (m->email_len) {
        ngx_str_null(&name);
        email.data = (u_char *) m->email;
        email.len = m->email_len;

        (void) ngx_live_help_queue_profile(
                   ngx_live_help_store_followed(&s->follower), &name,
                   &email);
    }

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = "note";
    ngx_str_set(&act.actor, "visitor");
    ngx_str_set(&act.dept, "new");
    ngx_live_help_visitor_limit(s, &act, limit);

    return ngx_live_help_session_act(s,
                                     ngx_live_help_store_followed(&s->follower),
                                     m->cid, ev, &act);
}


static json_t *
ngx_live_help_visitor_departments(ngx_live_help_session_t *s)
{
    json_t                *a, *d;
    time_t                 next;
    ngx_int_t              open;
    ngx_uint_t             i;
    ngx_array_t           *depts;
    ngx_live_help_dept_t  *dept;

    a = json_array();
    depts = s->ws->conf->departments;

    if (a == NULL || depts == NULL) {
        return a;
    }

    dept = depts->elts;

    for (i = 0; i < depts->nelts; i++) {
        open = ngx_live_help_hours_now(s->ws->conf->hours, &dept[i].id,
                                       ngx_time(), &next);

        d = json_pack("{s:s%, s:s%, s:b, s:I}",
                      "id", dept[i].id.data, dept[i].id.len,
                      "name", dept[i].label.data, dept[i].label.len,
                      "open", (int) open, "next", (json_int_t) next * 1000);
        if (d) {
            json_array_append_new(a, d);
        }
    }

    return a;
}


/* {"type":"faq","q":"how long does shi","id":7}: up to three answers */

static ngx_int_t
ngx_live_help_visitor_faq(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    size_t                            out[NGX_LIVE_HELP_FAQ_RESULTS], n, i;
    json_t                           *reply, *items, *item;
    ngx_int_t                         rc;
    const ngx_live_help_faq_entry_t  *e;

    n = ngx_live_help_faq_search(s->ws->conf->faq, m->text, m->text_len,
                                 out, NGX_LIVE_HELP_FAQ_RESULTS);

    reply = json_pack("{s:s, s:[]}", "type", "faq", "items");
    if (reply == NULL) {
        return NGX_ERROR;
    }

    items = json_object_get(reply, "items");

    for (i = 0; i < n; i++) {
        e = ngx_live_help_faq_entry(s->ws->conf->faq, out[i]);
        item = json_pack("{s:s%, s:s%, s:s%}", "id", e->id, e->id_len,
                         "q", e->q, e->q_len, "a", e->a, e->a_len);

        if (item == NULL || json_array_append_new(items, item) != 0) {
            json_decref(reply);
            return NGX_ERROR;
        }
    }

    if (m->id) {
        json_object_set(reply, "id", m->id);
    }

    rc = ngx_live_help_send_json(s->ws, reply);
    json_decref(reply);

    return rc;
}


/*
 * {"type":"faq_shown","cid":"...","faq":"returns"}: the visitor read that
 * answer; a note in their log for agents (it opens no conversation), once
 * per cid, with the question and answer shown.
 */

static ngx_int_t
ngx_live_help_visitor_faq_shown(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char                            limit[NGX_LIVE_HELP_VISITOR_LIMIT_LEN];
    json_t                           *ev;
    ngx_live_help_act_t               act;
    const ngx_live_help_faq_entry_t  *e;

    e = ngx_live_help_faq_find(s->ws->conf->faq, m->faq, ngx_strlen(m->faq));

    if (e == NULL) {
        return ngx_live_help_send_error(s->ws, "bad_faq",
                                        "no such FAQ entry", m->id);
    }

    /* what was shown, as it was: the file may change later */
    ev = json_pack("{s:s, s:s%, s:s%, s:s%, s:s}", "kind", "faq",
                   "id", e->id, e->id_len, "q", e->q, e->q_len,
                   "a", e->a, e->a_len, "cid", m->cid);
    if (ev == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = "note";
    ngx_str_set(&act.actor, "visitor");
    /* a visitor who never wrote has no log yet: it starts one */
    ngx_str_set(&act.dept, "new");
    ngx_live_help_visitor_limit(s, &act, limit);

    return ngx_live_help_session_act(s,
                                     ngx_live_help_store_followed(&s->follower),
                                     m->cid, ev, &act);
}


/*
 * {"type":"hello","token":"...","after":"1700000000000-0"}
 *
 * The visitor of a valid token, else the handshake's (the cookie's, or a
 * new one).  A visitor known by a token is checked against its
 * generation first: the messages that come meanwhile wait.
 */

static ngx_int_t
ngx_live_help_visitor_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    size_t                           id_len;
    ngx_uint_t                       known;
    const u_char                    *id;
    ngx_live_help_visitor_t         *v;
    ngx_live_help_store_req_t       *req;
    ngx_http_live_help_main_conf_t  *lmcf;

    v = (ngx_live_help_visitor_t *) s;
    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_live_help_module);

    if (m->token
        && ngx_live_help_token_check((const u_char *) m->token,
                                     ngx_strlen(m->token), lmcf->secret.data,
                                     lmcf->secret.len, ngx_time(), &id,
                                     &id_len))
    {
        ngx_memcpy(v->id, id, id_len);
        v->id_len = id_len;
        known = 1;

    } else {
        ngx_memcpy(v->id, v->hs.id, v->hs.id_len);
        v->id_len = v->hs.id_len;
        known = v->hs.known;
    }

    if (v->id_len == 0) {
        /* a socket the handshake gave no visitor */
        v->id_len = ngx_live_help_visitor_new_id(v->id);
        known = 0;

        if (v->id_len == 0) {
            return NGX_ERROR;
        }
    }

    if (!known
        || m->after == NULL
        || ngx_live_help_seq_parse((u_char *) m->after, ngx_strlen(m->after),
                                   &s->follower.last)
           != NGX_OK)
    {
        s->follower.last.ms = 0;
        s->follower.last.seq = 0;
    }

    if (!known) {
        return ngx_live_help_visitor_session(v);
    }

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_visitor_checked, v->id_len);
    if (req == NULL) {
        return NGX_ERROR;
    }

    req->conv.data = ngx_cpymem(req->data, v->id, v->id_len) - v->id_len;
    req->conv.len = v->id_len;

    if (ngx_live_help_store_generation(req) != NGX_OK) {
        /* the store is away: nothing is stored for anyone until it is back */
        ngx_live_help_store_req_free(req);
        return ngx_live_help_visitor_session(v);
    }

    v->checking = 1;

    return NGX_OK;
}


static void
ngx_live_help_visitor_checked(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    ngx_int_t                 rc, gen;
    ngx_live_help_ws_t       *ws;
    ngx_live_help_early_t    *e;
    ngx_live_help_visitor_t  *v;

    v = req->owner;
    ws = v->s.ws;
    v->checking = 0;

    gen = 0;

    if (reply && reply->type == REDIS_REPLY_STRING) {
        gen = ngx_atoi((u_char *) reply->str, reply->len);

    } else if (reply && reply->type == REDIS_REPLY_INTEGER) {
        gen = (ngx_int_t) reply->integer;
    }

    if (gen > 0 || gen == NGX_ERROR) {
        ngx_log_error(NGX_LOG_INFO, ws->connection->log, 0,
                      "live_help: visitor \"%*s\" is revoked: a new one",
                      v->id_len, v->id);

        v->id_len = ngx_live_help_visitor_new_id(v->id);
        v->s.follower.last.ms = 0;
        v->s.follower.last.seq = 0;
    }

    /* no answer (Redis went): as when the store is away at hello */

    rc = v->id_len ? ngx_live_help_visitor_session(v) : NGX_ERROR;

    /* what came meanwhile, in order */

    while (rc == NGX_OK && v->early) {
        e = v->early;
        v->early = e->next;
        v->nearly--;
        v->early_size -= e->len;

        rc = ngx_live_help_visitor_message(ws, e->data, e->len);
        ngx_free(e);
    }

    v->last_early = &v->early;

    if (rc != NGX_OK) {
        ngx_live_help_visitor_free_early(v);
        ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_INTERNAL, NULL);
    }
}


/*
 * The session answer.  The token is in it unless the browser keeps it in
 * the cookie: a page of this host whose handshake set the cookie for this
 * visitor.  Otherwise the client keeps it (renewed: valid 30 days more).
 */

static ngx_int_t
ngx_live_help_visitor_session(ngx_live_help_visitor_t *v)
{
    u_char                           token[NGX_LIVE_HELP_TOKEN_MAX];
    size_t                           len;
    time_t                           next;
    json_t                          *reply;
    ngx_int_t                        rc, open;
    ngx_live_help_session_t         *s;
    ngx_http_live_help_main_conf_t  *lmcf;

    s = &v->s;
    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_live_help_module);

    /* whether the business hours are now, and when that changes */
    open = ngx_live_help_hours_now(s->ws->conf->hours, NULL, ngx_time(),
                                   &next);

    /* one log per visitor, named after the visitor */
    reply = json_pack("{s:s, s:s%, s:s%, s:o, s:b, s:b, s:I}",
                      "type", "session",
                      "visitor", v->id, v->id_len,
                      "conversation", v->id, v->id_len,
                      "departments", ngx_live_help_visitor_departments(s),
                      "prechat", (int) s->ws->conf->prechat,
                      "open", (int) open, "next", (json_int_t) next * 1000);
    if (reply == NULL) {
        return NGX_ERROR;
    }

    /* whether the widget may ask for FAQ answers */
    if (json_object_set_new(reply, "faq", json_boolean(
            ngx_live_help_faq_count(s->ws->conf->faq) > 0))
        != 0)
    {
        json_decref(reply);
        return NGX_ERROR;
    }

    if (!v->hs.same_origin || v->hs.id_len != v->id_len
        || ngx_memcmp(v->hs.id, v->id, v->id_len) != 0)
    {
        len = ngx_live_help_token_make(token, lmcf->secret.data,
                                       lmcf->secret.len, v->id, v->id_len,
                                       ngx_time() + NGX_LIVE_HELP_TOKEN_TTL);

        if (len == 0
            || json_object_set_new(reply, "token",
                                   json_stringn((char *) token, len))
               != 0)
        {
            json_decref(reply);
            return NGX_ERROR;
        }
    }

    rc = ngx_live_help_send_json(s->ws, reply);
    json_decref(reply);

    if (rc != NGX_OK) {
        return rc;
    }

    /* whether anybody can answer: the widget offers a form if not */
    ngx_live_help_session_presence(s);

    s->follower.handler = &ngx_live_help_visitor_follower;

    if (ngx_live_help_store_follow(&s->follower, v->id, v->id_len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    s->following = 1;
    s->hello = 1;

    return NGX_OK;
}


/*
 * A client that says more right behind its hello (a reconnect sends its
 * outbox again) waits for the generation; as much as a socket may have
 * waiting to be stored, or it goes.
 */

static ngx_int_t
ngx_live_help_visitor_keep(ngx_live_help_visitor_t *v, u_char *data,
    size_t len)
{
    ngx_live_help_early_t  *e;

    if (v->nearly >= NGX_LIVE_HELP_STORE_QUEUE_N
        || v->early_size + len > NGX_LIVE_HELP_STORE_QUEUE)
    {
        ngx_live_help_ws_close(v->s.ws, NGX_LIVE_HELP_WS_POLICY,
                               "too much before the session");
        return NGX_OK;
    }

    e = ngx_alloc(offsetof(ngx_live_help_early_t, data) + len,
                  v->s.ws->connection->log);
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->next = NULL;
    e->len = len;
    ngx_memcpy(e->data, data, len);

    *v->last_early = e;
    v->last_early = &e->next;
    v->nearly++;
    v->early_size += len;

    return NGX_OK;
}


static void
ngx_live_help_visitor_free_early(ngx_live_help_visitor_t *v)
{
    ngx_live_help_early_t  *e;

    while (v->early) {
        e = v->early;
        v->early = e->next;
        ngx_free(e);
    }

    v->last_early = &v->early;
    v->nearly = 0;
    v->early_size = 0;
}


/* caught up: what comes now comes live */

static void
ngx_live_help_visitor_live(ngx_live_help_follower_t *f)
{
    json_t                   *j;
    ngx_str_t                *conv;
    ngx_live_help_session_t  *s;

    s = ngx_live_help_follower_session(f);
    conv = ngx_live_help_store_followed(f);

    j = json_pack("{s:s, s:s%}", "type", "live",
                  "conversation", conv->data, conv->len);
    if (j == NULL) {
        return;
    }

    (void) ngx_live_help_send_json(s->ws, j);
    json_decref(j);
}
