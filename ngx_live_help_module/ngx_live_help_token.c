
/*
 * Signed visitor tokens.
 */


#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_live_help_token.h"


static size_t ngx_live_help_token_sign(unsigned char *dst,
    const unsigned char *secret, size_t secret_len, const unsigned char *data,
    size_t len);


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


int
ngx_live_help_id_valid(const unsigned char *id, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_LIVE_HELP_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z')
              || (id[i] >= '0' && id[i] <= '9') || id[i] == '_'
              || id[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
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
    size_t  len, sig;

    if (!ngx_live_help_id_valid(id, id_len)) {
        return 0;
    }

    memcpy(dst, id, id_len);
    n = snprintf((char *) dst + id_len, 22, ".%lld", (long long) expires);
    len = id_len + n;

    sig = ngx_live_help_token_sign(dst + len + 1, secret, secret_len, dst,
                                   len);
    if (sig == 0) {
        return 0;
    }

    dst[len] = '.';

    return len + 1 + sig;
}


int
ngx_live_help_token_check(const unsigned char *token, size_t len,
    const unsigned char *secret, size_t secret_len, time_t now,
    const unsigned char **id, size_t *id_len)
{
    size_t                i, dot1, dot2, sig;
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

    expires = 0;

    for (i = dot1 + 1; i < dot2; i++) {
        if (token[i] < '0' || token[i] > '9') {
            return 0;
        }

        expires = expires * 10 + (token[i] - '0');
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
