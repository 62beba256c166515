
/*
 * The store and its fan-out.  Each conversation's events are a Redis
 * stream; a new one is stored, deduplicated and announced on the
 * conversation's channel by one script (lua/conversation.lua).  The
 * announcement carries the stored bytes, which go to every follower as
 * they are.
 *
 * A follower catches up from the stream (XRANGE after the last id it got)
 * until no event arrived during the catch-up, and only then takes events
 * live; it never gets an id twice, nor one older than the last.  Agents
 * follow every conversation through one pattern subscription, and are told
 * when it is (again) in place, never before: what is stored before then
 * is in the logs they read after being told.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_store.h"
#include "ngx_http_live_help_presence.h"


#define NGX_LIVE_HELP_REPLAY_COUNT   200
#define NGX_LIVE_HELP_RETRY_SYNC     500
#define NGX_LIVE_HELP_DEDUPE_TTL     "604800"

#define NGX_LIVE_HELP_UNSUBSCRIBED   0
#define NGX_LIVE_HELP_SUBSCRIBING    1
#define NGX_LIVE_HELP_SUBSCRIBED     2
#define NGX_LIVE_HELP_UNSUBSCRIBING  3


struct ngx_live_help_conv_s {
    ngx_str_node_t              sn;
    ngx_queue_t                 all;
    ngx_queue_t                 followers;
    ngx_uint_t                  nfollowers;
    ngx_uint_t                  state;
    u_char                      id[NGX_LIVE_HELP_ID_MAX];
};


static ngx_live_help_conv_t *ngx_live_help_conv_get(u_char *id, size_t len,
    ngx_uint_t create);
static void ngx_live_help_conv_subscribe(ngx_live_help_conv_t *conv);
static void ngx_live_help_conv_release(ngx_live_help_conv_t *conv);
static void ngx_live_help_conv_free(ngx_live_help_conv_t *conv);
static void ngx_live_help_sync(ngx_live_help_follower_t *f);
static void ngx_live_help_sync_reply(ngx_live_help_store_req_t *req,
    redisReply *reply);
static void ngx_live_help_sub_message(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_live_help_deliver(ngx_live_help_conv_t *conv,
    ngx_str_t *cid, ngx_str_t *payload);
static ngx_live_help_msg_t *ngx_live_help_event_msg(ngx_str_t *cid,
    u_char *seq, size_t seq_len, u_char *event, size_t event_len);
static ngx_int_t ngx_live_help_seq_after(ngx_live_help_seq_t *a,
    ngx_live_help_seq_t *b);
static void ngx_live_help_store_told(ngx_uint_t agents, void *data);
static void ngx_live_help_cmd_ready(ngx_live_help_redis_t *rd);
static void ngx_live_help_cmd_lost(ngx_live_help_redis_t *rd);
static void ngx_live_help_retry(ngx_event_t *ev);
static void ngx_live_help_catch_up_all(void);
static void ngx_live_help_store_status(ngx_uint_t up);
static void ngx_live_help_sub_ready(ngx_live_help_redis_t *rd);
static void ngx_live_help_sub_lost(ngx_live_help_redis_t *rd);
static void ngx_live_help_agents_subscribe(void);
static void ngx_live_help_agents_subscribed(void);
static ngx_int_t ngx_live_help_store_visitor_key(
    ngx_live_help_store_req_t *req, const char *command);
static void ngx_live_help_visitor_changed(ngx_str_t *visitor);
static void ngx_live_help_visitor_got(ngx_live_help_store_req_t *req,
    redisReply *reply);


static ngx_http_live_help_main_conf_t  *ngx_live_help_conf;
static ngx_live_help_store_handler_t   *ngx_live_help_handler;
static ngx_live_help_redis_t            ngx_live_help_cmd;
static ngx_live_help_redis_t            ngx_live_help_sub;
static ngx_event_t                      ngx_live_help_retry_timer;
static ngx_uint_t                       ngx_live_help_stored_up;

static ngx_rbtree_t                     ngx_live_help_convs;
static ngx_rbtree_node_t                ngx_live_help_convs_sentinel;
static ngx_queue_t                      ngx_live_help_all_convs;

/* the followers of every conversation, and the pattern subscription */
static ngx_queue_t                      ngx_live_help_agents;
static ngx_uint_t                       ngx_live_help_agents_state;


