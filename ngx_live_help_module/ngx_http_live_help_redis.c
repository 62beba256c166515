
/*
 * Redis connections of a worker: hiredis's async API on nginx's event loop.
 *
 * hiredis reads once per call, so its socket is watched level-triggered.
 * The address was resolved when the configuration was read: connecting
 * never waits for DNS.  Timeouts are nginx timers, cancelable, so that
 * they do not keep an exiting worker alive.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_live_help_redis.h"


#define NGX_LIVE_HELP_REDIS_CONNECT_TIMEOUT  3000
#define NGX_LIVE_HELP_REDIS_REPLY_TIMEOUT    5000
#define NGX_LIVE_HELP_REDIS_BACKOFF_MIN      100
#define NGX_LIVE_HELP_REDIS_BACKOFF_MAX      5000
#define NGX_LIVE_HELP_REDIS_PROBE_MIN        100
#define NGX_LIVE_HELP_REDIS_PROBE_MAX        1000

/* a peer gone without a word (host down, link cut) is found in ~25 s */
#define NGX_LIVE_HELP_REDIS_KEEPIDLE         10
#define NGX_LIVE_HELP_REDIS_KEEPINTVL        5
#define NGX_LIVE_HELP_REDIS_KEEPCNT          3


typedef struct {
    ngx_live_help_redis_t         *rd;
    ngx_live_help_redis_reply_pt   handler;
    void                          *data;
} ngx_live_help_redis_cmd_t;


static void ngx_live_help_redis_connect(ngx_live_help_redis_t *rd);
static void ngx_live_help_redis_retry(ngx_live_help_redis_t *rd);
static void ngx_live_help_redis_timer(ngx_event_t *ev);
static void ngx_live_help_redis_read(ngx_event_t *rev);
static void ngx_live_help_redis_write(ngx_event_t *wev);
static void ngx_live_help_redis_add_read(void *privdata);
static void ngx_live_help_redis_del_read(void *privdata);
static void ngx_live_help_redis_add_write(void *privdata);
static void ngx_live_help_redis_del_write(void *privdata);
static void ngx_live_help_redis_cleanup(void *privdata);
static void ngx_live_help_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_live_help_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_live_help_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_live_help_redis_setup_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static ngx_int_t ngx_live_help_redis_command(ngx_live_help_redis_t *rd,
    ngx_live_help_redis_reply_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen);
static void ngx_live_help_redis_probe(ngx_live_help_redis_t *rd);
static void ngx_live_help_redis_probe_timer(ngx_event_t *ev);
static void ngx_live_help_redis_probe_reply(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);
static void ngx_live_help_redis_probe_again(ngx_live_help_redis_t *rd);
static void ngx_live_help_redis_check(ngx_live_help_redis_t *rd,
    redisReply *reply);
static void ngx_live_help_redis_keepalive(ngx_live_help_redis_t *rd,
    ngx_socket_t fd);


ngx_int_t
ngx_live_help_redis_init(ngx_live_help_redis_t *rd,
    ngx_http_live_help_main_conf_t *lmcf, const char *name, ngx_log_t *log)
{
    rd->conf = lmcf;
    rd->name = name;
    rd->log = log;
    rd->backoff = NGX_LIVE_HELP_REDIS_BACKOFF_MIN;

    rd->timer.handler = ngx_live_help_redis_timer;
    rd->timer.data = rd;
    rd->timer.log = log;
    rd->timer.cancelable = 1;

    rd->probe_backoff = NGX_LIVE_HELP_REDIS_PROBE_MIN;
    rd->probe_timer.handler = ngx_live_help_redis_probe_timer;
    rd->probe_timer.data = rd;
    rd->probe_timer.log = log;
    rd->probe_timer.cancelable = 1;

    ngx_live_help_redis_connect(rd);

    return NGX_OK;
}


void
ngx_live_help_redis_exit(ngx_live_help_redis_t *rd)
{
    rd->exiting = 1;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    if (rd->probe_timer.timer_set) {
        ngx_del_timer(&rd->probe_timer);
    }

    if (rd->ac) {
        /* pending handlers are called with no reply, and send nothing */
        rd->ready = 0;
        redisAsyncFree(rd->ac);
    }
}


