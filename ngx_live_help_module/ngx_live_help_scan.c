
/*
 * Pure scanners used by the injection filter.
 */


#include <string.h>

#if (defined __SSE2__)
#include <emmintrin.h>
#endif

#if (defined __x86_64__ && defined __GNUC__)
#include <immintrin.h>
#define NGX_LIVE_HELP_AVX2  1
#endif

#include "ngx_live_help_scan.h"


static int ngx_live_help_scan_step(ngx_live_help_scan_t *s, unsigned char c);
static size_t ngx_live_help_find_candidate(const unsigned char *p, size_t len);
static const unsigned char *ngx_live_help_csp_directive(const unsigned char *p,
    const unsigned char *last, const char *name, const unsigned char **end);


static const unsigned char  ngx_live_help_close_body[] = "</body";


void
ngx_live_help_scan_reset(ngx_live_help_scan_t *s)
{
    s->nheld = 0;
    s->matched = 0;
    s->space = 0;
}


/*
 * Most of a page is not the tag, and HTML has a '<' every few bytes, so the
 * search skips to the first "</b" (any case) sixteen bytes at a time; near
 * the end of the buffer, where it cannot look ahead, any '<' that may begin
 * the tag is a candidate.  Returns its offset, or len if there is none.
 */

#if (NGX_LIVE_HELP_AVX2)

/* the same, thirty-two bytes at a time, on CPUs that can */

__attribute__((target("avx2")))
static size_t
ngx_live_help_find_candidate_avx2(const unsigned char *p, size_t len)
{
    size_t    i;
    unsigned  mask;
    __m256i   lt, slash, b, lower;

    lt = _mm256_set1_epi8('<');
    slash = _mm256_set1_epi8('/');
    b = _mm256_set1_epi8('b');
    lower = _mm256_set1_epi8(0x20);

    for (i = 0; i + 32 + 2 <= len; i += 32) {
        mask = (unsigned) _mm256_movemask_epi8(_mm256_and_si256(
                   _mm256_and_si256(
                       _mm256_cmpeq_epi8(_mm256_loadu_si256(
                                             (const __m256i *) (p + i)), lt),
                       _mm256_cmpeq_epi8(_mm256_loadu_si256(
                                             (const __m256i *) (p + i + 1)),
                                         slash)),
                   _mm256_cmpeq_epi8(_mm256_or_si256(_mm256_loadu_si256(
                                         (const __m256i *) (p + i + 2)),
                                         lower),
                                     b)));
        if (mask) {
            return i + __builtin_ctz(mask);
        }
    }

    return i;
}

#endif


static size_t
ngx_live_help_find_candidate(const unsigned char *p, size_t len)
{
    size_t   i, from;

#if (NGX_LIVE_HELP_AVX2)
    static int  avx2 = -1;

    if (avx2 == -1) {
        __builtin_cpu_init();
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }

    from = 0;

    if (avx2) {
        from = ngx_live_help_find_candidate_avx2(p, len);

        if (from + 32 + 2 <= len) {
            return from;
        }
    }

#else
    from = 0;
#endif

#if (defined __SSE2__)
    unsigned       mask;
    __m128i        lt, slash, b, lower;

    lt = _mm_set1_epi8('<');
    slash = _mm_set1_epi8('/');
    b = _mm_set1_epi8('b');
    lower = _mm_set1_epi8(0x20);

    for (i = from; i + 16 + 2 <= len; i += 16) {
        mask = _mm_movemask_epi8(_mm_and_si128(
                   _mm_and_si128(
                       _mm_cmpeq_epi8(_mm_loadu_si128(
                                          (const __m128i *) (p + i)), lt),
                       _mm_cmpeq_epi8(_mm_loadu_si128(
                                          (const __m128i *) (p + i + 1)),
                                      slash)),
                   _mm_cmpeq_epi8(_mm_or_si128(_mm_loadu_si128(
                                      (const __m128i *) (p + i + 2)), lower),
                                  b)));
        if (mask) {
            return i + __builtin_ctz(mask);
        }
    }

#else
    i = from;
#endif

    for ( /* void */ ; i < len; i++) {
        if (p[i] == '<'
            && (i + 1 == len || p[i + 1] == '/')
            && (i + 2 >= len || (p[i + 2] | 0x20) == 'b'))
        {
            return i;
        }
    }

    return len;
}


/* returns 1 while c continues the tag, 2 when it completes it, 0 if not */

