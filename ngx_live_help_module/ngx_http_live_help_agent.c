
/*
 * An agent's socket: every conversation's events live, the panel's lists,
 * a conversation's history on request, replies and typing, and who
 * answers (claim, transfer, close, away).  The agent is counted online
 * while a socket of theirs is open.
 *
 * Agents are known to others, and to visitors in the log, by an id made
 * from their login with the module's secret and by a display name, never
 * by the login itself.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_presence.h"
#include "ngx_http_live_help_queue.h"
#include "ngx_http_live_help_agents.h"
#include "ngx_http_live_help_marks.h"


#define NGX_LIVE_HELP_AGENT_ID_LEN   13
/* a history answer stops adding events past this, or a quarter of the
 * send limit if less: far below it, whatever the events hold */
#define NGX_LIVE_HELP_HISTORY_BYTES  65536


typedef struct {
    ngx_live_help_session_t     session;
    ngx_live_help_presence_t    presence;
    ngx_live_help_agent_info_t  info;
    u_char                      id[NGX_LIVE_HELP_AGENT_ID_LEN];
    u_char                      name[NGX_LIVE_HELP_NAME_MAX];
    u_char                      serve[NGX_LIVE_HELP_SERVE_MAX
                                      * (NGX_LIVE_HELP_ID_MAX + 1)];
    ngx_live_help_agents_watch_t  watch;   /* ends with the sign-in */
    ngx_event_t                 lifetime;  /* then auth is asked again */
} ngx_live_help_agent_t;


