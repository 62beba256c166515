
/*
 * Signed visitor tokens and agent session cookies.
 */


#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_live_help_token.h"


static size_t ngx_live_help_token_sign(unsigned char *dst,
    const unsigned char *secret, size_t secret_len, const unsigned char *data,
    size_t len);
static size_t ngx_live_help_token_sign_as(unsigned char *dst,
    const char *domain, const unsigned char *secret, size_t secret_len,
    const unsigned char *data, size_t len);
static size_t ngx_live_help_token_seal(unsigned char *dst, size_t len,
    unsigned char sep, const char *domain, const unsigned char *secret,
    size_t secret_len);
static int ngx_live_help_token_number(const unsigned char *p, size_t len,
    long long *n);


/*
 * What each kind of signature is over begins with its own prefix, which
 * neither a visitor id nor a login may hold ('\n'), so that one kind of
 * signed value never passes as another.
 */
#define NGX_LIVE_HELP_COOKIE_DOMAIN  "lh-agent\n"
#define NGX_LIVE_HELP_DIGEST_DOMAIN  "lh-agent-hash\n"


size_t
ngx_live_help_base64url(unsigned char *dst, const unsigned char *src,
    size_t len)
{
    size_t          i;
    unsigned char  *d;
    unsigned long   v;

    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    d = dst;

    for (i = 0; i + 2 < len; i += 3) {
        v = ((unsigned long) src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];
        *d++ = alphabet[(v >> 6) & 63];
        *d++ = alphabet[v & 63];
    }

    if (len - i == 1) {
        v = (unsigned long) src[i] << 16;
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];

    } else if (len - i == 2) {
        v = ((unsigned long) src[i] << 16) | (src[i + 1] << 8);
        *d++ = alphabet[(v >> 18) & 63];
        *d++ = alphabet[(v >> 12) & 63];
        *d++ = alphabet[(v >> 6) & 63];
    }

    return d - dst;
}


/* 1 to max letters, digits and the characters of extra */

static int
ngx_live_help_token_name(const unsigned char *p, size_t len, size_t max,
    const char *extra)
{
    size_t  i;

    if (len == 0 || len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9')
              || (p[i] != '\0' && strchr(extra, p[i]) != NULL)))
        {
            return 0;
        }
    }

    return 1;
}


int
ngx_live_help_id_valid(const unsigned char *id, size_t len)
{
    return ngx_live_help_token_name(id, len, NGX_LIVE_HELP_ID_MAX, "_-");
}


static size_t
ngx_live_help_token_sign(unsigned char *dst, const unsigned char *secret,
    size_t secret_len, const unsigned char *data, size_t len)
{
    unsigned int   mac_len;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    if (HMAC(EVP_sha256(), secret, (int) secret_len, data, len, mac,
             &mac_len)
        == NULL)
    {
        return 0;
    }

    return ngx_live_help_base64url(dst, mac, mac_len);
}


size_t
ngx_live_help_token_make(unsigned char *dst, const unsigned char *secret,
    size_t secret_len, const unsigned char *id, size_t id_len,
    time_t expires)
{
    int     n;
    size_t  len;

    if (!ngx_live_help_id_valid(id, id_len)) {
        return 0;
    }

    memcpy(dst, id, id_len);
    n = snprintf((char *) dst + id_len, 22, ".%lld", (long long) expires);
    len = id_len + n;

    return ngx_live_help_token_seal(dst, len, '.', "", secret, secret_len);
}


int
ngx_live_help_token_check(const unsigned char *token, size_t len,
    const unsigned char *secret, size_t secret_len, time_t now,
    const unsigned char **id, size_t *id_len)
{
    size_t                dot1, dot2, sig;
    long long             expires;
    unsigned char         want[64];
    const unsigned char  *p;

    if (len > NGX_LIVE_HELP_TOKEN_MAX) {
        return 0;
    }

    p = memchr(token, '.', len);
    if (p == NULL) {
        return 0;
    }

    dot1 = p - token;

    p = memchr(token + dot1 + 1, '.', len - dot1 - 1);
    if (p == NULL) {
        return 0;
    }

    dot2 = p - token;

    if (!ngx_live_help_id_valid(token, dot1) || dot2 == dot1 + 1
        || dot2 - dot1 > 20)
    {
        return 0;
    }

    if (!ngx_live_help_token_number(token + dot1 + 1, dot2 - dot1 - 1,
                                    &expires))
    {
        return 0;
    }

    sig = ngx_live_help_token_sign(want, secret, secret_len, token, dot2);

    if (sig == 0 || len - dot2 - 1 != sig
        || CRYPTO_memcmp(want, token + dot2 + 1, sig) != 0)
    {
        return 0;
    }

    if ((long long) now >= expires) {
        return 0;
    }

    *id = token;
    *id_len = dot1;

    return 1;
}


