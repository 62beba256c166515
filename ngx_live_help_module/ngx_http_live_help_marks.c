
/*
 * Read marks, ratings and their tags.  Each is one op of
 * lua/conversation.lua, which decides whether it is stored: a read mark
 * only forward and only by the owner, a rating once per closed
 * conversation.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_marks.h"


static ngx_int_t ngx_live_help_marks_read(ngx_live_help_session_t *s,
    ngx_str_t *conv, ngx_str_t *actor, ngx_live_help_proto_msg_t *m);
static void ngx_live_help_marks_read_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);


ngx_int_t
ngx_live_help_marks_message(ngx_live_help_session_t *s, ngx_str_t *conv,
    ngx_str_t *actor, ngx_str_t *name, ngx_live_help_proto_msg_t *m)
{
    json_t               *j;
    ngx_live_help_act_t   act;

    if (m->type == NGX_LIVE_HELP_MSG_READ) {
        return ngx_live_help_marks_read(s, conv, actor, m);
    }

    ngx_memzero(&act, sizeof(ngx_live_help_act_t));

    act.actor = *actor;

    if (name) {
        act.name = *name;
    }

    if (m->type == NGX_LIVE_HELP_MSG_TAG) {
        act.op = "tag";
        act.arg.data = (u_char *) m->tag;
        act.arg.len = ngx_strlen(m->tag);

        return ngx_live_help_session_act(s, conv, m->cid, NULL, &act);
    }

    /* rate: the script makes the event, with the conversation's number */
    act.op = "rate";

    j = json_pack("{s:b, s:s%}", "good", m->on, "comment",
                  m->text ? m->text : "", m->text_len);
    if (j == NULL) {
        return NGX_ERROR;
    }

    if (m->n && json_object_set_new(j, "n", json_integer(m->n)) != 0) {
        json_decref(j);
        return NGX_ERROR;
    }

    return ngx_live_help_session_act(s, conv, m->cid, j, &act);
}


/* {"type":"read","seq":".."}: the seq travels as the request's cid */

static ngx_int_t
ngx_live_help_marks_read(ngx_live_help_session_t *s, ngx_str_t *conv,
    ngx_str_t *actor, ngx_live_help_proto_msg_t *m)
{
    u_char                     *p;
    size_t                      len;
    ngx_msec_t                  wait;
    ngx_live_help_store_req_t  *req;

    wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_REQUEST);

    if (wait) {
        return ngx_live_help_session_too_fast(s, wait, m->id);
    }

    if (!ngx_live_help_store_up()) {
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    len = ngx_strlen(m->seq);

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_marks_read_reply,
                                  conv->len + len + actor->len);
    if (req == NULL) {
        return NGX_ERROR;
    }

    p = req->data;
    req->conv.data = p;
    req->conv.len = conv->len;
    p = ngx_cpymem(p, conv->data, conv->len);
    req->cid.data = p;
    req->cid.len = len;
    p = ngx_cpymem(p, m->seq, len);
    req->act.op = "read";
    req->act.actor.data = p;
    req->act.actor.len = actor->len;
    ngx_memcpy(p, actor->data, actor->len);

    if (ngx_live_help_store_act(req) != NGX_OK) {
        ngx_live_help_store_req_free(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    return NGX_OK;
}


/*
 * Stored: the "read" event reaches every follower, this socket's too.
 * Refused ("stale", "beyond", "owned", "closed"): an error of that code,
 * with the mark the store keeps ("seq", when the code is "stale").
 */

static void
ngx_live_help_marks_read_reply(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    json_t                   *j;
    redisReply              **el;
    ngx_live_help_session_t  *s;

    s = req->owner;

    if (reply && reply->type == REDIS_REPLY_STRING) {
        return;
    }

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING)
    {
        (void) ngx_live_help_send_error(s->ws, "unavailable",
                                        "the read mark was not stored",
                                        NULL);
        return;
    }

    el = reply->element;

    j = json_pack("{s:s, s:s%, s:s, s:s%, s:s%}", "type", "error",
                  "code", el[0]->str, (size_t) el[0]->len,
                  "text", "the read mark was not moved",
                  "conversation", req->conv.data, req->conv.len,
                  "seq", el[1]->str, (size_t) el[1]->len);

    if (j) {
        (void) ngx_live_help_send_json(s->ws, j);
        json_decref(j);
    }
}