ngx_int_t
ngx_live_help_store_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf,
    ngx_live_help_store_handler_t *handler)
{
    ngx_rbtree_init(&ngx_live_help_convs, &ngx_live_help_convs_sentinel,
                    ngx_str_rbtree_insert_value);
    ngx_queue_init(&ngx_live_help_all_convs);
    ngx_queue_init(&ngx_live_help_agents);

    if (lmcf->redis == NULL) {
        return NGX_OK;
    }

    ngx_live_help_conf = lmcf;
    ngx_live_help_handler = handler;

    /* the scripts are loaded on the command connection, for requests */
    ngx_live_help_request_init(&ngx_live_help_cmd);

    ngx_live_help_presence_init(&ngx_live_help_cmd, ngx_live_help_store_told,
                                cycle->log);

    ngx_live_help_retry_timer.handler = ngx_live_help_retry;
    ngx_live_help_retry_timer.log = cycle->log;
    ngx_live_help_retry_timer.cancelable = 1;

    /* ready once the scripts are loaded and Redis takes writes */
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
ngx_live_help_store_exit_process(void)
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


ngx_uint_t
ngx_live_help_store_configured(void)
{
    return ngx_live_help_conf != NULL;
}


/* "up": a message sent now is stored */

ngx_uint_t
ngx_live_help_store_up(void)
{
    return ngx_live_help_cmd.ready;
}


/* following */


ngx_int_t
ngx_live_help_store_follow(ngx_live_help_follower_t *f, u_char *id,
    size_t len)
{
    ngx_live_help_conv_t  *conv;

    conv = ngx_live_help_conv_get(id, len, 1);
    if (conv == NULL) {
        return NGX_ERROR;
    }

    f->conv = conv;
    ngx_queue_insert_tail(&conv->followers, &f->link);
    conv->nfollowers++;

    if (conv->state == NGX_LIVE_HELP_SUBSCRIBED) {
        ngx_live_help_sync(f);

    } else {
        /* the catch-up starts once the subscription is confirmed */
        ngx_live_help_conv_subscribe(conv);
    }

    return NGX_OK;
}


ngx_str_t *
ngx_live_help_store_followed(ngx_live_help_follower_t *f)
{
    return &f->conv->sn.str;
}


void
ngx_live_help_store_follow_all(ngx_live_help_follower_t *f)
{
    f->conv = NULL;
    ngx_queue_insert_tail(&ngx_live_help_agents, &f->link);

    if (ngx_live_help_agents_state == NGX_LIVE_HELP_SUBSCRIBED) {
        f->handler->subscribed(f, 0);
        return;
    }

    f->waiting = 1;
    ngx_live_help_agents_subscribe();
}


void
ngx_live_help_store_leave(ngx_live_help_follower_t *f)
{
    ngx_live_help_conv_t  *conv;

    if (f->sync) {
        /* its answer finds nobody */
        f->sync->owner = NULL;
        f->sync = NULL;
    }

    ngx_queue_remove(&f->link);

    conv = f->conv;

    if (conv == NULL) {
        return;
    }

    conv->nfollowers--;
    f->conv = NULL;

    ngx_live_help_conv_release(conv);
}


static ngx_live_help_conv_t *
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
    ngx_queue_init(&conv->followers);

    ngx_rbtree_insert(&ngx_live_help_convs, &conv->sn.node);
    ngx_queue_insert_tail(&ngx_live_help_all_convs, &conv->all);

    return conv;
}


static void
ngx_live_help_conv_subscribe(ngx_live_help_conv_t *conv)
{
    u_char      channel[48];
    size_t      argl[2];
    const char *argv[2];

    if (conv->state != NGX_LIVE_HELP_UNSUBSCRIBED
        || !ngx_live_help_sub.ready)
    {
        /* subscribing already, or waiting for an unsubscribe to end */
        return;
    }

    argv[0] = "SUBSCRIBE";
    argl[0] = 9;
    argv[1] = (char *) channel;
    argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V",
                          &conv->sn.str)
              - channel;

    if (ngx_live_help_redis_subscribe(&ngx_live_help_sub,
                                      ngx_live_help_sub_message, NULL, 2,
                                      argv, argl)
        == NGX_OK)
    {
        conv->state = NGX_LIVE_HELP_SUBSCRIBING;
    }
}