static ngx_int_t ngx_live_help_agent_open(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_agent_message(ngx_live_help_ws_t *ws,
    u_char *data, size_t len);
static void ngx_live_help_agent_close(ngx_live_help_ws_t *ws);
static void ngx_live_help_agent_signed_out(ngx_live_help_agents_watch_t *w);
static void ngx_live_help_agent_lifetime(ngx_event_t *ev);
static ngx_int_t ngx_live_help_agent_hello(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_agent_identify(ngx_live_help_agent_t *a);
static ngx_int_t ngx_live_help_agent_limit(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, ngx_int_t *rc);
static ngx_int_t ngx_live_help_agent_act(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event);
static ngx_int_t ngx_live_help_agent_invite(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_agent_dept(ngx_live_help_agent_t *a,
    const char *id);
static ngx_int_t ngx_live_help_agent_serve(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_agent_choose(ngx_live_help_agent_t *a,
    const char **serve);
static ngx_int_t ngx_live_help_agent_history(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static void ngx_live_help_agent_history_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);
static ngx_int_t ngx_live_help_agent_list(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m, ngx_uint_t what);
static void ngx_live_help_agent_list_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);
static void ngx_live_help_agent_subscribed(ngx_live_help_follower_t *f,
    ngx_uint_t again);


ngx_live_help_ws_handler_t  ngx_live_help_agent_handler = {
    NGX_LIVE_HELP_AGENT,
    ngx_live_help_agent_open,
    ngx_live_help_agent_message,
    ngx_live_help_agent_close,
    NULL,
    NULL
};


static ngx_live_help_follower_handler_t  ngx_live_help_agent_follower = {
    ngx_live_help_session_event,
    NULL,
    ngx_live_help_agent_subscribed
};


static ngx_int_t
ngx_live_help_agent_open(ngx_live_help_ws_t *ws)
{
    time_t                  left;
    ngx_msec_t              ms;
    ngx_live_help_agent_t  *a;

    a = (ngx_live_help_agent_t *) ngx_live_help_session_open(ws,
                                               sizeof(ngx_live_help_agent_t));
    if (a == NULL) {
        return NGX_ERROR;
    }

    a->watch.handler = ngx_live_help_agent_signed_out;
    ngx_live_help_agents_watch(&a->watch);

    /*
     * nginx's auth is asked only at the handshake: an agent it no longer
     * knows would keep the socket.  The module's own sign-in ends sooner
     * when it expires first.
     */

    ms = ws->conf->agent_lifetime;

    if (ws->signin) {
        left = ws->signin->expires - ngx_time();
        left = ngx_max(left, 0);

        if ((ngx_msec_t) left < ms / 1000) {
            ms = (ngx_msec_t) left * 1000;
        }
    }

    a->lifetime.handler = ngx_live_help_agent_lifetime;
    a->lifetime.data = a;
    a->lifetime.log = ws->connection->log;
    a->lifetime.cancelable = 1;
    ngx_add_timer(&a->lifetime, ms);

    return NGX_OK;
}


static void
ngx_live_help_agent_lifetime(ngx_event_t *ev)
{
    ngx_live_help_ws_t     *ws;
    ngx_live_help_agent_t  *a;

    a = ev->data;
    ws = a->session.ws;

    if (!ngx_live_help_agents_valid(&ws->user, ws->signin)) {
        ngx_live_help_agent_signed_out(&a->watch);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "live_help: agent socket of \"%V\" reached "
                  "\"live_help_agent_socket_lifetime\"", &ws->user);

    ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_REAUTH, "reauthenticate");
}


/* a new password, a removed agent or the sign-in's end: the socket goes */

static void
ngx_live_help_agent_signed_out(ngx_live_help_agents_watch_t *w)
{
    ngx_live_help_ws_t     *ws;
    ngx_live_help_agent_t  *a;

    a = ngx_queue_data(w, ngx_live_help_agent_t, watch);
    ws = a->session.ws;

    if (!ngx_live_help_agents_valid(&ws->user, ws->signin)) {
        ngx_live_help_agents_unwatch(w);
        ngx_live_help_ws_close(ws, NGX_LIVE_HELP_WS_SIGNED_OUT,
                               "session ended");
    }
}


static void
ngx_live_help_agent_close(ngx_live_help_ws_t *ws)
{
    ngx_live_help_agent_t  *a;

    a = ws->data;

    if (a == NULL) {
        return;
    }

    ngx_live_help_agents_unwatch(&a->watch);

    if (a->lifetime.timer_set) {
        ngx_del_timer(&a->lifetime);
    }

    if (a->presence.member.len) {
        ngx_live_help_presence_leave(&a->presence);
    }

    ngx_live_help_session_close(&a->session);
}


static ngx_int_t
ngx_live_help_agent_message(ngx_live_help_ws_t *ws, u_char *data,
    size_t len)
{
    json_t                     *ev;
    ngx_int_t                   rc;
    ngx_str_t                   conv;
    ngx_live_help_agent_t      *a;
    ngx_live_help_session_t    *s;
    ngx_live_help_proto_msg_t   m;

    a = ws->data;
    s = &a->session;

    rc = ngx_live_help_session_decode(s, data, len, &m);
    if (rc != NGX_OK) {
        return rc == NGX_DONE ? NGX_OK : rc;
    }

    if (ngx_live_help_agent_limit(s, &m, &rc) != NGX_OK) {
        ngx_live_help_proto_free(&m);
        return rc;
    }

    switch (m.type) {

    case NGX_LIVE_HELP_MSG_HELLO:
        rc = ngx_live_help_agent_hello(a, &m);
        break;

    case NGX_LIVE_HELP_MSG_MESSAGE:
        ev = json_pack("{s:s, s:s, s:s%, s:s%, s:s%, s:s}",
                       "kind", "message", "from", "agent",
                       "agent", a->info.id.data, a->info.id.len,
                       "author", a->info.name.data, a->info.name.len,
                       "text", m.text, m.text_len, "cid", m.cid);

        rc = ev ? ngx_live_help_agent_act(a, &m, "message", ev) : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_CLAIM:
        rc = ngx_live_help_agent_act(a, &m, "claim", NULL);
        break;

    case NGX_LIVE_HELP_MSG_CLOSE:
        rc = ngx_live_help_agent_act(a, &m, "close", NULL);
        break;

    case NGX_LIVE_HELP_MSG_TRANSFER:
        if (m.department && ngx_live_help_agent_dept(a, m.department)
                            != NGX_OK)
        {
            rc = ngx_live_help_send_error(ws, "bad_department",
                                          "no such department", m.id);
            break;
        }

        rc = ngx_live_help_agent_act(a, &m, "transfer", NULL);
        break;

    case NGX_LIVE_HELP_MSG_READ:
    case NGX_LIVE_HELP_MSG_TAG:
        conv.data = (u_char *) m.conversation;
        conv.len = ngx_strlen(m.conversation);
        rc = ngx_live_help_marks_message(s, &conv, &a->info.id,
                                         &a->info.name, &m);
        break;

    case NGX_LIVE_HELP_MSG_TYPING:
        conv.data = (u_char *) m.conversation;
        conv.len = ngx_strlen(m.conversation);

        /* "Maria is typing", before her first message too */
        ev = json_pack("{s:s, s:s, s:s%, s:s%, s:b}", "kind", "typing",
                       "from", "agent",
                       "agent", a->info.id.data, a->info.id.len,
                       "author", a->info.name.data, a->info.name.len,
                       "on", m.on);

        rc = ev ? ngx_live_help_session_say(s, &conv, ev) : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_INVITE:
        rc = ngx_live_help_agent_invite(a, &m);
        break;

    case NGX_LIVE_HELP_MSG_AWAY:
        a->info.away = m.on ? 1 : 0;

        if (ngx_live_help_queue_agent(&a->info) != NGX_OK) {
            rc = ngx_live_help_send_error(ws, "unavailable",
                                          "the store is not reachable",
                                          m.id);
        }

        break;

    case NGX_LIVE_HELP_MSG_SERVE:
        rc = ngx_live_help_agent_serve(a, &m);
        break;

    case NGX_LIVE_HELP_MSG_HISTORY:
        rc = ngx_live_help_agent_history(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_LIST:
    case NGX_LIVE_HELP_MSG_AGENTS:
    case NGX_LIVE_HELP_MSG_VISITORS:
    case NGX_LIVE_HELP_MSG_VISITOR:
        rc = ngx_live_help_agent_list(a, &m, m.type);
        break;

    default:
        rc = ngx_live_help_send_error(ws, "unknown_type", "not for agents",
                                      m.id);
    }

    ngx_live_help_proto_free(&m);

    return rc;
}


/*
 * Asks that cost Redis a script, and typing, which every agent and the
 * visitor get, are limited; a panel asks a few when it opens a chat.
 * NGX_DECLINED: answered (*rc), or dropped.
 */

static ngx_int_t
ngx_live_help_agent_limit(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m, ngx_int_t *rc)
{
    ngx_msec_t  wait;

    *rc = NGX_OK;

    switch (m->type) {

    case NGX_LIVE_HELP_MSG_HISTORY:
        /* a long log comes in many pages: they have their own allowance */
        wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_HISTORY);

        if (wait) {
            *rc = ngx_live_help_session_too_fast(s, wait, m->id);
            return NGX_DECLINED;
        }

        return NGX_OK;

    case NGX_LIVE_HELP_MSG_AWAY:
    case NGX_LIVE_HELP_MSG_SERVE:
    case NGX_LIVE_HELP_MSG_INVITE:
    case NGX_LIVE_HELP_MSG_LIST:
    case NGX_LIVE_HELP_MSG_AGENTS:
    case NGX_LIVE_HELP_MSG_VISITORS:
    case NGX_LIVE_HELP_MSG_VISITOR:
        wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_REQUEST);

        if (wait) {
            *rc = ngx_live_help_session_too_fast(s, wait, m->id);
            return NGX_DECLINED;
        }

        return NGX_OK;

    case NGX_LIVE_HELP_MSG_TYPING:
        /* the next one says it again */
        return ngx_live_help_session_typing(s, m->on)
               ? NGX_OK : NGX_DECLINED;

    default:
        return NGX_OK;
    }
}


/* a change of one conversation, in this socket's order, as this agent */

static ngx_int_t
ngx_live_help_agent_act(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m, const char *op, json_t *event)
{
    u_char               target[2 + NGX_LIVE_HELP_ID_MAX + 1];
    ngx_str_t            conv;
    ngx_live_help_act_t  act;

    /* the decoder checked the conversation's name */
    conv.data = (u_char *) m->conversation;
    conv.len = ngx_strlen(m->conversation);

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = op;
    act.actor = a->info.id;
    act.name = a->info.name;

    if (m->type == NGX_LIVE_HELP_MSG_TRANSFER) {
        act.arg.data = target;
        act.arg.len = ngx_sprintf(target, "%s%s",
                                  m->agent ? "a:" : "d:",
                                  m->agent ? m->agent : m->department)
                      - target;
    }

    return ngx_live_help_session_act(&a->session, &conv, m->cid, event,
                                     &act);
}


/*
 * {"type":"invite","cid":"..","visitor":"v..","text":"Hi!"}: an
 * "invited" note in the visitor's log (lua/conversation.lua, op note),
 * which every socket of theirs gets as an event, and which a page they
 * open later still finds; refused ("offline", "busy") for a visitor not
 * on the site or with a conversation waiting or open.
 */

static ngx_int_t
ngx_live_help_agent_invite(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m)
{
    json_t               *ev;
    ngx_str_t             conv;
    ngx_live_help_act_t   act;

    ev = json_pack("{s:s, s:s%, s:s%, s:s%, s:s}", "kind", "invited",
                   "agent", a->info.id.data, a->info.id.len,
                   "name", a->info.name.data, a->info.name.len,
                   "text", m->text, m->text_len, "cid", m->cid);
    if (ev == NULL) {
        return NGX_ERROR;
    }

    conv.data = (u_char *) m->visitor;
    conv.len = ngx_strlen(m->visitor);

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.op = "note";
    act.actor = a->info.id;
    act.name = a->info.name;
    ngx_str_set(&act.dept, "invite");

    return ngx_live_help_session_act(&a->session, &conv, m->cid, ev, &act);
}


static ngx_int_t
ngx_live_help_agent_dept(ngx_live_help_agent_t *a, const char *id)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_live_help_dept_t  *d;

    if (a->info.departments == NULL) {
        return NGX_DECLINED;
    }

    len = ngx_strlen(id);
    d = a->info.departments->elts;

    for (i = 0; i < a->info.departments->nelts; i++) {
        if (d[i].id.len == len && ngx_strncmp(d[i].id.data, id, len) == 0) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/*
 * {"type":"serve","departments":["sales"]}: the departments whose chats
 * this agent is given ([] for all); said again on every hello, since the
 * panel keeps the choice.
 */

static ngx_int_t
ngx_live_help_agent_serve(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m)
{
    if (ngx_live_help_agent_choose(a, m->serve) != NGX_OK) {
        return ngx_live_help_send_error(a->session.ws, "bad_department",
                                        "no such department", m->id);
    }

    if (ngx_live_help_queue_agent(&a->info) != NGX_OK) {
        return ngx_live_help_send_error(a->session.ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    return NGX_OK;
}


/* the departments served, all of them known; none said: all */

static ngx_int_t
ngx_live_help_agent_choose(ngx_live_help_agent_t *a, const char **serve)
{
    u_char      *p, *last;
    ngx_uint_t   i;

    p = a->serve;
    last = a->serve + sizeof(a->serve);

    for (i = 0; serve[i]; i++) {
        if (ngx_live_help_agent_dept(a, serve[i]) != NGX_OK) {
            return NGX_DECLINED;
        }

        p = ngx_slprintf(p, last, "%s%s", i ? " " : "", serve[i]);
    }

    a->info.serve.data = a->serve;
    a->info.serve.len = p - a->serve;

    return NGX_OK;
}


/*
 * {"type":"hello"}: the agent is counted online and follows every
 * conversation; the list comes once the worker does (see
 * ngx_live_help_agent_subscribed), so that nothing announced before falls
 * between the list, the agent's history requests and live events.
 */

static ngx_int_t
ngx_live_help_agent_hello(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m)
{
    u_char                   *p;
    json_t                   *j, *depts, *d;
    ngx_int_t                 rc;
    ngx_uint_t                i;
    ngx_live_help_ws_t       *ws;
    ngx_live_help_dept_t     *dept;
    ngx_live_help_session_t  *s;

    s = &a->session;
    ws = s->ws;

    if (ngx_live_help_agent_identify(a) != NGX_OK) {
        return NGX_ERROR;
    }

    a->info.away = m->on ? 1 : 0;

    if (ngx_live_help_agent_choose(a, m->serve) != NGX_OK) {
        return ngx_live_help_send_error(ws, "bad_department",
                                        "no such department", m->id);
    }

    depts = json_array();
    if (depts == NULL) {
        return NGX_ERROR;
    }

    if (a->info.departments) {
        dept = a->info.departments->elts;

        for (i = 0; i < a->info.departments->nelts; i++) {
            d = json_pack("{s:s%, s:s%}",
                          "id", dept[i].id.data, dept[i].id.len,
                          "name", dept[i].label.data, dept[i].label.len);
            if (d) {
                json_array_append_new(depts, d);
            }
        }
    }

    j = json_pack("{s:s, s:s%, s:s%, s:o, s:i}", "type", "session",
                  "agent", a->info.id.data, a->info.id.len,
                  "name", a->info.name.data, a->info.name.len,
                  "departments", depts,
                  "max_chats", (int) a->info.max_chats);
    if (j == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(ws, j);
    json_decref(j);

    if (rc != NGX_OK) {
        return rc;
    }

    /* "id|pid.connection": one member a socket, the agent before '|' */

    p = ngx_pnalloc(ws->connection->pool,
                    a->info.id.len + 1 + 2 * NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    a->presence.member.data = p;
    a->presence.member.len = ngx_sprintf(p, "%V|%P.%uA", &a->info.id,
                                         ngx_pid, ws->connection->number)
                             - p;

    ngx_live_help_presence_join(&a->presence);
    (void) ngx_live_help_queue_agent(&a->info);

    s->hello = 1;
    s->following = 1;
    s->follower.handler = &ngx_live_help_agent_follower;

    ngx_live_help_store_follow_all(&s->follower);

    return NGX_OK;
}


/*
 * The agent's id: "a" and 12 characters of an HMAC of the login, the same
 * on every worker and host that share the secret.  The display name: the
 * one given (agents file, live_help_agent_name), else the login's first
 * word, capitalised ("maria.k@shop.example" is "Maria"), never the login.
 */

static ngx_int_t
ngx_live_help_agent_identify(ngx_live_help_agent_t *a)
{
    u_char                          *p, *end;
    u_char                           mac[EVP_MAX_MD_SIZE];
    u_char                           b64[2 * EVP_MAX_MD_SIZE];
    unsigned int                     mac_len;
    ngx_str_t                        login;
    ngx_live_help_ws_t              *ws;
    ngx_http_live_help_main_conf_t  *lmcf;

    static u_char  domain[] = "live_help agent id:";
    u_char         data[sizeof(domain) + 256];

    ws = a->session.ws;
    login = ws->user;

    lmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_live_help_module);

    if (login.len > 256) {
        login.len = 256;
    }

    p = ngx_cpymem(data, domain, sizeof(domain) - 1);
    p = ngx_cpymem(p, login.data, login.len);

    if (HMAC(EVP_sha256(), lmcf->secret.data, (int) lmcf->secret.len, data,
             p - data, mac, &mac_len)
        == NULL)
    {
        return NGX_ERROR;
    }

    (void) ngx_live_help_base64url(b64, mac, mac_len);

    a->id[0] = 'a';
    ngx_memcpy(a->id + 1, b64, NGX_LIVE_HELP_AGENT_ID_LEN - 1);
    a->info.id.data = a->id;
    a->info.id.len = NGX_LIVE_HELP_AGENT_ID_LEN;

    if (ws->name.len) {
        a->info.name.len = ngx_min(ws->name.len, NGX_LIVE_HELP_NAME_MAX);
        ngx_memcpy(a->name, ws->name.data, a->info.name.len);

    } else {
        end = login.data;

        while (end < login.data + login.len
               && ngx_strchr("@._-+ ", *end) == NULL)
        {
            end++;
        }

        if (end == login.data) {
            ngx_memcpy(a->name, "Agent", 5);
            a->info.name.len = 5;

        } else {
            a->info.name.len = ngx_min((size_t) (end - login.data),
                                       NGX_LIVE_HELP_NAME_MAX);
            ngx_memcpy(a->name, login.data, a->info.name.len);
            a->name[0] = ngx_toupper(a->name[0]);
        }
    }

    a->info.name.data = a->name;
    a->info.max_chats = ws->conf->max_chats;
    a->info.departments = ws->conf->departments;

    return NGX_OK;
}


/*
 * The worker follows every conversation: a new agent gets the list; one
 * that followed before the subscription went is told to catch up.
 */

static void
ngx_live_help_agent_subscribed(ngx_live_help_follower_t *f, ngx_uint_t again)
{
    json_t                   *j;
    ngx_live_help_session_t  *s;

    s = ngx_live_help_follower_session(f);

    if (!again) {
        /* the session is the first member of the agent's struct */
        (void) ngx_live_help_agent_list((ngx_live_help_agent_t *) s, NULL,
                                        NGX_LIVE_HELP_MSG_LIST);
        return;
    }

    j = json_pack("{s:s}", "type", "resync");
    if (j) {
        (void) ngx_live_help_send_json(s->ws, j);
        json_decref(j);
    }
}


/* {"type":"history","conversation":"...","after":"..."} */

static ngx_int_t
ngx_live_help_agent_history(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    size_t                      len;
    ngx_live_help_seq_t         seq;
    ngx_live_help_store_req_t  *req;

    len = ngx_strlen(m->conversation);

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_agent_history_reply, len);
    if (req == NULL) {
        return NGX_ERROR;
    }

    req->conv.data = req->data;
    req->conv.len = len;
    ngx_memcpy(req->data, m->conversation, len);

    if (m->after == NULL
        || ngx_live_help_seq_parse((u_char *) m->after,
                                   ngx_strlen(m->after), &seq)
           != NGX_OK)
    {
        seq.ms = 0;
        seq.seq = 0;
    }

    if (ngx_live_help_store_range(req, &seq, NGX_LIVE_HELP_HISTORY_COUNT)
        != NGX_OK)
    {
        ngx_live_help_store_req_free(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    return NGX_OK;
}


/*
 * {"type":"history","conversation":"...","events":[...]}, with "more":true
 * and "last" (the last seq in it) when the log goes on: the stored bytes
 * go out as they are, as many events as fit in the bound (one at least)
 */

static void
ngx_live_help_agent_history_reply(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    u_char                   *p;
    size_t                    i, n, len, bound, size;
    ngx_str_t                 id, event, last;
    ngx_uint_t                more;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_session_t  *s;

    static u_char  head[] = "{\"type\":\"history\",\"conversation\":\"";

    s = req->owner;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        (void) ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", NULL);
        return;
    }

    bound = ngx_min(NGX_LIVE_HELP_HISTORY_BYTES, s->ws->conf->send_limit / 4);

    len = sizeof(head) - 1 + req->conv.len + sizeof("\",\"events\":[]}")
          + sizeof(",\"more\":true,\"last\":\"\"") + NGX_INT64_LEN * 2 + 1;

    more = (reply->elements == NGX_LIVE_HELP_HISTORY_COUNT);
    ngx_str_null(&last);

    for (n = 0; n < reply->elements; n++) {
        if (ngx_live_help_store_entry(reply->element[n], &id, &event)
            != NGX_OK)
        {
            continue;
        }

        size = sizeof("{\"seq\":\"\",\"event\":},") + id.len + event.len;

        if (last.len && len + size > bound) {
            more = 1;
            break;
        }

        len += size;
        last = id;
    }

    msg = ngx_live_help_msg_alloc(len, s->ws->connection->log);
    if (msg == NULL) {
        return;
    }

    p = ngx_cpymem(msg->data, head, sizeof(head) - 1);
    p = ngx_cpymem(p, req->conv.data, req->conv.len);
    p = ngx_cpymem(p, "\",\"events\":[", sizeof("\",\"events\":[") - 1);

    for (i = 0; i < n; i++) {
        if (ngx_live_help_store_entry(reply->element[i], &id, &event)
            != NGX_OK)
        {
            continue;
        }

        p = ngx_sprintf(p, "%s{\"seq\":\"%V\",\"event\":%V}",
                        (p[-1] == '[') ? "" : ",", &id, &event);
    }

    *p++ = ']';

    if (more && last.len) {
        p = ngx_sprintf(p, ",\"more\":true,\"last\":\"%V\"", &last);
    }

    *p++ = '}';
    msg->len = p - msg->data;

    (void) ngx_live_help_ws_send(s->ws, msg);
    ngx_live_help_msg_release(msg);
}


/*
 * What the panel lists (lua/list.lua, lua/visitor.lua), made by the script
 * as a whole message: the conversations, the agents online, the visitors
 * online, or one visitor (m->visitor).
 */

static ngx_int_t
ngx_live_help_agent_list(ngx_live_help_agent_t *a,
    ngx_live_help_proto_msg_t *m, ngx_uint_t what)
{
    ngx_int_t                   rc;
    ngx_str_t                   visitor, list;
    ngx_live_help_session_t    *s;
    ngx_live_help_store_req_t  *req;

    s = &a->session;

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_agent_list_reply, 0);
    if (req == NULL) {
        return NGX_ERROR;
    }

    switch (what) {

    case NGX_LIVE_HELP_MSG_VISITOR:
        visitor.data = (u_char *) m->visitor;
        visitor.len = ngx_strlen(m->visitor);
        rc = ngx_live_help_queue_visitors(req, &visitor);
        break;

    case NGX_LIVE_HELP_MSG_VISITORS:
        rc = ngx_live_help_queue_visitors(req, NULL);
        break;

    default:
        if (m && m->list) {
            list.data = (u_char *) m->list;
            list.len = ngx_strlen(m->list);
        }

        rc = ngx_live_help_queue_list(req, &a->info.id,
                                      what == NGX_LIVE_HELP_MSG_AGENTS,
                                      (m && m->list) ? &list : NULL,
                                      m ? m->offset : 0);
    }

    if (rc != NGX_OK) {
        ngx_live_help_store_req_free(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable",
                                        m ? m->id : NULL);
    }

    return NGX_OK;
}


static void
ngx_live_help_agent_list_reply(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    ngx_live_help_msg_t      *msg;
    ngx_live_help_session_t  *s;

    s = req->owner;

    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        (void) ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", NULL);
        return;
    }

    /* made by the script as a whole message */

    msg = ngx_live_help_msg_alloc(reply->len, s->ws->connection->log);
    if (msg == NULL) {
        return;
    }

    ngx_memcpy(msg->data, reply->str, reply->len);

    (void) ngx_live_help_ws_send(s->ws, msg);
    ngx_live_help_msg_release(msg);
}
