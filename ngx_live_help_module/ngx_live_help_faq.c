
/*
 * The FAQ's search.  At load, every question, its keywords and answer
 * are cut into words (lower case, letters and digits of any script, the
 * Latin ones folded), common words dropped, English endings stripped
 * ("shipping", "shipped", "ships": "ship"); the unique words make a
 * sorted vocabulary, each with the entries it is in (postings) and a
 * weight that is lower the more entries have it.
 *
 * A query is cut the same way; each of its words finds vocabulary words:
 * the same word, words it begins (the shopper is still typing it, or a
 * Finnish or German word with an ending), words that share all but their
 * last letter with it ("toimitus", "toimituksen"), and, when it has none
 * of those, words one typo away (two for words of eight letters or
 * more).  An entry scores, for each query word, the best of its matches:
 * how good the match is, times the word's weight, times where the word
 * is (question 3, keywords 2, answer 1).  The best three above a floor
 * and near the best one are the answer.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ngx_live_help_faq.h"


#define FAQ_W_Q          3
#define FAQ_W_KW         2
#define FAQ_W_A          1

#define FAQ_WORD         NGX_LIVE_HELP_FAQ_WORD_MAX

/* how good a match is */
#define FAQ_EXACT        1.0f
#define FAQ_PREFIX       0.8f     /* the query word begins it */
#define FAQ_STEM         0.6f     /* all but the last letter in common */
#define FAQ_TYPO1        0.8f
#define FAQ_TYPO2        0.6f

/* an entry is an answer from this score on, and this close to the best */
#define FAQ_FLOOR        1.5f
#define FAQ_NEAR         0.35f

/* vocabulary words one query word may match, per kind */
#define FAQ_RANGE_MAX    128
#define FAQ_MATCH_MAX    512


typedef struct {
    uint32_t                    off;      /* into chars */
    uint32_t                    len;
    uint32_t                    post;     /* first posting */
    uint32_t                    npost;
    float                       idf;
} ngx_live_help_faq_word_t;


typedef struct {
    uint16_t                    entry;
    uint16_t                    weight;
} ngx_live_help_faq_post_t;


struct ngx_live_help_faq_s {
    ngx_live_help_faq_entry_t  *entries;
    size_t                      nentries;
    unsigned                   *chars;    /* the words' code points */
    ngx_live_help_faq_word_t   *words;    /* in code point order */
    size_t                      nwords;
    ngx_live_help_faq_post_t   *posts;
    uint32_t                   *by_len;   /* word indexes by length */
    uint32_t                    len_at[FAQ_WORD + 2];
};


/* a word of an entry while indexing */
typedef struct {
    uint32_t                    off;
    uint16_t                    len;
    uint16_t                    weight;
    uint32_t                    entry;
} ngx_live_help_faq_token_t;


typedef struct {
    ngx_live_help_faq_token_t  *tokens;
    size_t                      ntokens;
    size_t                      tokens_size;
    unsigned                   *chars;
    size_t                      nchars;
    size_t                      chars_size;
} ngx_live_help_faq_build_t;


typedef struct {
    uint32_t                    word;
    float                       quality;
} ngx_live_help_faq_match_t;


static const char  *ngx_live_help_faq_stop[] = {
    /* English */
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "can",
    "could", "do", "does", "for", "from", "have", "how", "i", "if", "in",
    "is", "it", "me", "my", "of", "on", "or", "our", "please", "the",
    "there", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your",
    /* Finnish */
    "ei", "ja", "jos", "kun", "kuinka", "miksi", "miten", "mikä", "minä",
    "mitä", "mä", "onko", "ole", "olen", "se", "tai", "voi", "voiko",
    "voinko", "että",
    /* German */
    "auf", "das", "dem", "den", "der", "des", "die", "ein", "eine",
    "einen", "es", "für", "ich", "ist", "im", "kann", "mein", "mit",
    "nicht", "und", "von", "wie", "wo", "zu",
    NULL
};


static const unsigned  *ngx_live_help_faq_sorting;


static int ngx_live_help_faq_entry_load(ngx_live_help_faq_t *faq, size_t i,
    json_t *v, char *err, size_t err_size);
static char *ngx_live_help_faq_string(json_t *o, const char *key,
    size_t max, size_t *len, int *bad);
