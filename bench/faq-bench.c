
/*
 * The FAQ search's speed: 500 generated entries in the shape of a shop's
 * FAQ (a question of 5-12 words, 2-4 keywords, an answer of 30-90 words
 * over a vocabulary of about 1,400 words), then 10,000 searches of what a
 * shopper's widget sends while typing: every prefix of 3 letters or more
 * of a question of 2-6 of an entry's words, a third of them with a typo
 * (a letter dropped, doubled, swapped or changed).  A fixed seed: the
 * same entries and queries on every run.
 *
 *   make bench-faq            (or: build/bench/faq-bench [entries] [queries])
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_live_help_faq.h"


static const char  *common[] = {
    "order", "orders", "shipping", "delivery", "return", "returns",
    "refund", "payment", "invoice", "card", "account", "password",
    "address", "parcel", "tracking", "discount", "code", "voucher",
    "gift", "size", "colour", "stock", "warranty", "repair", "exchange",
    "cancel", "subscription", "price", "tax", "customs", "express",
    "pickup", "store", "opening", "hours", "newsletter", "privacy",
    "cookies", "damaged", "missing", "wrong", "late", "change",
    "international", "europe", "finland", "sweden", "germany", "weight",
    "battery", "charger", "cable", "manual", "installation", "assembly",
    "cleaning", "material", "cotton", "leather", "organic", "vegan",
    "allergy", "ingredients", "recipe", "storage", "freshness", "roast",
    "beans", "grinder", "filter", "espresso", "machine", "capsules",
    "student", "business", "wholesale", "loyalty", "points", "member",
    NULL
};

static const char  *verbs[] = {
    "How do I", "Can I", "Where can I", "When will I", "Why does my",
    "Do you", "Is it possible to", "What happens if I", "How long does",
    "How much does", "Which", "Who pays for", NULL
};


static uint64_t  seed = 0x5eed2026;


static unsigned
rnd(unsigned n)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned) ((seed >> 33) % n);
}


static size_t
count(const char **list)
{
    size_t  n;

    for (n = 0; list[n]; n++) { /* void */ }

    return n;
}


/* a made-up word of 4-11 letters: product names, places, jargon */

static void
made_up(char *w)
{
    static const char  *syl[] = {
        "ka", "lo", "mi", "ter", "sen", "ra", "vi", "no", "pa", "ul",
        "str", "ek", "an", "to", "bri", "gu", "se", "mar", "ol", "fi"
    };

    size_t  i, n;

    w[0] = '\0';
    n = 2 + rnd(3);

    for (i = 0; i < n; i++) {
        strcat(w, syl[rnd(20)]);
    }
}


/* a word of the shop: a common one or one of the 1,300 made up */

static const char *
word(char made[][16])
{
    if (rnd(3) == 0) {
        return common[rnd(count(common))];
    }

    return made[rnd(1300)];
}


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static double
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}


int
main(int argc, char **argv)
{
    char                  (*made)[16], *json, *p, q[512], typed[512];
    char                  (*qwords)[8][16];
    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN];
    size_t                entries, queries, i, j, n, len, nq, out[3], w;
    size_t                found, hits, whole, nwords[2000];
    double               *us, t0, load;
    ngx_live_help_faq_t  *faq;

    entries = argc > 1 ? (size_t) atoi(argv[1]) : 500;
    queries = argc > 2 ? (size_t) atoi(argv[2]) : 10000;

    if (entries == 0 || entries > 2000 || queries == 0) {
        fprintf(stderr, "usage: faq-bench [entries (1-2000)] [queries]\n");
        return 1;
    }

    made = malloc(1300 * sizeof(*made));
    qwords = malloc(entries * sizeof(*qwords));
    json = malloc(entries * 1200 + 16);
    us = malloc(queries * sizeof(double));

    if (made == NULL || qwords == NULL || json == NULL || us == NULL) {
        return 1;
    }

    for (i = 0; i < 1300; i++) {
        made_up(made[i]);
    }

    /* the file */
    p = json;
    *p++ = '[';

    for (i = 0; i < entries; i++) {
        p += sprintf(p, "%s{\"id\":\"e%zu\",\"q\":\"%s", i ? "," : "", i,
                     verbs[rnd(count(verbs))]);

        n = 3 + rnd(8);
        nwords[i] = n < 8 ? n : 8;

        for (j = 0; j < n; j++) {
            strcpy(q, word(made));

            if (j < 8) {
                strcpy(qwords[i][j], q);
            }

            p += sprintf(p, " %s", q);
        }

        p += sprintf(p, "?\",\"keywords\":\"");

        for (j = 0, n = 2 + rnd(3); j < n; j++) {
            p += sprintf(p, "%s%s", j ? " " : "", word(made));
        }

        p += sprintf(p, "\",\"a\":\"");

        for (j = 0, n = 30 + rnd(61); j < n; j++) {
            p += sprintf(p, "%s%s%s", j ? " " : "", word(made),
                         rnd(9) == 0 ? "." : "");
        }

        p += sprintf(p, "\"}");
    }

    *p++ = ']';

    t0 = now_us();
    faq = ngx_live_help_faq_load(json, p - json, err, sizeof(err));
    load = now_us() - t0;

    if (faq == NULL) {
        fprintf(stderr, "faq-bench: %s\n", err);
        return 1;
    }

    /* the keystrokes */
    nq = 0;
    found = 0;
    hits = 0;
    whole = 0;

    while (nq < queries) {
        i = rnd(entries);
        len = 0;

        n = 2 + rnd(5);

        for (j = 0; j < n; j++) {
            w = rnd(nwords[i]);
            len += sprintf(typed + len, "%s%s", j ? " " : "", qwords[i][w]);
        }

        if (rnd(3) == 0 && len > 6) {
            /* a typo somewhere after the first letters */
            j = 2 + rnd(len - 4);

            switch (rnd(4)) {
            case 0:
                memmove(typed + j, typed + j + 1, len - j);
                len--;
                break;
            case 1:
                memmove(typed + j + 1, typed + j, len - j + 1);
                len++;
                break;
            case 2:
                q[0] = typed[j];
                typed[j] = typed[j + 1];
                typed[j + 1] = q[0];
                break;
            default:
                typed[j] = 'a' + rnd(26);
            }
        }

        for (j = 3; j <= len && nq < queries; j++) {
            t0 = now_us();
            n = ngx_live_help_faq_search(faq, typed, j, out, 3);
            us[nq++] = now_us() - t0;

            found += (n > 0);

            if (j == len) {
                whole++;

                for (w = 0; w < n; w++) {
                    hits += (out[w] == i);
                }
            }
        }
    }

    qsort(us, nq, sizeof(double), cmp_double);

    printf("faq-bench: %zu entries (%zu bytes of JSON) loaded and indexed "
           "in %.1f ms\n", entries, (size_t) (p - json), load / 1000);
    printf("faq-bench: %zu searches of keystroke prefixes: median %.1f us, "
           "p99 %.1f us, max %.1f us; %zu%% found something\n", nq,
           us[nq / 2], us[nq * 99 / 100], us[nq - 1], found * 100 / nq);
    printf("faq-bench: %zu whole questions: the entry typed from was among "
           "the answers of %zu\n", whole, hits);

    ngx_live_help_faq_free(faq);
    free(made);
    free(qwords);
    free(json);
    free(us);

    return 0;
}
