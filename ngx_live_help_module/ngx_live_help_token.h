
/*
 * Signed visitor tokens: "id.expires.signature", the signature being
 * HMAC-SHA256 over "id.expires", base64url.  Pure code.
 *
 * Agent session cookies: "login|expires|digest|signature", the signature
 * being HMAC-SHA256 over a prefix no token can start with ("lh-agent\n")
 * and "login|expires|digest", with the same secret: a visitor token never
 * passes as a cookie, nor a cookie as a token.  The digest is a short HMAC
 * of the agent's password hash, so a new hash ends the old cookies.
 */


#ifndef _NGX_LIVE_HELP_TOKEN_H_INCLUDED_
#define _NGX_LIVE_HELP_TOKEN_H_INCLUDED_


#include <stddef.h>
#include <time.h>


#define NGX_LIVE_HELP_ID_MAX     32
#define NGX_LIVE_HELP_TOKEN_MAX  (NGX_LIVE_HELP_ID_MAX + 1 + 20 + 1 + 43)

#define NGX_LIVE_HELP_LOGIN_MAX   64
#define NGX_LIVE_HELP_DIGEST_LEN  16    /* base64url of 12 bytes */
#define NGX_LIVE_HELP_HASH_MAX    255   /* a crypt(3) hash */
#define NGX_LIVE_HELP_COOKIE_MAX  (NGX_LIVE_HELP_LOGIN_MAX + 1 + 20 + 1     \
                                   + NGX_LIVE_HELP_DIGEST_LEN + 1 + 43)


/* what an intact, unexpired cookie says; pointers into the cookie */
typedef struct {
    const unsigned char  *login;
    size_t                login_len;
    long long             expires;
    const unsigned char  *digest;       /* NGX_LIVE_HELP_DIGEST_LEN bytes */
} ngx_live_help_cookie_t;


/* writes the token to dst (NGX_LIVE_HELP_TOKEN_MAX bytes); returns length */
size_t ngx_live_help_token_make(unsigned char *dst,
    const unsigned char *secret, size_t secret_len,
    const unsigned char *id, size_t id_len, time_t expires);

/* returns 1 and the id when the token is intact and not expired */
int ngx_live_help_token_check(const unsigned char *token, size_t len,
    const unsigned char *secret, size_t secret_len, time_t now,
    const unsigned char **id, size_t *id_len);

/* an id made of [A-Za-z0-9_-], 1 to NGX_LIVE_HELP_ID_MAX long */
int ngx_live_help_id_valid(const unsigned char *id, size_t len);

/* a login name made of [A-Za-z0-9._@-], 1 to NGX_LIVE_HELP_LOGIN_MAX long */
int ngx_live_help_login_valid(const unsigned char *login, size_t len);

/* writes NGX_LIVE_HELP_DIGEST_LEN bytes; returns 0 on failure */
int ngx_live_help_hash_digest(unsigned char *dst,
    const unsigned char *secret, size_t secret_len,
    const unsigned char *hash, size_t len);

/* writes the cookie to dst (NGX_LIVE_HELP_COOKIE_MAX bytes); returns length */
size_t ngx_live_help_cookie_make(unsigned char *dst,
    const unsigned char *secret, size_t secret_len,
    const unsigned char *login, size_t login_len, time_t expires,
    const unsigned char *digest);

/* returns 1 and what the cookie says when it is intact and not expired */
int ngx_live_help_cookie_check(const unsigned char *cookie, size_t len,
    const unsigned char *secret, size_t secret_len, time_t now,
    ngx_live_help_cookie_t *out);

size_t ngx_live_help_base64url(unsigned char *dst, const unsigned char *src,
    size_t len);


#endif /* _NGX_LIVE_HELP_TOKEN_H_INCLUDED_ */
