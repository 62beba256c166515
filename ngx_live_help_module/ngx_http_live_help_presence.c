
/*
 * Agents online, across workers and hosts: ephemeral, never in a log.
 *
 * Every agent socket is a member of the sorted set lh:agents, scored by
 * when it lapses; its worker pushes that forward while the socket lives,
 * so the sockets of a worker that died lapse by themselves.  A change is
 * announced on the channel lh:presence, and every worker then tells its
 * sockets how many agents are online.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_chat.h"


#define NGX_LIVE_HELP_PRESENCE_TTL      90000
#define NGX_LIVE_HELP_PRESENCE_REFRESH  30000


static void ngx_live_help_presence_refresh(ngx_event_t *ev);
static void ngx_live_help_presence_announce(void);
static void ngx_live_help_presence_count(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_presence_zadd(ngx_live_help_session_t *s,
    ngx_msec_t until);


static ngx_event_t  ngx_live_help_presence_timer;


void
ngx_live_help_presence_init(ngx_log_t *log)
{
    ngx_live_help_presence_timer.handler = ngx_live_help_presence_refresh;
    ngx_live_help_presence_timer.log = log;
    ngx_live_help_presence_timer.cancelable = 1;
}


void
ngx_live_help_presence_exit(void)
{
    if (ngx_live_help_presence_timer.timer_set) {
        ngx_del_timer(&ngx_live_help_presence_timer);
    }
}


static ngx_msec_t
ngx_live_help_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (ngx_msec_t) tp->sec * 1000 + tp->msec;
}


void
ngx_live_help_presence_join(ngx_live_help_session_t *s)
{
    u_char  *p;

    /* "name|pid.connection": one member a socket, the name before '|' */

    p = ngx_pnalloc(s->ws->connection->pool,
                    s->ws->user.len + 1 + 2 * NGX_INT64_LEN);
    if (p == NULL) {
        return;
    }

    s->member.data = p;
    s->member.len = ngx_sprintf(p, "%V|%P.%uA", &s->ws->user, ngx_pid,
                                s->ws->connection->number)
                    - p;

    ngx_live_help_presence_zadd(s, ngx_live_help_now_ms()
                                   + NGX_LIVE_HELP_PRESENCE_TTL);
    ngx_live_help_presence_announce();

    if (!ngx_live_help_presence_timer.timer_set) {
        ngx_add_timer(&ngx_live_help_presence_timer,
                      NGX_LIVE_HELP_PRESENCE_REFRESH);
    }
}


void
ngx_live_help_presence_leave(ngx_live_help_session_t *s)
{
    size_t       argl[3];
    const char  *argv[3];

    if (s->member.len == 0) {
        return;
    }

    argv[0] = "ZREM";
    argl[0] = 4;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = (char *) s->member.data;
    argl[2] = s->member.len;

    (void) ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 3, argv,
                                    argl);
    ngx_live_help_presence_announce();
}


static void
ngx_live_help_presence_zadd(ngx_live_help_session_t *s, ngx_msec_t until)
{
    u_char       score[NGX_INT64_LEN];
    size_t       argl[4];
    const char  *argv[4];

    argv[0] = "ZADD";
    argl[0] = 4;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = (char *) score;
    argl[2] = ngx_sprintf(score, "%M", until) - score;
    argv[3] = (char *) s->member.data;
    argl[3] = s->member.len;

    (void) ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 4, argv,
                                    argl);
}


