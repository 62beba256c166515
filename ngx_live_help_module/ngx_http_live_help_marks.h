
/*
 * Read marks, ratings and their tags (docs/PROTOCOL.md): events of a
 * visitor's log that change nothing of who answers.  For both roles.
 */


#ifndef _NGX_HTTP_LIVE_HELP_MARKS_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_MARKS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_session.h"


/*
 * A read, rate or tag message of actor ("visitor" or an agent id, with
 * name) about conv.  A read is a request (its allowance, no cid, nothing
 * answered when stored: the "read" event is the answer; an error when
 * refused); rate and tag are changes, acked or refused by their cid.
 */
ngx_int_t ngx_live_help_marks_message(ngx_live_help_session_t *s,
    ngx_str_t *conv, ngx_str_t *actor, ngx_str_t *name,
    ngx_live_help_proto_msg_t *m);


#endif /* _NGX_HTTP_LIVE_HELP_MARKS_H_INCLUDED_ */
