
/*
 * What the sessions of both roles share: the welcome, decoding and the
 * answers that do not depend on the role, and storing a socket's messages
 * in the order it sent them.  A message is acknowledged only once stored.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_limit.h"


static u_char *ngx_live_help_session_copy(ngx_str_t *dst, ngx_str_t *src,
    u_char *p);
static void ngx_live_help_session_store_next(ngx_live_help_session_t *s);
static void ngx_live_help_session_stored(ngx_live_help_store_req_t *req,
    redisReply *reply);
static void ngx_live_help_session_store_failed(ngx_live_help_session_t *s,
    const char *code, ngx_msec_t retry);
static ngx_int_t ngx_live_help_session_hold(ngx_live_help_session_t *s,
    ngx_str_t *cid);
static ngx_int_t ngx_live_help_session_nack(ngx_live_help_session_t *s,
    u_char *cid, size_t len, const char *code, ngx_msec_t retry);
static void ngx_live_help_session_status(ngx_uint_t up);
static void ngx_live_help_session_told(ngx_uint_t agents, void *owner);


/* the shared memory of the limits per address */
static ngx_shm_zone_t  *ngx_live_help_session_limits;

/*
 * Pages of history an agent may read: 1000 at once, then 100 a second
 * (6 MB a second): a log of 10000 long messages in one go, not a loop
 */
static ngx_live_help_rate_t  ngx_live_help_history_rate = { 10, 1000 };

/* typing events that go on: 4 at once, then one a second */
static ngx_live_help_rate_t  ngx_live_help_typing_rate = { 1000, 4 };

/*
 * Refusals (bad messages, rate limits) a socket may earn: a client that
 * waits as it is told gets one a second at most and stays
 */
static ngx_live_help_rate_t  ngx_live_help_strike_rate = { 1000, 30 };


static ngx_live_help_store_handler_t  ngx_live_help_session_store_handler = {
    ngx_live_help_session_status,
    ngx_live_help_session_told
};


ngx_int_t
ngx_live_help_session_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf)
{
    ngx_live_help_session_limits = lmcf->limits;

    return ngx_live_help_store_init_process(cycle, lmcf,
                                     &ngx_live_help_session_store_handler);
}


void
ngx_live_help_session_exit_process(void)
{
    ngx_live_help_store_exit_process();
}


ngx_live_help_session_t *
ngx_live_help_session_open(ngx_live_help_ws_t *ws, size_t size)
{
    json_t                   *j;
    ngx_int_t                 rc;
    ngx_live_help_session_t  *s;

    s = ngx_pcalloc(ws->connection->pool, size);
    if (s == NULL) {
        return NULL;
    }

    s->ws = ws;
    ngx_queue_init(&s->requests);
    ngx_queue_init(&s->stores);
    ws->data = s;

    /* "worker" lets tests and operators see where a socket landed */
    j = json_pack("{s:s, s:i, s:s, s:b, s:i}", "type", "welcome",
                  "protocol", 2,
                  "role", ws->role == NGX_LIVE_HELP_AGENT
                          ? "agent" : "visitor",
                  "store", ngx_live_help_store_up(), "worker", (int) ngx_pid);
    if (j == NULL) {
        return NULL;
    }

    rc = ngx_live_help_send_json(ws, j);
    json_decref(j);

    return rc == NGX_OK ? s : NULL;
}


void
ngx_live_help_session_close(ngx_live_help_session_t *s)
{
    ngx_queue_t                *q;
    ngx_live_help_store_req_t  *req;

    /* messages not yet sent to Redis go; the one in Redis stays */
    while (!ngx_queue_empty(&s->stores)) {
        q = ngx_queue_head(&s->stores);
        req = ngx_queue_data(q, ngx_live_help_store_req_t, queue);
        ngx_queue_remove(q);

        if (!req->sent) {
            ngx_live_help_store_req_free(req);
        }
    }

    /* answers still to come find no socket */
    ngx_live_help_store_forget(&s->requests);

    if (s->held.data) {
        ngx_free(s->held.data);
        s->held.data = NULL;
    }

    if (s->following) {
        s->following = 0;
        ngx_live_help_store_leave(&s->follower);
    }

    s->ws->data = NULL;
}