static void
ngx_live_help_redis_connect(ngx_live_help_redis_t *rd)
{
    u_char              text[NGX_SOCKADDR_STRLEN + 1];
    size_t              len;
    ngx_url_t          *u;
    ngx_addr_t         *addr;
    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    u = rd->conf->redis;
    addr = &u->addrs[0];

#if (NGX_HAVE_UNIX_DOMAIN)
    if (addr->sockaddr->sa_family == AF_UNIX) {
        ac = redisAsyncConnectUnix(
                 ((struct sockaddr_un *) addr->sockaddr)->sun_path);
    } else
#endif
    {
        len = ngx_sock_ntop(addr->sockaddr, addr->socklen, text,
                            NGX_SOCKADDR_STRLEN, 0);
        text[len] = '\0';

        ac = redisAsyncConnect((const char *) text, (int) u->port);

        if (ac && !ac->err) {
            ngx_live_help_redis_keepalive(rd, ac->c.fd);
        }
    }

    if (ac == NULL || ac->err) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "live_help: redis %s connection to \"%V\" failed: %s",
                      rd->name, &u->url, ac ? ac->errstr : "no memory");
        if (ac) {
            redisAsyncFree(ac);
        }

        ngx_live_help_redis_retry(rd);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_live_help_redis_retry(rd);
        return;
    }

    c->data = rd;
    c->read->handler = ngx_live_help_redis_read;
    c->write->handler = ngx_live_help_redis_write;
    c->read->log = rd->log;
    c->write->log = rd->log;
    c->log = rd->log;

    rd->ac = ac;
    rd->connection = c;

    ac->data = rd;
    ac->ev.data = rd;
    ac->ev.addRead = ngx_live_help_redis_add_read;
    ac->ev.delRead = ngx_live_help_redis_del_read;
    ac->ev.addWrite = ngx_live_help_redis_add_write;
    ac->ev.delWrite = ngx_live_help_redis_del_write;
    ac->ev.cleanup = ngx_live_help_redis_cleanup;

    redisAsyncSetDisconnectCallback(ac, ngx_live_help_redis_disconnected);

    /* watches for the end of the non-blocking connect */
    redisAsyncSetConnectCallback(ac, ngx_live_help_redis_connected);

    ngx_add_timer(&rd->timer, NGX_LIVE_HELP_REDIS_CONNECT_TIMEOUT);
}


static void
ngx_live_help_redis_retry(ngx_live_help_redis_t *rd)
{
    if (rd->exiting || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(&rd->timer, rd->backoff);

    rd->backoff = ngx_min(rd->backoff * 2, NGX_LIVE_HELP_REDIS_BACKOFF_MAX);
}


static void
ngx_live_help_redis_timer(ngx_event_t *ev)
{
    ngx_live_help_redis_t  *rd;

    rd = ev->data;

    if (rd->ac == NULL) {
        ngx_live_help_redis_connect(rd);
        return;
    }

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "live_help: redis %s connection to \"%V\" timed out, "
                  "reconnecting", rd->name, &rd->conf->redis->url);

    rd->ready = 0;
    redisAsyncFree(rd->ac);

    if (rd->ac == NULL && !rd->timer.timer_set) {
        ngx_live_help_redis_retry(rd);
    }
}


