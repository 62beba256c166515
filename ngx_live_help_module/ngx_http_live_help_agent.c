
/*
 * An agent's socket: every conversation's events live, the list of recent
 * conversations, a conversation's history on request, replies and typing
 * in any conversation.  The agent is counted online while the socket is
 * open.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_presence.h"
#include "ngx_http_live_help_agents.h"


#define NGX_LIVE_HELP_RECENT         100


typedef struct {
    ngx_live_help_session_t     session;
    ngx_live_help_presence_t    presence;
    ngx_live_help_agents_watch_t  watch;   /* ends with the sign-in */
} ngx_live_help_agent_t;


static ngx_int_t ngx_live_help_agent_open(ngx_live_help_ws_t *ws);
static ngx_int_t ngx_live_help_agent_message(ngx_live_help_ws_t *ws,
    u_char *data, size_t len);
static void ngx_live_help_agent_close(ngx_live_help_ws_t *ws);
static void ngx_live_help_agent_signed_out(ngx_live_help_agents_watch_t *w);
static ngx_int_t ngx_live_help_agent_hello(ngx_live_help_agent_t *a);
static ngx_int_t ngx_live_help_agent_history(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static void ngx_live_help_agent_history_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);
static ngx_int_t ngx_live_help_agent_list(ngx_live_help_session_t *s,
    json_t *id);
static void ngx_live_help_agent_list_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);
static void ngx_live_help_agent_subscribed(ngx_live_help_follower_t *f,
    ngx_uint_t again);


ngx_live_help_ws_handler_t  ngx_live_help_agent_handler = {
    NGX_LIVE_HELP_AGENT,
    ngx_live_help_agent_open,
    ngx_live_help_agent_message,
    ngx_live_help_agent_close
};


static ngx_live_help_follower_handler_t  ngx_live_help_agent_follower = {
    ngx_live_help_session_event,
    NULL,
    ngx_live_help_agent_subscribed
};


static ngx_int_t
ngx_live_help_agent_open(ngx_live_help_ws_t *ws)
{
    ngx_live_help_agent_t  *a;

    a = (ngx_live_help_agent_t *) ngx_live_help_session_open(ws,
                                               sizeof(ngx_live_help_agent_t));
    if (a == NULL) {
        return NGX_ERROR;
    }

    a->watch.handler = ngx_live_help_agent_signed_out;
    ngx_live_help_agents_watch(&a->watch);

    return NGX_OK;
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
    ngx_live_help_session_t    *s;
    ngx_live_help_proto_msg_t   m;

    s = ws->data;

    rc = ngx_live_help_session_decode(s, data, len, &m);
    if (rc != NGX_OK) {
        return rc == NGX_DONE ? NGX_OK : rc;
    }

    switch (m.type) {

    case NGX_LIVE_HELP_MSG_HELLO:
        rc = ngx_live_help_agent_hello(ws->data);
        break;

    case NGX_LIVE_HELP_MSG_MESSAGE:
        /* the decoder checked the conversation's name */
        conv.data = (u_char *) m.conversation;
        conv.len = ngx_strlen(m.conversation);

        ev = json_pack("{s:s, s:s, s:s%, s:s%, s:s}", "kind", "message",
                       "from", "agent", "author", ws->user.data,
                       ws->user.len, "text", m.text, m.text_len,
                       "cid", m.cid);

        rc = ev ? ngx_live_help_session_store(s, &conv, m.cid, ev)
                : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_TYPING:
        conv.data = (u_char *) m.conversation;
        conv.len = ngx_strlen(m.conversation);

        /* "Maria is typing", before her first message too */
        ev = json_pack("{s:s, s:s, s:s%, s:b}", "kind", "typing",
                       "from", "agent", "author", ws->user.data,
                       ws->user.len, "on", m.on);

        rc = ev ? ngx_live_help_session_say(s, &conv, ev) : NGX_ERROR;
        break;

    case NGX_LIVE_HELP_MSG_HISTORY:
        rc = ngx_live_help_agent_history(s, &m);
        break;

    case NGX_LIVE_HELP_MSG_LIST:
        rc = ngx_live_help_agent_list(s, m.id);
        break;

    default:
        rc = ngx_live_help_send_error(ws, "unknown_type", "not for agents",
                                      m.id);
    }

    ngx_live_help_proto_free(&m);

    return rc;
}


