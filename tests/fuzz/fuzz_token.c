
/*
 * libFuzzer target: visitor tokens and agent cookies.  The first byte says
 * what the rest is: a token or a cookie as a client sends it, or the part
 * a signature covers, signed here with the fuzzer's secret so that the
 * parser behind the signature is reached.  What is accepted must be what
 * ngx_live_help_token_make() / _cookie_make() write for the same values,
 * byte for byte, and not expired; no input may overflow (UBSan aborts).
 */


#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_live_help_token.h"


#define SECRET  ((const unsigned char *) "0123456789abcdef0123456789abcdef")
#define NOW     1700000000


static size_t
sign(unsigned char *dst, const char *domain, const uint8_t *data,
    size_t size, unsigned char sep)
{
    size_t          n;
    unsigned int    mac_len;
    unsigned char   buf[512], mac[EVP_MAX_MD_SIZE];

    n = strlen(domain);
    memcpy(buf, domain, n);
    memcpy(buf + n, data, size);

    if (HMAC(EVP_sha256(), SECRET, 32, buf, n + size, mac, &mac_len)
        == NULL)
    {
        abort();
    }

    memcpy(dst, data, size);
    dst[size] = sep;

    return size + 1 + ngx_live_help_base64url(dst + size + 1, mac, mac_len);
}


static void
check_token(const unsigned char *t, size_t len)
{
    char                  digits[32];
    size_t                id_len, n;
    long long             expires;
    unsigned char         again[NGX_LIVE_HELP_TOKEN_MAX];
    const unsigned char  *id, *dot;

    if (!ngx_live_help_token_check(t, len, SECRET, 32, NOW, &id, &id_len)) {
        return;
    }

    if (id != t || !ngx_live_help_id_valid(id, id_len) || t[id_len] != '.') {
        abort();
    }

    dot = memchr(t + id_len + 1, '.', len - id_len - 1);
    n = dot - t - id_len - 1;

    if (dot == NULL || n == 0 || n > 19) {
        abort();
    }

    memcpy(digits, t + id_len + 1, n);
    digits[n] = '\0';
    errno = 0;
    expires = strtoll(digits, NULL, 10);

    if (errno != 0 || expires <= NOW) {
        abort();
    }

    if (ngx_live_help_token_make(again, SECRET, 32, id, id_len,
                                 (time_t) expires)
        != len
        || memcmp(again, t, len) != 0)
    {
        abort();
    }
}


static void
check_cookie(const unsigned char *c, size_t len)
{
    unsigned char           again[NGX_LIVE_HELP_COOKIE_MAX];
    ngx_live_help_cookie_t  out;

    if (!ngx_live_help_cookie_check(c, len, SECRET, 32, NOW, &out)) {
        return;
    }

    if (out.expires <= NOW
        || !ngx_live_help_login_valid(out.login, out.login_len))
    {
        abort();
    }

    if (ngx_live_help_cookie_make(again, SECRET, 32, out.login,
                                  out.login_len, (time_t) out.expires,
                                  out.digest)
        != len
        || memcmp(again, c, len) != 0)
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t         len;
    unsigned char  buf[512 + 64];

    if (size == 0 || size > 400) {
        return 0;
    }

    switch (data[0] & 3) {

    case 0:
        check_token(data + 1, size - 1);
        break;

    case 1:
        check_cookie(data + 1, size - 1);
        break;

    case 2:
        len = sign(buf, "", data + 1, size - 1, '.');
        check_token(buf, len);
        break;

    default:
        len = sign(buf, "lh-agent\n", data + 1, size - 1, '|');
        check_cookie(buf, len);
    }

    return 0;
}