static void
ngx_live_help_redis_connected(const redisAsyncContext *ac, int status)
{
    char                   db[NGX_INT_T_LEN];
    size_t                 len[2];
    const char            *argv[2];
    ngx_live_help_redis_t  *rd;

    rd = ac->data;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    if (status != REDIS_OK) {
        /* hiredis frees the context after this */
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "live_help: redis %s connection to \"%V\" failed: %s",
                      rd->name, &rd->conf->redis->url, ac->errstr);
        rd->ac = NULL;
        ngx_live_help_redis_retry(rd);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                  "live_help: redis %s connection to \"%V\" is up",
                  rd->name, &rd->conf->redis->url);

    rd->backoff = NGX_LIVE_HELP_REDIS_BACKOFF_MIN;
    rd->connected = 1;

    /* pipelined ahead of everything else */

    if (rd->conf->redis_password.len) {
        argv[0] = "AUTH";
        len[0] = 4;
        argv[1] = (const char *) rd->conf->redis_password.data;
        len[1] = rd->conf->redis_password.len;

        (void) ngx_live_help_redis_command(rd,
                                           ngx_live_help_redis_setup_reply,
                                           "AUTH", 2, argv, len);
    }

    if (rd->conf->redis_db > 0) {
        argv[0] = "SELECT";
        len[0] = 6;
        argv[1] = db;
        len[1] = ngx_sprintf((u_char *) db, "%i", rd->conf->redis_db)
                 - (u_char *) db;

        (void) ngx_live_help_redis_command(rd,
                                           ngx_live_help_redis_setup_reply,
                                           "SELECT", 2, argv, len);
    }

    if (rd->writes) {
        rd->probe_backoff = NGX_LIVE_HELP_REDIS_PROBE_MIN;
        rd->told_refusal = 0;
        ngx_live_help_redis_probe(rd);
        return;
    }

    rd->ready = 1;

    if (rd->ready_handler) {
        rd->ready_handler(rd);
    }
}


/*
 * SCRIPT LOAD of every script, then ROLE: both refused with LOADING while
 * Redis loads its data, and a replica takes no writes.  Pipelined behind
 * AUTH and SELECT; a Redis that does not answer at all times out as any
 * command does, and the connection is made again.
 */

static void
ngx_live_help_redis_probe(ngx_live_help_redis_t *rd)
{
    size_t       len[3];
    ngx_uint_t   i;
    const char  *argv[3];

    rd->probing = 0;
    rd->probe_failed = 0;

    for (i = 0; i < rd->nscripts; i++) {
        argv[0] = "SCRIPT";
        len[0] = 6;
        argv[1] = "LOAD";
        len[1] = 4;
        argv[2] = (const char *) rd->scripts[i].data;
        len[2] = rd->scripts[i].len;

        if (ngx_live_help_redis_command(rd, ngx_live_help_redis_probe_reply,
                                        "SCRIPT LOAD", 3, argv, len)
            != NGX_OK)
        {
            goto failed;
        }

        rd->probing++;
    }

    argv[0] = "ROLE";
    len[0] = 4;

    if (ngx_live_help_redis_command(rd, ngx_live_help_redis_probe_reply,
                                    "ROLE", 1, argv, len)
        != NGX_OK)
    {
        goto failed;
    }

    rd->probing++;

    return;

failed:

    rd->probe_failed = 1;

    if (rd->probing == 0) {
        ngx_live_help_redis_probe_again(rd);
    }
}


static void
ngx_live_help_redis_probe_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    const char  *what, *why;

    if (reply == NULL || !rd->connected) {
        /* the connection went: it is probed again when it is back */
        return;
    }

    what = data;
    why = NULL;

    if (reply->type == REDIS_REPLY_ERROR) {
        why = reply->str;

    } else if (ngx_strcmp(what, "ROLE") == 0
               && (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0
                   || reply->element[0]->type != REDIS_REPLY_STRING
                   || ngx_strcmp(reply->element[0]->str, "master") != 0))
    {
        why = "a replica takes no writes";
    }

    if (why) {
        rd->probe_failed = 1;

        if (!rd->told_refusal) {
            rd->told_refusal = 1;
            ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                          "live_help: redis %s connection to \"%V\" "
                          "waits: %s answered \"%s\"",
                          rd->name, &rd->conf->redis->url, what, why);
        }
    }

    if (rd->probing == 0 || --rd->probing) {
        return;
    }

    if (rd->probe_failed) {
        ngx_live_help_redis_probe_again(rd);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                  "live_help: redis %s connection to \"%V\" is ready",
                  rd->name, &rd->conf->redis->url);

    rd->ready = 1;
    rd->told_refusal = 0;
    rd->probe_backoff = NGX_LIVE_HELP_REDIS_PROBE_MIN;

    if (rd->ready_handler) {
        rd->ready_handler(rd);
    }
}