static int ngx_live_help_faq_index(ngx_live_help_faq_t *faq);
static int ngx_live_help_faq_add_text(ngx_live_help_faq_build_t *b,
    const char *text, size_t len, uint32_t entry, uint16_t weight);
static int ngx_live_help_faq_token_cmp(const void *one, const void *two);
static size_t ngx_live_help_faq_next_word(const unsigned char *s,
    size_t len, size_t *pos, unsigned *w);
static unsigned ngx_live_help_faq_decode(const unsigned char *s, size_t len,
    size_t *pos);
static unsigned ngx_live_help_faq_fold(unsigned c);
static int ngx_live_help_faq_is_stop(const unsigned *w, size_t n);
static size_t ngx_live_help_faq_stem(unsigned *w, size_t n);
static int ngx_live_help_faq_cmp(const unsigned *a, size_t alen,
    const unsigned *b, size_t blen);
static size_t ngx_live_help_faq_lower(const ngx_live_help_faq_t *faq,
    const unsigned *w, size_t n);
static size_t ngx_live_help_faq_common(const ngx_live_help_faq_t *faq,
    uint32_t word, const unsigned *w, size_t n);
static size_t ngx_live_help_faq_matches(const ngx_live_help_faq_t *faq,
    const unsigned *w, size_t n, int unfinished,
    ngx_live_help_faq_match_t *m);
static float ngx_live_help_faq_log2(float x);


ngx_live_help_faq_t *
ngx_live_help_faq_load(const char *data, size_t len, char *err,
    size_t err_size)
{
    size_t                i, j, n;
    json_t               *root;
    json_error_t          e;
    ngx_live_help_faq_t  *faq;

    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);

    if (root == NULL) {
        snprintf(err, err_size, "invalid JSON on line %d: %s", e.line,
                 e.text);
        return NULL;
    }

    if (!json_is_array(root)) {
        snprintf(err, err_size, "not a JSON array of entries");
        json_decref(root);
        return NULL;
    }

    n = json_array_size(root);

    if (n > NGX_LIVE_HELP_FAQ_MAX) {
        snprintf(err, err_size, "%zu entries, more than %d", n,
                 NGX_LIVE_HELP_FAQ_MAX);
        json_decref(root);
        return NULL;
    }

    faq = calloc(1, sizeof(ngx_live_help_faq_t));
    if (faq == NULL) {
        goto nomem;
    }

    /* one more: a failed entry's parts are freed from it */
    faq->entries = calloc(n + 1, sizeof(ngx_live_help_faq_entry_t));
    if (faq->entries == NULL) {
        goto nomem;
    }

    for (i = 0; i < n; i++) {
        if (ngx_live_help_faq_entry_load(faq, i, json_array_get(root, i),
                                         err, err_size)
            != 0)
        {
            goto failed;
        }

        faq->nentries++;

        for (j = 0; j < i; j++) {
            if (faq->entries[j].id_len == faq->entries[i].id_len
                && memcmp(faq->entries[j].id, faq->entries[i].id,
                          faq->entries[i].id_len)
                   == 0)
            {
                snprintf(err, err_size, "entry %zu: \"id\" \"%s\" is "
                         "entry %zu's", i + 1, faq->entries[i].id, j + 1);
                goto failed;
            }
        }
    }

    json_decref(root);
    root = NULL;

    if (ngx_live_help_faq_index(faq) != 0) {
        goto nomem;
    }

    return faq;

nomem:

    snprintf(err, err_size, "out of memory");

failed:

    json_decref(root);
    ngx_live_help_faq_free(faq);

    return NULL;
}