/*
 * An expiry as ngx_live_help_token_make() writes it: 1 to 19 digits, no
 * leading zero, at most LLONG_MAX.  The digits are checked before they
 * are added, so that no input overflows.
 */

static int
ngx_live_help_token_number(const unsigned char *p, size_t len, long long *n)
{
    size_t     i;
    long long  v, d;

    if (len == 0 || len > 19 || (p[0] == '0' && len > 1)) {
        return 0;
    }

    v = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }

        d = p[i] - '0';

        if (v > (LLONG_MAX - d) / 10) {
            return 0;
        }

        v = v * 10 + d;
    }

    *n = v;

    return 1;
}


static size_t
ngx_live_help_token_sign_as(unsigned char *dst, const char *domain,
    const unsigned char *secret, size_t secret_len,
    const unsigned char *data, size_t len)
{
    size_t         n;
    unsigned char  buf[32 + NGX_LIVE_HELP_HASH_MAX];

    n = strlen(domain);

    if (n + len > sizeof(buf)) {
        return 0;
    }

    memcpy(buf, domain, n);
    memcpy(buf + n, data, len);

    return ngx_live_help_token_sign(dst, secret, secret_len, buf, n + len);
}


/* appends sep and the signature of the len bytes at dst */

static size_t
ngx_live_help_token_seal(unsigned char *dst, size_t len, unsigned char sep,
    const char *domain, const unsigned char *secret, size_t secret_len)
{
    size_t  sig;

    sig = ngx_live_help_token_sign_as(dst + len + 1, domain, secret,
                                      secret_len, dst, len);
    if (sig == 0) {
        return 0;
    }

    dst[len] = sep;

    return len + 1 + sig;
}


int
ngx_live_help_login_valid(const unsigned char *login, size_t len)
{
    return ngx_live_help_token_name(login, len, NGX_LIVE_HELP_LOGIN_MAX,
                                    "._@-");
}


int
ngx_live_help_hash_digest(unsigned char *dst, const unsigned char *secret,
    size_t secret_len, const unsigned char *hash, size_t len)
{
    unsigned char  mac[64];

    /* the first 12 bytes of the MAC, 16 base64url characters */

    if (ngx_live_help_token_sign_as(mac, NGX_LIVE_HELP_DIGEST_DOMAIN, secret,
                                    secret_len, hash, len)
        < NGX_LIVE_HELP_DIGEST_LEN)
    {
        return 0;
    }

    memcpy(dst, mac, NGX_LIVE_HELP_DIGEST_LEN);

    return 1;
}


size_t
ngx_live_help_cookie_make(unsigned char *dst, const unsigned char *secret,
    size_t secret_len, const unsigned char *login, size_t login_len,
    time_t expires, const unsigned char *digest)
{
    int     n;
    size_t  len;

    if (!ngx_live_help_login_valid(login, login_len)) {
        return 0;
    }

    memcpy(dst, login, login_len);
    n = snprintf((char *) dst + login_len, 22, "|%lld|", (long long) expires);
    len = login_len + n;

    memcpy(dst + len, digest, NGX_LIVE_HELP_DIGEST_LEN);
    len += NGX_LIVE_HELP_DIGEST_LEN;

    return ngx_live_help_token_seal(dst, len, '|',
                                    NGX_LIVE_HELP_COOKIE_DOMAIN, secret,
                                    secret_len);
}


int
ngx_live_help_cookie_check(const unsigned char *cookie, size_t len,
    const unsigned char *secret, size_t secret_len, time_t now,
    ngx_live_help_cookie_t *out)
{
    size_t                bar[3], sig, i, k;
    long long             expires;
    unsigned char         want[64];

    if (len > NGX_LIVE_HELP_COOKIE_MAX) {
        return 0;
    }

    k = 0;

    for (i = 0; i < len && k < 3; i++) {
        if (cookie[i] == '|') {
            bar[k++] = i;
        }
    }

    if (k != 3
        || !ngx_live_help_login_valid(cookie, bar[0])
        || !ngx_live_help_token_number(cookie + bar[0] + 1,
                                       bar[1] - bar[0] - 1, &expires)
        || bar[2] - bar[1] - 1 != NGX_LIVE_HELP_DIGEST_LEN)
    {
        return 0;
    }

    sig = ngx_live_help_token_sign_as(want, NGX_LIVE_HELP_COOKIE_DOMAIN,
                                      secret, secret_len, cookie, bar[2]);

    if (sig == 0 || len - bar[2] - 1 != sig
        || CRYPTO_memcmp(want, cookie + bar[2] + 1, sig) != 0)
    {
        return 0;
    }

    if ((long long) now >= expires) {
        return 0;
    }

    out->login = cookie;
    out->login_len = bar[0];
    out->expires = expires;
    out->digest = cookie + bar[1] + 1;

    return 1;
}