/* a conversation nobody here follows any more goes */

static void
ngx_live_help_conv_release(ngx_live_help_conv_t *conv)
{
    u_char      channel[48];
    size_t      argl[2];
    const char *argv[2];

    if (conv->nfollowers) {
        return;
    }

    if (conv->state == NGX_LIVE_HELP_SUBSCRIBED && ngx_live_help_sub.ready) {
        argv[0] = "UNSUBSCRIBE";
        argl[0] = 11;
        argv[1] = (char *) channel;
        argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V",
                              &conv->sn.str)
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
        ngx_live_help_conv_free(conv);
    }

    /* a subscription in flight is undone when it is confirmed */
}


static void
ngx_live_help_conv_free(ngx_live_help_conv_t *conv)
{
    ngx_rbtree_delete(&ngx_live_help_convs, &conv->sn.node);
    ngx_queue_remove(&conv->all);
    ngx_free(conv);
}


void
ngx_live_help_store_resume(ngx_live_help_follower_t *f)
{
    if (f->paused) {
        ngx_live_help_sync(f);
    }
}


/* catching up: XRANGE after the last id the follower got */

static void
ngx_live_help_sync(ngx_live_help_follower_t *f)
{
    ngx_live_help_store_req_t  *req;

    if (f->syncing) {
        f->dirty = 1;
        return;
    }

    f->live = 0;
    f->dirty = 0;
    f->paused = 0;

    req = ngx_live_help_store_req(NULL, f, ngx_live_help_sync_reply, 0);
    if (req == NULL) {
        return;
    }

    req->conv = f->conv->sn.str;

    if (ngx_live_help_store_range(req, &f->last, NGX_LIVE_HELP_REPLAY_COUNT)
        != NGX_OK)
    {
        /* the store is away: its return starts us again */
        ngx_live_help_store_req_free(req);
        return;
    }

    f->sync = req;
    f->syncing = 1;
}


static void
ngx_live_help_sync_reply(ngx_live_help_store_req_t *req, redisReply *reply)
{
    size_t                     i;
    ngx_int_t                  rc;
    ngx_str_t                  id, event;
    ngx_live_help_seq_t        seq;
    ngx_live_help_msg_t       *msg;
    ngx_live_help_follower_t  *f;

    f = req->owner;
    f->sync = NULL;
    f->syncing = 0;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        /*
         * Retried when the command connection is back, or soon if it is
         * still up (a refusal that did not make it "not ready").
         */
        if (reply && !ngx_live_help_retry_timer.timer_set) {
            ngx_add_timer(&ngx_live_help_retry_timer,
                          NGX_LIVE_HELP_RETRY_SYNC);
        }

        return;
    }

    for (i = 0; i < reply->elements; i++) {
        if (ngx_live_help_store_entry(reply->element[i], &id, &event)
            != NGX_OK
            || ngx_live_help_seq_parse(id.data, id.len, &seq) != NGX_OK
            || !ngx_live_help_seq_after(&seq, &f->last))
        {
            continue;
        }

        msg = ngx_live_help_event_msg(&f->conv->sn.str, id.data, id.len,
                                      event.data, event.len);
        if (msg == NULL) {
            return;
        }

        f->last = seq;
        rc = f->handler->event(f, msg);
        ngx_live_help_msg_release(msg);

        if (rc == NGX_AGAIN) {
            /* the rest once the socket has written this */
            f->paused = 1;
            return;
        }

        if (rc != NGX_OK) {
            /* the socket broke while being written to, and goes */
            return;
        }
    }

    if (reply->elements == NGX_LIVE_HELP_REPLAY_COUNT || f->dirty) {
        ngx_live_help_sync(f);
        return;
    }

    f->live = 1;

    if (!f->told_live) {
        f->told_live = 1;
        f->handler->live(f);
    }
}


/* what the subscriber connection receives */

