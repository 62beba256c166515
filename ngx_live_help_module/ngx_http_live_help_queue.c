
/*
 * Who answers whom, beyond one socket: agents saying they are there, the
 * panel's lists, and a sweep on every worker that gives the chats of
 * agents gone longer than live_help_agent_grace back to the queue and
 * hands waiting chats to agents with room.  Every worker of every host
 * sweeps: the script is atomic, so they cannot give one chat twice, and a
 * host that dies leaves the others doing it.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_queue.h"


#define NGX_LIVE_HELP_SWEEP_MIN      250
#define NGX_LIVE_HELP_SWEEP_MAX      5000
/* a list's page: what an agent can look through, not a whole spam wave */
#define NGX_LIVE_HELP_LIST_LIMIT     "100"
#define NGX_LIVE_HELP_MIGRATE_BATCH  "500"
/* logs of protocol 1 quiet for longer than this are migrated as closed */
#define NGX_LIVE_HELP_MIGRATE_OPEN   (86400 * 1000)
/* visitors' context is kept as long as their token */
#define NGX_LIVE_HELP_VISITOR_TTL    "2592000"
/* a visitor's socket counts online this long past the last refresh */
#define NGX_LIVE_HELP_ONLINE_LAPSE   90000
#define NGX_LIVE_HELP_ONLINE_REFRESH 30000
#define NGX_LIVE_HELP_VISITORS_MAX   "100"
/* a pass of the online refresh: so many visitors every so many ms */
#define NGX_LIVE_HELP_ONLINE_SLICE   500
#define NGX_LIVE_HELP_ONLINE_TICK    50


static void ngx_live_help_queue_sweep(ngx_event_t *ev);
static void ngx_live_help_queue_swept(ngx_live_help_store_req_t *req,
    redisReply *reply);
static void ngx_live_help_queue_migrated(ngx_live_help_store_req_t *req,
    redisReply *reply);
static ngx_msec_t ngx_live_help_queue_now(u_char *buf, size_t *len);
static void ngx_live_help_queue_online(ngx_event_t *ev);
static ngx_int_t ngx_live_help_queue_tell(ngx_uint_t script,
    ngx_uint_t nargs, ngx_str_t *args);


static ngx_http_live_help_main_conf_t  *ngx_live_help_queue_conf;
static ngx_event_t                      ngx_live_help_queue_timer;
static ngx_msec_t                       ngx_live_help_queue_interval;
static ngx_uint_t                       ngx_live_help_queue_migrated_all;
static ngx_uint_t                       ngx_live_help_queue_sweeping;
static ngx_event_t                      ngx_live_help_queue_online_timer;
static ngx_uint_t                       ngx_live_help_queue_online_from;
static ngx_msec_t                       ngx_live_help_queue_online_until;


ngx_int_t
ngx_live_help_queue_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf)
{
    if (lmcf->redis == NULL) {
        return NGX_OK;
    }

    ngx_live_help_queue_conf = lmcf;

    /* a few sweeps within the grace period, but not a busy loop */
    ngx_live_help_queue_interval = lmcf->agent_grace / 4;

    if (ngx_live_help_queue_interval < NGX_LIVE_HELP_SWEEP_MIN) {
        ngx_live_help_queue_interval = NGX_LIVE_HELP_SWEEP_MIN;
    }

    if (ngx_live_help_queue_interval > NGX_LIVE_HELP_SWEEP_MAX) {
        ngx_live_help_queue_interval = NGX_LIVE_HELP_SWEEP_MAX;
    }

    ngx_live_help_queue_timer.handler = ngx_live_help_queue_sweep;
    ngx_live_help_queue_timer.log = cycle->log;
    ngx_live_help_queue_timer.cancelable = 1;

    ngx_add_timer(&ngx_live_help_queue_timer, NGX_LIVE_HELP_SWEEP_MIN);

    ngx_live_help_queue_online_timer.handler = ngx_live_help_queue_online;
    ngx_live_help_queue_online_timer.log = cycle->log;
    ngx_live_help_queue_online_timer.cancelable = 1;

    ngx_add_timer(&ngx_live_help_queue_online_timer,
                  NGX_LIVE_HELP_ONLINE_REFRESH);

    return NGX_OK;
}


