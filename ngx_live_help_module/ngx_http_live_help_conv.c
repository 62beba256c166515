
/*
 * Conversations of a worker: the event log of each in a Redis stream, its
 * fan-out across workers and hosts by pub/sub, and catching up.
 *
 * The announcement of an event carries the stored bytes, which go to every
 * socket as they are.  A socket catches up from the stream (XRANGE after
 * the last id it got) until no event arrived during the catch-up, and only
 * then takes events live; it never gets an id twice, nor one older than
 * the last.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/sha.h>

#include "ngx_http_live_help_chat.h"


static void ngx_live_help_chat_sync_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_conv_release(ngx_live_help_conv_t *conv);
static void ngx_live_help_deliver(ngx_live_help_conv_t *conv,
    ngx_str_t *cid, ngx_str_t *payload, ngx_uint_t agents);
static ngx_live_help_msg_t *ngx_live_help_event_msg(ngx_str_t *cid,
    u_char *seq, size_t seq_len, u_char *event, size_t event_len,
    ngx_log_t *log);
static ngx_int_t ngx_live_help_seq_after(ngx_live_help_seq_t *a,
    ngx_live_help_seq_t *b);
static void ngx_live_help_cmd_ready(ngx_live_help_redis_t *rd);
static void ngx_live_help_retry(ngx_event_t *ev);
static void ngx_live_help_catch_up_all(void);
static void ngx_live_help_cmd_lost(ngx_live_help_redis_t *rd);
static void ngx_live_help_store_status(ngx_uint_t up);
static void ngx_live_help_sub_ready(ngx_live_help_redis_t *rd);
static void ngx_live_help_sub_lost(ngx_live_help_redis_t *rd);
static void ngx_live_help_agents_subscribed(void);


ngx_http_live_help_main_conf_t  *ngx_live_help_conf;
ngx_live_help_redis_t            ngx_live_help_cmd;
ngx_live_help_redis_t            ngx_live_help_sub;
ngx_queue_t                      ngx_live_help_agents;
ngx_uint_t                       ngx_live_help_agents_state;

static ngx_event_t               ngx_live_help_retry_timer;
static ngx_uint_t                ngx_live_help_store_up;
static ngx_str_t                 ngx_live_help_scripts[1];
static ngx_rbtree_t              ngx_live_help_convs;
static ngx_rbtree_node_t         ngx_live_help_convs_sentinel;
static ngx_queue_t               ngx_live_help_all_convs;


ngx_int_t
ngx_live_help_chat_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf)
{
    ngx_uint_t     i;
    unsigned char  sha[SHA_DIGEST_LENGTH];

    ngx_rbtree_init(&ngx_live_help_convs, &ngx_live_help_convs_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_live_help_all_convs);
    ngx_queue_init(&ngx_live_help_agents);

    if (lmcf->redis == NULL) {
        return NGX_OK;
    }

    ngx_live_help_conf = lmcf;

    SHA1((const unsigned char *) ngx_live_help_append_lua,
         ngx_strlen(ngx_live_help_append_lua), sha);

    for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
        ngx_sprintf((u_char *) &ngx_live_help_sha[2 * i], "%02xd", sha[i]);
    }

    ngx_live_help_presence_init(cycle->log);

    ngx_live_help_retry_timer.handler = ngx_live_help_retry;
    ngx_live_help_retry_timer.log = cycle->log;
    ngx_live_help_retry_timer.cancelable = 1;

    /* ready once the script is loaded and Redis takes writes */
    ngx_live_help_scripts[0].data = (u_char *) ngx_live_help_append_lua;
    ngx_live_help_scripts[0].len = ngx_strlen(ngx_live_help_append_lua);
    ngx_live_help_cmd.scripts = ngx_live_help_scripts;
    ngx_live_help_cmd.nscripts = 1;
    ngx_live_help_cmd.writes = 1;

    ngx_live_help_cmd.ready_handler = ngx_live_help_cmd_ready;
    ngx_live_help_cmd.lost_handler = ngx_live_help_cmd_lost;
    ngx_live_help_sub.ready_handler = ngx_live_help_sub_ready;
    ngx_live_help_sub.lost_handler = ngx_live_help_sub_lost;

    if (ngx_live_help_redis_init(&ngx_live_help_cmd, lmcf, "command",
                                 cycle->log)
        != NGX_OK
        || ngx_live_help_redis_init(&ngx_live_help_sub, lmcf, "subscriber",
                                    cycle->log)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_live_help_chat_exit_process(void)
{
    if (ngx_live_help_conf == NULL) {
        return;
    }

    ngx_live_help_presence_exit();

    if (ngx_live_help_retry_timer.timer_set) {
        ngx_del_timer(&ngx_live_help_retry_timer);
    }
    ngx_live_help_redis_exit(&ngx_live_help_sub);
    ngx_live_help_redis_exit(&ngx_live_help_cmd);
}


ngx_int_t
ngx_live_help_entry(redisReply *entry, redisReply **id, redisReply **event)
{
    redisReply  *fields;

    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) {
        return NGX_ERROR;
    }

    *id = entry->element[0];
    fields = entry->element[1];

    if ((*id)->type != REDIS_REPLY_STRING
        || fields->type != REDIS_REPLY_ARRAY || fields->elements < 2
        || fields->element[1]->type != REDIS_REPLY_STRING)
    {
        return NGX_ERROR;
    }

    *event = fields->element[1];

    return NGX_OK;
}


