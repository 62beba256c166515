
/*
 * Pure scanners used by the injection filter: no nginx event code, so unit
 * tests and fuzzers can drive them with plain bytes.
 */


#ifndef _NGX_LIVE_HELP_SCAN_H_INCLUDED_
#define _NGX_LIVE_HELP_SCAN_H_INCLUDED_


#include <stddef.h>


/* "</body" plus this much white space before ">" is still a match */
#define NGX_LIVE_HELP_SCAN_MAX_SPACE  16
#define NGX_LIVE_HELP_SCAN_HELD       (6 + NGX_LIVE_HELP_SCAN_MAX_SPACE)

#define NGX_LIVE_HELP_SCAN_NONE       0
#define NGX_LIVE_HELP_SCAN_PARTIAL    1
#define NGX_LIVE_HELP_SCAN_FOUND      2


/*
 * State of a search for the closing body tag across buffers.  Bytes that
 * may be the start of the tag at the end of one buffer are held here until
 * the next buffer tells whether they are.
 */
typedef struct {
    unsigned char  held[NGX_LIVE_HELP_SCAN_HELD];
    size_t         nheld;
    unsigned       matched;    /* bytes of "</body" matched, 0..6 */
    unsigned       space;      /* white space after "</body" */
} ngx_live_help_scan_t;


/*
 * Scans the next len bytes of the body.
 *
 * NGX_LIVE_HELP_SCAN_FOUND: the tag is complete; it begins at *at in this
 *     buffer, or, when *in_held is set, in the bytes held before this call.
 * NGX_LIVE_HELP_SCAN_PARTIAL: the buffer ends inside what may be the tag,
 *     beginning at *at (or in the held bytes when *in_held is set); those
 *     bytes up to the end of the buffer are now held.
 * NGX_LIVE_HELP_SCAN_NONE: no tag; nothing is held.
 *
 * Unless *in_held is set on return, the bytes held before the call were not
 * a tag and belong to the output before this buffer.
 */
int ngx_live_help_scan(ngx_live_help_scan_t *s, const unsigned char *p,
    size_t len, size_t *at, int *in_held);

void ngx_live_help_scan_reset(ngx_live_help_scan_t *s);


/*
 * Finds the nonce that lets a <script> element run under a
 * Content-Security-Policy value (script-src-elem, else script-src, else
 * default-src).  Returns 1 and the nonce, or 0 when there is none usable.
 * A nonce with characters outside base64 is refused.
 */
int ngx_live_help_csp_nonce(const unsigned char *p, size_t len,
    const unsigned char **nonce, size_t *nonce_len);


/*
 * Writes s HTML-escaped (for an attribute value) to dst, which has room for
 * ngx_live_help_html_escaped_len(s) bytes; returns bytes written.
 */
size_t ngx_live_help_html_escaped_len(const unsigned char *s, size_t len);
size_t ngx_live_help_html_escape(unsigned char *dst, const unsigned char *s,
    size_t len);


#endif /* _NGX_LIVE_HELP_SCAN_H_INCLUDED_ */
