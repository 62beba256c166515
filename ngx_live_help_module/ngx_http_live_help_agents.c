
/*
 * Who the agents are, for the module's own login.
 *
 * live_help_agents_file holds htpasswd-style lines "name:hash[:display
 * name]", hashes from "htpasswd -B" (bcrypt) or "mkpasswd -m sha-512"
 * (SHA-crypt).  nginx -t reads it and refuses a bad line.  Each worker
 * then looks at the file once a second and reads it again when it
 * changed; a file broken by the change is logged and the agents read
 * before stay in force.  Whoever holds a sign-in watches: a new password
 * hash or a removed agent ends that agent's sign-ins at once.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <crypt.h>
#include <openssl/crypto.h>

#include "ngx_http_live_help_agents.h"
#include "ngx_live_help_ws_parse.h"


#define NGX_LIVE_HELP_AGENTS_TICK      1000
#define NGX_LIVE_HELP_AGENTS_FILE_MAX  (1024 * 1024)


struct ngx_live_help_agents_s {
    ngx_pool_t                 *pool;      /* a worker's; NULL: config's */
    ngx_array_t                 entries;   /* ngx_live_help_agents_entry_t */
    ngx_str_t                   dummy;

    /* the file as it was when read */
    ngx_file_uniq_t             uniq;
    off_t                       size;
    struct timespec             mtime;
    struct timespec             ctime;
};

typedef struct ngx_live_help_agents_s  ngx_live_help_agents_t;


static ngx_live_help_agents_t *ngx_live_help_agents_read(ngx_pool_t *pool,
    ngx_str_t *path, ngx_str_t *secret, ngx_uint_t level, ngx_log_t *log);
static char *ngx_live_help_agents_line(ngx_live_help_agents_t *agents,
    u_char *p, u_char *last, ngx_str_t *secret, ngx_pool_t *pool);
static const char *ngx_live_help_agents_hash_fault(ngx_str_t *hash);
static ngx_uint_t ngx_live_help_agents_salt(u_char *p, u_char *last,
    size_t max);
static ngx_uint_t ngx_live_help_agents_same_file(ngx_live_help_agents_t *a,
    ngx_file_info_t *fi);
static void ngx_live_help_agents_note_file(ngx_live_help_agents_t *a,
    ngx_file_info_t *fi);
static void ngx_live_help_agents_tick(ngx_event_t *ev);
static void ngx_live_help_agents_reread(ngx_log_t *log);


/*
 * For names that are no agent's, when the file has none: a bcrypt hash
 * (cost 10) of nothing anyone can type.
 */
static ngx_str_t  ngx_live_help_agents_fallback = ngx_string(
    "$2y$10$IZw.lvpadbo5XNHWDUPJu.pxuOV6U/fT3b0fiZRk.YgNaLQnKCRSe");


static ngx_live_help_agents_t  *ngx_live_help_agents_now;
static ngx_queue_t              ngx_live_help_agents_watchers;
static ngx_event_t              ngx_live_help_agents_timer;
static ngx_str_t                ngx_live_help_agents_path;
static ngx_str_t                ngx_live_help_agents_secret;

/* a broken file is logged once, not every second */
static ngx_live_help_agents_t   ngx_live_help_agents_refused;


