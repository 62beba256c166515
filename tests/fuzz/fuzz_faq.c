
/*
 * libFuzzer target: the FAQ.  Up to the first NUL byte the input is an
 * FAQ file, after it a query searched in it; without a NUL the whole
 * input is a query searched in a small FAQ of its own.  Whatever loads
 * must answer every query with at most three distinct entries, each with
 * its id, question and answer.
 */


#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_live_help_faq.h"


static const char  faq_json[] =
    "[{\"id\":\"ship\",\"q\":\"How long does shipping take?\","
    "\"a\":\"2-4 days.\",\"keywords\":\"delivery posti toimitus\"},"
    "{\"q\":\"Can I return my order?\",\"a\":\"Within 14 days.\"},"
    "{\"q\":\"Welche Größe passt?\",\"a\":\"Die Tabelle hilft.\"},"
    "{\"q\":\"Kuinka kauan toimitus kestää?\",\"a\":\"2-4 päivää.\"}]";


static ngx_live_help_faq_t  *fixed;


static void
search(const ngx_live_help_faq_t *faq, const char *q, size_t len)
{
    size_t                            out[4], n, i, j;
    const ngx_live_help_faq_entry_t  *e;

    n = ngx_live_help_faq_search(faq, q, len, out, 3);
    assert(n <= 3);

    for (i = 0; i < n; i++) {
        e = ngx_live_help_faq_entry(faq, out[i]);
        assert(e != NULL && e->id_len > 0 && e->q_len > 0 && e->a_len > 0);
        assert(ngx_live_help_faq_find(faq, e->id, e->id_len) == e);

        for (j = 0; j < i; j++) {
            assert(out[j] != out[i]);
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN];
    const uint8_t        *nul;
    ngx_live_help_faq_t  *faq;

    if (fixed == NULL) {
        fixed = ngx_live_help_faq_load(faq_json, sizeof(faq_json) - 1, err,
                                       sizeof(err));
        assert(fixed != NULL);
    }

    nul = memchr(data, 0, size);

    if (nul == NULL) {
        search(fixed, (const char *) data, size);
        return 0;
    }

    faq = ngx_live_help_faq_load((const char *) data, nul - data, err,
                                 sizeof(err));
    if (faq == NULL) {
        assert(err[0] != '\0');
        return 0;
    }

    search(faq, (const char *) nul + 1, size - (nul - data) - 1);
    ngx_live_help_faq_free(faq);

    return 0;
}