static int
ngx_live_help_faq_entry_load(ngx_live_help_faq_t *faq, size_t i, json_t *v,
    char *err, size_t err_size)
{
    int                         bad;
    char                       *kw;
    size_t                      kw_len, k;
    json_t                     *id;
    const char                 *s;
    ngx_live_help_faq_entry_t  *e;

    e = &faq->entries[i];

    if (!json_is_object(v)) {
        snprintf(err, err_size, "entry %zu: not an object", i + 1);
        return -1;
    }

    e->q = ngx_live_help_faq_string(v, "q", NGX_LIVE_HELP_FAQ_Q_MAX,
                                    &e->q_len, &bad);
    if (e->q == NULL) {
        snprintf(err, err_size, bad ? "entry %zu: \"q\" must be a string "
                 "of 1 to %d bytes" : "entry %zu: \"q\" is missing", i + 1,
                 NGX_LIVE_HELP_FAQ_Q_MAX);
        return -1;
    }

    e->a = ngx_live_help_faq_string(v, "a", NGX_LIVE_HELP_FAQ_A_MAX,
                                    &e->a_len, &bad);
    if (e->a == NULL) {
        snprintf(err, err_size, bad ? "entry %zu: \"a\" must be a string "
                 "of 1 to %d bytes" : "entry %zu: \"a\" is missing", i + 1,
                 NGX_LIVE_HELP_FAQ_A_MAX);
        return -1;
    }

    if (json_object_get(v, "keywords")) {
        kw = ngx_live_help_faq_string(v, "keywords",
                                      NGX_LIVE_HELP_FAQ_KW_MAX, &kw_len,
                                      &bad);
        if (kw == NULL) {
            snprintf(err, err_size, "entry %zu: \"keywords\" must be a "
                     "string of 1 to %d bytes", i + 1,
                     NGX_LIVE_HELP_FAQ_KW_MAX);
            return -1;
        }

        /* only the index needs them: kept with the answer, after its NUL */
        s = e->a;
        e->a = realloc(e->a, e->a_len + 1 + kw_len + 1);
        if (e->a == NULL) {
            free(kw);
            e->a = (char *) s;
            snprintf(err, err_size, "out of memory");
            return -1;
        }

        memcpy(e->a + e->a_len + 1, kw, kw_len + 1);
        free(kw);

    } else {
        s = e->a;
        e->a = realloc(e->a, e->a_len + 2);
        if (e->a == NULL) {
            e->a = (char *) s;
            snprintf(err, err_size, "out of memory");
            return -1;
        }

        e->a[e->a_len + 1] = '\0';
    }

    id = json_object_get(v, "id");

    if (id == NULL) {
        e->id = malloc(24);
        if (e->id == NULL) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }

        e->id_len = snprintf(e->id, 24, "%zu", i + 1);
        return 0;
    }

    s = json_string_value(id);
    k = s ? json_string_length(id) : 0;

    if (s == NULL || k == 0 || k > NGX_LIVE_HELP_FAQ_ID_MAX
        || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-")
           != k)
    {
        snprintf(err, err_size, "entry %zu: \"id\" must be 1 to %d "
                 "letters, digits, \"_\" or \"-\"", i + 1,
                 NGX_LIVE_HELP_FAQ_ID_MAX);
        return -1;
    }

    e->id = malloc(k + 1);
    if (e->id == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }

    memcpy(e->id, s, k + 1);

    e->id_len = k;

    return 0;
}


/* a copy of a non-empty string of at most max bytes, or NULL */

static char *
ngx_live_help_faq_string(json_t *o, const char *key, size_t max,
    size_t *len, int *bad)
{
    char        *p;
    json_t      *v;
    const char  *s;

    v = json_object_get(o, key);
    *bad = (v != NULL);

    s = json_string_value(v);
    if (s == NULL) {
        return NULL;
    }

    *len = json_string_length(v);

    /* a NUL inside would cut it short wherever it goes */
    if (*len == 0 || *len > max || strlen(s) != *len) {
        return NULL;
    }

    p = malloc(*len + 1);
    if (p != NULL) {
        memcpy(p, s, *len + 1);
    }

    return p;
}


void
ngx_live_help_faq_free(ngx_live_help_faq_t *faq)
{
    size_t  i;

    if (faq == NULL) {
        return;
    }

    if (faq->entries) {
        for (i = 0; i <= faq->nentries; i++) {
            free(faq->entries[i].id);
            free(faq->entries[i].q);
            free(faq->entries[i].a);
        }
    }

    free(faq->entries);
    free(faq->chars);
    free(faq->words);
    free(faq->posts);
    free(faq->by_len);
    free(faq);
}


size_t
ngx_live_help_faq_count(const ngx_live_help_faq_t *faq)
{
    return faq ? faq->nentries : 0;
}


const ngx_live_help_faq_entry_t *
ngx_live_help_faq_entry(const ngx_live_help_faq_t *faq, size_t i)
{
    return (faq && i < faq->nentries) ? &faq->entries[i] : NULL;
}