void
ngx_live_help_queue_exit_process(void)
{
    if (ngx_live_help_queue_timer.timer_set) {
        ngx_del_timer(&ngx_live_help_queue_timer);
    }

    if (ngx_live_help_queue_online_timer.timer_set) {
        ngx_del_timer(&ngx_live_help_queue_online_timer);
    }
}


static ngx_msec_t
ngx_live_help_queue_now(u_char *buf, size_t *len)
{
    ngx_msec_t   now;
    ngx_time_t  *tp;

    tp = ngx_timeofday();
    now = (ngx_msec_t) tp->sec * 1000 + tp->msec;
    *len = ngx_sprintf(buf, "%M", now) - buf;

    return now;
}


ngx_int_t
ngx_live_help_queue_agent(ngx_live_help_agent_info_t *info)
{
    u_char                *p, *last, now[NGX_INT64_LEN];
    u_char                 max[NGX_INT_T_LEN], depts[1024];
    u_char                 keep[NGX_TIME_T_LEN], cap[NGX_INT_T_LEN];
    ngx_str_t              args[10];
    ngx_uint_t             i;
    ngx_live_help_dept_t  *d;

    p = depts;
    last = depts + sizeof(depts);

    if (info->serve.len) {
        p = ngx_slprintf(p, last, "%V", &info->serve);

    } else if (info->departments) {
        d = info->departments->elts;

        for (i = 0; i < info->departments->nelts; i++) {
            p = ngx_slprintf(p, last, "%s%V", i ? " " : "", &d[i].id);
        }
    }

    ngx_str_set(&args[0], "agent");
    args[1].data = now;
    (void) ngx_live_help_queue_now(now, &args[1].len);
    args[2] = info->id;
    args[3] = info->name;

    if (info->away) {
        ngx_str_set(&args[4], "away");

    } else {
        ngx_str_set(&args[4], "online");
    }

    args[5].data = depts;
    args[5].len = p - depts;
    args[6].data = max;
    args[6].len = ngx_sprintf(max, "%ui", info->max_chats) - max;

    if (ngx_live_help_queue_conf->assign) {
        ngx_str_set(&args[7], "1");

    } else {
        ngx_str_set(&args[7], "0");
    }

    args[8].data = keep;
    args[8].len = ngx_sprintf(keep, "%T", ngx_live_help_queue_conf->retention)
                  - keep;

    args[9].data = cap;
    args[9].len = ngx_sprintf(cap, "%i", ngx_live_help_queue_conf->max_events)
                  - cap;

    return ngx_live_help_queue_tell(NGX_LIVE_HELP_SCRIPT_CONVERSATION, 10,
                                    args);
}


ngx_int_t
ngx_live_help_queue_list(ngx_live_help_store_req_t *req, ngx_str_t *me,
    ngx_uint_t agents_only, ngx_str_t *list, size_t offset)
{
    u_char     now[NGX_INT64_LEN], from[NGX_SIZE_T_LEN];
    ngx_str_t  args[6];

    args[0].data = now;
    (void) ngx_live_help_queue_now(now, &args[0].len);
    args[1] = *me;
    ngx_str_set(&args[2], NGX_LIVE_HELP_LIST_LIMIT);

    if (agents_only) {
        ngx_str_set(&args[3], "agents");

    } else if (list) {
        ngx_str_set(&args[3], "page");
        args[4] = *list;
        args[5].data = from;
        args[5].len = ngx_sprintf(from, "%uz", offset) - from;

        return ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_LIST, 6,
                                        args);

    } else {
        ngx_str_set(&args[3], "all");
    }

    return ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_LIST, 4, args);
}