ngx_int_t
ngx_live_help_session_decode(ngx_live_help_session_t *s, u_char *data,
    size_t len, ngx_live_help_proto_msg_t *m)
{
    json_t      *reply;
    ngx_int_t    rc;
    ngx_msec_t   wait;

    switch (ngx_live_help_proto_decode((const char *) data, len,
                                       s->ws->role == NGX_LIVE_HELP_AGENT, m))
    {

    case NGX_LIVE_HELP_MSG_PING:
        wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_REQUEST);
        if (wait) {
            rc = ngx_live_help_session_too_fast(s, wait, m->id);
            break;
        }

        rc = NGX_ERROR;
        reply = json_pack("{s:s}", "type", "pong");

        if (reply) {
            if (m->id) {
                json_object_set(reply, "id", m->id);
            }

            rc = ngx_live_help_send_json(s->ws, reply);
            json_decref(reply);
        }

        break;

    case NGX_LIVE_HELP_MSG_BAD:
        rc = ngx_live_help_send_error(s->ws, m->code, m->text_error, m->id);

        if (rc == NGX_OK) {
            (void) ngx_live_help_session_strike(s);
        }

        break;

    case NGX_LIVE_HELP_MSG_HELLO:
        if (!ngx_live_help_store_configured()) {
            rc = ngx_live_help_send_error(s->ws, "not_configured",
                                          "live_help_redis is not set",
                                          m->id);

        } else if (s->hello) {
            rc = ngx_live_help_send_error(s->ws, "bad_message",
                                          "hello was said", m->id);

        } else {
            return NGX_OK;
        }

        break;

    default:
        if (s->hello) {
            return NGX_OK;
        }

        rc = ngx_live_help_send_error(s->ws, "no_hello", "say hello first",
                                      m->id);
    }

    ngx_live_help_proto_free(m);

    return (rc == NGX_OK) ? NGX_DONE : rc;
}


/*
 * One message (or change) of a socket in Redis at a time; the others wait
 * behind it.  A resend of a cid still waiting gets the answer of the one
 * waiting.
 */