const ngx_live_help_faq_entry_t *
ngx_live_help_faq_find(const ngx_live_help_faq_t *faq, const char *id,
    size_t len)
{
    size_t  i;

    for (i = 0; faq && i < faq->nentries; i++) {
        if (faq->entries[i].id_len == len
            && memcmp(faq->entries[i].id, id, len) == 0)
        {
            return &faq->entries[i];
        }
    }

    return NULL;
}


/* the vocabulary and its postings */

static int
ngx_live_help_faq_index(ngx_live_help_faq_t *faq)
{
    size_t                      i, nposts, len;
    uint32_t                    count[FAQ_WORD + 2];
    const char                 *kw;
    ngx_live_help_faq_word_t   *w;
    ngx_live_help_faq_post_t   *p;
    ngx_live_help_faq_token_t  *t, *prev;
    ngx_live_help_faq_build_t   b;

    memset(&b, 0, sizeof(ngx_live_help_faq_build_t));

    for (i = 0; i < faq->nentries; i++) {
        kw = faq->entries[i].a + faq->entries[i].a_len + 1;

        if (ngx_live_help_faq_add_text(&b, faq->entries[i].q,
                                       faq->entries[i].q_len, i, FAQ_W_Q)
            != 0
            || ngx_live_help_faq_add_text(&b, kw, strlen(kw), i, FAQ_W_KW)
               != 0
            || ngx_live_help_faq_add_text(&b, faq->entries[i].a,
                                          faq->entries[i].a_len, i, FAQ_W_A)
               != 0)
        {
            goto failed;
        }
    }

    if (b.ntokens) {
        ngx_live_help_faq_sorting = b.chars;
        qsort(b.tokens, b.ntokens, sizeof(ngx_live_help_faq_token_t),
              ngx_live_help_faq_token_cmp);
        ngx_live_help_faq_sorting = NULL;
    }

    /* as many words and postings as tokens at most */
    faq->words = malloc((b.ntokens + 1) * sizeof(ngx_live_help_faq_word_t));
    faq->posts = malloc((b.ntokens + 1) * sizeof(ngx_live_help_faq_post_t));
    faq->chars = malloc((b.nchars + 1) * sizeof(unsigned));

    if (faq->words == NULL || faq->posts == NULL || faq->chars == NULL) {
        goto failed;
    }

    prev = NULL;
    w = NULL;
    p = NULL;
    nposts = 0;
    len = 0;

    for (i = 0; i < b.ntokens; i++) {
        t = &b.tokens[i];

        if (prev == NULL
            || ngx_live_help_faq_cmp(&b.chars[prev->off], prev->len,
                                     &b.chars[t->off], t->len)
               != 0)
        {
            w = &faq->words[faq->nwords++];
            w->off = len;
            w->len = t->len;
            w->post = nposts;
            w->npost = 0;
            memcpy(&faq->chars[len], &b.chars[t->off],
                   t->len * sizeof(unsigned));
            len += t->len;
            p = NULL;
        }

        if (p == NULL || p->entry != t->entry) {
            p = &faq->posts[nposts++];
            p->entry = (uint16_t) t->entry;
            p->weight = t->weight;
            w->npost++;

        } else if (t->weight > p->weight) {
            p->weight = t->weight;
        }

        prev = t;
    }

    free(b.tokens);
    free(b.chars);
    b.tokens = NULL;
    b.chars = NULL;

    /* the fewer entries have a word, the more it tells */
    memset(count, 0, sizeof(count));

    for (i = 0; i < faq->nwords; i++) {
        w = &faq->words[i];
        w->idf = ngx_live_help_faq_log2(1.0f + (float) faq->nentries
                                               / (float) w->npost);
        count[w->len + 1]++;
    }

    for (i = 1; i < FAQ_WORD + 2; i++) {
        count[i] += count[i - 1];
    }

    memcpy(faq->len_at, count, sizeof(count));

    faq->by_len = malloc((faq->nwords + 1) * sizeof(uint32_t));
    if (faq->by_len == NULL) {
        return -1;
    }

    for (i = 0; i < faq->nwords; i++) {
        faq->by_len[count[faq->words[i].len]++] = (uint32_t) i;
    }

    return 0;

failed:

    free(b.tokens);
    free(b.chars);

    return -1;
}


