
/*
 * The chat protocol on a socket (docs/PROTOCOL.md): hello, messages,
 * typing, history.
 *
 * A message is stored, deduplicated by its client id and announced in one
 * script, and acknowledged only once stored.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_live_help_chat.h"
#include "ngx_live_help_proto.h"


#define NGX_LIVE_HELP_TOKEN_TTL      (30 * 86400)
#define NGX_LIVE_HELP_DEDUPE_TTL     "604800"


static ngx_int_t ngx_live_help_chat_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_chat_append(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_chat_eval(ngx_live_help_req_t *req,
    ngx_uint_t eval);
static void ngx_live_help_chat_append_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_chat_store_next(ngx_live_help_session_t *s);
static void ngx_live_help_chat_store_failed(ngx_live_help_session_t *s);
static ngx_int_t ngx_live_help_chat_nack(ngx_live_help_session_t *s,
    u_char *cid, size_t len);
static ngx_int_t ngx_live_help_chat_typing(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static ngx_int_t ngx_live_help_chat_history(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m);
static void ngx_live_help_chat_history_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_chat_list_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);


/* KEYS: stream, dedupe key, conversation index; ARGV: event, channel,
 * dedupe ttl, now (ms), conversation */
const char  ngx_live_help_append_lua[] =
    "local seen = redis.call('GET', KEYS[2]) "
    "if seen then return seen end "
    "local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1]) "
    "redis.call('SET', KEYS[2], id, 'EX', ARGV[3]) "
    "redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5]) "
    "redis.call('PUBLISH', ARGV[2], id .. ' ' .. ARGV[1]) "
    "return id";


char  ngx_live_help_sha[41];


