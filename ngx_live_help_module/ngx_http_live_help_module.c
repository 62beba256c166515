
/*
 * ngx_http_live_help_module: directives, configuration and module setup.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_live_help_module.h"
#include "ngx_http_live_help_limit.h"
#include "ngx_http_live_help_hours_conf.h"
#include "ngx_http_live_help_faq_conf.h"
#include "ngx_http_live_help_invite_conf.h"
#include "ngx_http_live_help_session.h"
#include "ngx_http_live_help_queue.h"
#include "ngx_http_live_help_agents.h"
#include "ngx_http_live_help_login.h"
#include "ngx_http_live_help_look.h"
#include "ngx_live_help_scan.h"


static void *ngx_http_live_help_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_live_help_init_main_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_live_help_read_secret(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf);
static void *ngx_http_live_help_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_live_help_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_live_help_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_live_help_make_tag(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *llcf);
static char *ngx_http_live_help_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_live_help_endpoint(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_live_help_title(ngx_conf_t *cf, void *post, void *data);


static ngx_int_t ngx_http_live_help_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_live_help_init_process(ngx_cycle_t *cycle);
static void ngx_http_live_help_exit_process(ngx_cycle_t *cycle);
static char *ngx_http_live_help_origins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_live_help_agent_var(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_live_help_agent_part(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *conf);
static char *ngx_http_live_help_bounds(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_live_help_departments(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_live_help_max_chats(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_live_help_assign(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_live_help_retention(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_live_help_limit_sockets(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_conf_post_handler_pt  ngx_http_live_help_max_chats_post =
    ngx_http_live_help_max_chats;


static ngx_conf_post_handler_pt  ngx_http_live_help_title_post =
    ngx_http_live_help_title;


/* limits of size and time directives, checked at nginx -t */
typedef struct {
    ngx_conf_post_handler_pt  post_handler;
    size_t                    min;
    size_t                    max;
    const char               *text;
} ngx_http_live_help_bounds_t;


static ngx_http_live_help_bounds_t  ngx_http_live_help_max_message_bounds = {
    ngx_http_live_help_bounds, 256, 16 * 1024 * 1024,
    "must be from 256 to 16m"
};

static ngx_http_live_help_bounds_t  ngx_http_live_help_send_limit_bounds = {
    ngx_http_live_help_bounds, 4096, 1024 * 1024 * 1024,
    "must be from 4k to 1g"
};

static ngx_http_live_help_bounds_t  ngx_http_live_help_ping_bounds = {
    ngx_http_live_help_bounds, 1000, 3600 * 1000,
    "must be from 1s to 1h"
};

static ngx_http_live_help_bounds_t  ngx_http_live_help_send_timeout_bounds = {
    ngx_http_live_help_bounds, 1000, 3600 * 1000,
    "must be from 1s to 1h"
};

/*
 * An agent removed from nginx's auth (an htpasswd file, the SSO) keeps a
 * socket it opened before: it reconnects, through the auth again, this
 * often at the latest.
 */
static ngx_http_live_help_bounds_t  ngx_http_live_help_lifetime_bounds = {
    ngx_http_live_help_bounds, 1000, 7 * 86400 * 1000,
    "must be from 1s to 7d"
};

static ngx_http_live_help_bounds_t  ngx_http_live_help_grace_bounds = {
    ngx_http_live_help_bounds, 0, 86400 * 1000,
    "must be from 0 to 1d"
};

/* a visitor's log: fewer would cut short a real customer's years of chats */
static ngx_http_live_help_bounds_t  ngx_http_live_help_max_events_bounds = {
    ngx_http_live_help_bounds, 100, 1000000,
    "must be from 100 to 1000000"
};

/* time_t is a machine word too */
static ngx_http_live_help_bounds_t  ngx_http_live_help_session_bounds = {
    ngx_http_live_help_bounds, 60, 30 * 24 * 3600,
    "must be from 1m to 30d"
};


