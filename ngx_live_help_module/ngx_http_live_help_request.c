
/*
 * Requests to Redis on the worker's command connection, for the layers
 * above: a request object that outlives its owner (the answer to a socket
 * that went is dropped), and the module's Lua scripts (the files of lua/,
 * embedded by gen_scripts.pl), sent by their SHA and whole after a
 * NOSCRIPT, with their arguments kept for that.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <openssl/sha.h>

#include "ngx_http_live_help_request.h"


static ngx_int_t ngx_live_help_store_send(ngx_live_help_store_req_t *req);
static void ngx_live_help_store_called(ngx_live_help_redis_t *rd,
    redisReply *reply, void *data);


extern ngx_str_t                        ngx_live_help_script_conversation;
extern ngx_str_t                        ngx_live_help_script_list;
extern ngx_str_t                        ngx_live_help_script_visitor;

static ngx_live_help_redis_t           *ngx_live_help_request_cmd;
static ngx_str_t                        ngx_live_help_scripts[
                                            NGX_LIVE_HELP_NSCRIPTS];
static char                             ngx_live_help_sha[
                                            NGX_LIVE_HELP_NSCRIPTS][41];


/* the scripts, loaded by the connection each time it is (re)made */

void
ngx_live_help_request_init(ngx_live_help_redis_t *cmd)
{
    ngx_uint_t     i, k;
    unsigned char  sha[SHA_DIGEST_LENGTH];

    ngx_live_help_request_cmd = cmd;

    ngx_live_help_scripts[NGX_LIVE_HELP_SCRIPT_CONVERSATION] =
        ngx_live_help_script_conversation;
    ngx_live_help_scripts[NGX_LIVE_HELP_SCRIPT_LIST] =
        ngx_live_help_script_list;
    ngx_live_help_scripts[NGX_LIVE_HELP_SCRIPT_VISITOR] =
        ngx_live_help_script_visitor;

    for (k = 0; k < NGX_LIVE_HELP_NSCRIPTS; k++) {
        SHA1(ngx_live_help_scripts[k].data, ngx_live_help_scripts[k].len,
             sha);

        for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
            ngx_sprintf((u_char *) &ngx_live_help_sha[k][2 * i], "%02xd",
                        sha[i]);
        }
    }

    cmd->scripts = ngx_live_help_scripts;
    cmd->nscripts = NGX_LIVE_HELP_NSCRIPTS;
}


ngx_live_help_store_req_t *
ngx_live_help_store_req(ngx_queue_t *list, void *owner,
    ngx_live_help_store_reply_pt handler, size_t size)
{
    ngx_live_help_store_req_t  *req;

    req = ngx_calloc(offsetof(ngx_live_help_store_req_t, data) + size + 1,
                     ngx_cycle->log);
    if (req == NULL) {
        return NULL;
    }

    req->handler = handler;
    req->owner = owner;

    if (list) {
        ngx_queue_insert_tail(list, &req->link);

    } else {
        ngx_queue_init(&req->link);
    }

    return req;
}


void
ngx_live_help_store_req_free(ngx_live_help_store_req_t *req)
{
    if (req->owner) {
        ngx_queue_remove(&req->link);
    }

    if (req->args) {
        ngx_free(req->args);
    }

    ngx_free(req);
}


/* the owner goes: answers still to come find nobody */

void
ngx_live_help_store_forget(ngx_queue_t *list)
{
    ngx_queue_t                *q;
    ngx_live_help_store_req_t  *req;

    while (!ngx_queue_empty(list)) {
        q = ngx_queue_head(list);
        ngx_queue_remove(q);
        req = ngx_queue_data(q, ngx_live_help_store_req_t, link);
        req->owner = NULL;
    }
}


void
ngx_live_help_request_reply(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    ngx_live_help_store_req_t  *req;

    req = data;

    if (req->owner && req->handler) {
        req->handler(req, reply);
    }

    ngx_live_help_store_req_free(req);
}


ngx_int_t
ngx_live_help_store_call(ngx_live_help_store_req_t *req, ngx_uint_t script,
    ngx_uint_t nargs, ngx_str_t *args)
{
    u_char      *p;
    size_t       size;
    ngx_uint_t   i;

    if (nargs > NGX_LIVE_HELP_SCRIPT_ARGS) {
        return NGX_ERROR;
    }

    size = nargs * sizeof(ngx_str_t);

    for (i = 0; i < nargs; i++) {
        size += args[i].len;
    }

    if (req->args) {
        ngx_free(req->args);
    }

    req->args = ngx_alloc(size + 1, ngx_cycle->log);
    if (req->args == NULL) {
        return NGX_ERROR;
    }

    p = (u_char *) &req->args[nargs];

    for (i = 0; i < nargs; i++) {
        req->args[i].data = p;
        req->args[i].len = args[i].len;

        if (args[i].len) {
            p = ngx_cpymem(p, args[i].data, args[i].len);
        }
    }

    req->nargs = nargs;
    req->script = script;
    req->eval = 0;

    return ngx_live_help_store_send(req);
}


static ngx_int_t
ngx_live_help_store_send(ngx_live_help_store_req_t *req)
{
    size_t       argl[3 + NGX_LIVE_HELP_SCRIPT_ARGS];
    ngx_uint_t   i, argc;
    const char  *argv[3 + NGX_LIVE_HELP_SCRIPT_ARGS];

    argc = 0;

    if (req->eval) {
        argv[argc] = "EVAL";
        argl[argc++] = 4;
        argv[argc] = (char *) ngx_live_help_scripts[req->script].data;
        argl[argc++] = ngx_live_help_scripts[req->script].len;

    } else {
        argv[argc] = "EVALSHA";
        argl[argc++] = 7;
        argv[argc] = ngx_live_help_sha[req->script];
        argl[argc++] = 40;
    }

    /* no keys: the scripts make them (see their headers) */
    argv[argc] = "0";
    argl[argc++] = 1;

    for (i = 0; i < req->nargs; i++) {
        argv[argc] = (char *) req->args[i].data;
        argl[argc++] = req->args[i].len;
    }

    return ngx_live_help_redis_argv(ngx_live_help_request_cmd,
                                    ngx_live_help_store_called, req,
                                    argc, argv, argl);
}


static void
ngx_live_help_store_called(ngx_live_help_redis_t *rd, redisReply *reply,
    void *data)
{
    ngx_live_help_store_req_t  *req;

    req = data;

    if (reply && reply->type == REDIS_REPLY_ERROR && !req->eval
        && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        /*
         * The script cache was emptied (SCRIPT FLUSH, or another server
         * behind the same address): the script itself goes.  The owner
         * has nothing else of its own in Redis meanwhile, so its messages
         * stay in order.
         */
        ngx_log_error(NGX_LOG_INFO, rd->log, 0,
                      "live_help: redis has no script cached (NOSCRIPT), "
                      "sending it whole");

        req->eval = 1;

        if (ngx_live_help_store_send(req) == NGX_OK) {
            return;
        }
    }

    if (reply && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "live_help: a script failed: %s", reply->str);
    }

    ngx_live_help_request_reply(rd, reply, req);
}
