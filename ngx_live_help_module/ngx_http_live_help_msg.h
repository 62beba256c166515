
/*
 * A message to send, shared by every socket it goes to: a stored chat
 * event is encoded once and its bytes sent to each follower.  Made by the
 * store and the sessions, written by the transport.
 */


#ifndef _NGX_HTTP_LIVE_HELP_MSG_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_MSG_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_uint_t                  refs;
    size_t                      len;
    u_char                      data[1];
} ngx_live_help_msg_t;


static ngx_inline ngx_live_help_msg_t *
ngx_live_help_msg_alloc(size_t len, ngx_log_t *log)
{
    ngx_live_help_msg_t  *msg;

    msg = ngx_alloc(offsetof(ngx_live_help_msg_t, data) + len, log);
    if (msg == NULL) {
        return NULL;
    }

    msg->refs = 1;
    msg->len = len;

    return msg;
}


static ngx_inline void
ngx_live_help_msg_release(ngx_live_help_msg_t *msg)
{
    if (--msg->refs == 0) {
        ngx_free(msg);
    }
}


#endif /* _NGX_HTTP_LIVE_HELP_MSG_H_INCLUDED_ */