static ngx_command_t  ngx_http_live_help_commands[] = {

    { ngx_string("live_help"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, enable),
      NULL },

    { ngx_string("live_help_title"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, title),
      &ngx_http_live_help_title_post },

    /* languages and theming: ngx_http_live_help_look.c */
    { ngx_string("live_help_lang"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_look_set, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("live_help_color"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_look_set, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("live_help_position"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_look_set, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("live_help_launcher_icon"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_look_set, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("live_help_string"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_live_help_look_string, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
    { ngx_string("live_help_greeting"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_look_string, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("live_help_endpoint"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_live_help_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_live_help_origins,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, origins),
      NULL },

    { ngx_string("live_help_agent_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_live_help_origins,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, agent_origins),
      NULL },

    { ngx_string("live_help_agent_socket_lifetime"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, agent_lifetime),
      &ngx_http_live_help_lifetime_bounds },

    { ngx_string("live_help_max_message"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, max_message),
      &ngx_http_live_help_max_message_bounds },

    { ngx_string("live_help_send_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, send_limit),
      &ngx_http_live_help_send_limit_bounds },

    { ngx_string("live_help_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, ping_interval),
      &ngx_http_live_help_ping_bounds },

    { ngx_string("live_help_limit_messages"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_live_help_limit_rate,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, limit_messages),
      NULL },

    { ngx_string("live_help_limit_pages"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_live_help_limit_rate,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, limit_pages),
      NULL },

    { ngx_string("live_help_limit_requests"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_limit_rate,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, limit_requests),
      NULL },

    { ngx_string("live_help_limit_conversations"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_limit_rate,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, limit_conversations),
      NULL },

    { ngx_string("live_help_limit_sockets"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_limit_sockets,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, limit_sockets),
      NULL },

    { ngx_string("live_help_send_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, send_timeout),
      &ngx_http_live_help_send_timeout_bounds },

    { ngx_string("live_help_invite"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
      |NGX_CONF_TAKE13,
      ngx_http_live_help_invite,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_booking_url"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_booking_url,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_hours"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE23,
      ngx_http_live_help_hours,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_faq"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_faq,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_agent_user"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_agent_var,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, agent_user),
      NULL },

    { ngx_string("live_help_agent_name"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_agent_var,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, agent_name),
      NULL },

    { ngx_string("live_help_agents_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, agents_file),
      NULL },

    { ngx_string("live_help_agent_session"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, agent_session),
      &ngx_http_live_help_session_bounds },

    { ngx_string("live_help_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, secret_file),
      NULL },

    { ngx_string("live_help_retention"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_retention,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, retention),
      NULL },

    { ngx_string("live_help_max_events"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, max_events),
      &ngx_http_live_help_max_events_bounds },

    { ngx_string("live_help_assign"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_live_help_assign,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_handshake_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, handshake_timeout),
      &ngx_http_live_help_send_timeout_bounds },

    { ngx_string("live_help_agent_grace"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_live_help_main_conf_t, agent_grace),
      &ngx_http_live_help_grace_bounds },

    { ngx_string("live_help_max_chats"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, max_chats),
      &ngx_http_live_help_max_chats_post },

    { ngx_string("live_help_prechat"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_live_help_loc_conf_t, prechat),
      NULL },

    { ngx_string("live_help_departments"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_live_help_departments,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("live_help_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE123,
      ngx_http_live_help_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_live_help_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_live_help_postconfiguration,  /* postconfiguration */

    ngx_http_live_help_create_main_conf,   /* create main configuration */
    ngx_http_live_help_init_main_conf,     /* init main configuration */

    ngx_http_live_help_create_srv_conf,    /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_live_help_create_loc_conf,    /* create location configuration */
    ngx_http_live_help_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_live_help_module = {
    NGX_MODULE_V1,
    &ngx_http_live_help_module_ctx,        /* module context */
    ngx_http_live_help_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_live_help_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_live_help_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_live_help_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_live_help_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->redis = NULL;
     *     lmcf->redis_password = { 0, NULL };
     *     lmcf->endpoint = { 0, NULL };
     */

    lmcf->redis_db = NGX_CONF_UNSET;
    lmcf->assign = NGX_CONF_UNSET;
    lmcf->agent_grace = NGX_CONF_UNSET_MSEC;
    lmcf->handshake_timeout = NGX_CONF_UNSET_MSEC;
    lmcf->retention = NGX_CONF_UNSET;
    lmcf->max_events = NGX_CONF_UNSET;
    lmcf->agent_session = NGX_CONF_UNSET;

    return lmcf;
}


/*
 * Without a secret file, a random secret is made once per master process:
 * it outlives reloads (the module stays loaded), not restarts, and other
 * hosts do not share it.
 */

static char *
ngx_http_live_help_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_live_help_main_conf_t *lmcf = conf;

    ngx_conf_init_value(lmcf->agent_session, 12 * 3600);

    if (ngx_http_live_help_read_secret(cf, lmcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* the agents' password digests are keyed with the secret */

    if (lmcf->agents_file.len) {
        return ngx_http_live_help_login_conf(cf, lmcf);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_read_secret(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    ngx_conf_init_value(lmcf->assign, 1);
    ngx_conf_init_msec_value(lmcf->agent_grace, 30000);
    ngx_conf_init_msec_value(lmcf->handshake_timeout, 10000);
    ngx_conf_init_value(lmcf->retention, 90 * 86400);
    ngx_conf_init_value(lmcf->max_events, 10000);

    static u_char    random[32];
    static ngx_uint_t  made;

    if (lmcf->secret_file.len == 0) {
        if (!made) {
            if (RAND_bytes(random, sizeof(random)) != 1) {
                return NGX_CONF_ERROR;
            }

            made = 1;
        }

        lmcf->secret.data = random;
        lmcf->secret.len = sizeof(random);
        return NGX_CONF_OK;
    }

    if (ngx_conf_full_name(cf->cycle, &lmcf->secret_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(lmcf->secret_file.data, NGX_FILE_RDONLY,
                       NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"live_help_secret_file\": cannot open \"%s\"",
                           lmcf->secret_file.data);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) < 32 || ngx_file_size(&fi) > 4096)
    {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_secret_file\": \"%s\" must hold "
                           "32 to 4096 bytes, e.g. from "
                           "\"openssl rand -out FILE 32\"",
                           lmcf->secret_file.data);
        return NGX_CONF_ERROR;
    }

    lmcf->secret.len = ngx_file_size(&fi);
    lmcf->secret.data = ngx_pnalloc(cf->pool, lmcf->secret.len);
    if (lmcf->secret.data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, lmcf->secret.data, lmcf->secret.len);
    ngx_close_file(fd);

    if (n != (ssize_t) lmcf->secret.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"live_help_secret_file\": cannot read \"%s\"",
                           lmcf->secret_file.data);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * A connection that never finishes its request headers holds a slot for
 * client_header_timeout (60 s by default): a few thousand half-open
 * handshakes lock every visitor out for that long.  Servers with a chat
 * endpoint wait live_help_handshake_timeout at most.  (nginx reads the
 * headers with the timeout of the address's default server: the README
 * says to put the endpoint there.)
 */

static ngx_int_t
ngx_http_live_help_postconfiguration(ngx_conf_t *cf)
{
    ngx_uint_t                       s;
    ngx_http_core_srv_conf_t       **cscfp;
    ngx_http_core_main_conf_t       *cmcf;
    ngx_http_live_help_srv_conf_t   *lscf;
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_live_help_module);
    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    cscfp = cmcf->servers.elts;

    for (s = 0; s < cmcf->servers.nelts; s++) {
        lscf = cscfp[s]->ctx->srv_conf[ngx_http_live_help_module.ctx_index];

        if (lscf->endpoint.len
            && cscfp[s]->client_header_timeout > lmcf->handshake_timeout)
        {
            cscfp[s]->client_header_timeout = lmcf->handshake_timeout;
        }
    }

    return ngx_http_live_help_filter_init(cf);
}


static ngx_int_t
ngx_http_live_help_init_process(ngx_cycle_t *cycle)
{
    ngx_http_live_help_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_live_help_module);
    if (lmcf == NULL) {
        return NGX_OK;
    }

    if (ngx_live_help_agents_init_process(cycle, lmcf) != NGX_OK
        || ngx_live_help_session_init_process(cycle, lmcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_live_help_queue_init_process(cycle, lmcf);
}


static void
ngx_http_live_help_exit_process(ngx_cycle_t *cycle)
{
    ngx_live_help_queue_exit_process();
    ngx_live_help_agents_exit_process();
    ngx_live_help_session_exit_process();
}


static void *
ngx_http_live_help_create_srv_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_live_help_srv_conf_t));
}


static void *
ngx_http_live_help_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_live_help_loc_conf_t  *llcf;

    llcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_live_help_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     llcf->title = { 0, NULL };
     *     llcf->endpoint = 0;
     *     llcf->base = { 0, NULL };
     *     llcf->tag = { 0, NULL };
     *     llcf->told_encoded = 0;
     *     llcf->invite = { 0, NULL };
     *     llcf->booking = { 0, NULL };
     */

    llcf->enable = NGX_CONF_UNSET;
    llcf->origins = NGX_CONF_UNSET_PTR;
    llcf->agent_origins = NGX_CONF_UNSET_PTR;
    llcf->agent_lifetime = NGX_CONF_UNSET_MSEC;
    llcf->max_message = NGX_CONF_UNSET_SIZE;
    llcf->send_limit = NGX_CONF_UNSET_SIZE;
    llcf->limit_messages[0].burst = NGX_CONF_UNSET_UINT;
    llcf->limit_messages[1].burst = NGX_CONF_UNSET_UINT;
    llcf->limit_pages[0].burst = NGX_CONF_UNSET_UINT;
    llcf->limit_pages[1].burst = NGX_CONF_UNSET_UINT;
    llcf->limit_requests.burst = NGX_CONF_UNSET_UINT;
    llcf->limit_conversations.burst = NGX_CONF_UNSET_UINT;
    llcf->limit_sockets = NGX_CONF_UNSET_UINT;
    llcf->send_timeout = NGX_CONF_UNSET_MSEC;
    llcf->ping_interval = NGX_CONF_UNSET_MSEC;
    llcf->agent_user = NGX_CONF_UNSET_PTR;
    llcf->max_chats = NGX_CONF_UNSET_UINT;
    llcf->prechat = NGX_CONF_UNSET;
    llcf->departments = NGX_CONF_UNSET_PTR;
    llcf->hours = NGX_CONF_UNSET_PTR;
    llcf->faq = NGX_CONF_UNSET_PTR;
    llcf->agent_name = NGX_CONF_UNSET_PTR;

    return llcf;
}


static char *
ngx_http_live_help_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_live_help_loc_conf_t *prev = parent;
    ngx_http_live_help_loc_conf_t *conf = child;

    ngx_http_live_help_main_conf_t  *lmcf;

    /* where they are written, before nested locations inherit them */
    if (ngx_http_live_help_agent_part(cf, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    /* unset: the widget's language says it */
    ngx_conf_merge_str_value(conf->title, prev->title, "");

    if (ngx_http_live_help_look_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->origins, prev->origins, NULL);
    ngx_conf_merge_ptr_value(conf->agent_origins, prev->agent_origins, NULL);
    ngx_conf_merge_msec_value(conf->agent_lifetime, prev->agent_lifetime,
                              3600 * 1000);
    ngx_conf_merge_size_value(conf->max_message, prev->max_message,
                              64 * 1024);
    ngx_conf_merge_size_value(conf->send_limit, prev->send_limit,
                              256 * 1024);
    ngx_conf_merge_msec_value(conf->send_timeout, prev->send_timeout,
                              30000);
    ngx_conf_merge_uint_value(conf->limit_sockets, prev->limit_sockets, 32);

    /* what no shopper meets: see README, "Limits and data retention" */
    {
        static ngx_uint_t  messages_n[] = { 10, 30 };
        static ngx_msec_t  messages_ms[] = { 10000, 10000 };
        static ngx_uint_t  pages_n[] = { 10, 60 };
        static ngx_msec_t  pages_ms[] = { 10000, 60000 };
        static ngx_uint_t  requests_n[] = { 60 };
        static ngx_msec_t  requests_ms[] = { 10000 };
        static ngx_uint_t  conversations_n[] = { 10 };
        static ngx_msec_t  conversations_ms[] = { 3600000 };

        ngx_http_live_help_limit_merge(conf->limit_messages,
                                       prev->limit_messages, 2, messages_n,
                                       messages_ms);
        ngx_http_live_help_limit_merge(conf->limit_pages, prev->limit_pages,
                                       2, pages_n, pages_ms);
        ngx_http_live_help_limit_merge(&conf->limit_requests,
                                       &prev->limit_requests, 1, requests_n,
                                       requests_ms);
        ngx_http_live_help_limit_merge(&conf->limit_conversations,
                                       &prev->limit_conversations, 1,
                                       conversations_n, conversations_ms);
    }
    ngx_conf_merge_msec_value(conf->ping_interval, prev->ping_interval,
                              30000);
    ngx_conf_merge_ptr_value(conf->agent_user, prev->agent_user, NULL);
    ngx_conf_merge_uint_value(conf->max_chats, prev->max_chats, 3);
    ngx_conf_merge_value(conf->prechat, prev->prechat, 0);
    ngx_conf_merge_ptr_value(conf->departments, prev->departments, NULL);
    ngx_conf_merge_ptr_value(conf->hours, prev->hours, NULL);
    ngx_conf_merge_ptr_value(conf->faq, prev->faq, NULL);
    ngx_conf_merge_ptr_value(conf->agent_name, prev->agent_name, NULL);
    ngx_conf_merge_str_value(conf->invite, prev->invite, "");
    ngx_conf_merge_str_value(conf->booking, prev->booking, "");

    /*
     * Merged after the whole http block was read: live_help_redis, if
     * any, is known.  Without it the widget can only say that chat is not
     * available, which is likely not what was meant.
     */
    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_live_help_module);

    if ((conf->enable || conf->endpoint) && lmcf->redis == NULL
        && !lmcf->told_no_redis)
    {
        lmcf->told_no_redis = 1;
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"live_help\" or \"live_help_endpoint\" is used "
                           "but \"live_help_redis\" is not set: the widget "
                           "will say that chat is not available");
    }

    if (conf->enable && !conf->endpoint) {
        return ngx_http_live_help_make_tag(cf, conf);
    }

    return NGX_CONF_OK;
}


/*
 * The tag is made once per location: only a CSP nonce, when a page has one,
 * makes a request build its own copy.
 */

static char *
ngx_http_live_help_make_tag(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *llcf)
{
    u_char                          *p;
    size_t                           len;
    ngx_str_t                       *base;
    ngx_http_live_help_srv_conf_t   *lscf;
    ngx_http_live_help_main_conf_t  *lmcf;

    static u_char  src[] = "<script src=\"";
    static u_char  loader[] = NGX_LIVE_HELP_LOADER "?v=";
    static u_char  title[] = "\" data-live-help-title=\"";
    static u_char  tail[] = " async></script>";

    lscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_live_help_module);
    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_live_help_module);

    base = lscf->endpoint.len ? &lscf->endpoint : &lmcf->endpoint;

    if (base->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help\" is on, but no location has "
                           "\"live_help_endpoint\" to serve the widget");
        return NGX_CONF_ERROR;
    }

    len = sizeof(src) - 1 + base->len + sizeof(loader) - 1
          + ngx_live_help_assets_version.len + sizeof(title) - 1
          + ngx_live_help_html_escaped_len(llcf->title.data, llcf->title.len)
          + 1 + (llcf->look ? llcf->look->attrs.len : 0) + sizeof(tail) - 1
          + ngx_http_live_help_invite_attrs(NULL, &llcf->invite,
                                            &llcf->booking);

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    llcf->tag.data = p;

    p = ngx_cpymem(p, src, sizeof(src) - 1);
    p = ngx_cpymem(p, base->data, base->len);
    p = ngx_cpymem(p, loader, sizeof(loader) - 1);
    p = ngx_cpymem(p, ngx_live_help_assets_version.data,
                   ngx_live_help_assets_version.len);
    if (llcf->title.len) {
        p = ngx_cpymem(p, title, sizeof(title) - 1);
        p += ngx_live_help_html_escape(p, llcf->title.data, llcf->title.len);
    }

    *p++ = '"';
    p += ngx_http_live_help_invite_attrs(p, &llcf->invite, &llcf->booking);

    if (llcf->look) {
        p = ngx_cpymem(p, llcf->look->attrs.data, llcf->look->attrs.len);
    }

    llcf->tag_head = p - llcf->tag.data;

    p = ngx_cpymem(p, tail, sizeof(tail) - 1);

    llcf->tag.len = p - llcf->tag.data;

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_title(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *title = data;

    ngx_uint_t  i;

    if (title->len == 0 || title->len > 64) {
        return "must be 1 to 64 bytes long";
    }

    for (i = 0; i < title->len; i++) {
        if (title->data[i] < 0x20 || title->data[i] == 0x7f) {
            return "must not contain control characters";
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_endpoint(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    u_char                          *p;
    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_live_help_srv_conf_t   *lscf;
    ngx_http_live_help_main_conf_t  *lmcf;

    if (llcf->endpoint) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->exact_match || clcf->named || clcf->noname
#if (NGX_PCRE)
        || clcf->regex
#endif
       )
    {
        return "must be in a prefix location, such as "
               "\"location /live-help/ { live_help_endpoint; }\"";
    }

    llcf->endpoint = 1;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_live_help_module);

    if (lmcf->limits == NULL) {
        lmcf->limits = ngx_live_help_limit_zone(cf,
                                                &ngx_http_live_help_module);
        if (lmcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    /* URLs below the endpoint are relative to a base that ends with '/' */

    if (clcf->name.len && clcf->name.data[clcf->name.len - 1] == '/') {
        llcf->base = clcf->name;

    } else {
        p = ngx_pnalloc(cf->pool, clcf->name.len + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(p, clcf->name.data, clcf->name.len);
        p[clcf->name.len] = '/';

        llcf->base.data = p;
        llcf->base.len = clcf->name.len + 1;
    }

    clcf->handler = ngx_http_live_help_endpoint_handler;

    lscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_live_help_module);
    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_live_help_module);

    if (lscf->endpoint.len == 0) {
        lscf->endpoint = llcf->base;
    }

    if (lmcf->endpoint.len == 0) {
        lmcf->endpoint = llcf->base;
    }

    return NGX_CONF_OK;
}


/*
 * live_help_redis host:port | unix:/path [password=secret] [db=N]
 */

static char *
ngx_http_live_help_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_main_conf_t *lmcf = conf;

    ngx_str_t   *value;
    ngx_url_t   *u;
    ngx_uint_t   i;

    if (lmcf->redis) {
        return "is duplicate";
    }

    value = cf->args->elts;

    u = ngx_pcalloc(cf->pool, sizeof(ngx_url_t));
    if (u == NULL) {
        return NGX_CONF_ERROR;
    }

    u->url = value[1];
    u->default_port = 6379;

    if (ngx_parse_url(cf->pool, u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid address \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name,
                           u->err ? u->err : "cannot parse");
        return NGX_CONF_ERROR;
    }

    if (u->naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "address \"%V\" in \"%V\" has no IP address",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            lmcf->redis_password.data = value[i].data + 9;
            lmcf->redis_password.len = value[i].len - 9;

            if (lmcf->redis_password.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "empty password in \"%V\"", &cmd->name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            lmcf->redis_db = ngx_atoi(value[i].data + 3, value[i].len - 3);

            if (lmcf->redis_db == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\" in \"%V\": "
                                   "a database number is expected",
                                   &value[i], &cmd->name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"%V\"",
                           &value[i], &cmd->name);
        return NGX_CONF_ERROR;
    }

    lmcf->redis = u;

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_bounds(ngx_conf_t *cf, void *post, void *data)
{
    ngx_http_live_help_bounds_t *b = post;

    size_t  v;

    /* ngx_msec_t and size_t are both machine words here */
    v = *(size_t *) data;

    if (v < b->min || v > b->max) {
        return (char *) b->text;
    }

    return NGX_CONF_OK;
}


/*
 * live_help_origins https://shop.example https://www.shop.example | *
 * live_help_agent_origins https://admin.shop.example
 *
 * Not "*" for agents: any site's page could then open the agent socket
 * with the agent's Basic credentials, which browsers send to every site.
 */

static char *
ngx_http_live_help_origins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_array_t  **origins = (ngx_array_t **) ((char *) conf + cmd->offset);

    ngx_str_t   *value, *origin;
    ngx_uint_t   i, agents;

    if (*origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    agents = cmd->offset == offsetof(ngx_http_live_help_loc_conf_t,
                                     agent_origins);

    *origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                sizeof(ngx_str_t));
    if (*origins == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (agents && value[i].len == 1 && value[i].data[0] == '*') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" does not take \"*\": any site "
                               "could open the agent socket with the "
                               "agent's credentials; list the sites",
                               &cmd->name);
            return NGX_CONF_ERROR;
        }

        if (!(value[i].len == 1 && value[i].data[0] == '*')
            && ngx_strlcasestrn(value[i].data, value[i].data + value[i].len,
                                (u_char *) "://", 3 - 1)
               == NULL)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\" in \"%V\": "
                               "expected scheme://host[:port]%s",
                               &value[i], &cmd->name, agents ? "" : " or *");
            return NGX_CONF_ERROR;
        }

        origin = ngx_array_push(*origins);
        if (origin == NULL) {
            return NGX_CONF_ERROR;
        }

        *origin = value[i];
    }

    return NGX_CONF_OK;
}


/*
 * live_help_agent_user and live_help_agent_name take nginx's word for who
 * an agent is.  $remote_user is read from the Authorization header
 * whether or not auth_basic checked it, so at http or server level they
 * would reach locations without auth and give anyone the agent role with
 * a made-up header: they belong in the agent part's own location.
 */

static char *
ngx_http_live_help_agent_var(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    if (!(cf->cmd_type & NGX_HTTP_LOC_CONF)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must be set in the location of the "
                           "agent part (with \"live_help_endpoint\" and "
                           "auth, e.g. \"location /live-help/agent/\"), not "
                           "at http or server level, where every location "
                           "would inherit it, those without auth too",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    return ngx_http_set_complex_value_slot(cf, cmd, conf);
}


/*
 * Where live_help_agent_user or live_help_agent_name is written, the
 * location has live_help_endpoint and lies in the agent part,
 * "<endpoint>agent/" or below, so that none of its requests reach the
 * visitor socket.  Nested locations inherit them: nginx keeps a nested
 * prefix inside its parent's.
 */

static char *
ngx_http_live_help_agent_part(ngx_conf_t *cf,
    ngx_http_live_help_loc_conf_t *conf)
{
    ngx_str_t                      *e, *base;
    const char                     *name;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_live_help_srv_conf_t  *lscf;

    if (conf->agent_user != NGX_CONF_UNSET_PTR) {
        name = "live_help_agent_user";

    } else if (conf->agent_name != NGX_CONF_UNSET_PTR) {
        name = "live_help_agent_name";

    } else {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    lscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_live_help_module);

    e = &lscf->endpoint;
    base = &conf->base;

    if (!conf->endpoint) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" in location \"%V\" is not used: it "
                           "belongs in the agent part's location, the one "
                           "with \"live_help_endpoint\" and auth, e.g. "
                           "\"location /live-help/agent/\"",
                           name, &clcf->name);
        return NGX_CONF_ERROR;
    }

    if (base->len >= e->len + 6
        && ngx_strncmp(base->data, e->data, e->len) == 0
        && ngx_strncmp(base->data + e->len, "agent/", 6) == 0)
    {
        return NGX_CONF_OK;
    }

    if (base->len == e->len && ngx_strncmp(base->data, e->data, e->len) == 0
        && base->len >= 7
        && ngx_strncmp(base->data + base->len - 7, "/agent/", 7) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" in location \"%V\": that location is "
                           "the first with \"live_help_endpoint\" in its "
                           "server, so it is the endpoint and serves the "
                           "visitor socket \"%Vws\"; put the endpoint's "
                           "location (e.g. \"/live-help/\") before it",
                           name, &clcf->name, base);
        return NGX_CONF_ERROR;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%s\" in location \"%V\" would decide who the "
                       "agent is where requests may reach the visitor "
                       "socket: set it only in a location of the agent "
                       "part, \"%Vagent/\" or below, e.g. \"location "
                       "%Vagent/ { live_help_endpoint; auth_basic ...; "
                       "%s ...; }\"", name, &clcf->name, e, e, name);

    return NGX_CONF_ERROR;
}


/* live_help_departments sales support=Customer_support ... */

static char *
ngx_http_live_help_departments(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    u_char                *eq, *p;
    ngx_str_t             *value;
    ngx_uint_t             i, k;
    ngx_live_help_dept_t  *d, *all;

    if (llcf->departments != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    llcf->departments = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                         sizeof(ngx_live_help_dept_t));
    if (llcf->departments == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        d = ngx_array_push(llcf->departments);
        if (d == NULL) {
            return NGX_CONF_ERROR;
        }

        d->id = value[i];
        d->label = value[i];

        eq = ngx_strlchr(value[i].data, value[i].data + value[i].len, '=');

        if (eq) {
            d->id.len = eq - value[i].data;
            d->label.data = eq + 1;
            d->label.len = value[i].data + value[i].len - eq - 1;

        } else {
            /* "sales" is shown as "Sales" */
            d->label.data = ngx_pstrdup(cf->pool, &value[i]);
            if (d->label.data == NULL) {
                return NGX_CONF_ERROR;
            }

            d->label.data[0] = ngx_toupper(d->label.data[0]);
        }

        if (d->id.len == 0 || d->id.len > 32
            || !ngx_live_help_id_valid(d->id.data, d->id.len))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"live_help_departments\": \"%V\" is not "
                               "a department: 1-32 characters of "
                               "A-Z a-z 0-9 _ -, then =Label if you like",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        if (d->label.len == 0 || d->label.len > 64) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"live_help_departments\": the name of "
                               "\"%V\" must be 1-64 bytes", &d->id);
            return NGX_CONF_ERROR;
        }

        for (p = d->label.data; p < d->label.data + d->label.len; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"live_help_departments\": the name "
                                   "of \"%V\" has a control character",
                                   &d->id);
                return NGX_CONF_ERROR;
            }

            /* Customer_support is shown as "Customer support" */
            if (*p == '_') {
                *p = ' ';
            }
        }

        all = llcf->departments->elts;

        for (k = 0; k + 1 < llcf->departments->nelts; k++) {
            if (all[k].id.len == d->id.len
                && ngx_strncmp(all[k].id.data, d->id.data, d->id.len) == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"live_help_departments\": \"%V\" is "
                                   "listed twice", &d->id);
                return NGX_CONF_ERROR;
            }
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_live_help_max_chats(ngx_conf_t *cf, void *post, void *data)
{
    ngx_uint_t  *n = data;

    if (*n < 1 || *n > 100) {
        return "must be from 1 to 100";
    }

    return NGX_CONF_OK;
}


/* live_help_assign auto | manual */

static char *
ngx_http_live_help_assign(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_main_conf_t *lmcf = conf;

    ngx_str_t  *value;

    if (lmcf->assign != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "auto") == 0) {
        lmcf->assign = 1;

    } else if (ngx_strcmp(value[1].data, "manual") == 0) {
        lmcf->assign = 0;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_assign\" must be \"auto\" or "
                           "\"manual\", not \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* live_help_retention 90d | off */

static char *
ngx_http_live_help_retention(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_live_help_main_conf_t *lmcf = conf;

    ngx_str_t  *value;

    if (lmcf->retention != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        lmcf->retention = 0;
        return NGX_CONF_OK;
    }

    lmcf->retention = ngx_parse_time(&value[1], 1);

    if (lmcf->retention == (time_t) NGX_ERROR
        || lmcf->retention < 3600 || lmcf->retention > 10 * 365 * 86400)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"live_help_retention\" must be \"off\" or a "
                           "time from 1h to 10y (3650d), not \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* live_help_limit_sockets N | off */

static char *
ngx_http_live_help_limit_sockets(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_live_help_loc_conf_t *llcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (llcf->limit_sockets != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        llcf->limit_sockets = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 1 || n > 100000) {
        return "must be a number from 1 to 100000, or off";
    }

    llcf->limit_sockets = n;

    return NGX_CONF_OK;
}