static void
ngx_live_help_queue_sweep(ngx_event_t *ev)
{
    u_char                      now[NGX_INT64_LEN], grace[NGX_INT_T_LEN];
    u_char                      old[NGX_INT64_LEN], keep[NGX_TIME_T_LEN];
    u_char                      cap[NGX_INT_T_LEN];
    ngx_str_t                   args[6];
    ngx_msec_t                  ms;
    ngx_live_help_store_req_t  *req;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(ev, ngx_live_help_queue_interval);

    if (!ngx_live_help_store_up() || ngx_live_help_queue_sweeping) {
        return;
    }

    args[1].data = now;
    ms = ngx_live_help_queue_now(now, &args[1].len);

    /* how long logs are kept and how long they get: migrate and sweep
     * both say it fifth and sixth */
    args[4].data = keep;
    args[4].len = ngx_sprintf(keep, "%T", ngx_live_help_queue_conf->retention)
                  - keep;
    args[5].data = cap;
    args[5].len = ngx_sprintf(cap, "%i", ngx_live_help_queue_conf->max_events)
                  - cap;

    if (!ngx_live_help_queue_migrated_all) {
        req = ngx_live_help_store_req(NULL, &ngx_live_help_queue_timer,
                                      ngx_live_help_queue_migrated, 0);
        if (req == NULL) {
            return;
        }

        ngx_str_set(&args[0], "migrate");
        ngx_str_set(&args[2], NGX_LIVE_HELP_MIGRATE_BATCH);
        args[3].data = old;
        args[3].len = ngx_sprintf(old, "%M", ms - NGX_LIVE_HELP_MIGRATE_OPEN)
                      - old;

        if (ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_CONVERSATION,
                                     6, args)
            != NGX_OK)
        {
            ngx_live_help_store_req_free(req);
            return;
        }

        ngx_live_help_queue_sweeping = 1;
        return;
    }

    req = ngx_live_help_store_req(NULL, &ngx_live_help_queue_timer,
                                  ngx_live_help_queue_swept, 0);
    if (req == NULL) {
        return;
    }

    ngx_str_set(&args[0], "sweep");
    args[2].data = grace;
    args[2].len = ngx_sprintf(grace, "%M",
                              ngx_live_help_queue_conf->agent_grace)
                  - grace;

    if (ngx_live_help_queue_conf->assign) {
        ngx_str_set(&args[3], "1");

    } else {
        ngx_str_set(&args[3], "0");
    }

    if (ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_CONVERSATION, 6,
                                 args)
        != NGX_OK)
    {
        ngx_live_help_store_req_free(req);
        return;
    }

    ngx_live_help_queue_sweeping = 1;
}


static void
ngx_live_help_queue_swept(ngx_live_help_store_req_t *req, redisReply *reply)
{
    ngx_live_help_queue_sweeping = 0;

    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "live_help: sweep moved %L conversations",
                       (int64_t) reply->integer);
    }
}


static void
ngx_live_help_queue_migrated(ngx_live_help_store_req_t *req,
    redisReply *reply)
{
    ngx_live_help_queue_sweeping = 0;

    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        ngx_live_help_queue_migrated_all = 1;
    }
}


/* a request for a script whose answer nobody waits for */