static void
ngx_live_help_presence_refresh(ngx_event_t *ev)
{
    u_char                    now[NGX_INT64_LEN];
    size_t                    argl[4];
    ngx_msec_t                until;
    ngx_queue_t              *q;
    const char               *argv[4];
    ngx_live_help_session_t  *s;

    if (ngx_queue_empty(&ngx_live_help_agents)) {
        return;
    }

    until = ngx_live_help_now_ms() + NGX_LIVE_HELP_PRESENCE_TTL;

    for (q = ngx_queue_head(&ngx_live_help_agents);
         q != ngx_queue_sentinel(&ngx_live_help_agents);
         q = ngx_queue_next(q))
    {
        s = ngx_queue_data(q, ngx_live_help_session_t, link);
        ngx_live_help_presence_zadd(s, until);
    }

    /* and the sockets of workers that died without saying so */

    argv[0] = "ZREMRANGEBYSCORE";
    argl[0] = 16;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = "-inf";
    argl[2] = 4;
    argv[3] = (char *) now;
    argl[3] = ngx_sprintf(now, "%M", ngx_live_help_now_ms()) - now;

    (void) ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 4, argv,
                                    argl);

    ngx_add_timer(ev, NGX_LIVE_HELP_PRESENCE_REFRESH);
}


static void
ngx_live_help_presence_announce(void)
{
    static const char  *argv[] = { "PUBLISH", "lh:presence", "changed" };
    static size_t       argl[] = { 7, 11, 7 };

    (void) ngx_live_help_redis_argv(&ngx_live_help_cmd, NULL, NULL, 3, argv,
                                    argl);
}


/*
 * Counts the agents online and tells one session (req) or, without one,
 * every socket of the worker.
 */

void
ngx_live_help_presence_tell(ngx_live_help_session_t *s)
{
    u_char                now[NGX_INT64_LEN];
    size_t                argl[4];
    const char           *argv[4];
    ngx_live_help_req_t  *req;

    req = NULL;

    if (s) {
        req = ngx_live_help_req_new(s, 0);
        if (req == NULL) {
            return;
        }
    }

    argv[0] = "ZRANGEBYSCORE";
    argl[0] = 13;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = (char *) now;
    argl[2] = ngx_sprintf(now, "%M", ngx_live_help_now_ms()) - now;
    argv[3] = "+inf";
    argl[3] = 4;

    if (ngx_live_help_redis_argv(&ngx_live_help_cmd,
                                 ngx_live_help_presence_count, req, 4, argv,
                                 argl)
        != NGX_OK && req)
    {
        ngx_live_help_req_done(req);
    }
}


static void
ngx_live_help_presence_count(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    u_char                   *bar, *bar2;
    size_t                    i, k, n;
    ngx_live_help_msg_t      *msg;
    ngx_live_help_req_t      *req;
    ngx_live_help_session_t  *s;
    redisReply               *a, *b;

    req = data;
    s = NULL;

    if (req) {
        s = req->session;
        ngx_live_help_req_done(req);

        if (s == NULL) {
            return;
        }
    }

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return;
    }

    /* distinct names: an agent may have several tabs open */

    n = 0;

    for (i = 0; i < reply->elements; i++) {
        a = reply->element[i];
        bar = (u_char *) ngx_strlchr((u_char *) a->str,
                                     (u_char *) a->str + a->len, '|');
        if (bar == NULL) {
            continue;
        }

        for (k = 0; k < i; k++) {
            b = reply->element[k];
            bar2 = (u_char *) ngx_strlchr((u_char *) b->str,
                                          (u_char *) b->str + b->len, '|');
            if (bar2 && bar2 - (u_char *) b->str == bar - (u_char *) a->str
                && ngx_strncmp(a->str, b->str, bar - (u_char *) a->str) == 0)
            {
                break;
            }
        }

        if (k == i) {
            n++;
        }
    }

    msg = ngx_live_help_msg_alloc(sizeof("{\"type\":\"presence\","
                                         "\"agents\":}") + NGX_INT_T_LEN,
                                  ngx_cycle->log);
    if (msg == NULL) {
        return;
    }

    msg->len = ngx_sprintf(msg->data, "{\"type\":\"presence\",\"agents\":%uz}",
                           n)
               - msg->data;

    if (s) {
        (void) ngx_live_help_ws_send(s->ws, msg);

    } else {
        ngx_live_help_ws_broadcast(msg);
    }

    ngx_live_help_msg_release(msg);
}
