
/*
 * Who the agents are, for the module's own login: live_help_agents_file,
 * read at nginx -t and again by each worker when it changes.
 */


#ifndef _NGX_HTTP_LIVE_HELP_AGENTS_H_INCLUDED_
#define _NGX_HTTP_LIVE_HELP_AGENTS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_live_help_module.h"
#include "ngx_live_help_token.h"


#define NGX_LIVE_HELP_NAME_MAX  64     /* bytes of a display name */


/* one line of the file */
typedef struct {
    ngx_str_t                   login;
    ngx_str_t                   hash;      /* NUL-terminated, for crypt */
    ngx_str_t                   name;      /* to show; may be empty */
    u_char                      digest[NGX_LIVE_HELP_DIGEST_LEN];
} ngx_live_help_agents_entry_t;


/*
 * A sign-in by the module's login, as an agent's socket carries it: the
 * digest of the password hash it was made with, and when it ends.
 */
struct ngx_live_help_signin_s {
    u_char                      digest[NGX_LIVE_HELP_DIGEST_LEN];
    time_t                      expires;
};

typedef struct ngx_live_help_signin_s  ngx_live_help_signin_t;


/*
 * Whoever holds a sign-in (an agent's socket) watches the agents: the
 * handler is called once a second and after the file was read again, and
 * checks with ngx_live_help_agents_valid() whether the sign-in still holds.
 * It may unwatch and close from there.
 */
typedef struct ngx_live_help_agents_watch_s  ngx_live_help_agents_watch_t;

typedef void (*ngx_live_help_agents_watch_pt)(
    ngx_live_help_agents_watch_t *w);

struct ngx_live_help_agents_watch_s {
    ngx_queue_t                     link;
    ngx_live_help_agents_watch_pt   handler;
};


/* at nginx -t: reads the file into lmcf->agents, or says what is wrong */
char *ngx_live_help_agents_conf(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf);

ngx_int_t ngx_live_help_agents_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf);
void ngx_live_help_agents_exit_process(void);

/* NULL when the name is not an agent's (or no file is configured) */
ngx_live_help_agents_entry_t *ngx_live_help_agents_find(u_char *login,
    size_t len);

/* a hash as costly as the agents', for names that are not theirs */
ngx_str_t *ngx_live_help_agents_dummy(void);

/*
 * Whether a sign-in still holds: the agent is in the file with the same
 * password hash, and it has not ended.  NULL (nginx said who) always holds.
 */
ngx_uint_t ngx_live_help_agents_valid(ngx_str_t *login,
    ngx_live_help_signin_t *signin);

void ngx_live_help_agents_watch(ngx_live_help_agents_watch_t *w);
void ngx_live_help_agents_unwatch(ngx_live_help_agents_watch_t *w);

/* slow on purpose (bcrypt, SHA-crypt): call it in a thread, never inline */
ngx_uint_t ngx_live_help_agents_password_ok(const char *password,
    const char *hash);


#endif /* _NGX_HTTP_LIVE_HELP_AGENTS_H_INCLUDED_ */