static void
ngx_live_help_sub_message(redisAsyncContext *ac, void *r, void *privdata)
{
    size_t                 plen;
    ngx_str_t              channel, cid, payload;
    ngx_queue_t           *q, *next;
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

    if (channel.len == sizeof(NGX_LIVE_HELP_PRESENCE_CHANNEL) - 1
        && ngx_strncmp(channel.data, NGX_LIVE_HELP_PRESENCE_CHANNEL,
                       channel.len)
           == 0)
    {
        if (ngx_strcmp(kind, "message") == 0) {
            (void) ngx_live_help_presence_count(NULL);
        }

        return;
    }

    if (channel.len == sizeof(NGX_LIVE_HELP_VISITORS_CHANNEL) - 1
        && ngx_strncmp(channel.data, NGX_LIVE_HELP_VISITORS_CHANNEL,
                       channel.len)
           == 0)
    {
        if (ngx_strcmp(kind, "message") == 0
            && !ngx_queue_empty(&ngx_live_help_agents)
            && ngx_live_help_id_valid(payload.data, payload.len))
        {
            ngx_live_help_visitor_changed(&payload);
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
        ngx_live_help_deliver(NULL, &cid, &payload);
        return;
    }

    conv = ngx_live_help_conv_get(cid.data, cid.len, 0);
    if (conv == NULL) {
        return;
    }

    if (ngx_strcmp(kind, "message") == 0) {
        ngx_live_help_deliver(conv, &cid, &payload);
        return;
    }

    if (ngx_strcmp(kind, "subscribe") == 0) {
        conv->state = NGX_LIVE_HELP_SUBSCRIBED;

        if (conv->nfollowers == 0) {
            /* everyone left while subscribing */
            ngx_live_help_conv_release(conv);
            return;
        }

        for (q = ngx_queue_head(&conv->followers);
             q != ngx_queue_sentinel(&conv->followers);
             q = next)
        {
            next = ngx_queue_next(q);
            ngx_live_help_sync(ngx_queue_data(q, ngx_live_help_follower_t,
                                              link));
        }

        return;
    }

    if (ngx_strcmp(kind, "unsubscribe") == 0) {
        conv->state = NGX_LIVE_HELP_UNSUBSCRIBED;

        if (conv->nfollowers) {
            /* someone came back meanwhile */
            ngx_live_help_conv_subscribe(conv);
            return;
        }

        ngx_live_help_conv_free(conv);
    }
}


/*
 * payload: "<id> <event>" for a stored event, "~ <event>" for one that is
 * said only, "! erased" when lua/erase.lua erased the visitor.  The message
 * is made once and sent to every follower that should have it: all agents
 * (conv NULL), or the conversation's followers.
 */

static void
ngx_live_help_deliver(ngx_live_help_conv_t *conv, ngx_str_t *cid,
    ngx_str_t *payload)
{
    u_char                    *sp;
    ngx_uint_t                 stored;
    ngx_queue_t               *q, *next, *list;
    ngx_live_help_seq_t        seq;
    ngx_live_help_msg_t       *msg;
    ngx_live_help_follower_t  *f;

    sp = ngx_strlchr(payload->data, payload->data + payload->len, ' ');
    if (sp == NULL) {
        return;
    }

    stored = !(sp - payload->data == 1
               && (payload->data[0] == '~' || payload->data[0] == '!'));

    if (payload->data[0] == '!' && !stored) {
        /* the only notice: {"type":"erased","conversation":"..."} */
        if ((size_t) (payload->data + payload->len - sp - 1)
               != sizeof("erased") - 1
            || ngx_strncmp(sp + 1, "erased", sizeof("erased") - 1) != 0)
        {
            return;
        }

        sp = NULL;
    }

    if (stored
        && ngx_live_help_seq_parse(payload->data, sp - payload->data, &seq)
           != NGX_OK)
    {
        return;
    }

    msg = ngx_live_help_event_msg(cid, stored ? payload->data : NULL,
                                  stored ? (size_t) (sp - payload->data) : 0,
                                  sp ? sp + 1 : NULL,
                                  sp ? payload->data + payload->len - sp - 1
                                     : 0);
    if (msg == NULL) {
        return;
    }

    list = conv ? &conv->followers : &ngx_live_help_agents;

    for (q = ngx_queue_head(list); q != ngx_queue_sentinel(list); q = next) {
        next = ngx_queue_next(q);
        f = ngx_queue_data(q, ngx_live_help_follower_t, link);

        if (conv == NULL) {
            /* pmessages come only after the PSUBSCRIBE was confirmed */
            (void) f->handler->event(f, msg);
            continue;
        }

        if (!stored) {
            if (f->live) {
                (void) f->handler->event(f, msg);
            }

            continue;
        }

        if (!f->live) {
            /* catching up: XRANGE again once this one is in */
            f->dirty = 1;
            continue;
        }

        if (ngx_live_help_seq_after(&seq, &f->last)) {
            f->last = seq;
            (void) f->handler->event(f, msg);
        }
    }

    ngx_live_help_msg_release(msg);
}


static ngx_live_help_msg_t *
ngx_live_help_event_msg(ngx_str_t *cid, u_char *seq, size_t seq_len,
    u_char *event, size_t event_len)
{
    u_char               *p;
    ngx_live_help_msg_t  *msg;

    msg = ngx_live_help_msg_alloc(sizeof("{\"type\":\"typing\","
                                         "\"conversation\":\"\","
                                         "\"seq\":\"\",\"event\":}")
                                  + cid->len + seq_len + event_len,
                                  ngx_cycle->log);
    if (msg == NULL) {
        return NULL;
    }

    if (event == NULL) {
        msg->len = ngx_sprintf(msg->data, "{\"type\":\"erased\","
                               "\"conversation\":\"%V\"}", cid)
                   - msg->data;
        return msg;
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


/* commands */


ngx_int_t
ngx_live_help_store_act(ngx_live_help_store_req_t *req)
{
    u_char               now[NGX_INT64_LEN], keep[NGX_TIME_T_LEN];
    u_char               cap[NGX_INT_T_LEN];
    ngx_str_t            args[14];
    ngx_time_t          *tp;
    ngx_live_help_act_t *act;

    act = &req->act;
    tp = ngx_timeofday();

    args[0].data = (u_char *) act->op;
    args[0].len = ngx_strlen(act->op);
    args[1].data = now;
    args[1].len = ngx_sprintf(now, "%M", (ngx_msec_t) tp->sec * 1000
                                         + tp->msec)
                  - now;
    args[2] = req->conv;
    args[3] = req->cid;
    ngx_str_set(&args[4], NGX_LIVE_HELP_DEDUPE_TTL);
    args[5] = act->actor;
    args[6] = act->name;
    args[7] = act->arg;
    args[8] = act->dept;

    if (ngx_live_help_conf->assign) {
        ngx_str_set(&args[9], "1");

    } else {
        ngx_str_set(&args[9], "0");
    }

    if (act->offline) {
        ngx_str_set(&args[10], "1");

    } else {
        ngx_str_set(&args[10], "0");
    }

    args[11].data = keep;
    args[11].len = ngx_sprintf(keep, "%T", ngx_live_help_conf->retention)
                   - keep;

    args[12].data = cap;
    args[12].len = ngx_sprintf(cap, "%i", ngx_live_help_conf->max_events)
                   - cap;
    args[13] = act->limit;

    return ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_CONVERSATION,
                                    14, args);
}


/* XRANGE of a conversation's log after "after", all of it after 0-0 */

ngx_int_t
ngx_live_help_store_range(ngx_live_help_store_req_t *req,
    ngx_live_help_seq_t *after, ngx_uint_t count)
{
    u_char      *p, stream[64], start[NGX_INT64_LEN * 2 + 3];
    u_char       n[NGX_INT_T_LEN];
    size_t       argl[6];
    const char  *argv[6];

    argv[0] = "XRANGE";
    argl[0] = 6;
    argv[1] = (char *) stream;
    argl[1] = ngx_sprintf(stream, NGX_LIVE_HELP_CHANNEL "%V:log", &req->conv)
              - stream;

    if (after && (after->ms || after->seq)) {
        p = ngx_sprintf(start, "(%uL-%uL", after->ms, after->seq);
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
    argv[5] = (char *) n;
    argl[5] = ngx_sprintf(n, "%ui", count) - n;

    return ngx_live_help_redis_argv(&ngx_live_help_cmd,
                                    ngx_live_help_request_reply, req, 6, argv,
                                    argl);
}


static ngx_int_t
ngx_live_help_store_visitor_key(ngx_live_help_store_req_t *req,
    const char *command)
{
    u_char      key[sizeof(NGX_LIVE_HELP_GENERATION) + NGX_LIVE_HELP_ID_MAX];
    size_t      argl[2];
    const char *argv[2];

    if (req->conv.len > NGX_LIVE_HELP_ID_MAX) {
        return NGX_ERROR;
    }

    argv[0] = command;
    argl[0] = ngx_strlen(command);
    argv[1] = (char *) key;
    argl[1] = ngx_sprintf(key, NGX_LIVE_HELP_GENERATION "%V", &req->conv)
              - key;

    return ngx_live_help_redis_argv(&ngx_live_help_cmd,
                                    ngx_live_help_request_reply, req, 2, argv,
                                    argl);
}


ngx_int_t
ngx_live_help_store_generation(ngx_live_help_store_req_t *req)
{
    return ngx_live_help_store_visitor_key(req, "GET");
}


ngx_int_t
ngx_live_help_store_revoke(ngx_live_help_store_req_t *req)
{
    return ngx_live_help_store_visitor_key(req, "INCR");
}


/*
 * A visitor opened a page, said who they are or left: the agents of this
 * worker get what agents see of them (lua/visitor.lua "get"), as it is.
 */

static void
ngx_live_help_visitor_changed(ngx_str_t *visitor)
{
    u_char                      now[NGX_INT64_LEN];
    ngx_str_t                   args[3];
    ngx_time_t                 *tp;
    ngx_live_help_store_req_t  *req;

    req = ngx_live_help_store_req(NULL, &ngx_live_help_agents,
                                  ngx_live_help_visitor_got, 0);
    if (req == NULL) {
        return;
    }

    tp = ngx_timeofday();

    ngx_str_set(&args[0], "get");
    args[1].data = now;
    args[1].len = ngx_sprintf(now, "%M", (ngx_msec_t) tp->sec * 1000
                                         + tp->msec)
                  - now;
    args[2] = *visitor;

    if (ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_VISITOR, 3, args)
        != NGX_OK)
    {
        ngx_live_help_store_req_free(req);
    }
}


static void
ngx_live_help_visitor_got(ngx_live_help_store_req_t *req, redisReply *reply)
{
    ngx_queue_t               *q, *next;
    ngx_live_help_msg_t       *msg;
    ngx_live_help_follower_t  *f;

    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        return;
    }

    msg = ngx_live_help_msg_alloc(reply->len, ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    ngx_memcpy(msg->data, reply->str, reply->len);

    for (q = ngx_queue_head(&ngx_live_help_agents);
         q != ngx_queue_sentinel(&ngx_live_help_agents);
         q = next)
    {
        next = ngx_queue_next(q);
        f = ngx_queue_data(q, ngx_live_help_follower_t, link);
        (void) f->handler->event(f, msg);
    }

    ngx_live_help_msg_release(msg);
}


/*
 * The visitors with a socket on this worker are online for a while more
 * (until, in ms): a ZADD of at most max of them, from the *from-th on, so
 * that a pass over thousands holds Redis a few milliseconds at a time.
 * XX: one who left is not put back.  NGX_DONE: that was the last of them.
 * (A visitor who goes meanwhile shifts the others: one may wait for the
 * next pass, well within the lapse.)
 */

ngx_int_t
ngx_live_help_store_online(ngx_msec_t until, ngx_uint_t *from, ngx_uint_t max)
{
    u_char                 score[NGX_INT64_LEN];
    size_t                *argl, len;
    ngx_int_t              rc;
    ngx_uint_t             i, argc;
    ngx_queue_t           *q;
    const char           **argv;
    ngx_live_help_conv_t  *conv;

    argv = ngx_alloc((3 + 2 * max) * (sizeof(char *) + sizeof(size_t)),
                     ngx_cycle->log);
    if (argv == NULL) {
        return NGX_ERROR;
    }

    argl = (size_t *) &argv[3 + 2 * max];
    len = ngx_sprintf(score, "%M", until) - score;

    argc = 0;
    argv[argc] = "ZADD";
    argl[argc++] = 4;
    argv[argc] = "lh:online";
    argl[argc++] = 9;
    argv[argc] = "XX";
    argl[argc++] = 2;

    i = 0;

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs)
         && argc < 3 + 2 * max;
         q = ngx_queue_next(q))
    {
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->nfollowers == 0 || i++ < *from) {
            continue;
        }

        argv[argc] = (char *) score;
        argl[argc++] = len;
        argv[argc] = (char *) conv->sn.str.data;
        argl[argc++] = conv->sn.str.len;
    }

    *from += (argc - 3) / 2;
    rc = NGX_OK;

    if (argc > 3) {
        rc = ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, argc,
                                      argv, argl);
    }

    ngx_free(argv);

    if (rc != NGX_OK) {
        return rc;
    }

    return (q == ngx_queue_sentinel(&ngx_live_help_all_convs)) ? NGX_DONE
                                                               : NGX_OK;
}