ngx_int_t
ngx_live_help_session_act(ngx_live_help_session_t *s, ngx_str_t *conv,
    const char *cid, json_t *event, ngx_live_help_act_t *act)
{
    u_char                     *p;
    size_t                      len, event_len;
    ngx_str_t                   id;
    ngx_msec_t                  wait;
    ngx_queue_t                *q;
    ngx_live_help_store_req_t  *req;

    id.data = (u_char *) cid;
    id.len = ngx_strlen(cid);

    for (q = ngx_queue_head(&s->stores);
         q != ngx_queue_sentinel(&s->stores);
         q = ngx_queue_next(q))
    {
        req = ngx_queue_data(q, ngx_live_help_store_req_t, queue);

        if (req->cid.len == id.len
            && ngx_strncmp(req->cid.data, id.data, id.len) == 0
            && req->conv.len == conv->len
            && ngx_strncmp(req->conv.data, conv->data, conv->len) == 0)
        {
            if (event) {
                json_decref(event);
            }

            return NGX_OK;
        }
    }

    if (s->held.data) {
        if (id.len != s->held.len
            || ngx_strncmp(id.data, s->held.data, id.len) != 0)
        {
            /* stored after the held one, or not at all */
            if (event) {
                json_decref(event);
            }

            /* a client told to wait does not send more meanwhile */
            if (s->held_limited
                && ngx_live_help_session_strike(s) == NGX_DONE)
            {
                return NGX_OK;
            }

            return ngx_live_help_session_nack(s, id.data, id.len,
                                              s->held_limited
                                              ? "rate_limited"
                                              : "unavailable", 0);
        }

        ngx_free(s->held.data);
        s->held.data = NULL;
        s->held_limited = 0;
    }

    wait = ngx_live_help_session_limit(s, NGX_LIVE_HELP_LIMIT_MESSAGE);

    if (wait) {
        if (event) {
            json_decref(event);
        }

        return ngx_live_help_session_limited(s, cid, wait);
    }

    event_len = event ? json_dumpb(event, NULL, 0, JSON_COMPACT)
                      : act->arg.len;

    if (!ngx_live_help_store_up()
        || (!ngx_queue_empty(&s->stores)
            && (s->stores_size + event_len > NGX_LIVE_HELP_STORE_QUEUE
                || s->nstores >= NGX_LIVE_HELP_STORE_QUEUE_N)))
    {
        /* not stored, not acknowledged: the client's outbox sends again */
        if (event) {
            json_decref(event);
        }

        if (ngx_live_help_session_hold(s, &id) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_live_help_session_nack(s, id.data, id.len, "unavailable",
                                          0);
    }

    req = ngx_live_help_store_req(&s->requests, s,
                                  ngx_live_help_session_stored,
                                  conv->len + id.len + event_len
                                  + act->actor.len + act->name.len
                                  + act->dept.len + act->limit.len);
    if (req == NULL) {
        if (event) {
            json_decref(event);
        }

        return NGX_ERROR;
    }

    req->act = *act;

    p = req->data;
    req->conv.data = p;
    req->conv.len = conv->len;
    p = ngx_cpymem(p, conv->data, conv->len);
    req->cid.data = p;
    req->cid.len = id.len;
    p = ngx_cpymem(p, id.data, id.len);
    /* empty strings may have no data at all: copied by their length */
    p = ngx_live_help_session_copy(&req->act.actor, &act->actor, p);
    p = ngx_live_help_session_copy(&req->act.name, &act->name, p);
    p = ngx_live_help_session_copy(&req->act.dept, &act->dept, p);
    p = ngx_live_help_session_copy(&req->act.limit, &act->limit, p);

    if (event) {
        req->act.arg.data = p;
        len = json_dumpb(event, (char *) p, event_len, JSON_COMPACT);
        req->act.arg.len = len;
        json_decref(event);

    } else {
        (void) ngx_live_help_session_copy(&req->act.arg, &act->arg, p);
    }

    req->size = event_len;

    ngx_queue_insert_tail(&s->stores, &req->queue);
    s->stores_size += req->size;
    s->nstores++;

    if (ngx_queue_head(&s->stores) == &req->queue) {
        ngx_live_help_session_store_next(s);
    }

    return NGX_OK;
}


static u_char *
ngx_live_help_session_copy(ngx_str_t *dst, ngx_str_t *src, u_char *p)
{
    dst->data = p;
    dst->len = src->len;

    return src->len ? ngx_cpymem(p, src->data, src->len) : p;
}


static void
ngx_live_help_session_store_next(ngx_live_help_session_t *s)
{
    ngx_live_help_store_req_t  *req;

    if (ngx_queue_empty(&s->stores)) {
        return;
    }

    req = ngx_queue_data(ngx_queue_head(&s->stores),
                         ngx_live_help_store_req_t, queue);

    if (ngx_live_help_store_act(req) != NGX_OK) {
        ngx_live_help_session_store_failed(s, "unavailable", 0);
        return;
    }

    req->sent = 1;
}


static void
ngx_live_help_session_stored(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    json_t                   *j;
    ngx_int_t                 retry;
    redisReply              **el;
    ngx_live_help_session_t  *s;

    s = req->owner;

    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[1]->type == REDIS_REPLY_STRING
        && reply->element[0]->len == sizeof("rate_limited") - 1
        && ngx_strncmp(reply->element[0]->str, "rate_limited",
                       sizeof("rate_limited") - 1) == 0)
    {
        /* it would open one conversation too many for the address */
        retry = ngx_atoi((u_char *) reply->element[1]->str,
                         reply->element[1]->len);

        req->sent = 0;
        ngx_queue_remove(&req->link);
        req->owner = NULL;

        ngx_live_help_session_store_failed(s, "rate_limited",
                                           retry > 0 ? retry : 1000);
        (void) ngx_live_help_session_strike(s);

        return;

    } else if (reply && reply->type == REDIS_REPLY_ARRAY
        && reply->elements == 3
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[1]->type == REDIS_REPLY_STRING
        && reply->element[2]->type == REDIS_REPLY_STRING)
    {
        /* refused for good (another agent has it, it is closed): no
         * resend changes that, and the next ones go on */
        el = reply->element;

        j = json_pack("{s:s, s:s%, s:s%, s:s%, s:s%, s:s%}",
                      "type", "refused", "cid", req->cid.data, req->cid.len,
                      "conversation", req->conv.data, req->conv.len,
                      "code", el[0]->str, (size_t) el[0]->len,
                      "owner", el[1]->str, (size_t) el[1]->len,
                      "name", el[2]->str, (size_t) el[2]->len);

    } else if (reply && reply->type == REDIS_REPLY_STRING) {
        j = json_pack("{s:s, s:s%, s:s%, s:s%}", "type", "ack",
                      "cid", req->cid.data, req->cid.len,
                      "conversation", req->conv.data, req->conv.len,
                      "seq", reply->str, (size_t) reply->len);

    } else {
        /* still the head: the others are behind it */
        req->sent = 0;
        ngx_queue_remove(&req->link);
        req->owner = NULL;
        ngx_live_help_session_store_failed(s, "unavailable", 0);
        return;
    }

    ngx_queue_remove(&req->queue);
    s->stores_size -= req->size;
    s->nstores--;

    if (j) {
        (void) ngx_live_help_send_json(s->ws, j);
        json_decref(j);
    }

    ngx_live_help_session_store_next(s);
}


