
/*
 * Signed visitor tokens: "id.expires.signature", the signature being
 * HMAC-SHA256 over "id.expires", base64url.  Pure code.
 */


#ifndef _NGX_LIVE_HELP_TOKEN_H_INCLUDED_
#define _NGX_LIVE_HELP_TOKEN_H_INCLUDED_


#include <stddef.h>
#include <time.h>


#define NGX_LIVE_HELP_ID_MAX     32
#define NGX_LIVE_HELP_TOKEN_MAX  (NGX_LIVE_HELP_ID_MAX + 1 + 20 + 1 + 43)


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

size_t ngx_live_help_base64url(unsigned char *dst, const unsigned char *src,
    size_t len);


#endif /* _NGX_LIVE_HELP_TOKEN_H_INCLUDED_ */