/* "~" instead of a stored id: not in the log */

ngx_int_t
ngx_live_help_store_say(ngx_str_t *conv, u_char *event, size_t len)
{
    u_char      channel[48], *buf;
    size_t      argl[3];
    ngx_int_t   rc;
    const char *argv[3];

    buf = ngx_alloc(len + 2, ngx_cycle->log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    buf[0] = '~';
    buf[1] = ' ';
    ngx_memcpy(buf + 2, event, len);

    argv[0] = "PUBLISH";
    argl[0] = 7;
    argv[1] = (char *) channel;
    argl[1] = ngx_sprintf(channel, NGX_LIVE_HELP_CHANNEL "%V", conv)
              - channel;
    argv[2] = (char *) buf;
    argl[2] = len + 2;

    rc = ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 3, argv,
                                  argl);
    ngx_free(buf);

    return rc;
}


/* the count of agents online, for req's owner, or for all if req is NULL */

ngx_int_t
ngx_live_help_store_presence(ngx_live_help_store_req_t *req)
{
    return ngx_live_help_presence_count(req);
}


static void
ngx_live_help_store_told(ngx_uint_t agents, void *data)
{
    void                       *owner;
    ngx_live_help_store_req_t  *req;

    req = data;
    owner = NULL;

    if (req) {
        owner = req->owner;
        ngx_live_help_store_req_free(req);

        if (owner == NULL) {
            return;
        }
    }

    if (agents != (ngx_uint_t) -1) {
        ngx_live_help_handler->presence(agents, owner);
    }
}