void
ngx_live_help_chat_sync(ngx_live_help_session_t *s)
{
    ngx_str_t             conv;
    ngx_live_help_req_t  *req;

    if (s->syncing) {
        s->dirty = 1;
        return;
    }

    s->live = 0;
    s->dirty = 0;

    req = ngx_live_help_req_new(s, 0);
    if (req == NULL) {
        return;
    }

    conv.data = s->conv->id;
    conv.len = s->id_len;

    if (ngx_live_help_xrange(&conv, &s->last, NGX_LIVE_HELP_REPLAY_COUNT_S,
                             ngx_live_help_chat_sync_reply, req)
        != NGX_OK)
    {
        /* the command connection is down: its return starts us again */
        ngx_live_help_req_done(req);
        return;
    }

    s->syncing = 1;
}


static void
ngx_live_help_chat_sync_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    size_t                    i;
    json_t                   *j;
    ngx_str_t                 cid;
    redisReply               *id, *event;
    ngx_live_help_seq_t       seq;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;

    req = data;
    s = req->session;
    ngx_live_help_req_done(req);

    if (s == NULL) {
        return;
    }

    s->syncing = 0;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        /*
         * Retried when the command connection is back, or soon if it is
         * still up: a Redis loading its data answers "-LOADING".
         */
        if (reply && !ngx_live_help_retry_timer.timer_set) {
            ngx_add_timer(&ngx_live_help_retry_timer,
                          NGX_LIVE_HELP_RETRY_SYNC);
        }

        return;
    }

    cid.data = s->conv->id;
    cid.len = s->id_len;

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_entry(reply->element[i], &id, &event) != NGX_OK
            || ngx_live_help_seq_parse((u_char *) id->str, id->len, &seq)
               != NGX_OK
            || !ngx_live_help_seq_after(&seq, &s->last))
        {
            continue;
        }

        msg = ngx_live_help_event_msg(&cid, (u_char *) id->str, id->len,
                                      (u_char *) event->str, event->len,
                                      s->ws->connection->log);
        if (msg == NULL) {
            return;
        }

        s->last = seq;
        (void) ngx_live_help_ws_send(s->ws, msg);
        ngx_live_help_msg_release(msg);

        if (s->ws->broken) {
            return;
        }
    }

    if (reply->elements == NGX_LIVE_HELP_REPLAY_COUNT || s->dirty) {
        ngx_live_help_chat_sync(s);
        return;
    }

    s->live = 1;

    if (!s->told_live) {
        s->told_live = 1;

        j = json_pack("{s:s, s:s%}", "type", "live",
                      "conversation", cid.data, cid.len);
        if (j) {
            (void) ngx_live_help_send_json(s->ws, j);
            json_decref(j);
        }
    }
}