/*
 * {"type":"hello"}: the agent is counted online and follows every
 * conversation; the list of recent ones comes once the worker does (see
 * ngx_live_help_agent_subscribed), so that nothing announced before falls
 * between the list, the agent's history requests and live events.
 */

static ngx_int_t
ngx_live_help_agent_hello(ngx_live_help_agent_t *a)
{
    u_char                   *p;
    ngx_live_help_ws_t       *ws;
    ngx_live_help_session_t  *s;

    s = &a->session;
    ws = s->ws;

    /* "name|pid.connection": one member a socket, the name before '|' */

    p = ngx_pnalloc(ws->connection->pool,
                    ws->user.len + 1 + 2 * NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    a->presence.member.data = p;
    a->presence.member.len = ngx_sprintf(p, "%V|%P.%uA", &ws->user, ngx_pid,
                                         ws->connection->number)
                             - p;

    ngx_live_help_presence_join(&a->presence);

    s->hello = 1;
    s->following = 1;
    s->follower.handler = &ngx_live_help_agent_follower;

    ngx_live_help_store_follow_all(&s->follower);

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
        (void) ngx_live_help_agent_list(s, NULL);
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


static void
ngx_live_help_agent_history_reply(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    u_char                   *p;
    size_t                    i, len;
    ngx_str_t                 id, event;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_session_t  *s;

    static u_char  head[] = "{\"type\":\"history\",\"conversation\":\"";

    s = req->owner;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        (void) ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", NULL);
        return;
    }

    /* the stored bytes go out as they are */

    len = sizeof(head) - 1 + req->conv.len + sizeof("\",\"events\":[]}");

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_store_entry(reply->element[i], &id, &event)
            == NGX_OK)
        {
            len += sizeof("{\"seq\":\"\",\"event\":},") + id.len + event.len;
        }
    }

    msg = ngx_live_help_msg_alloc(len, s->ws->connection->log);
    if (msg == NULL) {
        return;
    }

    p = ngx_cpymem(msg->data, head, sizeof(head) - 1);
    p = ngx_cpymem(p, req->conv.data, req->conv.len);
    p = ngx_cpymem(p, "\",\"events\":[", sizeof("\",\"events\":[") - 1);

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_store_entry(reply->element[i], &id, &event)
            != NGX_OK)
        {
            continue;
        }

        p = ngx_sprintf(p, "%s{\"seq\":\"%V\",\"event\":%V}",
                        (p[-1] == '[') ? "" : ",", &id, &event);
    }

    p = ngx_cpymem(p, "]}", 2);
    msg->len = p - msg->data;

    (void) ngx_live_help_ws_send(s->ws, msg);
    ngx_live_help_msg_release(msg);
}


/* the conversations active last, newest first */

static ngx_int_t
ngx_live_help_agent_list(ngx_live_help_session_t *s, json_t *id)
{
    ngx_live_help_store_req_t  *req;

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_agent_list_reply, 0);
    if (req == NULL) {
        return NGX_ERROR;
    }

    if (ngx_live_help_store_recent(req, NGX_LIVE_HELP_RECENT) != NGX_OK) {
        ngx_live_help_store_req_free(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", id);
    }

    return NGX_OK;
}


static void
ngx_live_help_agent_list_reply(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    size_t                    i;
    json_t                   *j, *items, *item;
    ngx_live_help_session_t  *s;

    s = req->owner;

    items = json_array();
    if (items == NULL) {
        return;
    }

    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        for (i = 0; i + 1 < reply->elements; i += 2) {
            item = json_pack("{s:s%, s:I}", "conversation",
                             reply->element[i]->str,
                             (size_t) reply->element[i]->len,
                             "active",
                             (json_int_t) ngx_atotm(
                                 (u_char *) reply->element[i + 1]->str,
                                 reply->element[i + 1]->len));
            if (item) {
                json_array_append_new(items, item);
            }
        }
    }

    j = json_pack("{s:s, s:o}", "type", "conversations", "items", items);
    if (j) {
        (void) ngx_live_help_send_json(s->ws, j);
        json_decref(j);
    }
}