ngx_int_t
ngx_live_help_store_entry(redisReply *entry, ngx_str_t *id, ngx_str_t *event)
{
    redisReply  *fields;

    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) {
        return NGX_ERROR;
    }

    fields = entry->element[1];

    if (entry->element[0]->type != REDIS_REPLY_STRING
        || fields->type != REDIS_REPLY_ARRAY || fields->elements < 2
        || fields->element[1]->type != REDIS_REPLY_STRING)
    {
        return NGX_ERROR;
    }

    id->data = (u_char *) entry->element[0]->str;
    id->len = entry->element[0]->len;
    event->data = (u_char *) fields->element[1]->str;
    event->len = fields->element[1]->len;

    return NGX_OK;
}


/* a stream id, "<ms>-<seq>" */

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


/* the command connection */


static void
ngx_live_help_cmd_ready(ngx_live_help_redis_t *rd)
{
    ngx_live_help_store_status(1);
    ngx_live_help_catch_up_all();
}


static void
ngx_live_help_cmd_lost(ngx_live_help_redis_t *rd)
{
    ngx_live_help_store_status(0);
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
    ngx_queue_t               *q, *fq, *next;
    ngx_live_help_conv_t      *conv;
    ngx_live_help_follower_t  *f;

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = ngx_queue_next(q))
    {
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->state != NGX_LIVE_HELP_SUBSCRIBED) {
            continue;
        }

        for (fq = ngx_queue_head(&conv->followers);
             fq != ngx_queue_sentinel(&conv->followers);
             fq = next)
        {
            next = ngx_queue_next(fq);
            f = ngx_queue_data(fq, ngx_live_help_follower_t, link);

            if (!f->live && !f->syncing) {
                ngx_live_help_sync(f);
            }
        }
    }
}