static ngx_int_t
ngx_live_help_queue_tell(ngx_uint_t script, ngx_uint_t nargs,
    ngx_str_t *args)
{
    ngx_live_help_store_req_t  *req;

    req = ngx_live_help_store_req(NULL, &ngx_live_help_queue_timer, NULL, 0);
    if (req == NULL) {
        return NGX_ERROR;
    }

    if (ngx_live_help_store_call(req, script, nargs, args) != NGX_OK)
    {
        ngx_live_help_store_req_free(req);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_live_help_queue_page(ngx_str_t *visitor, ngx_live_help_page_t *page)
{
    u_char      now[NGX_INT64_LEN], lapse[NGX_INT64_LEN];
    ngx_str_t   args[10];
    ngx_msec_t  ms;

    ngx_str_set(&args[0], "page");
    args[1].data = now;
    ms = ngx_live_help_queue_now(now, &args[1].len);
    args[2] = *visitor;
    ngx_str_set(&args[3], NGX_LIVE_HELP_VISITOR_TTL);
    args[4].data = lapse;
    args[4].len = ngx_sprintf(lapse, "%M", ms + NGX_LIVE_HELP_ONLINE_LAPSE)
                  - lapse;
    args[5] = page->url;
    args[6] = page->title;
    args[7] = page->referrer;
    args[8] = page->browser;

    if (page->first) {
        ngx_str_set(&args[9], "1");

    } else {
        ngx_str_set(&args[9], "0");
    }

    return ngx_live_help_queue_tell(NGX_LIVE_HELP_SCRIPT_VISITOR, 10, args);
}


ngx_int_t
ngx_live_help_queue_profile(ngx_str_t *visitor, ngx_str_t *name,
    ngx_str_t *email)
{
    u_char     now[NGX_INT64_LEN];
    ngx_str_t  args[6];

    ngx_str_set(&args[0], "profile");
    args[1].data = now;
    (void) ngx_live_help_queue_now(now, &args[1].len);
    args[2] = *visitor;
    ngx_str_set(&args[3], NGX_LIVE_HELP_VISITOR_TTL);
    args[4] = *name;
    args[5] = *email;

    return ngx_live_help_queue_tell(NGX_LIVE_HELP_SCRIPT_VISITOR, 6, args);
}


ngx_int_t
ngx_live_help_queue_left(ngx_str_t *visitor)
{
    u_char     now[NGX_INT64_LEN];
    ngx_str_t  args[3];

    ngx_str_set(&args[0], "left");
    args[1].data = now;
    (void) ngx_live_help_queue_now(now, &args[1].len);
    args[2] = *visitor;

    return ngx_live_help_queue_tell(NGX_LIVE_HELP_SCRIPT_VISITOR, 3, args);
}


ngx_int_t
ngx_live_help_queue_visitors(ngx_live_help_store_req_t *req,
    ngx_str_t *visitor)
{
    u_char     now[NGX_INT64_LEN];
    ngx_str_t  args[3];

    args[1].data = now;
    (void) ngx_live_help_queue_now(now, &args[1].len);

    if (visitor) {
        ngx_str_set(&args[0], "get");
        args[2] = *visitor;

    } else {
        ngx_str_set(&args[0], "list");
        ngx_str_set(&args[2], NGX_LIVE_HELP_VISITORS_MAX);
    }

    return ngx_live_help_store_call(req, NGX_LIVE_HELP_SCRIPT_VISITOR, 3,
                                    args);
}


/*
 * Every 30 s the visitors of this worker are told online for 90 s more,
 * 500 at a time every 50 ms: one ZADD of thousands held Redis for 30 ms
 * and more (bench/README.md "Visitors online").
 */

static void
ngx_live_help_queue_online(ngx_event_t *ev)
{
    ngx_int_t    rc;
    ngx_time_t  *tp;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (ngx_live_help_queue_online_from == 0) {
        /* a pass begins */
        tp = ngx_timeofday();
        ngx_live_help_queue_online_until = (ngx_msec_t) tp->sec * 1000
                                           + tp->msec
                                           + NGX_LIVE_HELP_ONLINE_LAPSE;
    }

    rc = ngx_live_help_store_up()
         ? ngx_live_help_store_online(ngx_live_help_queue_online_until,
                                      &ngx_live_help_queue_online_from,
                                      NGX_LIVE_HELP_ONLINE_SLICE)
         : NGX_DONE;

    if (rc == NGX_OK) {
        ngx_add_timer(ev, NGX_LIVE_HELP_ONLINE_TICK);
        return;
    }

    ngx_live_help_queue_online_from = 0;
    ngx_add_timer(ev, NGX_LIVE_HELP_ONLINE_REFRESH);
}
