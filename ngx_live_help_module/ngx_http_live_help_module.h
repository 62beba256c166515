
/*
 * ngx_http_live_help_module: on-site live chat inside nginx.
 */


#ifndef _NGX_HTTP_LIVE_HELP_MODULE_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#define NGX_LIVE_HELP_LOADER  "widget/loader.js"


/* a file of static/, compiled in by gen_assets.pl */
typedef struct {
    ngx_str_t           path;
    ngx_str_t           type;
    ngx_str_t           etag;
    ngx_str_t           etag_gz;   /* another representation, another tag */
    const u_char       *data;
    size_t              len;
    const u_char       *gz;        /* NULL when gzip does not help */
    size_t              gz_len;
} ngx_live_help_asset_t;


typedef struct {
    ngx_url_t          *redis;
    ngx_str_t           redis_password;
    ngx_int_t           redis_db;
    ngx_str_t           endpoint;  /* the first endpoint location */
    ngx_str_t           secret;    /* signs visitor tokens */
    ngx_str_t           secret_file;
    ngx_flag_t          told_no_redis;
    ngx_flag_t          assign;    /* give waiting chats to agents */
    ngx_msec_t          agent_grace;
    ngx_msec_t          handshake_timeout;  /* headers of a server with an
                                               endpoint, at most */
    time_t              retention;  /* s a log is kept after its last
                                       event; 0: for ever */
    ngx_int_t           max_events; /* a log's events, about */

    /* the module's own agent login */
    ngx_str_t           agents_file;
    struct ngx_live_help_agents_s  *agents;   /* as nginx -t read it */
    time_t              agent_session;        /* a sign-in lasts, s */
    ngx_shm_zone_t     *throttle;             /* failed logins */
    ngx_shm_zone_t     *limits;               /* per client address */
#if (NGX_THREADS)
    ngx_thread_pool_t  *thread_pool;          /* checks passwords */
#endif
} ngx_http_live_help_main_conf_t;


/*
 * N events per period, as a "generic cell rate": a burst of N, then one
 * every period / N (ngx_http_live_help_limit.c).  interval 0: no limit.
 */
typedef struct {
    ngx_msec_t          interval;
    ngx_uint_t          burst;
} ngx_live_help_rate_t;


/* a department: its id in messages and Redis, its name for people */
typedef struct {
    ngx_str_t           id;
    ngx_str_t           label;
} ngx_live_help_dept_t;


typedef struct {
    ngx_str_t           endpoint;  /* this server's endpoint location */
} ngx_http_live_help_srv_conf_t;


/* languages and theming: ngx_http_live_help_look.h */
typedef struct ngx_http_live_help_look_s  ngx_http_live_help_look_t;


typedef struct {
    ngx_flag_t          enable;
    ngx_str_t           title;
    ngx_flag_t          endpoint;

    ngx_str_t           base;      /* URL of the endpoint, ends with '/' */
    ngx_str_t           tag;       /* the script tag to inject */
    size_t              tag_head;  /* where a nonce attribute goes */

    ngx_flag_t          told_encoded;  /* logged: encoded, not injected */

    ngx_array_t        *origins;   /* of ngx_str_t; visitor socket */
    ngx_array_t        *agent_origins;  /* the agent socket's */
    size_t              max_message;
    size_t              send_limit;
    ngx_msec_t          ping_interval;
    ngx_http_complex_value_t  *agent_user;
    ngx_uint_t          max_chats;
    ngx_flag_t          prechat;
    ngx_array_t        *departments;  /* of ngx_live_help_dept_t */
    ngx_array_t        *hours;     /* of ngx_live_help_hours_entry_t */
    ngx_http_complex_value_t  *agent_name;
    ngx_msec_t          agent_lifetime;  /* an agent socket's longest */
    struct ngx_live_help_faq_s  *faq;  /* live_help_faq; NULL: none */

    /* abuse limits: per socket, then per address ([1]) */
    ngx_live_help_rate_t  limit_messages[2];
    ngx_live_help_rate_t  limit_pages[2];
    ngx_live_help_rate_t  limit_requests;
    ngx_live_help_rate_t  limit_conversations;   /* per address */
    ngx_uint_t          limit_sockets;           /* per address */
    ngx_msec_t          send_timeout;

    /* invitations by rule (a JSON array, "" for none) and "Book a call"
     * (ngx_http_live_help_invite_conf.c) */
    ngx_str_t           invite;
    ngx_str_t           booking;

    ngx_http_live_help_look_t  *look;  /* NULL: nothing set */
} ngx_http_live_help_loc_conf_t;



ngx_int_t ngx_http_live_help_filter_init(ngx_conf_t *cf);
ngx_int_t ngx_http_live_help_endpoint_handler(ngx_http_request_t *r);


extern ngx_module_t            ngx_http_live_help_module;
extern ngx_live_help_asset_t   ngx_live_help_assets[];
extern ngx_uint_t              ngx_live_help_nassets;
extern ngx_str_t               ngx_live_help_assets_version;

ngx_live_help_asset_t *ngx_live_help_asset_find(u_char *path, size_t len);


#endif /* _NGX_HTTP_LIVE_HELP_MODULE_H_INCLUDED_ */
