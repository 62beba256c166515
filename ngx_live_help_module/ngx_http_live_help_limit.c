
/*
 * Rate limits and socket caps per client address, shared by the workers
 * of a host: a red-black tree of nodes in a shared memory zone of fixed
 * size.  A node lives while a socket of its address is open; when the
 * zone is full, nodes of addresses with no socket open make room, the
 * least recently used first.
 *
 * An IPv6 client counts by its /64: one host gets a whole /64, and
 * counting by single addresses would give it 2^64 allowances.
 *
 * Loopback and private addresses, and unix sockets, are not counted: they
 * are a proxy in front (without set_real_ip_from, every shopper would
 * count as the proxy) or the site's own network.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_limit.h"


#define NGX_LIVE_HELP_LIMIT_SIZE   (1024 * 1024)
#define NGX_LIVE_HELP_LIMIT_ADDR   9       /* family byte, then 8 at most */
/* nodes looked at to make room */
#define NGX_LIVE_HELP_LIMIT_EVICT  16


struct ngx_live_help_limit_node_s {
    ngx_str_node_t              sn;        /* sn.str: the address key */
    ngx_queue_t                 queue;
    ngx_msec_t                  tat[NGX_LIVE_HELP_LIMIT_KINDS];
    ngx_uint_t                  sockets;
    u_char                      addr[NGX_LIVE_HELP_LIMIT_ADDR];
};


static char *ngx_live_help_rate_parse(ngx_str_t *value,
    ngx_live_help_rate_t *rate);
static size_t ngx_live_help_limit_addr(struct sockaddr *sockaddr,
    u_char *buf);
static ngx_uint_t ngx_live_help_limit_local(u_char *addr);
static ngx_live_help_limit_node_t *ngx_live_help_limit_alloc(
    ngx_slab_pool_t *shpool, ngx_live_help_shm_tree_t *sh);


ngx_msec_t
ngx_live_help_rate_take(ngx_live_help_rate_t *rate, ngx_msec_t *tat,
    ngx_msec_t now)
{
    ngx_msec_t  t;

    if (rate->interval == 0) {
        return 0;
    }

    /* a tat far ahead of now is from an earlier life of the clock: reset */
    t = (ngx_msec_int_t) (*tat - now) > 0 ? *tat : now;

    if (t + rate->interval - now > rate->burst * rate->interval) {
        return t + rate->interval - now - rate->burst * rate->interval;
    }

    *tat = t + rate->interval;

    return 0;
}


static char *
ngx_live_help_rate_parse(ngx_str_t *value, ngx_live_help_rate_t *rate)
{
    u_char     *slash;
    ngx_int_t   n;
    ngx_str_t   period;
    ngx_msec_t  ms;

    if (value->len == 3 && ngx_strncmp(value->data, "off", 3) == 0) {
        rate->interval = 0;
        rate->burst = 0;
        return NULL;
    }

    slash = ngx_strlchr(value->data, value->data + value->len, '/');
    if (slash == NULL) {
        return "must be N/PERIOD (e.g. 10/10s) or off";
    }

    n = ngx_atoi(value->data, slash - value->data);

    period.data = slash + 1;
    period.len = value->data + value->len - period.data;
    ms = ngx_parse_time(&period, 0);

    if (n < 1 || n > 100000) {
        return "must be N/PERIOD with N from 1 to 100000";
    }

    if (ms == (ngx_msec_t) NGX_ERROR || ms < 1000
        || ms > 7 * 86400 * 1000)
    {
        return "must be N/PERIOD with a PERIOD from 1s to 7d";
    }

    rate->burst = n;
    rate->interval = ms / n ? ms / n : 1;

    return NULL;
}