ngx_live_help_conv_t *
ngx_live_help_conv_get(u_char *id, size_t len, ngx_uint_t create)
{
    uint32_t               hash;
    ngx_str_t              name;
    ngx_live_help_conv_t  *conv;

    name.data = id;
    name.len = len;
    hash = ngx_crc32_short(id, len);

    conv = (ngx_live_help_conv_t *) ngx_str_rbtree_lookup(
                                        &ngx_live_help_convs, &name, hash);
    if (conv || !create) {
        return conv;
    }

    conv = ngx_calloc(sizeof(ngx_live_help_conv_t), ngx_cycle->log);
    if (conv == NULL) {
        return NULL;
    }

    ngx_memcpy(conv->id, id, len);
    conv->sn.str.data = conv->id;
    conv->sn.str.len = len;
    conv->sn.node.key = hash;
    ngx_queue_init(&conv->sessions);

    ngx_rbtree_insert(&ngx_live_help_convs, &conv->sn.node);
    ngx_queue_insert_tail(&ngx_live_help_all_convs, &conv->all);

    return conv;
}


void
ngx_live_help_conv_subscribe(ngx_live_help_conv_t *conv)
{
    u_char      channel[48];
    size_t      argl[2];
    ngx_str_t   name;
    const char *argv[2];

    if (conv->state != NGX_LIVE_HELP_UNSUBSCRIBED
        || !ngx_live_help_sub.ready)
    {
        /* subscribing already, or waiting for an unsubscribe to end */
        return;
    }

    name.data = conv->id;
    name.len = conv->sn.str.len;

    argv[0] = "SUBSCRIBE";
    argl[0] = 9;
    argv[1] = (char *) channel;
    argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V", &name)
              - channel;

    if (ngx_live_help_redis_subscribe(&ngx_live_help_sub,
                                      ngx_live_help_sub_message, NULL, 2,
                                      argv, argl)
        == NGX_OK)
    {
        conv->state = NGX_LIVE_HELP_SUBSCRIBING;
    }
}


void
ngx_live_help_conv_leave(ngx_live_help_session_t *s)
{
    ngx_live_help_conv_t  *conv;

    conv = s->conv;

    ngx_queue_remove(&s->link);
    conv->nsessions--;
    s->conv = NULL;

    ngx_live_help_conv_release(conv);
}


/* a conversation nobody here follows any more goes */


static void
ngx_live_help_conv_release(ngx_live_help_conv_t *conv)
{
    u_char      channel[48];
    size_t      argl[2];
    ngx_str_t   name;
    const char *argv[2];

    if (conv->nsessions) {
        return;
    }

    if (conv->state == NGX_LIVE_HELP_SUBSCRIBED && ngx_live_help_sub.ready) {
        name.data = conv->id;
        name.len = conv->sn.str.len;

        argv[0] = "UNSUBSCRIBE";
        argl[0] = 11;
        argv[1] = (char *) channel;
        argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V", &name)
                  - channel;

        if (ngx_live_help_redis_subscribe(&ngx_live_help_sub, NULL, NULL, 2,
                                          argv, argl)
            == NGX_OK)
        {
            /* freed when Redis confirms */
            conv->state = NGX_LIVE_HELP_UNSUBSCRIBING;
            return;
        }

        conv->state = NGX_LIVE_HELP_UNSUBSCRIBED;
    }

    if (conv->state == NGX_LIVE_HELP_UNSUBSCRIBED) {
        ngx_rbtree_delete(&ngx_live_help_convs, &conv->sn.node);
        ngx_queue_remove(&conv->all);
        ngx_free(conv);
    }

    /* a subscription in flight is undone when it is confirmed */
}


/* what the subscriber connection receives */