static int
ngx_live_help_faq_add_text(ngx_live_help_faq_build_t *b, const char *text,
    size_t len, uint32_t entry, uint16_t weight)
{
    void                       *p;
    size_t                      pos, n;
    unsigned                    w[FAQ_WORD];
    ngx_live_help_faq_token_t  *t;

    pos = 0;

    for ( ;; ) {
        n = ngx_live_help_faq_next_word((const unsigned char *) text, len,
                                        &pos, w);
        if (n == 0) {
            return 0;
        }

        if (n < 2 || ngx_live_help_faq_is_stop(w, n)) {
            continue;
        }

        n = ngx_live_help_faq_stem(w, n);

        if (b->ntokens == b->tokens_size) {
            b->tokens_size = b->tokens_size ? 2 * b->tokens_size : 1024;
            p = realloc(b->tokens,
                        b->tokens_size * sizeof(ngx_live_help_faq_token_t));
            if (p == NULL) {
                return -1;
            }

            b->tokens = p;
        }

        if (b->nchars + n > b->chars_size) {
            b->chars_size = b->chars_size ? 2 * b->chars_size : 8192;
            p = realloc(b->chars, b->chars_size * sizeof(unsigned));
            if (p == NULL) {
                return -1;
            }

            b->chars = p;
        }

        t = &b->tokens[b->ntokens++];
        t->off = b->nchars;
        t->len = n;
        t->weight = weight;
        t->entry = entry;

        memcpy(&b->chars[b->nchars], w, n * sizeof(unsigned));
        b->nchars += n;
    }
}


static int
ngx_live_help_faq_token_cmp(const void *one, const void *two)
{
    int                               rc;
    const ngx_live_help_faq_token_t  *a, *b;

    a = one;
    b = two;

    rc = ngx_live_help_faq_cmp(&ngx_live_help_faq_sorting[a->off], a->len,
                               &ngx_live_help_faq_sorting[b->off], b->len);
    if (rc != 0) {
        return rc;
    }

    return (a->entry > b->entry) - (a->entry < b->entry);
}


/*
 * The next word from *pos: its letters in lower case in w (cut at
 * FAQ_WORD), returns how many; 0 at the end.
 */

static size_t
ngx_live_help_faq_next_word(const unsigned char *s, size_t len, size_t *pos,
    unsigned *w)
{
    size_t    n, at;
    unsigned  c;

    n = 0;

    while (*pos < len) {
        at = *pos;
        c = ngx_live_help_faq_fold(ngx_live_help_faq_decode(s, len, pos));

        if (c == 0) {
            if (n) {
                /* the separator is read again by the next call: harmless */
                *pos = at;
                return n;
            }

            continue;
        }

        if (c == 0xdf && n + 1 < FAQ_WORD) {
            /* German sharp s: "größe" is "grösse" */
            w[n++] = 's';
            c = 's';
        }

        if (n < FAQ_WORD) {
            w[n++] = c;
        }
    }

    return n;
}


/* a code point of UTF-8; 0xfffd for a byte that does not start one */

static unsigned
ngx_live_help_faq_decode(const unsigned char *s, size_t len, size_t *pos)
{
    size_t    i, n;
    unsigned  c, min;

    c = s[(*pos)++];

    if (c < 0x80) {
        return c;
    }

    if ((c & 0xe0) == 0xc0) {
        n = 1;
        c &= 0x1f;
        min = 0x80;

    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        c &= 0x0f;
        min = 0x800;

    } else if ((c & 0xf8) == 0xf0) {
        n = 3;
        c &= 0x07;
        min = 0x10000;

    } else {
        return 0xfffd;
    }

    for (i = 0; i < n; i++) {
        if (*pos >= len || (s[*pos] & 0xc0) != 0x80) {
            return 0xfffd;
        }

        c = (c << 6) | (s[(*pos)++] & 0x3f);
    }

    return (c < min || c > 0x10ffff) ? 0xfffd : c;
}


/* a letter or digit in lower case; 0 for anything else */

static unsigned
ngx_live_help_faq_fold(unsigned c)
{
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z') {
            return c + ('a' - 'A');
        }

        return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : 0;
    }

    if (c < 0xc0 || c == 0xd7 || c == 0xf7) {
        /* Latin-1 punctuation and signs */
        return 0;
    }

    if (c <= 0xde) {
        return c + 0x20;
    }

    if (c <= 0xff) {
        return c;
    }

    if (c <= 0x17f) {
        /* Latin Extended-A: capitals then small letters, in pairs */
        if ((c < 0x138) || (c >= 0x14a && c < 0x178)) {
            return c | 1;
        }

        if ((c >= 0x139 && c < 0x149) || (c >= 0x179 && c < 0x17f)) {
            return (c & 1) ? c + 1 : c;
        }

        return (c == 0x178) ? 0xff : c;
    }

    if ((c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f)) {
        /* Greek and Russian capitals */
        return c + 0x20;
    }

    if ((c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f)
        || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xff00 && c <= 0xff0f)
        || c >= 0x1f000 || c == 0xfffd || c == 0xfeff)
    {
        /* punctuation, symbols, arrows, emoji */
        return 0;
    }

    return c;
}