char *
ngx_http_live_help_limit_rate(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                  *err;
    ngx_str_t             *value;
    ngx_uint_t             i;
    ngx_live_help_rate_t  *rate;

    rate = (ngx_live_help_rate_t *) ((char *) conf + cmd->offset);

    if (rate->burst != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        err = ngx_live_help_rate_parse(&value[i], &rate[i - 1]);

        if (err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": \"%V\" %s", &cmd->name, &value[i],
                               err);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


void
ngx_http_live_help_limit_merge(ngx_live_help_rate_t *conf,
    ngx_live_help_rate_t *prev, ngx_uint_t n, ngx_uint_t *burst,
    ngx_msec_t *period)
{
    ngx_uint_t  i;

    for (i = 0; i < n; i++) {
        if (conf[i].burst != NGX_CONF_UNSET_UINT) {
            continue;
        }

        if (prev[i].burst != NGX_CONF_UNSET_UINT) {
            conf[i] = prev[i];

        } else {
            conf[i].burst = burst[i];
            conf[i].interval = period[i] / burst[i];
        }
    }
}


ngx_shm_zone_t *
ngx_live_help_limit_zone(ngx_conf_t *cf, void *tag)
{
    ngx_shm_zone_t  *zone;

    static ngx_str_t  name = ngx_string("live_help_limits");

    zone = ngx_shared_memory_add(cf, &name, NGX_LIVE_HELP_LIMIT_SIZE, tag);
    if (zone == NULL) {
        return NULL;
    }

    zone->init = ngx_live_help_shm_tree_init;

    return zone;
}


ngx_int_t
ngx_live_help_shm_tree_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t           *shpool;
    ngx_live_help_shm_tree_t  *sh;

    if (data) {
        /* a reload: what was counted goes on */
        zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_alloc(shpool, sizeof(ngx_live_help_shm_tree_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&sh->lru);

    shpool->data = sh;
    zone->data = sh;

    /* full is normal: the least recently used make room */
    shpool->log_nomem = 0;

    return NGX_OK;
}


static size_t
ngx_live_help_limit_addr(struct sockaddr *sockaddr, u_char *buf)
{
    u_char               *p;
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sockaddr;
        p = sin6->sin6_addr.s6_addr;

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            buf[0] = '4';
            ngx_memcpy(buf + 1, p + 12, 4);
            return 5;
        }

        buf[0] = '6';
        ngx_memcpy(buf + 1, p, 8);
        return 9;
#endif

    case AF_INET:
        sin = (struct sockaddr_in *) sockaddr;
        buf[0] = '4';
        ngx_memcpy(buf + 1, &sin->sin_addr.s_addr, 4);
        return 5;

    default:
        /* a unix socket: one client, a proxy in front, as a whole */
        buf[0] = 'u';
        return 1;
    }
}


/* addr as ngx_live_help_limit_addr() made it */

static ngx_uint_t
ngx_live_help_limit_local(u_char *addr)
{
    switch (addr[0]) {

    case '4':
        return addr[1] == 127 || addr[1] == 10
               || (addr[1] == 172 && (addr[2] & 0xf0) == 16)
               || (addr[1] == 192 && addr[2] == 168)
               || (addr[1] == 169 && addr[2] == 254)
               || (addr[1] == 100 && (addr[2] & 0xc0) == 64);

    case '6':
        /* ::1 (its /64 is ::), unique local fc00::/7, link local fe80::/10 */
        return (addr[1] == 0 && addr[2] == 0 && addr[3] == 0
                && addr[4] == 0 && addr[5] == 0 && addr[6] == 0
                && addr[7] == 0 && addr[8] == 0)
               || (addr[1] & 0xfe) == 0xfc
               || (addr[1] == 0xfe && (addr[2] & 0xc0) == 0x80);

    default:
        return 1;
    }
}


size_t
ngx_live_help_limit_key(ngx_live_help_limit_node_t *node, u_char *buf)
{
    buf[0] = node->addr[0];

    return 1 + ngx_hex_dump(buf + 1, node->addr + 1, node->sn.str.len - 1)
           - (buf + 1);
}


ngx_live_help_limit_node_t *
ngx_live_help_limit_open(ngx_shm_zone_t *zone, struct sockaddr *sockaddr,
    ngx_uint_t max, ngx_uint_t *over, ngx_log_t *log)
{
    u_char                       addr[NGX_LIVE_HELP_LIMIT_ADDR];
    uint32_t                     hash;
    ngx_str_t                    key;
    ngx_slab_pool_t             *shpool;
    ngx_live_help_shm_tree_t    *sh;
    ngx_live_help_limit_node_t  *node;

    static ngx_uint_t  told_full, told_local;

    *over = 0;

    if (zone == NULL) {
        return NULL;
    }

    key.data = addr;
    key.len = ngx_live_help_limit_addr(sockaddr, addr);

    if (ngx_live_help_limit_local(addr)) {
        if (!told_local) {
            told_local = 1;
            ngx_log_error(NGX_LOG_NOTICE, log, 0,
                          "live_help: a socket from a loopback or private "
                          "address is not limited per address; behind a "
                          "proxy, set \"set_real_ip_from\" and "
                          "\"real_ip_header\"");
        }

        return NULL;
    }

    hash = ngx_crc32_short(key.data, key.len);

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = zone->data;

    ngx_shmtx_lock(&shpool->mutex);

    node = (ngx_live_help_limit_node_t *)
               ngx_str_rbtree_lookup(&sh->rbtree, &key, hash);

    if (node) {
        ngx_queue_remove(&node->queue);

        if (max && node->sockets >= max) {
            ngx_queue_insert_head(&sh->lru, &node->queue);
            ngx_shmtx_unlock(&shpool->mutex);
            *over = 1;
            return NULL;
        }

    } else {
        node = ngx_live_help_limit_alloc(shpool, sh);

        if (node == NULL) {
            if (!told_full) {
                told_full = 1;
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "live_help: the limits zone is full: sockets "
                              "of new addresses are not limited until "
                              "some close");
            }

            ngx_shmtx_unlock(&shpool->mutex);
            return NULL;
        }

        ngx_memzero(node->tat, sizeof(node->tat));
        node->sockets = 0;
        ngx_memcpy(node->addr, addr, key.len);
        node->sn.str.data = node->addr;
        node->sn.str.len = key.len;
        node->sn.node.key = hash;
        ngx_rbtree_insert(&sh->rbtree, &node->sn.node);
    }

    node->sockets++;
    ngx_queue_insert_head(&sh->lru, &node->queue);

    ngx_shmtx_unlock(&shpool->mutex);

    return node;
}