char *
ngx_live_help_agents_conf(ngx_conf_t *cf,
    ngx_http_live_help_main_conf_t *lmcf)
{
    if (ngx_conf_full_name(cf->cycle, &lmcf->agents_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    lmcf->agents = ngx_live_help_agents_read(cf->pool, &lmcf->agents_file,
                                             &lmcf->secret, NGX_LOG_EMERG,
                                             cf->log);

    return lmcf->agents ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/*
 * Reads and checks the whole file.  Returns NULL, with the fault logged at
 * "level" naming the directive, the file and the line, when it cannot be
 * read or a line is wrong.
 */

static ngx_live_help_agents_t *
ngx_live_help_agents_read(ngx_pool_t *pool, ngx_str_t *path,
    ngx_str_t *secret, ngx_uint_t level, ngx_log_t *log)
{
    char                          *fault;
    u_char                        *buf, *p, *last, *eol;
    ssize_t                        n;
    ngx_fd_t                       fd;
    ngx_uint_t                     line;
    ngx_file_info_t                fi;
    ngx_live_help_agents_t        *agents;
    ngx_live_help_agents_entry_t  *first;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(level, log, ngx_errno,
                      "\"live_help_agents_file\" \"%V\": cannot open it",
                      path);
        return NULL;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(level, log, ngx_errno,
                      "\"live_help_agents_file\" \"%V\": cannot stat it",
                      path);
        ngx_close_file(fd);
        return NULL;
    }

    if (ngx_file_size(&fi) > NGX_LIVE_HELP_AGENTS_FILE_MAX) {
        ngx_log_error(level, log, 0,
                      "\"live_help_agents_file\" \"%V\": larger than 1m",
                      path);
        ngx_close_file(fd);
        return NULL;
    }

    agents = ngx_pcalloc(pool, sizeof(ngx_live_help_agents_t));
    buf = ngx_pnalloc(pool, ngx_file_size(&fi) + 1);

    if (agents == NULL || buf == NULL
        || ngx_array_init(&agents->entries, pool, 8,
                          sizeof(ngx_live_help_agents_entry_t))
           != NGX_OK)
    {
        ngx_close_file(fd);
        return NULL;
    }

    n = ngx_read_fd(fd, buf, ngx_file_size(&fi));
    ngx_close_file(fd);

    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_log_error(level, log, ngx_errno,
                      "\"live_help_agents_file\" \"%V\": cannot read it",
                      path);
        return NULL;
    }

    ngx_live_help_agents_note_file(agents, &fi);

    p = buf;
    last = buf + n;

    for (line = 1; p < last; line++) {
        eol = ngx_strlchr(p, last, LF);
        if (eol == NULL) {
            eol = last;
        }

        fault = ngx_live_help_agents_line(agents, p, eol, secret, pool);

        if (fault == NGX_CONF_ERROR) {
            return NULL;
        }

        if (fault != NGX_CONF_OK) {
            ngx_log_error(level, log, 0,
                          "\"live_help_agents_file\" \"%V\", line %ui: %s",
                          path, line, fault);
            return NULL;
        }

        p = eol + 1;
    }

    /* unknown names cost what the first agent's password costs */

    if (agents->entries.nelts) {
        first = agents->entries.elts;
        agents->dummy = first->hash;

    } else {
        agents->dummy = ngx_live_help_agents_fallback;
    }

    return agents;
}


/* one line: NGX_CONF_OK, or what is wrong with it */

static char *
ngx_live_help_agents_line(ngx_live_help_agents_t *agents, u_char *p,
    u_char *last, ngx_str_t *secret, ngx_pool_t *pool)
{
    u_char                        *colon, *q;
    size_t                         used;
    ngx_str_t                      login, hash, name;
    ngx_uint_t                     i;
    const char                    *fault;
    ngx_live_help_utf8_t           utf8;
    ngx_live_help_agents_entry_t  *e;

    if (last > p && last[-1] == CR) {
        last--;
    }

    for (q = p; q < last && (*q == ' ' || *q == '\t'); q++) {
        /* void */
    }

    if (q == last || *q == '#') {
        return NGX_CONF_OK;
    }

    colon = ngx_strlchr(p, last, ':');
    if (colon == NULL) {
        return "no \":\" between the name and the password hash";
    }

    login.data = p;
    login.len = colon - p;

    if (login.len == 0) {
        return "the name is empty";
    }

    if (!ngx_live_help_login_valid(login.data, login.len)) {
        return "the name must be 1 to 64 characters of "
               "A-Z a-z 0-9 . _ @ -";
    }

    hash.data = colon + 1;
    colon = ngx_strlchr(hash.data, last, ':');
    hash.len = (colon ? colon : last) - hash.data;

    fault = ngx_live_help_agents_hash_fault(&hash);
    if (fault) {
        return (char *) fault;
    }

    name.len = 0;
    name.data = NULL;

    if (colon) {
        name.data = colon + 1;
        name.len = last - name.data;

        while (name.len && (name.data[0] == ' ' || name.data[0] == '\t')) {
            name.data++;
            name.len--;
        }

        while (name.len && (name.data[name.len - 1] == ' '
                            || name.data[name.len - 1] == '\t'))
        {
            name.len--;
        }

        if (name.len > NGX_LIVE_HELP_NAME_MAX) {
            return "the display name is longer than 64 bytes";
        }

        for (i = 0; i < name.len; i++) {
            if (name.data[i] < 0x20 || name.data[i] == 0x7f) {
                return "the display name has a control character";
            }
        }

        ngx_live_help_utf8_init(&utf8);
        used = ngx_live_help_utf8_feed(&utf8, name.data, name.len);

        if (used != name.len || !ngx_live_help_utf8_complete(&utf8)) {
            return "the display name is not UTF-8";
        }
    }

    e = agents->entries.elts;

    for (i = 0; i < agents->entries.nelts; i++) {
        if (e[i].login.len == login.len
            && ngx_strncmp(e[i].login.data, login.data, login.len) == 0)
        {
            return "the name is a duplicate";
        }
    }

    e = ngx_array_push(&agents->entries);
    if (e == NULL) {
        return NGX_CONF_ERROR;
    }

    e->login = login;
    e->name = name;

    /* crypt_r() wants a C string */
    e->hash.len = hash.len;
    e->hash.data = ngx_pnalloc(pool, hash.len + 1);
    if (e->hash.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn(e->hash.data, hash.data, hash.len + 1);

    if (!ngx_live_help_hash_digest(e->digest, secret->data, secret->len,
                                   hash.data, hash.len))
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * bcrypt: $2y$ (htpasswd -B), $2b$ or $2a$, a cost of 04 to 31, 53
 * characters of salt and hash.  SHA-crypt: $5$ or $6$ (mkpasswd), an
 * optional rounds=N$, a salt of up to 16 characters, '$', the hash.
 */

static const char *
ngx_live_help_agents_hash_fault(ngx_str_t *hash)
{
    u_char      *p, *last, *dollar;
    size_t       want;
    ngx_int_t    cost;

    static const char  unknown[] =
        "unknown password hash scheme: use bcrypt (\"htpasswd -B\") or "
        "SHA-crypt (\"mkpasswd -m sha-512\")";

    p = hash->data;
    last = p + hash->len;

    if (hash->len > NGX_LIVE_HELP_HASH_MAX) {
        return "the password hash is too long";
    }

    if (hash->len >= 4 && p[0] == '$' && p[1] == '2' && p[3] == '$'
        && (p[2] == 'y' || p[2] == 'b' || p[2] == 'a'))
    {
        cost = (hash->len == 60 && p[6] == '$')
               ? ngx_atoi(p + 4, 2) : NGX_ERROR;

        if (cost < 4 || cost > 31
            || !ngx_live_help_agents_salt(p + 7, last, 53))
        {
            return "a bcrypt hash is \"$2y$NN$\" and 53 characters";
        }

        return NULL;
    }

    if (hash->len >= 3 && p[0] == '$' && (p[1] == '5' || p[1] == '6')
        && p[2] == '$')
    {
        want = (p[1] == '5') ? 43 : 86;
        p += 3;

        if (last - p > 7 && ngx_strncmp(p, "rounds=", 7) == 0) {
            dollar = ngx_strlchr(p, last, '$');

            if (dollar == NULL
                || ngx_atoi(p + 7, dollar - p - 7) == NGX_ERROR)
            {
                return "a SHA-crypt hash has a bad \"rounds=\"";
            }

            p = dollar + 1;
        }

        dollar = ngx_strlchr(p, last, '$');

        if (dollar == NULL || dollar - p > 16
            || !ngx_live_help_agents_salt(p, dollar, 16)
            || (size_t) (last - dollar - 1) != want
            || !ngx_live_help_agents_salt(dollar + 1, last, want))
        {
            return "a SHA-crypt hash is \"$6$salt$\" and the hash";
        }

        return NULL;
    }

    return unknown;
}


/* up to max characters of crypt's alphabet, and nothing else */

static ngx_uint_t
ngx_live_help_agents_salt(u_char *p, u_char *last, size_t max)
{
    if ((size_t) (last - p) > max) {
        return 0;
    }

    for ( /* void */ ; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '.' || *p == '/'))
        {
            return 0;
        }
    }

    return 1;
}


static void
ngx_live_help_agents_note_file(ngx_live_help_agents_t *a,
    ngx_file_info_t *fi)
{
    a->uniq = ngx_file_uniq(fi);
    a->size = ngx_file_size(fi);
    a->mtime = fi->st_mtim;
    a->ctime = fi->st_ctim;
}


/* to the nanosecond: two changes within a second are two changes */

static ngx_uint_t
ngx_live_help_agents_same_file(ngx_live_help_agents_t *a,
    ngx_file_info_t *fi)
{
    return a->uniq == ngx_file_uniq(fi)
           && a->size == ngx_file_size(fi)
           && a->mtime.tv_sec == fi->st_mtim.tv_sec
           && a->mtime.tv_nsec == fi->st_mtim.tv_nsec
           && a->ctime.tv_sec == fi->st_ctim.tv_sec
           && a->ctime.tv_nsec == fi->st_ctim.tv_nsec;
}


ngx_int_t
ngx_live_help_agents_init_process(ngx_cycle_t *cycle,
    ngx_http_live_help_main_conf_t *lmcf)
{
    ngx_queue_init(&ngx_live_help_agents_watchers);

    ngx_live_help_agents_now = lmcf->agents;

    if (lmcf->agents == NULL) {
        return NGX_OK;
    }

    ngx_live_help_agents_path = lmcf->agents_file;
    ngx_live_help_agents_secret = lmcf->secret;

    ngx_live_help_agents_timer.handler = ngx_live_help_agents_tick;
    ngx_live_help_agents_timer.log = cycle->log;
    ngx_live_help_agents_timer.data = cycle;

    /* an exiting worker does not wait for it */
    ngx_live_help_agents_timer.cancelable = 1;

    ngx_add_timer(&ngx_live_help_agents_timer, NGX_LIVE_HELP_AGENTS_TICK);

    return NGX_OK;
}


void
ngx_live_help_agents_exit_process(void)
{
    if (ngx_live_help_agents_timer.timer_set) {
        ngx_del_timer(&ngx_live_help_agents_timer);
    }

    if (ngx_live_help_agents_now && ngx_live_help_agents_now->pool) {
        ngx_destroy_pool(ngx_live_help_agents_now->pool);
    }

    ngx_live_help_agents_now = NULL;
}


static void
ngx_live_help_agents_tick(ngx_event_t *ev)
{
    ngx_queue_t                   *q, *next;
    ngx_live_help_agents_watch_t  *w;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_live_help_agents_reread(ev->log);

    /* sign-ins end by time too: every holder looks once a second */

    for (q = ngx_queue_head(&ngx_live_help_agents_watchers);
         q != ngx_queue_sentinel(&ngx_live_help_agents_watchers);
         q = next)
    {
        next = ngx_queue_next(q);
        w = ngx_queue_data(q, ngx_live_help_agents_watch_t, link);
        w->handler(w);
    }

    ngx_add_timer(ev, NGX_LIVE_HELP_AGENTS_TICK);
}


/*
 * A stat() a second, on the event loop, as open_file_cache does; the file
 * is read only when it changed, and it is small.
 */

static void
ngx_live_help_agents_reread(ngx_log_t *log)
{
    ngx_pool_t              *pool;
    ngx_file_info_t          fi;
    ngx_live_help_agents_t  *agents;

    if (ngx_file_info(ngx_live_help_agents_path.data, &fi)
        == NGX_FILE_ERROR)
    {
        if (ngx_live_help_agents_refused.size != -1) {
            ngx_live_help_agents_refused.size = -1;
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "\"live_help_agents_file\" \"%V\": cannot stat "
                          "it; the agents read before stay in force",
                          &ngx_live_help_agents_path);
        }

        return;
    }

    if (ngx_live_help_agents_refused.size == -1) {
        ngx_live_help_agents_refused.size = 0;
    }

    if (ngx_live_help_agents_same_file(ngx_live_help_agents_now, &fi)
        || ngx_live_help_agents_same_file(&ngx_live_help_agents_refused,
                                          &fi))
    {
        return;
    }

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        return;
    }

    agents = ngx_live_help_agents_read(pool, &ngx_live_help_agents_path,
                                       &ngx_live_help_agents_secret,
                                       NGX_LOG_ERR, log);
    if (agents == NULL) {
        ngx_destroy_pool(pool);
        ngx_live_help_agents_note_file(&ngx_live_help_agents_refused, &fi);
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "\"live_help_agents_file\" \"%V\": the agents read "
                      "before stay in force", &ngx_live_help_agents_path);
        return;
    }

    agents->pool = pool;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "live_help: read \"%V\" again: %ui agents",
                  &ngx_live_help_agents_path, agents->entries.nelts);

    if (ngx_live_help_agents_now->pool) {
        ngx_destroy_pool(ngx_live_help_agents_now->pool);
    }

    ngx_live_help_agents_now = agents;
    ngx_memzero(&ngx_live_help_agents_refused,
                sizeof(ngx_live_help_agents_t));
}