void
ngx_live_help_sub_message(redisAsyncContext *ac, void *r, void *privdata)
{
    size_t                 plen;
    ngx_str_t              channel, cid, payload;
    ngx_queue_t           *q;
    redisReply            *reply, **el;
    const char            *kind;
    ngx_live_help_conv_t  *conv;

    reply = r;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements < 3)
    {
        return;
    }

    el = reply->element;
    kind = el[0]->str;

    if (el[0]->type != REDIS_REPLY_STRING) {
        return;
    }

    if (ngx_strcmp(kind, "psubscribe") == 0) {
        ngx_live_help_agents_subscribed();
        return;
    }

    if (ngx_strcmp(kind, "pmessage") == 0 && reply->elements == 4) {
        channel.data = (u_char *) el[2]->str;
        channel.len = el[2]->len;
        payload.data = (u_char *) el[3]->str;
        payload.len = el[3]->len;

    } else if (el[1]->type == REDIS_REPLY_STRING) {
        channel.data = (u_char *) el[1]->str;
        channel.len = el[1]->len;
        payload.data = (u_char *) (el[2]->type == REDIS_REPLY_STRING
                                   ? el[2]->str : "");
        payload.len = (el[2]->type == REDIS_REPLY_STRING) ? el[2]->len : 0;

    } else {
        return;
    }

    if (channel.len == sizeof("lh:presence") - 1
        && ngx_strncmp(channel.data, "lh:presence", channel.len) == 0)
    {
        if (ngx_strcmp(kind, "message") == 0) {
            ngx_live_help_presence_tell(NULL);
        }

        return;
    }

    plen = sizeof(NGX_LIVE_HELP_CHANNEL) - 1;

    if (channel.len <= plen
        || ngx_strncmp(channel.data, NGX_LIVE_HELP_CHANNEL, plen) != 0)
    {
        return;
    }

    cid.data = channel.data + plen;
    cid.len = channel.len - plen;

    if (!ngx_live_help_id_valid(cid.data, cid.len)) {
        return;
    }

    if (ngx_strcmp(kind, "pmessage") == 0) {
        ngx_live_help_deliver(NULL, &cid, &payload, 1);
        return;
    }

    conv = ngx_live_help_conv_get(cid.data, cid.len, 0);
    if (conv == NULL) {
        return;
    }

    if (ngx_strcmp(kind, "message") == 0) {
        ngx_live_help_deliver(conv, &cid, &payload, 0);
        return;
    }

    if (ngx_strcmp(kind, "subscribe") == 0) {
        conv->state = NGX_LIVE_HELP_SUBSCRIBED;

        if (conv->nsessions == 0) {
            /* everyone left while subscribing */
            ngx_live_help_conv_release(conv);
            return;
        }

        for (q = ngx_queue_head(&conv->sessions);
             q != ngx_queue_sentinel(&conv->sessions);
             q = ngx_queue_next(q))
        {
            ngx_live_help_chat_sync(ngx_queue_data(q,
                                                   ngx_live_help_session_t,
                                                   link));
        }

        return;
    }

    if (ngx_strcmp(kind, "unsubscribe") == 0) {
        conv->state = NGX_LIVE_HELP_UNSUBSCRIBED;

        if (conv->nsessions) {
            /* someone came back meanwhile */
            ngx_live_help_conv_subscribe(conv);
            return;
        }

        ngx_rbtree_delete(&ngx_live_help_convs, &conv->sn.node);
        ngx_queue_remove(&conv->all);
        ngx_free(conv);
    }
}


/*
 * payload: "<id> <event>" for a stored event, "~ <event>" for typing.  The
 * frame is made once and sent to every socket that should have it.
 */