static void
ngx_live_help_redis_probe_again(ngx_live_help_redis_t *rd)
{
    if (rd->exiting || ngx_exiting || ngx_terminate || ngx_quit
        || rd->probe_timer.timer_set)
    {
        return;
    }

    ngx_add_timer(&rd->probe_timer, rd->probe_backoff);

    rd->probe_backoff = ngx_min(rd->probe_backoff * 2,
                                NGX_LIVE_HELP_REDIS_PROBE_MAX);
}


static void
ngx_live_help_redis_probe_timer(ngx_event_t *ev)
{
    ngx_live_help_redis_t  *rd;

    rd = ev->data;

    if (rd->connected && !rd->ready && rd->probing == 0) {
        ngx_live_help_redis_probe(rd);
    }
}


/*
 * Answers that say this Redis takes no writes for now: everything sent
 * after this is refused at once, and the connection is probed again, so
 * that "ready" keeps meaning that a write succeeds.
 */

static void
ngx_live_help_redis_check(ngx_live_help_redis_t *rd, redisReply *reply)
{
    if (!rd->ready || !rd->writes || reply == NULL
        || reply->type != REDIS_REPLY_ERROR
        || (ngx_strncmp(reply->str, "LOADING", 7) != 0
            && ngx_strncmp(reply->str, "READONLY", 8) != 0
            && ngx_strncmp(reply->str, "MASTERDOWN", 10) != 0
            && ngx_strncmp(reply->str, "NOAUTH", 6) != 0))
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "live_help: redis %s connection to \"%V\" is not ready: "
                  "\"%s\"", rd->name, &rd->conf->redis->url, reply->str);

    rd->ready = 0;
    rd->told_refusal = 1;
    ngx_live_help_redis_probe_again(rd);

    if (rd->lost_handler) {
        rd->lost_handler(rd);
    }
}


static void
ngx_live_help_redis_setup_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "live_help: redis %s refused %s: %s",
                      rd->name, (char *) data, reply->str);
    }
}


static void
ngx_live_help_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_uint_t              level;
    ngx_live_help_redis_t  *rd;

    rd = ac->data;

    level = rd->exiting ? NGX_LOG_INFO : NGX_LOG_ERR;

    ngx_log_error(level, rd->log, 0,
                  "live_help: redis %s connection to \"%V\" lost%s%s",
                  rd->name, &rd->conf->redis->url,
                  status == REDIS_OK ? "" : ": ",
                  status == REDIS_OK ? "" : ac->errstr);

    rd->ac = NULL;
    rd->connected = 0;
    rd->ready = 0;
    rd->pending = 0;
    rd->probing = 0;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    if (rd->probe_timer.timer_set) {
        ngx_del_timer(&rd->probe_timer);
    }

    ngx_live_help_redis_retry(rd);

    if (rd->lost_handler && !rd->exiting) {
        rd->lost_handler(rd);
    }
}


ngx_int_t
ngx_live_help_redis_argv(ngx_live_help_redis_t *rd,
    ngx_live_help_redis_reply_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    if (!rd->ready) {
        return NGX_ERROR;
    }

    return ngx_live_help_redis_command(rd, handler, data, argc, argv,
                                       argvlen);
}


/* also before the connection is ready: the setup and the probe */

static ngx_int_t
ngx_live_help_redis_command(ngx_live_help_redis_t *rd,
    ngx_live_help_redis_reply_pt handler, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_live_help_redis_cmd_t  *cmd;

    if (!rd->connected) {
        return NGX_ERROR;
    }

    cmd = ngx_alloc(sizeof(ngx_live_help_redis_cmd_t), rd->log);
    if (cmd == NULL) {
        return NGX_ERROR;
    }

    cmd->rd = rd;
    cmd->handler = handler;
    cmd->data = data;

    if (redisAsyncCommandArgv(rd->ac, ngx_live_help_redis_reply, cmd, argc,
                              argv, argvlen)
        != REDIS_OK)
    {
        ngx_free(cmd);
        return NGX_ERROR;
    }

    /* a reply that does not come in time means a dead connection */
    if (rd->pending++ == 0) {
        ngx_add_timer(&rd->timer, NGX_LIVE_HELP_REDIS_REPLY_TIMEOUT);
    }

    return NGX_OK;
}