ngx_live_help_agents_entry_t *
ngx_live_help_agents_find(u_char *login, size_t len)
{
    ngx_uint_t                     i;
    ngx_live_help_agents_entry_t  *e;

    if (ngx_live_help_agents_now == NULL) {
        return NULL;
    }

    e = ngx_live_help_agents_now->entries.elts;

    for (i = 0; i < ngx_live_help_agents_now->entries.nelts; i++) {
        if (e[i].login.len == len
            && ngx_strncmp(e[i].login.data, login, len) == 0)
        {
            return &e[i];
        }
    }

    return NULL;
}


ngx_str_t *
ngx_live_help_agents_dummy(void)
{
    return ngx_live_help_agents_now ? &ngx_live_help_agents_now->dummy
                                    : &ngx_live_help_agents_fallback;
}


ngx_uint_t
ngx_live_help_agents_valid(ngx_str_t *login, ngx_live_help_signin_t *signin)
{
    ngx_live_help_agents_entry_t  *e;

    if (signin == NULL) {
        return 1;
    }

    if (ngx_time() >= signin->expires) {
        return 0;
    }

    e = ngx_live_help_agents_find(login->data, login->len);

    return e != NULL
           && CRYPTO_memcmp(e->digest, signin->digest,
                            NGX_LIVE_HELP_DIGEST_LEN)
              == 0;
}


void
ngx_live_help_agents_watch(ngx_live_help_agents_watch_t *w)
{
    ngx_queue_insert_tail(&ngx_live_help_agents_watchers, &w->link);
}


/* may be called again, or for a watch never watched (zeroed) */

void
ngx_live_help_agents_unwatch(ngx_live_help_agents_watch_t *w)
{
    if (w->link.next) {
        ngx_queue_remove(&w->link);
        w->link.next = NULL;
        w->link.prev = NULL;
    }
}


ngx_uint_t
ngx_live_help_agents_password_ok(const char *password, const char *hash)
{
    char               *out;
    size_t              len;
    ngx_uint_t          ok;
    struct crypt_data  *data;

    /* 32k: from the heap, not from a thread's stack */
    data = ngx_calloc(sizeof(struct crypt_data), ngx_cycle->log);
    if (data == NULL) {
        return 0;
    }

    out = crypt_r(password, hash, data);
    len = ngx_strlen(hash);

    ok = out != NULL && ngx_strlen(out) == len
         && CRYPTO_memcmp(out, hash, len) == 0;

    OPENSSL_cleanse(data, sizeof(struct crypt_data));
    ngx_free(data);

    return ok;
}
