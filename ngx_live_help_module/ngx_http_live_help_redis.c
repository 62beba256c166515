
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

    if (rd->ac) {
        /* pending handlers are called with no reply */
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
    rd->ready = 1;

    /* pipelined ahead of everything else */

    if (rd->conf->redis_password.len) {
        argv[0] = "AUTH";
        len[0] = 4;
        argv[1] = (const char *) rd->conf->redis_password.data;
        len[1] = rd->conf->redis_password.len;

        (void) ngx_live_help_redis_argv(rd, ngx_live_help_redis_setup_reply,
                                        "AUTH", 2, argv, len);
    }

    if (rd->conf->redis_db > 0) {
        argv[0] = "SELECT";
        len[0] = 6;
        argv[1] = db;
        len[1] = ngx_sprintf((u_char *) db, "%i", rd->conf->redis_db)
                 - (u_char *) db;

        (void) ngx_live_help_redis_argv(rd, ngx_live_help_redis_setup_reply,
                                        "SELECT", 2, argv, len);
    }

    if (rd->ready_handler) {
        rd->ready_handler(rd);
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
    rd->ready = 0;
    rd->pending = 0;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
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
    ngx_live_help_redis_cmd_t  *cmd;

    if (!rd->ready) {
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

    if (rd->ac == ac && rd->ready) {
        if (rd->pending == 0) {
            if (rd->timer.timer_set) {
                ngx_del_timer(&rd->timer);
            }

        } else {
            ngx_add_timer(&rd->timer, NGX_LIVE_HELP_REDIS_REPLY_TIMEOUT);
        }
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
    rd->ready = 0;
}