/*
 * The head was not stored: it and everything behind it is nacked, and the
 * socket holds later messages until the head comes again, so that nothing
 * sent after it can be stored before it.
 */

static void
ngx_live_help_session_store_failed(ngx_live_help_session_t *s,
    const char *code, ngx_msec_t retry)
{
    ngx_queue_t                *q;
    ngx_live_help_store_req_t  *req;

    if (ngx_queue_empty(&s->stores)) {
        return;
    }

    /* the oldest of all that were refused */
    req = ngx_queue_data(ngx_queue_head(&s->stores),
                         ngx_live_help_store_req_t, queue);

    if (s->held.data) {
        ngx_free(s->held.data);
        s->held.data = NULL;
    }

    (void) ngx_live_help_session_hold(s, &req->cid);
    s->held_limited = retry ? 1 : 0;

    while (!ngx_queue_empty(&s->stores)) {
        q = ngx_queue_head(&s->stores);
        req = ngx_queue_data(q, ngx_live_help_store_req_t, queue);
        ngx_queue_remove(q);
        s->stores_size -= req->size;
        s->nstores--;

        (void) ngx_live_help_session_nack(s, req->cid.data, req->cid.len,
                                          code, retry);

        if (req->sent) {
            /* its answer is still to come, to nobody */
            ngx_queue_remove(&req->link);
            req->owner = NULL;

        } else if (req->owner) {
            ngx_live_help_store_req_free(req);
        }

        /* else: the store frees the one whose answer this is */
    }
}


