
/*
 * Failed logins per client address and per login name, shared by the
 * workers of a host: a red-black tree of counters in a shared memory zone
 * of fixed size, the least recently failed dropped when it is full.
 * Other hosts count on their own.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_live_help_throttle.h"
#include "ngx_http_live_help_limit.h"


#define NGX_LIVE_HELP_THROTTLE_SIZE   (512 * 1024)
#define NGX_LIVE_HELP_THROTTLE_KEY    (1 + 64)


/* the most recent failure first */
typedef ngx_live_help_shm_tree_t  ngx_live_help_throttle_sh_t;


typedef struct {
    ngx_str_node_t              sn;        /* sn.str: kind byte, then key */
    ngx_queue_t                 queue;
    time_t                      last;      /* the last failure */
    time_t                      until;     /* no try before */
    ngx_uint_t                  fails;
    u_char                      key[NGX_LIVE_HELP_THROTTLE_KEY];
} ngx_live_help_throttle_node_t;


static ngx_uint_t ngx_live_help_throttle_key(ngx_str_t *key, u_char *buf,
    u_char kind, ngx_str_t *value);
static ngx_live_help_throttle_node_t *ngx_live_help_throttle_find(
    ngx_live_help_throttle_sh_t *sh, ngx_str_t *key);
static void ngx_live_help_throttle_fail(ngx_slab_pool_t *shpool,
    ngx_live_help_throttle_sh_t *sh, ngx_str_t *key, time_t now);
static void ngx_live_help_throttle_drop(ngx_slab_pool_t *shpool,
    ngx_live_help_throttle_sh_t *sh, ngx_live_help_throttle_node_t *n);


ngx_shm_zone_t *
ngx_live_help_throttle_zone(ngx_conf_t *cf, void *tag)
{
    ngx_shm_zone_t  *zone;

    static ngx_str_t  name = ngx_string("live_help_login");

    zone = ngx_shared_memory_add(cf, &name, NGX_LIVE_HELP_THROTTLE_SIZE,
                                 tag);
    if (zone == NULL) {
        return NULL;
    }

    zone->init = ngx_live_help_shm_tree_init;

    return zone;
}


static ngx_uint_t
ngx_live_help_throttle_key(ngx_str_t *key, u_char *buf, u_char kind,
    ngx_str_t *value)
{
    if (value == NULL || value->len == 0
        || value->len >= NGX_LIVE_HELP_THROTTLE_KEY)
    {
        return 0;
    }

    buf[0] = kind;
    ngx_memcpy(buf + 1, value->data, value->len);

    key->data = buf;
    key->len = value->len + 1;

    return 1;
}


static ngx_live_help_throttle_node_t *
ngx_live_help_throttle_find(ngx_live_help_throttle_sh_t *sh, ngx_str_t *key)
{
    ngx_str_node_t  *sn;

    sn = ngx_str_rbtree_lookup(&sh->rbtree, key, ngx_crc32_short(key->data,
                                                                 key->len));

    return (ngx_live_help_throttle_node_t *) sn;
}