static ngx_live_help_limit_node_t *
ngx_live_help_limit_alloc(ngx_slab_pool_t *shpool,
    ngx_live_help_shm_tree_t *sh)
{
    ngx_uint_t                   i;
    ngx_queue_t                 *q, *prev;
    ngx_live_help_limit_node_t  *node;

    node = ngx_slab_alloc_locked(shpool, sizeof(ngx_live_help_limit_node_t));
    if (node) {
        return node;
    }

    /* the least recently used addresses with no socket open go */

    q = ngx_queue_last(&sh->lru);

    for (i = 0; i < NGX_LIVE_HELP_LIMIT_EVICT
                && q != ngx_queue_sentinel(&sh->lru); i++)
    {
        prev = ngx_queue_prev(q);
        node = ngx_queue_data(q, ngx_live_help_limit_node_t, queue);

        if (node->sockets == 0) {
            ngx_queue_remove(q);
            ngx_rbtree_delete(&sh->rbtree, &node->sn.node);
            ngx_slab_free_locked(shpool, node);
        }

        q = prev;
    }

    return ngx_slab_alloc_locked(shpool, sizeof(ngx_live_help_limit_node_t));
}


void
ngx_live_help_limit_close(ngx_shm_zone_t *zone,
    ngx_live_help_limit_node_t *node)
{
    ngx_slab_pool_t  *shpool;

    if (zone == NULL || node == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    /* its rates stay until the zone needs the room */
    if (node->sockets) {
        node->sockets--;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


ngx_msec_t
ngx_live_help_limit_take(ngx_shm_zone_t *zone,
    ngx_live_help_limit_node_t *node, ngx_uint_t kind,
    ngx_live_help_rate_t *rate)
{
    ngx_msec_t        wait;
    ngx_slab_pool_t  *shpool;

    if (zone == NULL || node == NULL || rate->interval == 0) {
        return 0;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);
    wait = ngx_live_help_rate_take(rate, &node->tat[kind], ngx_current_msec);
    ngx_shmtx_unlock(&shpool->mutex);

    return wait;
}