ngx_int_t
ngx_live_help_chat_open(ngx_live_help_ws_t *ws)
{
    json_t                   *j;
    ngx_int_t                 rc;
    ngx_live_help_session_t  *s;

    s = ngx_pcalloc(ws->connection->pool, sizeof(ngx_live_help_session_t));
    if (s == NULL) {
        return NGX_ERROR;
    }

    s->ws = ws;
    ngx_queue_init(&s->requests);
    ngx_queue_init(&s->stores);
    ws->data = s;

    /* "worker" lets tests and operators see where a socket landed */
    j = json_pack("{s:s, s:i, s:s, s:b, s:i}", "type", "welcome",
                  "protocol", 1,
                  "role", ws->role == NGX_LIVE_HELP_AGENT
                          ? "agent" : "visitor",
                  "store", ngx_live_help_cmd.ready, "worker", (int) ngx_pid);
    if (j == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(ws, j);
    json_decref(j);

    return rc;
}


ngx_int_t
ngx_live_help_chat_message(ngx_live_help_ws_t *ws, u_char *data, size_t len)
{
    json_t                     *reply;
    ngx_int_t                   rc;
    ngx_live_help_session_t    *s;
    ngx_live_help_proto_msg_t   m;

    s = ws->data;

    switch (ngx_live_help_proto_decode((const char *) data, len,
                                       ws->role == NGX_LIVE_HELP_AGENT, &m))
    {

    case NGX_LIVE_HELP_MSG_PING:
        rc = NGX_ERROR;
        reply = json_pack("{s:s}", "type", "pong");

        if (reply) {
            if (m.id) {
                json_object_set(reply, "id", m.id);
            }

            rc = ngx_live_help_send_json(ws, reply);
            json_decref(reply);
        }

        break;

    case NGX_LIVE_HELP_MSG_HELLO:
        if (ngx_live_help_conf == NULL) {
            rc = ngx_live_help_send_error(ws, "not_configured",
                                          "live_help_redis is not set", m.id);

        } else if (s->hello) {
            rc = ngx_live_help_send_error(ws, "bad_message",
                                          "hello was said", m.id);

        } else {
            rc = ngx_live_help_chat_hello(s, &m);
        }

        break;

    case NGX_LIVE_HELP_MSG_BAD:
        rc = ngx_live_help_send_error(ws, m.code, m.text_error, m.id);
        break;

    default:
        if (!s->hello) {
            rc = ngx_live_help_send_error(ws, "no_hello", "say hello first",
                                          m.id);

        } else if (m.type == NGX_LIVE_HELP_MSG_MESSAGE) {
            rc = ngx_live_help_chat_append(s, &m);

        } else if (m.type == NGX_LIVE_HELP_MSG_TYPING) {
            rc = ngx_live_help_chat_typing(s, &m);

        } else if (m.type == NGX_LIVE_HELP_MSG_LIST) {
            rc = ngx_live_help_chat_list(s, m.id);

        } else {
            rc = ngx_live_help_chat_history(s, &m);
        }
    }

    ngx_live_help_proto_free(&m);

    return rc;
}


void
ngx_live_help_chat_close(ngx_live_help_ws_t *ws)
{
    ngx_queue_t              *q;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;

    s = ws->data;

    if (s == NULL) {
        return;
    }

    /* messages not yet sent to Redis go; the one in Redis stays */
    while (!ngx_queue_empty(&s->stores)) {
        q = ngx_queue_head(&s->stores);
        req = ngx_queue_data(q, ngx_live_help_req_t, store);
        ngx_queue_remove(q);

        if (!req->sent) {
            ngx_live_help_req_done(req);
        }
    }

    /* replies still to come find no socket */
    for (q = ngx_queue_head(&s->requests);
         q != ngx_queue_sentinel(&s->requests);
         q = ngx_queue_next(q))
    {
        req = ngx_queue_data(q, ngx_live_help_req_t, link);
        req->session = NULL;
    }

    if (s->conv) {
        ngx_live_help_conv_leave(s);

    } else if (s->listed) {
        ngx_queue_remove(&s->link);
        ngx_live_help_presence_leave(s);
    }

    ws->data = NULL;
}


/*
 * {"type":"hello","token":"...","after":"1700000000000-0"}
 *
 * A visitor gets its conversation (a new visitor gets an id and a token to
 * keep), then the events after "after", then live ones.  An agent gets the
 * list of recent conversations, then every new event live.
 */


static ngx_int_t
ngx_live_help_chat_hello(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char                 token[NGX_LIVE_HELP_TOKEN_MAX];
    u_char                 rnd[12];
    size_t                 len, id_len;
    json_t                *reply;
    ngx_int_t              rc;
    ngx_str_t              cid;
    const char            *tok, *after;
    const u_char          *id;
    ngx_live_help_conv_t  *conv;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_live_help_conf;

    if (s->ws->role == NGX_LIVE_HELP_AGENT) {
        s->hello = 1;
        s->listed = 1;
        ngx_queue_insert_tail(&ngx_live_help_agents, &s->link);
        ngx_live_help_presence_join(s);

        if (ngx_live_help_agents_state == NGX_LIVE_HELP_SUBSCRIBED) {
            return ngx_live_help_chat_list(s, m->id);
        }

        /*
         * What the list and the agent's catch-up read must not miss what
         * is announced before the worker is subscribed: the list goes when
         * the PSUBSCRIBE is confirmed.
         */
        s->wants_list = 1;

        if (ngx_live_help_agents_state == NGX_LIVE_HELP_UNSUBSCRIBED
            && ngx_live_help_sub.ready)
        {
            static const char  *argv[] = { "PSUBSCRIBE", "lh:c:*" };
            static size_t       argl[] = { 10, 6 };

            if (ngx_live_help_redis_subscribe(&ngx_live_help_sub,
                                              ngx_live_help_sub_message,
                                              NULL, 2, argv, argl)
                == NGX_OK)
            {
                ngx_live_help_agents_state = NGX_LIVE_HELP_SUBSCRIBING;
            }
        }

        return NGX_OK;
    }

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

        s->id[0] = 'v';
        s->id_len = 1 + ngx_live_help_base64url(s->id + 1, rnd, sizeof(rnd));
        after = NULL;

    } else {
        ngx_memcpy(s->id, id, id_len);
        s->id_len = id_len;
    }

    len = ngx_live_help_token_make(token, lmcf->secret.data, lmcf->secret.len,
                                   s->id, s->id_len,
                                   ngx_time() + NGX_LIVE_HELP_TOKEN_TTL);
    if (len == 0) {
        return NGX_ERROR;
    }

    if (after == NULL
        || ngx_live_help_seq_parse((u_char *) after, ngx_strlen(after),
                                   &s->last)
           != NGX_OK)
    {
        s->last.ms = 0;
        s->last.seq = 0;
    }

    /* one conversation per visitor, named after the visitor */

    conv = ngx_live_help_conv_get(s->id, s->id_len, 1);
    if (conv == NULL) {
        return NGX_ERROR;
    }

    s->hello = 1;
    s->conv = conv;
    ngx_queue_insert_tail(&conv->sessions, &s->link);
    conv->nsessions++;

    cid.data = conv->id;
    cid.len = s->id_len;

    reply = json_pack("{s:s, s:s%, s:s%, s:s%}", "type", "session",
                      "visitor", s->id, s->id_len, "token", token, len,
                      "conversation", cid.data, cid.len);
    if (reply == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(s->ws, reply);
    json_decref(reply);

    if (rc != NGX_OK) {
        return rc;
    }

    /* whether anybody can answer: the widget offers a form if not */
    ngx_live_help_presence_tell(s);

    if (conv->state == NGX_LIVE_HELP_SUBSCRIBED) {
        ngx_live_help_chat_sync(s);

    } else {
        ngx_live_help_conv_subscribe(conv);
    }

    return NGX_OK;
}


/*
 * {"type":"message","cid":"client-id","text":"..."}, and for agents
 * "conversation" too.  Acknowledged with the stored id once stored; a
 * resend of the same cid is stored once and acknowledged alike.
 */


static ngx_int_t
ngx_live_help_chat_append(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char               *p;
    size_t                n, event_len, cid_len;
    json_t               *ev;
    ngx_str_t             conv;
    ngx_queue_t          *q;
    const char           *text, *cid, *c;
    ngx_live_help_req_t  *req;

    /* checked by the decoder */
    text = m->text;
    n = m->text_len;
    cid = m->cid;
    cid_len = ngx_strlen(cid);

    for (q = ngx_queue_head(&s->stores);
         q != ngx_queue_sentinel(&s->stores);
         q = ngx_queue_next(q))
    {
        req = ngx_queue_data(q, ngx_live_help_req_t, store);

        if (req->cid.len == cid_len
            && ngx_strncmp(req->cid.data, cid, cid_len) == 0)
        {
            /* sent again before its answer: that answer is for both */
            return NGX_OK;
        }
    }

    if (s->held_len) {
        if (cid_len != s->held_len
            || ngx_strncmp(cid, s->held, cid_len) != 0)
        {
            /* stored after the held one, or not at all */
            return ngx_live_help_chat_nack(s, (u_char *) cid, cid_len);
        }

        s->held_len = 0;
    }

    if (s->ws->role == NGX_LIVE_HELP_AGENT) {
        c = m->conversation;

        conv.data = (u_char *) c;
        conv.len = ngx_strlen(c);

        ev = json_pack("{s:s, s:s, s:s%, s:s%, s:s}", "kind", "message",
                       "from", "agent", "author", s->ws->user.data,
                       s->ws->user.len, "text", text, n, "cid", cid);

    } else {
        conv.data = s->conv->id;
        conv.len = s->id_len;

        ev = json_pack("{s:s, s:s, s:s%, s:s}", "kind", "message",
                       "from", "visitor", "text", text, n, "cid", cid);
    }

    if (ev == NULL) {
        return NGX_ERROR;
    }

    event_len = json_dumpb(ev, NULL, 0, JSON_COMPACT);

    if (!ngx_live_help_cmd.ready
        || (!ngx_queue_empty(&s->stores)
            && s->stores_size + event_len > NGX_LIVE_HELP_STORE_QUEUE))
    {
        /* not stored, not acknowledged: the client's outbox sends again */
        json_decref(ev);
        s->held_len = cid_len;
        ngx_memcpy(s->held, cid, cid_len);

        return ngx_live_help_chat_nack(s, (u_char *) cid, cid_len);
    }

    req = ngx_live_help_req_new(s, conv.len + cid_len + event_len);
    if (req == NULL) {
        json_decref(ev);
        return NGX_ERROR;
    }

    p = req->data;
    req->conv.data = p;
    req->conv.len = conv.len;
    p = ngx_cpymem(p, conv.data, conv.len);
    req->cid.data = p;
    req->cid.len = cid_len;
    p = ngx_cpymem(p, cid, cid_len);
    req->event.data = p;
    req->event.len = json_dumpb(ev, (char *) p, event_len, JSON_COMPACT);
    req->size = event_len;

    json_decref(ev);

    ngx_queue_insert_tail(&s->stores, &req->store);
    s->stores_size += req->size;

    if (ngx_queue_head(&s->stores) == &req->store) {
        ngx_live_help_chat_store_next(s);
    }

    return NGX_OK;
}


/* one message of a socket in Redis at a time: the head of its queue */

static void
ngx_live_help_chat_store_next(ngx_live_help_session_t *s)
{
    ngx_live_help_req_t  *req;

    if (ngx_queue_empty(&s->stores)) {
        return;
    }

    req = ngx_queue_data(ngx_queue_head(&s->stores), ngx_live_help_req_t,
                         store);

    if (ngx_live_help_chat_eval(req, 0) != NGX_OK) {
        ngx_live_help_chat_store_failed(s);
        return;
    }

    req->sent = 1;
}


/*
 * The head was not stored: it and everything behind it is nacked, and the
 * socket holds later messages until the head comes again, so that nothing
 * sent after it can be stored before it.
 */

static void
ngx_live_help_chat_store_failed(ngx_live_help_session_t *s)
{
    ngx_queue_t          *q;
    ngx_live_help_req_t  *req;

    if (!ngx_queue_empty(&s->stores)) {
        /* the oldest of all that were refused */
        req = ngx_queue_data(ngx_queue_head(&s->stores), ngx_live_help_req_t,
                             store);
        s->held_len = req->cid.len;
        ngx_memcpy(s->held, req->cid.data, req->cid.len);
    }

    while (!ngx_queue_empty(&s->stores)) {
        q = ngx_queue_head(&s->stores);
        req = ngx_queue_data(q, ngx_live_help_req_t, store);
        ngx_queue_remove(q);
        s->stores_size -= req->size;

        (void) ngx_live_help_chat_nack(s, req->cid.data, req->cid.len);

        if (req->sent) {
            /* its answer is still to come, to nobody */
            ngx_queue_remove(&req->link);
            req->session = NULL;

        } else {
            ngx_live_help_req_done(req);
        }
    }
}


static ngx_int_t
ngx_live_help_chat_nack(ngx_live_help_session_t *s, u_char *cid, size_t len)
{
    json_t     *j;
    ngx_int_t   rc;

    j = json_pack("{s:s, s:s%, s:s}", "type", "nack", "cid", cid, len,
                  "code", "unavailable");
    if (j == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_live_help_send_json(s->ws, j);
    json_decref(j);

    return rc;
}


static ngx_int_t
ngx_live_help_chat_eval(ngx_live_help_req_t *req, ngx_uint_t eval)
{
    int          argc;
    u_char       now[NGX_INT64_LEN], stream[64], dedupe[128], channel[48];
    size_t       argl[12];
    ngx_time_t  *tp;
    const char  *argv[12];

    tp = ngx_timeofday();

    argc = 0;

    if (eval) {
        argv[argc] = "EVAL";
        argl[argc++] = 4;
        argv[argc] = ngx_live_help_append_lua;
        argl[argc++] = sizeof(ngx_live_help_append_lua) - 1;

    } else {
        argv[argc] = "EVALSHA";
        argl[argc++] = 7;
        argv[argc] = ngx_live_help_sha;
        argl[argc++] = 40;
    }

    argv[argc] = "3";
    argl[argc++] = 1;

    argv[argc] = (char *) stream;
    argl[argc++] = ngx_sprintf(stream, NGX_LIVE_HELP_CHANNEL "%V:log",
                               &req->conv) - stream;
    argv[argc] = (char *) dedupe;
    argl[argc++] = ngx_sprintf(dedupe, NGX_LIVE_HELP_CHANNEL "%V:cid:%V",
                               &req->conv, &req->cid) - dedupe;
    argv[argc] = "lh:convs";
    argl[argc++] = 8;

    argv[argc] = (char *) req->event.data;
    argl[argc++] = req->event.len;
    argv[argc] = (char *) channel;
    argl[argc++] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V",
                               &req->conv) - channel;
    argv[argc] = NGX_LIVE_HELP_DEDUPE_TTL;
    argl[argc++] = sizeof(NGX_LIVE_HELP_DEDUPE_TTL) - 1;
    argv[argc] = (char *) now;
    argl[argc++] = ngx_sprintf(now, "%M",
                               (ngx_msec_t) tp->sec * 1000 + tp->msec)
                   - now;
    argv[argc] = (char *) req->conv.data;
    argl[argc++] = req->conv.len;

    req->eval = eval;

    return ngx_live_help_redis_argv(&ngx_live_help_cmd,
                                    ngx_live_help_chat_append_reply, req,
                                    argc, argv, argl);
}


static void
ngx_live_help_chat_append_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    json_t                   *j;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;

    req = data;
    s = req->session;

    if (reply && reply->type == REDIS_REPLY_ERROR && !req->eval
        && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        /*
         * The script cache was emptied (SCRIPT FLUSH, or another server
         * behind the same address): the script itself goes, still the
         * only message of this socket in Redis, so still in order.
         */
        ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                      "live_help: redis has no script cached (NOSCRIPT), "
                      "sending it whole");

        if (ngx_live_help_chat_eval(req, 1) == NGX_OK) {
            return;
        }
    }

    if (s == NULL) {
        ngx_live_help_req_done(req);
        return;
    }

    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        if (reply && reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, s->ws->connection->log, 0,
                          "live_help: storing a message failed: %s",
                          reply->str);
        }

        /* still the head: the others are behind it */
        req->sent = 0;
        ngx_live_help_chat_store_failed(s);
        return;
    }

    ngx_queue_remove(&req->store);
    s->stores_size -= req->size;

    j = json_pack("{s:s, s:s%, s:s%, s:s%}", "type", "ack",
                  "cid", req->cid.data, req->cid.len,
                  "conversation", req->conv.data, req->conv.len,
                  "seq", reply->str, (size_t) reply->len);

    ngx_live_help_req_done(req);

    if (j) {
        (void) ngx_live_help_send_json(s->ws, j);
        json_decref(j);
    }

    ngx_live_help_chat_store_next(s);
}