/*
 * Clients show "reconnecting" while messages cannot be stored, and send
 * their outbox again when the store is back: "up" only once Redis took the
 * script and takes writes, so that a send then succeeds.
 */

static void
ngx_live_help_store_status(ngx_uint_t up)
{
    if (ngx_live_help_stored_up == up) {
        return;
    }

    ngx_live_help_stored_up = up;
    ngx_live_help_handler->status(up);
}


/* the subscriber connection */


static void
ngx_live_help_sub_ready(ngx_live_help_redis_t *rd)
{
    ngx_queue_t           *q;
    ngx_live_help_conv_t  *conv;

    static const char  *argv[] = {
        "SUBSCRIBE", NGX_LIVE_HELP_PRESENCE_CHANNEL,
        NGX_LIVE_HELP_VISITORS_CHANNEL
    };
    static size_t       argl[] = {
        9, sizeof(NGX_LIVE_HELP_PRESENCE_CHANNEL) - 1,
        sizeof(NGX_LIVE_HELP_VISITORS_CHANNEL) - 1
    };

    (void) ngx_live_help_redis_subscribe(rd, ngx_live_help_sub_message, NULL,
                                         3, argv, argl);

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = ngx_queue_next(q))
    {
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->nfollowers) {
            ngx_live_help_conv_subscribe(conv);
        }
    }

    if (!ngx_queue_empty(&ngx_live_help_agents)) {
        ngx_live_help_agents_subscribe();
    }
}