static int
ngx_live_help_faq_is_stop(const unsigned *w, size_t n)
{
    size_t                pos, i, len;
    const char          **s;
    const unsigned char  *p;

    for (s = ngx_live_help_faq_stop; *s; s++) {
        p = (const unsigned char *) *s;

        if (p[0] != w[0]) {
            continue;
        }

        len = strlen(*s);
        pos = 0;

        for (i = 0; i < n && pos < len; i++) {
            if (ngx_live_help_faq_decode(p, len, &pos) != w[i]) {
                break;
            }
        }

        if (i == n && pos == len) {
            return 1;
        }
    }

    return 0;
}


static int
ngx_live_help_faq_ends(const unsigned *w, size_t n, const char *end)
{
    size_t  i, len;

    len = strlen(end);

    if (n < len) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (w[n - len + i] != (unsigned char) end[i]) {
            return 0;
        }
    }

    return 1;
}


/* "shipp" of "shipping": "ship" */

static size_t
ngx_live_help_faq_undouble(const unsigned *w, size_t n)
{
    unsigned  c;

    c = w[n - 1];

    if (n >= 3 && c == w[n - 2] && c >= 'b' && c <= 'z'
        && strchr("aeiouylsz", (int) c) == NULL)
    {
        return n - 1;
    }

    return n;
}


/* English plural, -ing and -ed endings off; the new length */

static size_t
ngx_live_help_faq_stem(unsigned *w, size_t n)
{
    if (n > 4 && ngx_live_help_faq_ends(w, n, "ies")) {
        w[n - 3] = 'y';
        return n - 2;
    }

    if (n > 5 && ngx_live_help_faq_ends(w, n, "ing")) {
        return ngx_live_help_faq_undouble(w, n - 3);
    }

    if (n > 4 && ngx_live_help_faq_ends(w, n, "ed") && w[n - 3] != 'e') {
        return ngx_live_help_faq_undouble(w, n - 2);
    }

    if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u'
        && w[n - 2] != 'i')
    {
        if (n > 4 && (ngx_live_help_faq_ends(w, n, "xes")
                      || ngx_live_help_faq_ends(w, n, "sses")
                      || ngx_live_help_faq_ends(w, n, "ches")
                      || ngx_live_help_faq_ends(w, n, "shes")))
        {
            return n - 2;
        }

        return n - 1;
    }

    return n;
}