static ngx_int_t
ngx_live_help_session_hold(ngx_live_help_session_t *s, ngx_str_t *cid)
{
    if (s->held.data) {
        return NGX_OK;
    }

    s->held.data = ngx_alloc(cid->len, s->ws->connection->log);
    if (s->held.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(s->held.data, cid->data, cid->len);
    s->held.len = cid->len;

    return NGX_OK;
}


static ngx_int_t
ngx_live_help_session_nack(ngx_live_help_session_t *s, u_char *cid,
    size_t len, const char *code, ngx_msec_t retry)
{
    json_t     *j;
    ngx_int_t   rc;

    j = json_pack("{s:s, s:s%, s:s}", "type", "nack", "cid", cid, len,
                  "code", code);
    if (j == NULL) {
        return NGX_ERROR;
    }

    if (retry && json_object_set_new(j, "retry", json_integer(retry)) != 0)
    {
        json_decref(j);
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(s->ws, j);
    json_decref(j);

    return rc;
}


ngx_msec_t
ngx_live_help_session_limit(ngx_live_help_session_t *s, ngx_uint_t what)
{
    ngx_uint_t                      kind;
    ngx_msec_t                      wait;
    ngx_live_help_ws_t             *ws;
    ngx_live_help_rate_t           *rate, *address;
    ngx_http_live_help_loc_conf_t  *llcf;

    ws = s->ws;
    llcf = ws->conf;
    address = NULL;
    kind = 0;

    switch (what) {

    case NGX_LIVE_HELP_LIMIT_MESSAGE:
        if (ws->role == NGX_LIVE_HELP_AGENT) {
            /* agents answer several chats at once, and signed in */
            return 0;
        }

        rate = &llcf->limit_messages[0];
        address = &llcf->limit_messages[1];
        kind = NGX_LIVE_HELP_LIMIT_MESSAGES;
        break;

    case NGX_LIVE_HELP_LIMIT_PAGE:
        if (ws->role == NGX_LIVE_HELP_AGENT) {
            /* NGX_LIVE_HELP_LIMIT_HISTORY */
            rate = &ngx_live_help_history_rate;
            break;
        }

        rate = &llcf->limit_pages[0];
        address = &llcf->limit_pages[1];
        kind = NGX_LIVE_HELP_LIMIT_PAGES;
        break;

    default: /* NGX_LIVE_HELP_LIMIT_REQUEST */
        rate = &llcf->limit_requests;
        break;
    }

    wait = ngx_live_help_rate_take(rate, &s->tat[what], ngx_current_msec);

    if (wait == 0 && address) {
        wait = ngx_live_help_limit_take(ngx_live_help_session_limits,
                                        ws->limit, kind, address);
    }

    return wait;
}


ngx_uint_t
ngx_live_help_session_typing(ngx_live_help_session_t *s, ngx_uint_t on)
{
    ngx_msec_t  now;

    now = ngx_current_msec;
    on = on ? 1 : 0;

    /* the client says "on" again every few seconds while typing */
    if (on == s->typing_on && s->typing_at
        && now - s->typing_at < 1000)
    {
        return 0;
    }

    if (ngx_live_help_rate_take(&ngx_live_help_typing_rate,
                                &s->tat[NGX_LIVE_HELP_LIMIT_TYPING], now))
    {
        return 0;
    }

    s->typing_on = on;
    s->typing_at = now;

    return 1;
}


ngx_int_t
ngx_live_help_session_strike(ngx_live_help_session_t *s)
{
    if (ngx_live_help_rate_take(&ngx_live_help_strike_rate,
                                &s->tat[NGX_LIVE_HELP_LIMIT_STRIKE],
                                ngx_current_msec)
        == 0)
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, s->ws->connection->log, 0,
                  "live_help: closing a socket that goes on past its "
                  "limits");

    ngx_live_help_ws_close(s->ws, NGX_LIVE_HELP_WS_POLICY, "rate limited");

    return NGX_DONE;
}


ngx_int_t
ngx_live_help_session_limited(ngx_live_help_session_t *s, const char *cid,
    ngx_msec_t wait)
{
    ngx_str_t  id;

    if (ngx_live_help_session_strike(s) == NGX_DONE) {
        return NGX_OK;
    }

    id.data = (u_char *) cid;
    id.len = ngx_strlen(cid);

    /* what the client sent after it waits behind it */
    if (ngx_live_help_session_hold(s, &id) != NGX_OK) {
        return NGX_ERROR;
    }

    s->held_limited = 1;

    return ngx_live_help_session_nack(s, id.data, id.len, "rate_limited",
                                      wait);
}


ngx_int_t
ngx_live_help_session_too_fast(ngx_live_help_session_t *s, ngx_msec_t wait,
    json_t *id)
{
    json_t     *j;
    ngx_int_t   rc;

    if (ngx_live_help_session_strike(s) == NGX_DONE) {
        return NGX_OK;
    }

    j = json_pack("{s:s, s:s, s:s, s:I}", "type", "error",
                  "code", "rate_limited", "text", "too many, wait",
                  "retry", (json_int_t) wait);
    if (j == NULL) {
        return NGX_ERROR;
    }

    if (id) {
        json_object_set(j, "id", id);
    }

    rc = ngx_live_help_send_json(s->ws, j);
    json_decref(j);

    return rc;
}


/* typing is said, not stored: pub/sub only */

ngx_int_t
ngx_live_help_session_say(ngx_live_help_session_t *s, ngx_str_t *conv,
    json_t *event)
{
    char  *payload;

    payload = json_dumps(event, JSON_COMPACT);
    json_decref(event);

    if (payload == NULL) {
        return NGX_ERROR;
    }

    (void) ngx_live_help_store_say(conv, (u_char *) payload,
                                   ngx_strlen(payload));
    free(payload);

    return NGX_OK;
}


void
ngx_live_help_session_presence(ngx_live_help_session_t *s)
{
    ngx_live_help_store_req_t  *req;

    req = ngx_live_help_store_req(&s->requests, s, NULL, 0);
    if (req == NULL) {
        return;
    }

    if (ngx_live_help_store_presence(req) != NGX_OK) {
        ngx_live_help_store_req_free(req);
    }
}


ngx_int_t
ngx_live_help_session_event(ngx_live_help_follower_t *f,
    ngx_live_help_msg_t *msg)
{
    ngx_live_help_session_t  *s;

    s = ngx_live_help_follower_session(f);

    (void) ngx_live_help_ws_send(s->ws, msg);

    if (s->ws->broken) {
        return NGX_ERROR;
    }

    /*
     * A long log to a slow client: the rest is read from Redis once this
     * is written, so that the catch-up never makes the client "slow"
     */
    if (!f->live && s->ws->queued > s->ws->conf->send_limit / 2) {
        s->ws->want_drain = 1;
        return NGX_AGAIN;
    }

    return NGX_OK;
}


void
ngx_live_help_session_drained(ngx_live_help_ws_t *ws)
{
    ngx_live_help_session_t  *s;

    s = ws->data;

    if (s && s->following) {
        ngx_live_help_store_resume(&s->follower);
    }
}


/* what the store says to every socket of the worker, or to one */


static void
ngx_live_help_session_status(ngx_uint_t up)
{
    ngx_live_help_msg_t  *msg;

    static u_char  down[] = "{\"type\":\"status\",\"store\":false}";
    static u_char  back[] = "{\"type\":\"status\",\"store\":true}";

    msg = ngx_live_help_msg_alloc(up ? sizeof(back) - 1 : sizeof(down) - 1,
                                  ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    ngx_memcpy(msg->data, up ? back : down, msg->len);
    ngx_live_help_ws_broadcast(msg);
    ngx_live_help_msg_release(msg);
}


static void
ngx_live_help_session_told(ngx_uint_t agents, void *owner)
{
    ngx_live_help_msg_t      *msg;
    ngx_live_help_session_t  *s;

    msg = ngx_live_help_msg_alloc(sizeof("{\"type\":\"presence\","
                                         "\"agents\":}") + NGX_INT_T_LEN,
                                  ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    msg->len = ngx_sprintf(msg->data, "{\"type\":\"presence\",\"agents\":%ui}",
                           agents)
               - msg->data;

    s = owner;

    if (s) {
        (void) ngx_live_help_ws_send(s->ws, msg);

    } else {
        ngx_live_help_ws_broadcast(msg);
    }

    ngx_live_help_msg_release(msg);
}


ngx_int_t
ngx_live_help_send_error(ngx_live_help_ws_t *ws, const char *code,
    const char *text, json_t *id)
{
    json_t     *j;
    ngx_int_t   rc;

    j = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code,
                  "text", text);
    if (j == NULL) {
        return NGX_ERROR;
    }

    if (id) {
        json_object_set(j, "id", id);
    }

    rc = ngx_live_help_send_json(ws, j);
    json_decref(j);

    return rc;
}


ngx_int_t
ngx_live_help_send_json(ngx_live_help_ws_t *ws, json_t *j)
{
    size_t                len;
    ngx_int_t             rc;
    ngx_live_help_msg_t  *msg;

    len = json_dumpb(j, NULL, 0, JSON_COMPACT);
    if (len == 0) {
        return NGX_ERROR;
    }

    msg = ngx_live_help_msg_alloc(len, ws->connection->log);
    if (msg == NULL) {
        return NGX_ERROR;
    }

    json_dumpb(j, (char *) msg->data, len, JSON_COMPACT);

    rc = ngx_live_help_ws_send(ws, msg);
    ngx_live_help_msg_release(msg);

    return rc;
}