/*
 * Announcements may have been missed: every follower catches up from the
 * log once its subscription is confirmed again, not before, or what is
 * stored in between would be in neither.
 */

static void
ngx_live_help_sub_lost(ngx_live_help_redis_t *rd)
{
    ngx_queue_t               *q, *next, *fq;
    ngx_live_help_conv_t      *conv;
    ngx_live_help_follower_t  *f;

    for (q = ngx_queue_head(&ngx_live_help_all_convs);
         q != ngx_queue_sentinel(&ngx_live_help_all_convs);
         q = next)
    {
        next = ngx_queue_next(q);
        conv = ngx_queue_data(q, ngx_live_help_conv_t, all);

        if (conv->nfollowers == 0) {
            ngx_live_help_conv_free(conv);
            continue;
        }

        conv->state = NGX_LIVE_HELP_UNSUBSCRIBED;

        for (fq = ngx_queue_head(&conv->followers);
             fq != ngx_queue_sentinel(&conv->followers);
             fq = ngx_queue_next(fq))
        {
            f = ngx_queue_data(fq, ngx_live_help_follower_t, link);
            f->live = 0;
        }
    }

    /* agents are told to catch up when PSUBSCRIBE is confirmed again */
    ngx_live_help_agents_state = NGX_LIVE_HELP_UNSUBSCRIBED;
}


static void
ngx_live_help_agents_subscribe(void)
{
    static const char  *argv[] = { "PSUBSCRIBE", NGX_LIVE_HELP_CHANNEL "*" };
    static size_t       argl[] = {
        10, sizeof(NGX_LIVE_HELP_CHANNEL "*") - 1
    };

    if (ngx_live_help_agents_state != NGX_LIVE_HELP_UNSUBSCRIBED
        || !ngx_live_help_sub.ready)
    {
        return;
    }

    if (ngx_live_help_redis_subscribe(&ngx_live_help_sub,
                                      ngx_live_help_sub_message, NULL, 2,
                                      argv, argl)
        == NGX_OK)
    {
        ngx_live_help_agents_state = NGX_LIVE_HELP_SUBSCRIBING;
    }
}


/*
 * Every event announced from now on reaches this worker's agents: those
 * waiting for the subscription are told it is there, and those that
 * followed before it went, that they may have missed some.
 */

static void
ngx_live_help_agents_subscribed(void)
{
    ngx_uint_t                 again;
    ngx_queue_t               *q, *next;
    ngx_live_help_follower_t  *f;

    ngx_live_help_agents_state = NGX_LIVE_HELP_SUBSCRIBED;

    for (q = ngx_queue_head(&ngx_live_help_agents);
         q != ngx_queue_sentinel(&ngx_live_help_agents);
         q = next)
    {
        next = ngx_queue_next(q);
        f = ngx_queue_data(q, ngx_live_help_follower_t, link);

        again = !f->waiting;
        f->waiting = 0;
        f->handler->subscribed(f, again);
    }
}