static void
ngx_live_help_deliver(ngx_live_help_conv_t *conv, ngx_str_t *cid,
    ngx_str_t *payload, ngx_uint_t agents)
{
    u_char                   *sp;
    ngx_uint_t                stored;
    ngx_queue_t              *q, *next, *list;
    ngx_live_help_seq_t       seq;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_session_t  *s;

    sp = ngx_strlchr(payload->data, payload->data + payload->len, ' ');
    if (sp == NULL) {
        return;
    }

    stored = !(sp - payload->data == 1 && payload->data[0] == '~');

    if (stored
        && ngx_live_help_seq_parse(payload->data, sp - payload->data, &seq)
           != NGX_OK)
    {
        return;
    }

    msg = ngx_live_help_event_msg(cid, stored ? payload->data : NULL,
                                  stored ? (size_t) (sp - payload->data) : 0,
                                  sp + 1,
                                  payload->data + payload->len - sp - 1,
                                  ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    list = agents ? &ngx_live_help_agents : &conv->sessions;

    for (q = ngx_queue_head(list); q != ngx_queue_sentinel(list); q = next) {
        next = ngx_queue_next(q);
        s = ngx_queue_data(q, ngx_live_help_session_t, link);

        if (agents) {
            (void) ngx_live_help_ws_send(s->ws, msg);
            continue;
        }

        if (!stored) {
            if (s->live) {
                (void) ngx_live_help_ws_send(s->ws, msg);
            }

            continue;
        }

        if (!s->live) {
            /* catching up: XRANGE again once this one is in */
            s->dirty = 1;
            continue;
        }

        if (ngx_live_help_seq_after(&seq, &s->last)) {
            s->last = seq;
            (void) ngx_live_help_ws_send(s->ws, msg);
        }
    }

    ngx_live_help_msg_release(msg);
}


static ngx_live_help_msg_t *
ngx_live_help_event_msg(ngx_str_t *cid, u_char *seq, size_t seq_len,
    u_char *event, size_t event_len, ngx_log_t *log)
{
    u_char               *p;
    ngx_live_help_msg_t  *msg;

    msg = ngx_live_help_msg_alloc(sizeof("{\"type\":\"typing\","
                                         "\"conversation\":\"\","
                                         "\"seq\":\"\",\"event\":}")
                                  + cid->len + seq_len + event_len, log);
    if (msg == NULL) {
        return NULL;
    }

    if (seq) {
        p = ngx_sprintf(msg->data, "{\"type\":\"event\","
                        "\"conversation\":\"%V\",\"seq\":\"%*s\","
                        "\"event\":", cid, seq_len, seq);
    } else {
        p = ngx_sprintf(msg->data, "{\"type\":\"typing\","
                        "\"conversation\":\"%V\",\"event\":", cid);
    }

    p = ngx_cpymem(p, event, event_len);
    *p++ = '}';
    msg->len = p - msg->data;

    return msg;
}


/* a stream id, "<ms>-<seq>" */


/* XRANGE of a conversation's log after "last", all of it after 0-0 */

ngx_int_t
ngx_live_help_xrange(ngx_str_t *conv, ngx_live_help_seq_t *last,
    const char *count, ngx_live_help_redis_reply_pt handler,
    ngx_live_help_req_t *req)
{
    u_char      *p, stream[64], start[NGX_INT64_LEN * 2 + 3];
    size_t       argl[6];
    const char  *argv[6];

    argv[0] = "XRANGE";
    argl[0] = 6;
    argv[1] = (char *) stream;
    argl[1] = ngx_sprintf(stream, NGX_LIVE_HELP_CHANNEL "%V:log", conv)
              - stream;

    if (last->ms || last->seq) {
        p = ngx_sprintf(start, "(%uL-%uL", last->ms, last->seq);
        argv[2] = (char *) start;
        argl[2] = p - start;

    } else {
        argv[2] = "-";
        argl[2] = 1;
    }

    argv[3] = "+";
    argl[3] = 1;
    argv[4] = "COUNT";
    argl[4] = 5;
    argv[5] = count;
    argl[5] = ngx_strlen(count);

    return ngx_live_help_redis_argv(&ngx_live_help_cmd, handler, req, 6, argv,
                                    argl);
}


ngx_int_t
ngx_live_help_seq_parse(u_char *p, size_t len, ngx_live_help_seq_t *seq)
{
    u_char    *last;
    uint64_t  *v;

    last = p + len;
    v = &seq->ms;
    seq->ms = 0;
    seq->seq = 0;

    if (len == 0 || len > 41 || *p == '-') {
        return NGX_ERROR;
    }

    for ( /* void */ ; p < last; p++) {

        if (*p == '-' && v == &seq->ms && p + 1 < last) {
            v = &seq->seq;
            continue;
        }

        if (*p < '0' || *p > '9' || *v > 1000000000000000000ULL) {
            return NGX_ERROR;
        }

        *v = *v * 10 + (*p - '0');
    }

    return (v == &seq->seq) ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_live_help_seq_after(ngx_live_help_seq_t *a, ngx_live_help_seq_t *b)
{
    return a->ms > b->ms || (a->ms == b->ms && a->seq > b->seq);
}


static void
ngx_live_help_cmd_ready(ngx_live_help_redis_t *rd)
{
    ngx_live_help_store_status(1);
    ngx_live_help_catch_up_all();
}


static void
ngx_live_help_retry(ngx_event_t *ev)
{
    if (ngx_live_help_cmd.ready) {
        ngx_live_help_catch_up_all();
    }
}


/* catch-ups that failed, while the connection was down or Redis loading */

static void
ngx_live_help_catch_up_all(void)
{
    ngx_queue_t              *q, *sq;
    ngx_live_help_conv_t     *conv;
    ngx_live_help_session_t  *s;

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = ngx_queue_next(q))
    {
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->state != NGX_LIVE_HELP_SUBSCRIBED) {
            continue;
        }

        for (sq = ngx_queue_head(&conv->sessions);
             sq != ngx_queue_sentinel(&conv->sessions);
             sq = ngx_queue_next(sq))
        {
            s = ngx_queue_data(sq, ngx_live_help_session_t, link);

            if (!s->live && !s->syncing) {
                ngx_live_help_chat_sync(s);
            }
        }
    }
}


