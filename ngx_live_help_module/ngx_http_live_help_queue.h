
/*
 * Who answers whom: the queue of waiting conversations, the agents who own
 * them, and the housekeeping that keeps it true when agents go (see
 * lua/conversation.lua).  The changes of one conversation go through the
 * sessions, in each socket's order; this is what is not one socket's.
 */


#ifndef _NGX_HTTP_LIVE_HELP_QUEUE_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_QUEUE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_store.h"


/* what an agent says about themselves at hello and when they change it */
typedef struct {
    ngx_str_t                   id;
    ngx_str_t                   name;
    ngx_uint_t                  away;
    ngx_uint_t                  max_chats;
    ngx_array_t                *departments;  /* of ngx_live_help_dept_t,
                                                 NULL: all */
    ngx_str_t                   serve;     /* those served, space between;
                                              empty: all of them */
} ngx_live_help_agent_info_t;


ngx_int_t ngx_live_help_queue_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf);
void ngx_live_help_queue_exit_process(void);

/* the agent is there (again), online or away; may give them chats */
ngx_int_t ngx_live_help_queue_agent(ngx_live_help_agent_info_t *info);

/*
 * The panel's lists (or the agents only) for the agent "me", or the page
 * of one list ("mine", "queue", "open", "closed") from offset on: the
 * reply is a string of JSON, a whole message to send as it is.
 */
ngx_int_t ngx_live_help_queue_list(ngx_live_help_store_req_t *req,
    ngx_str_t *me, ngx_uint_t agents_only, ngx_str_t *list, size_t offset);


/*
 * Visitors' context (lua/visitor.lua): a page they opened (and the socket
 * counted open), who they say they are, a socket of theirs closed.
 */
typedef struct {
    ngx_str_t                   url;
    ngx_str_t                   title;
    ngx_str_t                   referrer;
    ngx_str_t                   browser;
    ngx_uint_t                  first;     /* of this socket */
} ngx_live_help_page_t;

ngx_int_t ngx_live_help_queue_page(ngx_str_t *visitor,
    ngx_live_help_page_t *page);
ngx_int_t ngx_live_help_queue_profile(ngx_str_t *visitor, ngx_str_t *name,
    ngx_str_t *email);
ngx_int_t ngx_live_help_queue_left(ngx_str_t *visitor);
/* the visitors online (visitor NULL) or one visitor, as a JSON message */
ngx_int_t ngx_live_help_queue_visitors(ngx_live_help_store_req_t *req,
    ngx_str_t *visitor);


#endif /* _NGX_HTTP_LIVE_HELP_QUEUE_H_INCLUDED_ */