static int
ngx_live_help_faq_cmp(const unsigned *a, size_t alen, const unsigned *b,
    size_t blen)
{
    size_t  i;

    for (i = 0; i < alen && i < blen; i++) {
        if (a[i] != b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }

    return (alen > blen) - (alen < blen);
}


/* the first vocabulary word not before w */

static size_t
ngx_live_help_faq_lower(const ngx_live_help_faq_t *faq, const unsigned *w,
    size_t n)
{
    size_t                           lo, hi, mid;
    const ngx_live_help_faq_word_t  *v;

    lo = 0;
    hi = faq->nwords;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        v = &faq->words[mid];

        if (ngx_live_help_faq_cmp(&faq->chars[v->off], v->len, w, n) < 0) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return lo;
}


/* how many first letters a vocabulary word has in common with w */

static size_t
ngx_live_help_faq_common(const ngx_live_help_faq_t *faq, uint32_t word,
    const unsigned *w, size_t n)
{
    size_t           i;
    const unsigned  *c;

    c = &faq->chars[faq->words[word].off];

    for (i = 0; i < n && i < faq->words[word].len; i++) {
        if (c[i] != w[i]) {
            break;
        }
    }

    return i;
}


int
ngx_live_help_faq_distance(const unsigned *a, size_t alen, const unsigned *b,
    size_t blen, int max)
{
    int     rows[3][FAQ_WORD + 1], *prev2, *prev, *cur, *t, v, low;
    size_t  i, j;

    if (alen > FAQ_WORD) {
        alen = FAQ_WORD;
    }

    if (blen > FAQ_WORD) {
        blen = FAQ_WORD;
    }

    if ((alen > blen ? alen - blen : blen - alen) > (size_t) max) {
        return max + 1;
    }

    prev2 = rows[0];
    prev = rows[1];
    cur = rows[2];

    for (j = 0; j <= blen; j++) {
        prev[j] = (int) j;
    }

    for (i = 1; i <= alen; i++) {
        cur[0] = (int) i;
        low = cur[0];

        for (j = 1; j <= blen; j++) {
            v = prev[j - 1] + (a[i - 1] != b[j - 1]);

            if (prev[j] + 1 < v) {
                v = prev[j] + 1;
            }

            if (cur[j - 1] + 1 < v) {
                v = cur[j - 1] + 1;
            }

            if (i > 1 && j > 1 && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
            {
                v = prev2[j - 2] + 1;
            }

            cur[j] = v;

            if (v < low) {
                low = v;
            }
        }

        if (low > max) {
            return max + 1;
        }

        t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }

    return prev[blen] > max ? max + 1 : prev[blen];
}


/* the vocabulary words w may mean, into m; returns how many */

static size_t
ngx_live_help_faq_matches(const ngx_live_help_faq_t *faq, const unsigned *w,
    size_t n, int unfinished, ngx_live_help_faq_match_t *m)
{
    int                              k, d;
    size_t                           nm, i, end, cp, min, lo, hi;
    uint32_t                         word;
    const ngx_live_help_faq_word_t  *v;

    nm = 0;
    i = ngx_live_help_faq_lower(faq, w, n);

    if (i < faq->nwords && faq->words[i].len == n
        && ngx_live_help_faq_common(faq, i, w, n) == n)
    {
        m[nm].word = i;
        m[nm++].quality = FAQ_EXACT;
        i++;
    }

    /* words it begins: while typing, or a word with an ending */
    if (n >= 4 || (unfinished && n >= 3)) {
        for (end = i + FAQ_RANGE_MAX; i < faq->nwords && i < end; i++) {
            if (ngx_live_help_faq_common(faq, i, w, n) < n) {
                break;
            }

            m[nm].word = i;
            m[nm++].quality = FAQ_PREFIX;
        }
    }

    /*
     * Words that share all but their last letter or all of the shorter
     * one, at least four: "ship" for "shipment", "toimitus" for
     * "toimituksen" and back
     */
    if (n >= 5) {
        i = ngx_live_help_faq_lower(faq, w, 4);

        for (end = i + FAQ_RANGE_MAX; i < faq->nwords && i < end; i++) {
            cp = ngx_live_help_faq_common(faq, i, w, n);

            if (cp < 4) {
                break;
            }

            min = faq->words[i].len < n ? faq->words[i].len : n;

            if (cp + 1 >= min && cp < n && nm < FAQ_MATCH_MAX) {
                m[nm].word = i;
                m[nm++].quality = FAQ_STEM;
            }
        }
    }

    if (nm || n < 4) {
        return nm;
    }

    /* typos: words of about its length */
    k = (n >= 8) ? 2 : 1;
    lo = n - k;
    hi = n + k > FAQ_WORD ? FAQ_WORD : n + k;

    for (i = faq->len_at[lo]; i < faq->len_at[hi + 1]; i++) {
        word = faq->by_len[i];
        v = &faq->words[word];

        /* one typo in a word leaves one of its first two letters */
        if (k == 1 && faq->chars[v->off] != w[0]
            && faq->chars[v->off + 1] != w[1]
            && faq->chars[v->off] != w[1]
            && faq->chars[v->off + 1] != w[0])
        {
            continue;
        }

        d = ngx_live_help_faq_distance(w, n, &faq->chars[v->off], v->len,
                                       k);
        if (d <= k && nm < FAQ_MATCH_MAX) {
            m[nm].word = word;
            m[nm++].quality = (d == 1) ? FAQ_TYPO1 : FAQ_TYPO2;
        }
    }

    return nm;
}


size_t
ngx_live_help_faq_search(const ngx_live_help_faq_t *faq, const char *query,
    size_t len, size_t *out, size_t n)
{
    int                              unfinished, stop;
    float                           *score, *best, c, base, top;
    size_t                           pos, wl, letters, nw, i, j, k, nm, nt;
    size_t                           found, at;
    uint32_t                        *touched;
    unsigned                         words[NGX_LIVE_HELP_FAQ_WORDS_MAX]
                                          [FAQ_WORD];
    size_t                           lens[NGX_LIVE_HELP_FAQ_WORDS_MAX];
    int                              open[NGX_LIVE_HELP_FAQ_WORDS_MAX];
    unsigned                         w[FAQ_WORD];
    ngx_live_help_faq_match_t        m[FAQ_MATCH_MAX + FAQ_RANGE_MAX];
    const ngx_live_help_faq_word_t  *v;
    const ngx_live_help_faq_post_t  *p, *last;

    if (faq == NULL || faq->nentries == 0 || faq->nwords == 0 || n == 0) {
        return 0;
    }

    if (n > NGX_LIVE_HELP_FAQ_RESULTS) {
        n = NGX_LIVE_HELP_FAQ_RESULTS;
    }

    if (len > NGX_LIVE_HELP_FAQ_QUERY_MAX) {
        len = NGX_LIVE_HELP_FAQ_QUERY_MAX;
    }

    /* the query's words: stemmed, without common ones, each once */
    pos = 0;
    letters = 0;
    nw = 0;

    while (nw < NGX_LIVE_HELP_FAQ_WORDS_MAX) {
        wl = ngx_live_help_faq_next_word((const unsigned char *) query, len,
                                         &pos, w);
        if (wl == 0) {
            break;
        }

        letters += wl;
        unfinished = (pos == len);
        stop = ngx_live_help_faq_is_stop(w, wl);

        if (wl < 2 || (stop && !unfinished)) {
            continue;
        }

        if (!stop) {
            wl = ngx_live_help_faq_stem(w, wl);
        }

        for (i = 0; i < nw; i++) {
            if (lens[i] == wl && memcmp(words[i], w, wl * sizeof(unsigned))
                                 == 0)
            {
                break;
            }
        }

        if (i < nw) {
            open[i] = open[i] && unfinished;
            continue;
        }

        memcpy(words[nw], w, wl * sizeof(unsigned));
        lens[nw] = wl;
        open[nw++] = unfinished;
    }

    if (letters < 3 || nw == 0) {
        return 0;
    }

    score = calloc(2 * faq->nentries, sizeof(float));
    touched = malloc(faq->nentries * sizeof(uint32_t));

    if (score == NULL || touched == NULL) {
        free(score);
        free(touched);
        return 0;
    }

    best = score + faq->nentries;

    for (i = 0; i < nw; i++) {
        nm = ngx_live_help_faq_matches(faq, words[i], lens[i], open[i], m);
        nt = 0;

        for (j = 0; j < nm; j++) {
            v = &faq->words[m[j].word];
            base = m[j].quality * v->idf;
            last = &faq->posts[v->post + v->npost];

            for (p = &faq->posts[v->post]; p < last; p++) {
                c = base * p->weight;

                if (best[p->entry] == 0) {
                    touched[nt++] = p->entry;
                }

                if (c > best[p->entry]) {
                    best[p->entry] = c;
                }
            }
        }

        for (j = 0; j < nt; j++) {
            score[touched[j]] += best[touched[j]];
            best[touched[j]] = 0;
        }
    }

    /* the best n, best first */
    found = 0;

    for (i = 0; i < faq->nentries; i++) {
        if (score[i] < FAQ_FLOOR) {
            continue;
        }

        for (at = found; at > 0 && score[out[at - 1]] < score[i]; at--) {
            /* void */
        }

        if (at >= n) {
            continue;
        }

        k = (found < n) ? found++ : found - 1;

        for ( /* void */ ; k > at; k--) {
            out[k] = out[k - 1];
        }

        out[at] = i;
    }

    top = found ? score[out[0]] : 0;

    for (i = 1; i < found; i++) {
        if (score[out[i]] < top * FAQ_NEAR) {
            found = i;
            break;
        }
    }

    free(score);
    free(touched);

    return found;
}


/* log2 to a tenth or so: a word's weight needs no more */

static float
ngx_live_help_faq_log2(float x)
{
    float  n;

    n = 0;

    while (x >= 2.0f) {
        x /= 2.0f;
        n += 1.0f;
    }

    return n + (x - 1.0f);
}
