
/*
 * A visitor's socket: one conversation, named after the visitor, known by
 * a signed token that the widget keeps; the events after the last one the
 * visitor saw, then live ones; its messages and typing.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/rand.h>

#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_limit.h"
#include "ngx_http_live_help_queue.h"
#include "ngx_http_live_help_hours_conf.h"


#define NGX_LIVE_HELP_TOKEN_TTL      (30 * 86400)


static ngx_int_t ngx_live_help_visitor_open(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_visitor_message(ngx_live_help_ws_t *ws,
    u_char *data, size_t len);
static void ngx_live_help_visitor_close(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_visitor_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static void ngx_live_help_visitor_live(ngx_live_help_follower_t *f);
static ngx_int_t ngx_live_help_visitor_act(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event);
static ngx_int_t ngx_live_help_visitor_page(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static json_t *ngx_live_help_visitor_departments(ngx_live_help_session_t *s);


ngx_live_help_ws_handler_t  ngx_live_help_visitor_handler = {
    NGX_LIVE_HELP_VISITOR,
    ngx_live_help_visitor_open,
    ngx_live_help_visitor_message,
    ngx_live_help_visitor_close
};


static ngx_live_help_follower_handler_t  ngx_live_help_visitor_follower = {
    ngx_live_help_session_event,
    ngx_live_help_visitor_live,
    NULL
};


static ngx_int_t
ngx_live_help_visitor_open(ngx_live_help_ws_t *ws)
{
    return ngx_live_help_session_open(ws, sizeof(ngx_live_help_session_t))
           ? NGX_OK : NGX_ERROR;
}


static void
ngx_live_help_visitor_close(ngx_live_help_ws_t *ws)
{
    ngx_live_help_session_t  *s;

    s = ws->data;

    if (s == NULL) {
        return;
    }

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

    case NGX_LIVE_HELP_MSG_TYPING:
        ev = json_pack("{s:s, s:s, s:b}", "kind", "typing",
                       "from", "visitor", "on", m.on);

        rc = ev ? ngx_live_help_session_say(s,
                      ngx_live_help_store_followed(&s->follower), ev)
                : NGX_ERROR;
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
 * A change of the visitor's own log, in this socket's order: a message
 * (which starts a new conversation after a closed one, in the department
 * the visitor chose, if it is one) or closing the conversation.
 */

static ngx_int_t
ngx_live_help_visitor_act(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event)
{
    u_char                 limit[NGX_LIVE_HELP_LIMIT_KEY_LEN
                                 + 2 * NGX_INT_T_LEN + 2];
    u_char                *p;
    size_t                 len;
    ngx_uint_t             i;
    ngx_live_help_act_t    act;
    ngx_live_help_rate_t  *rate;
    ngx_live_help_dept_t  *d;
    ngx_array_t           *depts;

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = op;
    ngx_str_set(&act.actor, "visitor");
    act.offline = m->offline;

    rate = &s->ws->conf->limit_conversations;

    if (rate->interval && s->ws->limit) {
        /* counted in Redis: by every host the address reaches */
        p = limit + ngx_live_help_limit_key(s->ws->limit, limit);
        p = ngx_sprintf(p, "|%ui|%M", rate->burst, rate->interval);
        act.limit.data = limit;
        act.limit.len = p - limit;
    }

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


/*
 * {"type":"hello","token":"...","after":"1700000000000-0"}
 *
 * A new visitor gets an id and a token to keep; a known one its
 * conversation, then the events after "after", then live ones.
 */

static ngx_int_t
ngx_live_help_visitor_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char                           token[NGX_LIVE_HELP_TOKEN_MAX];
    u_char                           vid[NGX_LIVE_HELP_ID_MAX];
    u_char                           rnd[12];
    size_t                           len, id_len;
    time_t                           next;
    ngx_int_t                        open;
    json_t                          *reply;
    ngx_int_t                        rc;
    const char                      *tok, *after;
    const u_char                    *id;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_live_help_module);

    tok = m->token;
    after = m->after;

    id = NULL;
    id_len = 0;

    if (tok == NULL
        || !ngx_live_help_token_check((const u_char *) tok, ngx_strlen(tok),
                                      lmcf->secret.data, lmcf->secret.len,
                                      ngx_time(), &id, &id_len))
    {
        /* a new visitor */
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            return NGX_ERROR;
        }

        vid[0] = 'v';
        id_len = 1 + ngx_live_help_base64url(vid + 1, rnd, sizeof(rnd));
        after = NULL;

    } else {
        ngx_memcpy(vid, id, id_len);
    }

    len = ngx_live_help_token_make(token, lmcf->secret.data, lmcf->secret.len,
                                   vid, id_len,
                                   ngx_time() + NGX_LIVE_HELP_TOKEN_TTL);
    if (len == 0) {
        return NGX_ERROR;
    }

    if (after == NULL
        || ngx_live_help_seq_parse((u_char *) after, ngx_strlen(after),
                                   &s->follower.last)
           != NGX_OK)
    {
        s->follower.last.ms = 0;
        s->follower.last.seq = 0;
    }

    /* whether the business hours are now, and when that changes */
    open = ngx_live_help_hours_now(s->ws->conf->hours, NULL, ngx_time(),
                                   &next);

    /* one log per visitor, named after the visitor */
    reply = json_pack("{s:s, s:s%, s:s%, s:s%, s:o, s:b, s:b, s:I}",
                      "type", "session",
                      "visitor", vid, id_len, "token", token, len,
                      "conversation", vid, id_len,
                      "departments", ngx_live_help_visitor_departments(s),
                      "prechat", (int) s->ws->conf->prechat,
                      "open", (int) open, "next", (json_int_t) next * 1000);
    if (reply == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(s->ws, reply);
    json_decref(reply);

    if (rc != NGX_OK) {
        return rc;
    }

    /* whether anybody can answer: the widget offers a form if not */
    ngx_live_help_session_presence(s);

    s->follower.handler = &ngx_live_help_visitor_follower;

    if (ngx_live_help_store_follow(&s->follower, vid, id_len) != NGX_OK) {
        return NGX_ERROR;
    }

    s->following = 1;
    s->hello = 1;

    return NGX_OK;
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