static void
ngx_live_help_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_live_help_redis_t      *rd;
    ngx_live_help_redis_cmd_t  *cmd;

    cmd = privdata;
    rd = cmd->rd;

    if (rd->pending) {
        rd->pending--;
    }

    if (rd->ac == ac && rd->connected) {
        if (rd->pending == 0) {
            if (rd->timer.timer_set) {
                ngx_del_timer(&rd->timer);
            }

        } else {
            ngx_add_timer(&rd->timer, NGX_LIVE_HELP_REDIS_REPLY_TIMEOUT);
        }
    }

    if (rd->ac == ac) {
        ngx_live_help_redis_check(rd, r);
    }

    if (cmd->handler) {
        cmd->handler(rd, r, cmd->data);
    }

    ngx_free(cmd);
}


ngx_int_t
ngx_live_help_redis_subscribe(ngx_live_help_redis_t *rd,
    redisCallbackFn *handler, void *data, int argc, const char **argv,
    const size_t *argvlen)
{
    if (!rd->ready) {
        return NGX_ERROR;
    }

    if (redisAsyncCommandArgv(rd->ac, handler, data, argc, argv, argvlen)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_live_help_redis_read(ngx_event_t *rev)
{
    ngx_connection_t       *c;
    ngx_live_help_redis_t  *rd;

    c = rev->data;
    rd = c->data;

    if (c->close) {
        /* worker_shutdown_timeout: every connection goes */
        rd->exiting = 1;
        rd->ready = 0;
        redisAsyncFree(rd->ac);
        return;
    }

    redisAsyncHandleRead(rd->ac);
}


static void
ngx_live_help_redis_write(ngx_event_t *wev)
{
    ngx_connection_t       *c;
    ngx_live_help_redis_t  *rd;

    c = wev->data;
    rd = c->data;

    redisAsyncHandleWrite(rd->ac);
}


static void
ngx_live_help_redis_add_read(void *privdata)
{
    ngx_live_help_redis_t  *rd = privdata;

    if (!rd->connection->read->active) {
        (void) ngx_add_event(rd->connection->read, NGX_READ_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_live_help_redis_del_read(void *privdata)
{
    ngx_live_help_redis_t  *rd = privdata;

    if (rd->connection->read->active) {
        (void) ngx_del_event(rd->connection->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_live_help_redis_add_write(void *privdata)
{
    ngx_live_help_redis_t  *rd = privdata;

    if (!rd->connection->write->active) {
        (void) ngx_add_event(rd->connection->write, NGX_WRITE_EVENT,
                             NGX_LEVEL_EVENT);
    }
}


static void
ngx_live_help_redis_del_write(void *privdata)
{
    ngx_live_help_redis_t  *rd = privdata;

    if (rd->connection->write->active) {
        (void) ngx_del_event(rd->connection->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis frees its context and closes the socket: let go of ours */

static void
ngx_live_help_redis_cleanup(void *privdata)
{
    ngx_connection_t       *c;
    ngx_live_help_redis_t  *rd = privdata;

    c = rd->connection;

    if (c == NULL) {
        return;
    }

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;

    rd->connection = NULL;
    rd->ac = NULL;
    rd->connected = 0;
    rd->ready = 0;
}


/*
 * The subscriber connection only ever reads: without keepalive a Redis
 * host that vanished without a reset would leave it waiting for ever, and
 * every follower of the worker would miss what is announced.
 */

static void
ngx_live_help_redis_keepalive(ngx_live_help_redis_t *rd, ngx_socket_t fd)
{
    int  value;

    value = 1;

    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, (const void *) &value,
                   sizeof(int))
        == -1)
    {
        ngx_log_error(NGX_LOG_WARN, rd->log, ngx_socket_errno,
                      "live_help: setsockopt(SO_KEEPALIVE) failed");
        return;
    }

#if (NGX_HAVE_KEEPALIVE_TUNABLE)

    value = NGX_LIVE_HELP_REDIS_KEEPIDLE;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, (const void *) &value,
                      sizeof(int));

    value = NGX_LIVE_HELP_REDIS_KEEPINTVL;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, (const void *) &value,
                      sizeof(int));

    value = NGX_LIVE_HELP_REDIS_KEEPCNT;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, (const void *) &value,
                      sizeof(int));

#endif
}