static int
ngx_live_help_scan_step(ngx_live_help_scan_t *s, unsigned char c)
{
    unsigned char  want;

    if (s->matched < 6) {
        want = ngx_live_help_close_body[s->matched];

        /* letters compare case-insensitively; '<' and '/' exactly */
        if (c == want || (s->matched > 1 && (c | 0x20) == want)) {
            s->matched++;
            return 1;
        }

        return 0;
    }

    if (c == '>') {
        return 2;
    }

    if ((c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
        && s->space < NGX_LIVE_HELP_SCAN_MAX_SPACE)
    {
        s->space++;
        return 1;
    }

    return 0;
}


int
ngx_live_help_scan(ngx_live_help_scan_t *s, const unsigned char *p,
    size_t len, size_t *at, int *in_held)
{
    int      rc;
    size_t   i, start;

    *in_held = (s->matched > 0);
    start = 0;
    i = 0;

    while (i < len) {

        if (s->matched == 0) {
            i += ngx_live_help_find_candidate(p + i, len - i);
            if (i == len) {
                break;
            }

            start = i;
            *in_held = 0;
            s->matched = 1;
            s->space = 0;
            i++;
            continue;
        }

        rc = ngx_live_help_scan_step(s, p[i]);

        if (rc == 2) {
            *at = start;
            ngx_live_help_scan_reset(s);
            return NGX_LIVE_HELP_SCAN_FOUND;
        }

        if (rc == 0) {
            /* not the tag: the bytes so far, held ones too, are output */
            *in_held = 0;
            s->matched = 0;
            s->space = 0;
            continue;      /* the same byte may begin a new tag */
        }

        i++;
    }

    if (s->matched == 0) {
        s->nheld = 0;
        *at = len;
        return NGX_LIVE_HELP_SCAN_NONE;
    }

    if (*in_held) {
        memcpy(s->held + s->nheld, p, len);
        s->nheld += len;
        *at = 0;

    } else {
        memcpy(s->held, p + start, len - start);
        s->nheld = len - start;
        *at = start;
    }

    return NGX_LIVE_HELP_SCAN_PARTIAL;
}


static int
ngx_live_help_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}


static int
ngx_live_help_is_nonce_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9')
           || c == '+' || c == '/' || c == '_' || c == '-' || c == '=';
}


/* finds the value of a directive; a directive name is case-insensitive */

static const unsigned char *
ngx_live_help_csp_directive(const unsigned char *p, const unsigned char *last,
    const char *name, const unsigned char **end)
{
    size_t                n;
    const unsigned char  *d, *e;

    n = strlen(name);

    while (p < last) {
        while (p < last && (ngx_live_help_is_space(*p) || *p == ';')) {
            p++;
        }

        d = p;
        while (p < last && *p != ';') {
            p++;
        }

        e = d;
        while (e < p && !ngx_live_help_is_space(*e)) {
            e++;
        }

        if ((size_t) (e - d) == n && strncasecmp((const char *) d, name, n)
                                     == 0)
        {
            *end = p;
            return e;
        }
    }

    return NULL;
}


int
ngx_live_help_csp_nonce(const unsigned char *p, size_t len,
    const unsigned char **nonce, size_t *nonce_len)
{
    size_t                i;
    const unsigned char  *v, *end, *last, *t, *q;
    static const char    *names[] = {
        "script-src-elem", "script-src", "default-src", NULL
    };

    last = p + len;

    for (i = 0; names[i]; i++) {
        v = ngx_live_help_csp_directive(p, last, names[i], &end);
        if (v != NULL) {
            break;
        }
    }

    if (names[i] == NULL) {
        return 0;
    }

    /* the directive that applies decides, even when it has no nonce */

    while (v < end) {
        while (v < end && ngx_live_help_is_space(*v)) {
            v++;
        }

        t = v;
        while (v < end && !ngx_live_help_is_space(*v)) {
            v++;
        }

        if (v - t < 9 || strncasecmp((const char *) t, "'nonce-", 7) != 0
            || v[-1] != '\'')
        {
            continue;
        }

        for (q = t + 7; q < v - 1; q++) {
            if (!ngx_live_help_is_nonce_char(*q)) {
                break;
            }
        }

        if (q == v - 1) {
            *nonce = t + 7;
            *nonce_len = (v - 1) - (t + 7);
            return 1;
        }
    }

    return 0;
}


size_t
ngx_live_help_html_escaped_len(const unsigned char *s, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            n += sizeof("&amp;") - 1;
            break;
        case '<':
        case '>':
            n += sizeof("&lt;") - 1;
            break;
        case '"':
            n += sizeof("&quot;") - 1;
            break;
        case '\'':
            n += sizeof("&#39;") - 1;
            break;
        default:
            n++;
        }
    }

    return n;
}


size_t
ngx_live_help_html_escape(unsigned char *dst, const unsigned char *s,
    size_t len)
{
    size_t          i;
    unsigned char  *d;
    const char     *e;

    d = dst;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            e = "&quot;";
            break;
        case '\'':
            e = "&#39;";
            break;
        default:
            *d++ = s[i];
            continue;
        }

        while (*e) {
            *d++ = (unsigned char) *e++;
        }
    }

    return d - dst;
}
