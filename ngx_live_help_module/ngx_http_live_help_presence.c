
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

#include "ngx_http_live_help_presence.h"


#define NGX_LIVE_HELP_PRESENCE_TTL      90000
#define NGX_LIVE_HELP_PRESENCE_REFRESH  30000


static void ngx_live_help_presence_refresh(ngx_event_t *ev);
static void ngx_live_help_presence_announce(void);
static void ngx_live_help_presence_counted(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_presence_zadd(ngx_live_help_presence_t *p,
    ngx_msec_t until);


static ngx_event_t                      ngx_live_help_presence_timer;
static ngx_queue_t                      ngx_live_help_presence_here;
static ngx_live_help_redis_t           *ngx_live_help_presence_redis;
static ngx_live_help_presence_told_pt   ngx_live_help_presence_told;


void
ngx_live_help_presence_init(ngx_live_help_redis_t *cmd,
    ngx_live_help_presence_told_pt told, ngx_log_t *log)
{
    ngx_queue_init(&ngx_live_help_presence_here);
    ngx_live_help_presence_redis = cmd;
    ngx_live_help_presence_told = told;

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
ngx_live_help_presence_join(ngx_live_help_presence_t *p)
{
    ngx_queue_insert_tail(&ngx_live_help_presence_here, &p->link);

    ngx_live_help_presence_zadd(p, ngx_live_help_now_ms()
                                   + NGX_LIVE_HELP_PRESENCE_TTL);
    ngx_live_help_presence_announce();

    if (!ngx_live_help_presence_timer.timer_set) {
        ngx_add_timer(&ngx_live_help_presence_timer,
                      NGX_LIVE_HELP_PRESENCE_REFRESH);
    }
}


void
ngx_live_help_presence_leave(ngx_live_help_presence_t *p)
{
    size_t       argl[3];
    const char  *argv[3];

    ngx_queue_remove(&p->link);

    argv[0] = "ZREM";
    argl[0] = 4;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = (char *) p->member.data;
    argl[2] = p->member.len;

    (void) ngx_live_help_redis_argv(ngx_live_help_presence_redis, NULL, NULL,
                                    3, argv, argl);
    ngx_live_help_presence_announce();
}


static void
ngx_live_help_presence_zadd(ngx_live_help_presence_t *p, ngx_msec_t until)
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
    argv[3] = (char *) p->member.data;
    argl[3] = p->member.len;

    (void) ngx_live_help_redis_argv(ngx_live_help_presence_redis, NULL, NULL,
                                    4, argv, argl);
}


static void
ngx_live_help_presence_refresh(ngx_event_t *ev)
{
    u_char                    now[NGX_INT64_LEN];
    size_t                    argl[4];
    ngx_msec_t                until;
    ngx_queue_t              *q;
    const char               *argv[4];

    if (ngx_queue_empty(&ngx_live_help_presence_here)) {
        return;
    }

    until = ngx_live_help_now_ms() + NGX_LIVE_HELP_PRESENCE_TTL;

    for (q = ngx_queue_head(&ngx_live_help_presence_here);
         q != ngx_queue_sentinel(&ngx_live_help_presence_here);
         q = ngx_queue_next(q))
    {
        ngx_live_help_presence_zadd(ngx_queue_data(q,
                                                   ngx_live_help_presence_t,
                                                   link),
                                    until);
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

    (void) ngx_live_help_redis_argv(ngx_live_help_presence_redis, NULL, NULL,
                                    4, argv, argl);

    ngx_add_timer(ev, NGX_LIVE_HELP_PRESENCE_REFRESH);
}


static void
ngx_live_help_presence_announce(void)
{
    static const char  *argv[] = {
        "PUBLISH", NGX_LIVE_HELP_PRESENCE_CHANNEL, "changed"
    };
    static size_t       argl[] = {
        7, sizeof(NGX_LIVE_HELP_PRESENCE_CHANNEL) - 1, 7
    };

    (void) ngx_live_help_redis_argv(ngx_live_help_presence_redis, NULL, NULL,
                                    3, argv, argl);
}


/* tells whoever asked (data), or everyone when data is NULL */

ngx_int_t
ngx_live_help_presence_count(void *data)
{
    u_char       now[NGX_INT64_LEN];
    size_t       argl[4];
    const char  *argv[4];

    argv[0] = "ZRANGEBYSCORE";
    argl[0] = 13;
    argv[1] = "lh:agents";
    argl[1] = 9;
    argv[2] = (char *) now;
    argl[2] = ngx_sprintf(now, "%M", ngx_live_help_now_ms()) - now;
    argv[3] = "+inf";
    argl[3] = 4;

    return ngx_live_help_redis_argv(ngx_live_help_presence_redis,
                                    ngx_live_help_presence_counted, data, 4,
                                    argv, argl);
}


static void
ngx_live_help_presence_counted(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    u_char      *bar, *bar2;
    size_t       i, k, n;
    redisReply  *a, *b;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        n = (ngx_uint_t) -1;
        goto told;
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

told:

    /* (ngx_uint_t) -1: not known */
    ngx_live_help_presence_told(n, data);
}
