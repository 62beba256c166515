
/*
 * The FAQ of live_help_faq: a file of questions and answers, loaded and
 * indexed once, searched as the shopper types (docs: README, "FAQ
 * answers").  Pure code over jansson: no nginx, so unit tests, a
 * benchmark and a fuzzer drive it.  Read-only once loaded: workers share
 * it after fork.
 */


#ifndef _NGX_LIVE_HELP_FAQ_H_INCLUDED_
#define _NGX_LIVE_HELP_FAQ_H_INCLUDED_


#include <stddef.h>


#define NGX_LIVE_HELP_FAQ_MAX        2000     /* entries in a file */
#define NGX_LIVE_HELP_FAQ_Q_MAX      300      /* bytes of a question */
#define NGX_LIVE_HELP_FAQ_A_MAX      4000     /* of an answer */
#define NGX_LIVE_HELP_FAQ_KW_MAX     500      /* of an entry's keywords */
#define NGX_LIVE_HELP_FAQ_ID_MAX     32       /* of an entry's id */
#define NGX_LIVE_HELP_FAQ_FILE_MAX   (8 * 1024 * 1024)

#define NGX_LIVE_HELP_FAQ_QUERY_MAX  200      /* bytes of a query read */
#define NGX_LIVE_HELP_FAQ_WORDS_MAX  12       /* words of a query used */
#define NGX_LIVE_HELP_FAQ_RESULTS    3

#define NGX_LIVE_HELP_FAQ_ERRLEN     160


typedef struct ngx_live_help_faq_s  ngx_live_help_faq_t;

typedef struct {
    char         *id;        /* the file's "id", or the entry's number */
    size_t        id_len;
    char         *q;
    size_t        q_len;
    char         *a;
    size_t        a_len;
} ngx_live_help_faq_entry_t;


/*
 * Loads a file's text (a JSON array of {"q", "a", "keywords", "id"}) and
 * indexes it.  NULL on failure, with why in err (e.g. "entry 3: \"q\" is
 * missing").  An empty array is a FAQ with no entries.
 */
ngx_live_help_faq_t *ngx_live_help_faq_load(const char *data, size_t len,
    char *err, size_t err_size);

void ngx_live_help_faq_free(ngx_live_help_faq_t *faq);

size_t ngx_live_help_faq_count(const ngx_live_help_faq_t *faq);

const ngx_live_help_faq_entry_t *ngx_live_help_faq_entry(
    const ngx_live_help_faq_t *faq, size_t i);

/* the entry of an id, NULL if none */
const ngx_live_help_faq_entry_t *ngx_live_help_faq_find(
    const ngx_live_help_faq_t *faq, const char *id, size_t len);

/*
 * The entries that answer what the shopper typed so far, best first: up
 * to n (at most NGX_LIVE_HELP_FAQ_RESULTS) indexes into out; returns how
 * many.  The last word, unless a space follows it, may be unfinished.
 * Allocates only a scratch array of the entries' scores.
 */
size_t ngx_live_help_faq_search(const ngx_live_help_faq_t *faq,
    const char *query, size_t len, size_t *out, size_t n);

/* words longer than this are cut; exposed for tests */
#define NGX_LIVE_HELP_FAQ_WORD_MAX   32

/*
 * Damerau-Levenshtein distance (adjacent transpositions, each character
 * once) of two words of code points, or max + 1 when it is over max.
 */
int ngx_live_help_faq_distance(const unsigned *a, size_t alen,
    const unsigned *b, size_t blen, int max);


#endif /* _NGX_LIVE_HELP_FAQ_H_INCLUDED_ */
