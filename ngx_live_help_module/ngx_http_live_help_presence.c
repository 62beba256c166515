
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


/*
 * Agents who take chats: one for each agent with a socket, not away (the
 * set lh:away, kept by lua/conversation.lua).  A script of its own, sent
 * whole: it is small, and Redis keeps it compiled.
 */

static u_char  ngx_live_help_presence_script[] =
    "local n, seen, away = 0, {}, {}\n"
    "for _, a in ipairs(redis.call('SMEMBERS', 'lh:away')) do\n"
    "    away[a] = true\n"
    "end\n"
    "for _, m in ipairs(redis.call('ZRANGEBYSCORE', 'lh:agents', ARGV[1],\n"
    "                              '+inf')) do\n"
    "    local id = string.match(m, '^([^|]+)|')\n"
    "    if id and not seen[id] then\n"
    "        seen[id] = true\n"
    "        if not away[id] then\n"
    "            n = n + 1\n"
    "        end\n"
    "    end\n"
    "end\n"
    "return n\n";


/* tells whoever asked (data), or everyone when data is NULL */

ngx_int_t
ngx_live_help_presence_count(void *data)
{
    u_char       now[NGX_INT64_LEN];
    size_t       argl[5];
    const char  *argv[5];

    argv[0] = "EVAL";
    argl[0] = 4;
    argv[1] = (char *) ngx_live_help_presence_script;
    argl[1] = sizeof(ngx_live_help_presence_script) - 1;
    argv[2] = "0";
    argl[2] = 1;
    argv[3] = (char *) now;
    argl[3] = ngx_sprintf(now, "%M", ngx_live_help_now_ms()) - now;

    return ngx_live_help_redis_argv(ngx_live_help_presence_redis,
                                    ngx_live_help_presence_counted, data, 4,
                                    argv, argl);
}


static void
ngx_live_help_presence_counted(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    ngx_uint_t  n;

    /* (ngx_uint_t) -1: not known */
    n = (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0)
        ? (ngx_uint_t) reply->integer : (ngx_uint_t) -1;

    ngx_live_help_presence_told(n, data);
}