/* typing is said, not stored: pub/sub only */


static ngx_int_t
ngx_live_help_chat_typing(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    u_char      channel[48], *buf;
    size_t      n, argl[3];
    json_t     *ev;
    ngx_str_t   conv;
    const char *argv[3], *c;
    char       *payload;

    if (s->ws->role == NGX_LIVE_HELP_AGENT) {
        c = m->conversation;
        conv.data = (u_char *) c;
        conv.len = ngx_strlen(c);

    } else {
        conv.data = s->conv->id;
        conv.len = s->id_len;
    }

    if (s->ws->role == NGX_LIVE_HELP_AGENT) {
        /* "Maria is typing", before her first message too */
        ev = json_pack("{s:s, s:s, s:s%, s:b}", "kind", "typing",
                       "from", "agent", "author", s->ws->user.data,
                       s->ws->user.len, "on", m->on);

    } else {
        ev = json_pack("{s:s, s:s, s:b}", "kind", "typing",
                       "from", "visitor", "on", m->on);
    }

    if (ev == NULL) {
        return NGX_ERROR;
    }

    payload = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);

    if (payload == NULL) {
        return NGX_ERROR;
    }

    /* "~" instead of a stored id: not in the log */

    n = ngx_strlen(payload);
    buf = ngx_alloc(n + 2, s->ws->connection->log);
    if (buf == NULL) {
        free(payload);
        return NGX_ERROR;
    }

    buf[0] = '~';
    buf[1] = ' ';
    ngx_memcpy(buf + 2, payload, n);
    free(payload);

    argv[0] = "PUBLISH";
    argl[0] = 7;
    argv[1] = (char *) channel;
    argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V", &conv)
              - channel;
    argv[2] = (char *) buf;
    argl[2] = n + 2;

    (void) ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 3, argv,
                                    argl);
    ngx_free(buf);

    return NGX_OK;
}