time_t
ngx_live_help_throttle_wait(ngx_shm_zone_t *zone, ngx_str_t *addr,
    ngx_str_t *login)
{
    u_char                          buf[NGX_LIVE_HELP_THROTTLE_KEY];
    time_t                          now, wait;
    ngx_str_t                       key, *values[2];
    ngx_uint_t                      i;
    ngx_slab_pool_t                *shpool;
    ngx_live_help_throttle_node_t  *n;

    static u_char  kinds[2] = { 'a', 'n' };

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    now = ngx_time();
    wait = 0;
    values[0] = addr;
    values[1] = login;

    ngx_shmtx_lock(&shpool->mutex);

    for (i = 0; i < 2; i++) {
        if (!ngx_live_help_throttle_key(&key, buf, kinds[i], values[i])) {
            continue;
        }

        n = ngx_live_help_throttle_find(zone->data, &key);

        if (n && n->until - now > wait) {
            wait = n->until - now;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return wait;
}


void
ngx_live_help_throttle_failed(ngx_shm_zone_t *zone, ngx_str_t *addr,
    ngx_str_t *login)
{
    u_char            buf[NGX_LIVE_HELP_THROTTLE_KEY];
    time_t            now;
    ngx_str_t         key;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    now = ngx_time();

    ngx_shmtx_lock(&shpool->mutex);

    if (ngx_live_help_throttle_key(&key, buf, 'a', addr)) {
        ngx_live_help_throttle_fail(shpool, zone->data, &key, now);
    }

    if (ngx_live_help_throttle_key(&key, buf, 'n', login)) {
        ngx_live_help_throttle_fail(shpool, zone->data, &key, now);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * Five failures with no quiet time of five minutes between them, and the
 * sixth try waits a minute; each failure after that doubles the wait, up
 * to fifteen minutes.
 */

static void
ngx_live_help_throttle_fail(ngx_slab_pool_t *shpool,
    ngx_live_help_throttle_sh_t *sh, ngx_str_t *key, time_t now)
{
    time_t                          wait;
    ngx_uint_t                      tries;
    ngx_queue_t                    *q;
    ngx_live_help_throttle_node_t  *n;

    n = ngx_live_help_throttle_find(sh, key);

    if (n == NULL) {
        for (tries = 0; tries < 16; tries++) {
            n = ngx_slab_alloc_locked(shpool,
                                      sizeof(ngx_live_help_throttle_node_t));
            if (n || ngx_queue_empty(&sh->lru)) {
                break;
            }

            q = ngx_queue_last(&sh->lru);
            ngx_live_help_throttle_drop(shpool, sh,
                ngx_queue_data(q, ngx_live_help_throttle_node_t, queue));
        }

        if (n == NULL) {
            return;
        }

        ngx_memcpy(n->key, key->data, key->len);
        n->sn.str.data = n->key;
        n->sn.str.len = key->len;
        n->sn.node.key = ngx_crc32_short(key->data, key->len);
        n->fails = 0;
        n->until = 0;
        n->last = now;

        ngx_rbtree_insert(&sh->rbtree, &n->sn.node);

    } else {
        ngx_queue_remove(&n->queue);
    }

    ngx_queue_insert_head(&sh->lru, &n->queue);

    if (now - n->last >= NGX_LIVE_HELP_THROTTLE_WINDOW && now >= n->until) {
        n->fails = 0;
    }

    n->fails++;
    n->last = now;

    if (n->fails >= NGX_LIVE_HELP_THROTTLE_FREE) {
        tries = ngx_min(n->fails - NGX_LIVE_HELP_THROTTLE_FREE, 8);
        wait = ngx_min((time_t) NGX_LIVE_HELP_THROTTLE_FIRST << tries,
                       NGX_LIVE_HELP_THROTTLE_MAX);
        n->until = now + wait;
    }
}


void
ngx_live_help_throttle_passed(ngx_shm_zone_t *zone, ngx_str_t *login)
{
    u_char                          buf[NGX_LIVE_HELP_THROTTLE_KEY];
    ngx_str_t                       key;
    ngx_slab_pool_t                *shpool;
    ngx_live_help_throttle_node_t  *n;

    if (!ngx_live_help_throttle_key(&key, buf, 'n', login)) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    n = ngx_live_help_throttle_find(zone->data, &key);
    if (n) {
        ngx_live_help_throttle_drop(shpool, zone->data, n);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


static void
ngx_live_help_throttle_drop(ngx_slab_pool_t *shpool,
    ngx_live_help_throttle_sh_t *sh, ngx_live_help_throttle_node_t *n)
{
    ngx_queue_remove(&n->queue);
    ngx_rbtree_delete(&sh->rbtree, &n->sn.node);
    ngx_slab_free_locked(shpool, n);
}