static void
ngx_live_help_cmd_lost(ngx_live_help_redis_t *rd)
{
    ngx_live_help_store_status(0);
}


/*
 * Clients show "reconnecting" while messages cannot be stored, and send
 * their outbox again when the store is back: "true" only once Redis took
 * the script and takes writes, so that a send then succeeds.
 */

static void
ngx_live_help_store_status(ngx_uint_t up)
{
    ngx_live_help_msg_t  *msg;

    static u_char  down[] = "{\"type\":\"status\",\"store\":false}";
    static u_char  back[] = "{\"type\":\"status\",\"store\":true}";

    if (ngx_live_help_store_up == up) {
        return;
    }

    ngx_live_help_store_up = up;

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
ngx_live_help_sub_ready(ngx_live_help_redis_t *rd)
{
    ngx_queue_t           *q;
    ngx_live_help_conv_t  *conv;

    static const char  *argv[] = { "PSUBSCRIBE", "lh:c:*" };
    static size_t       argl[] = { 10, 6 };
    static const char  *pargv[] = { "SUBSCRIBE", "lh:presence" };
    static size_t       pargl[] = { 9, 11 };

    (void) ngx_live_help_redis_subscribe(rd, ngx_live_help_sub_message, NULL,
                                         2, pargv, pargl);

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = ngx_queue_next(q))
    {
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->nsessions) {
            ngx_live_help_conv_subscribe(conv);
        }
    }

    if (!ngx_queue_empty(&ngx_live_help_agents)
        && ngx_live_help_agents_state == NGX_LIVE_HELP_UNSUBSCRIBED
        && ngx_live_help_redis_subscribe(rd, ngx_live_help_sub_message, NULL,
                                         2, argv, argl)
           == NGX_OK)
    {
        ngx_live_help_agents_state = NGX_LIVE_HELP_SUBSCRIBING;
    }
}


/*
 * Announcements may have been missed: every socket catches up from the log
 * once its subscription is confirmed again, not before, or what is stored
 * in between would be in neither.
 */


static void
ngx_live_help_sub_lost(ngx_live_help_redis_t *rd)
{
    ngx_queue_t              *q, *next, *sq;
    ngx_live_help_conv_t     *conv;
    ngx_live_help_session_t  *s;

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = next)
    {
        next = ngx_queue_next(q);
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->nsessions == 0) {
            ngx_rbtree_delete(&ngx_live_help_convs, &conv->sn.node);
            ngx_queue_remove(&conv->all);
            ngx_free(conv);
            continue;
        }

        conv->state = NGX_LIVE_HELP_UNSUBSCRIBED;

        for (sq = ngx_queue_head(&conv->sessions);
             sq != ngx_queue_sentinel(&conv->sessions);
             sq = ngx_queue_next(sq))
        {
            s = ngx_queue_data(sq, ngx_live_help_session_t, link);
            s->live = 0;
        }
    }

    /* agents are told to catch up when PSUBSCRIBE is confirmed again */
    ngx_live_help_agents_state = NGX_LIVE_HELP_UNSUBSCRIBED;
}


/*
 * Every event announced from now on reaches this worker's agents: those
 * waiting for their list get it, and those that were live before the
 * subscription went are told to ask the logs after what they have.
 */

static void
ngx_live_help_agents_subscribed(void)
{
    json_t                   *j;
    ngx_queue_t              *q, *next;
    ngx_live_help_session_t  *s;

    ngx_live_help_agents_state = NGX_LIVE_HELP_SUBSCRIBED;

    j = json_pack("{s:s}", "type", "resync");
    if (j == NULL) {
        return;
    }

    for (q = ngx_queue_head(&ngx_live_help_agents);
         q != ngx_queue_sentinel(&ngx_live_help_agents);
         q = next)
    {
        next = ngx_queue_next(q);
        s = ngx_queue_data(q, ngx_live_help_session_t, link);

        if (s->wants_list) {
            s->wants_list = 0;
            (void) ngx_live_help_chat_list(s, NULL);

        } else {
            (void) ngx_live_help_send_json(s->ws, j);
        }
    }

    json_decref(j);
}