/* {"type":"history","conversation":"...","after":"..."}: agents only */


static ngx_int_t
ngx_live_help_chat_history(ngx_live_help_session_t *s,
    ngx_live_help_proto_msg_t *m)
{
    const char           *c, *after;
    ngx_live_help_seq_t   seq;
    ngx_live_help_req_t  *req;

    c = m->conversation;
    after = m->after;

    req = ngx_live_help_req_new(s, ngx_strlen(c));
    if (req == NULL) {
        return NGX_ERROR;
    }

    req->conv.data = req->data;
    req->conv.len = ngx_strlen(c);
    ngx_memcpy(req->data, c, req->conv.len);

    if (after == NULL
        || ngx_live_help_seq_parse((u_char *) after, ngx_strlen(after), &seq)
           != NGX_OK)
    {
        seq.ms = 0;
        seq.seq = 0;
    }

    if (ngx_live_help_xrange(&req->conv, &seq, "1000",
                             ngx_live_help_chat_history_reply, req)
        != NGX_OK)
    {
        ngx_live_help_req_done(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", m->id);
    }

    return NGX_OK;
}


static void
ngx_live_help_chat_history_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data)
{
    u_char                   *p;
    size_t                    i, len;
    redisReply               *id, *event;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;

    static u_char  head[] = "{\"type\":\"history\",\"conversation\":\"";

    req = data;
    s = req->session;

    if (s == NULL) {
        ngx_live_help_req_done(req);
        return;
    }

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        ngx_live_help_req_done(req);
        (void) ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", NULL);
        return;
    }

    /* the stored bytes go out as they are */

    len = sizeof(head) - 1 + req->conv.len + sizeof("\",\"events\":[]}");

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_entry(reply->element[i], &id, &event) == NGX_OK) {
            len += sizeof("{\"seq\":\"\",\"event\":},") + id->len
                   + event->len;
        }
    }

    msg = ngx_live_help_msg_alloc(len, s->ws->connection->log);
    if (msg == NULL) {
        ngx_live_help_req_done(req);
        return;
    }

    p = ngx_cpymem(msg->data, head, sizeof(head) - 1);
    p = ngx_cpymem(p, req->conv.data, req->conv.len);
    p = ngx_cpymem(p, "\",\"events\":[", sizeof("\",\"events\":[") - 1);

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_entry(reply->element[i], &id, &event) != NGX_OK) {
            continue;
        }

        p = ngx_sprintf(p, "%s{\"seq\":\"%*s\",\"event\":%*s}",
                        (p[-1] == '[') ? "" : ",", (size_t) id->len,
                        id->str, (size_t) event->len, event->str);
    }

    p = ngx_cpymem(p, "]}", 2);
    msg->len = p - msg->data;

    ngx_live_help_req_done(req);

    (void) ngx_live_help_ws_send(s->ws, msg);
    ngx_live_help_msg_release(msg);
}


/* the 100 conversations active last, for agents */

ngx_int_t
ngx_live_help_chat_list(ngx_live_help_session_t *s, json_t *id)
{
    ngx_live_help_req_t  *req;

    static const char  *argv[] = {
        "ZREVRANGE", "lh:convs", "0", "99", "WITHSCORES"
    };
    static size_t       argl[] = { 9, 8, 1, 2, 10 };

    req = ngx_live_help_req_new(s, 0);
    if (req == NULL) {
        return NGX_ERROR;
    }

    if (ngx_live_help_redis_argv(&ngx_live_help_cmd,
                                 ngx_live_help_chat_list_reply, req, 5, argv,
                                 argl)
        != NGX_OK)
    {
        ngx_live_help_req_done(req);
        return ngx_live_help_send_error(s->ws, "unavailable",
                                        "the store is not reachable", id);
    }

    return NGX_OK;
}


static void
ngx_live_help_chat_list_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    size_t                    i;
    json_t                   *j, *items, *item;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;

    req = data;
    s = req ? req->session : NULL;

    if (req) {
        ngx_live_help_req_done(req);
    }

    if (s == NULL) {
        return;
    }

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


/*
 * A visitor's catch-up: XRANGE after the last id it got, again while live
 * events arrived meanwhile (they may be newer than what XRANGE saw), and
 * live from then on.  Subscribed before the first XRANGE, nothing falls
 * between the two.
 */


ngx_live_help_req_t *
ngx_live_help_req_new(ngx_live_help_session_t *s, size_t size)
{
    ngx_live_help_req_t  *req;

    req = ngx_calloc(offsetof(ngx_live_help_req_t, data) + size + 1,
                     ngx_cycle->log);
    if (req == NULL) {
        return NULL;
    }

    req->session = s;
    ngx_queue_insert_tail(&s->requests, &req->link);

    return req;
}


void
ngx_live_help_req_done(ngx_live_help_req_t *req)
{
    if (req->session) {
        ngx_queue_remove(&req->link);
    }

    ngx_free(req);
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
