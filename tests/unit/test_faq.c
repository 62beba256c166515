
/*
 * Unit tests of the FAQ's loader and search (live_help_faq).
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ngx_live_help_faq.h"


static const char  faq_json[] =
    "["
    "{\"id\":\"ship-time\",\"q\":\"How long does shipping take?\","
    " \"a\":\"Parcels arrive in 2-4 working days in Finland.\","
    " \"keywords\":\"delivery posti\"},"
    "{\"id\":\"ship-cost\",\"q\":\"How much does shipping cost?\","
    " \"a\":\"Free from 40 euros, otherwise 5.90.\","
    " \"keywords\":\"delivery price\"},"
    "{\"id\":\"returns\",\"q\":\"Can I return my order?\","
    " \"a\":\"Unopened bags within 14 days for a refund.\","
    " \"keywords\":\"refund money back\"},"
    "{\"id\":\"tracking\",\"q\":\"Where is my parcel?\","
    " \"a\":\"You get a tracking link by e-mail when it leaves.\"},"
    "{\"id\":\"grind\",\"q\":\"Which grind should I choose?\","
    " \"a\":\"Whole beans keep their taste longest.\","
    " \"keywords\":\"espresso filter beans\"},"
    "{\"id\":\"fi-toimitus\",\"q\":\"Kuinka kauan toimitus kestää?\","
    " \"a\":\"Paketti on perillä 2-4 arkipäivässä.\"},"
    "{\"id\":\"de-zahlung\",\"q\":\"Welche Zahlungsarten gibt es?\","
    " \"a\":\"Karte, Rechnung und Überweisung.\","
    " \"keywords\":\"bezahlen Größe\"},"
    "{\"q\":\"Do you have decaffeinated coffee?\","
    " \"a\":\"Yes, a Colombia decaf made with the Swiss Water process.\"}"
    "]";


static ngx_live_help_faq_t  *faq;


static int
setup(void **state)
{
    char  err[NGX_LIVE_HELP_FAQ_ERRLEN];

    (void) state;

    faq = ngx_live_help_faq_load(faq_json, sizeof(faq_json) - 1, err,
                                 sizeof(err));
    if (faq == NULL) {
        fprintf(stderr, "load: %s\n", err);
        return -1;
    }

    return 0;
}


static int
teardown(void **state)
{
    (void) state;

    ngx_live_help_faq_free(faq);

    return 0;
}


/* the ids found for a query, comma separated */

static const char *
search(const char *query)
{
    size_t       out[NGX_LIVE_HELP_FAQ_RESULTS], n, i;
    static char  ids[256];

    n = ngx_live_help_faq_search(faq, query, strlen(query), out,
                                 NGX_LIVE_HELP_FAQ_RESULTS);
    ids[0] = '\0';

    for (i = 0; i < n; i++) {
        if (i) {
            strcat(ids, ",");
        }

        strcat(ids, ngx_live_help_faq_entry(faq, out[i])->id);
    }

    return ids;
}


/* the first id found for a query */

static void
expect_first(const char *query, const char *id)
{
    const char  *ids;
    size_t       len;

    ids = search(query);
    len = strlen(id);

    if (strncmp(ids, id, len) != 0 || (ids[len] != '\0' && ids[len] != ','))
    {
        fail_msg("\"%s\": expected %s first, got \"%s\"", query, id, ids);
    }
}


static void
expect_none(const char *query)
{
    const char  *ids;

    ids = search(query);

    if (ids[0] != '\0') {
        fail_msg("\"%s\": expected nothing, got \"%s\"", query, ids);
    }
}


static void
exact_words_find_their_question(void **state)
{
    (void) state;

    expect_first("how long does shipping take", "ship-time");
    expect_first("shipping cost", "ship-cost");
    expect_first("return my order", "returns");
    expect_first("where is my parcel?", "tracking");
    expect_first("decaffeinated", "8");
}


static void
plurals_and_endings_are_stripped(void **state)
{
    (void) state;

    expect_first("returning an order", "returns");
    expect_first("returned", "returns");
    expect_first("parcels", "tracking");
    expect_first("how long until my coffee is shipped", "ship-time");
    expect_first("refunds please", "returns");
}


static void
typos_are_forgiven(void **state)
{
    (void) state;

    expect_first("how long does shiping take", "ship-time");
    expect_first("can I retrun it", "returns");
    expect_first("delivry", "ship-time");
    expect_first("delivry price", "ship-cost");
    expect_first("wich grnid", "grind");
    /* two typos in a long word */
    expect_first("decafienated", "8");
    /* one typo in a short word is as far as it goes */
    expect_none("xyzzy plugh");
}


static void
the_last_word_may_be_unfinished(void **state)
{
    (void) state;

    expect_first("ship", "ship-time");
    expect_first("how long does shipp", "ship-time");
    expect_first("how long does shippin", "ship-time");
    expect_first("can i retu", "returns");
    expect_first("espre", "grind");
    /* a finished short word is not a prefix */
    expect_none("esp ");
}


static void
the_best_comes_first(void **state)
{
    const char  *ids;

    (void) state;

    /* both are about shipping: the words around say which */
    expect_first("shipping cost", "ship-cost");
    expect_first("shipping time how long", "ship-time");

    /* question words count more than the answer's */
    expect_first("tracking", "tracking");

    ids = search("shipping");
    assert_non_null(strstr(ids, "ship-time"));
    assert_non_null(strstr(ids, "ship-cost"));
    assert_null(strstr(ids, "grind"));
}


static void
common_words_find_nothing(void **state)
{
    (void) state;

    expect_none("how do I");
    expect_none("what is the ");
    expect_none("can you ");
    expect_none("kuinka ");
    expect_none("wie ist das ");
}


static void
finnish_and_german_words_match(void **state)
{
    (void) state;

    expect_first("toimitus", "fi-toimitus");
    expect_first("toimituksen kesto", "fi-toimitus");
    expect_first("TOIMITUS KESTÄÄ", "fi-toimitus");
    expect_first("kestää", "fi-toimitus");
    expect_first("zahlungsart", "de-zahlung");
    expect_first("ÜBERWEISUNG", "de-zahlung");
    expect_first("grösse", "de-zahlung");
    expect_first("größe", "de-zahlung");
}


static void
queries_are_bounded(void **state)
{
    char    big[4096];
    size_t  i, out[NGX_LIVE_HELP_FAQ_RESULTS];

    (void) state;

    expect_none("");
    expect_none("s");
    expect_none("sh");
    expect_none("   ");
    expect_none("!!! ??? ...");

    /* a huge query: the first 200 bytes, twelve words at most */
    for (i = 0; i + 9 < sizeof(big); i += 9) {
        memcpy(big + i, "shipping ", 9);
    }

    big[i] = '\0';
    expect_first(big, "ship-time");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_none(big);

    /* bytes that are not UTF-8 are spaces */
    expect_first("\xff\xfe" "shipping\xc3", "ship-time");
    expect_none("\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc");

    /* a NULL FAQ and a zero n find nothing */
    assert_int_equal(ngx_live_help_faq_search(NULL, "shipping", 8, out, 3),
                     0);
    assert_int_equal(ngx_live_help_faq_search(faq, "shipping", 8, out, 0),
                     0);
    assert_true(ngx_live_help_faq_search(faq, "shipping", 8, out, 1) == 1);
}


static void
nothing_matches_nothing(void **state)
{
    (void) state;

    expect_none("banana smoothie recipe");
    expect_none("qwertyuiop");
    expect_none("12345678");
}


static void
distance_counts_one_transposition_as_one(void **state)
{
    unsigned  a[] = { 'r', 'e', 't', 'r', 'u', 'n' };
    unsigned  b[] = { 'r', 'e', 't', 'u', 'r', 'n' };
    unsigned  c[] = { 'r', 'u', 'n' };

    (void) state;

    assert_int_equal(ngx_live_help_faq_distance(a, 6, b, 6, 2), 1);
    assert_int_equal(ngx_live_help_faq_distance(a, 6, a, 6, 2), 0);
    assert_int_equal(ngx_live_help_faq_distance(a, 6, c, 3, 2), 3);
    assert_int_equal(ngx_live_help_faq_distance(a, 6, c, 3, 5), 3);
}


static void
expect_load_error(const char *json, const char *error)
{
    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN];
    ngx_live_help_faq_t  *f;

    err[0] = '\0';
    f = ngx_live_help_faq_load(json, strlen(json), err, sizeof(err));

    if (f != NULL) {
        ngx_live_help_faq_free(f);
        fail_msg("%s: loaded", json);
    }

    if (strstr(err, error) == NULL) {
        fail_msg("%s: expected \"%s\", got \"%s\"", json, error, err);
    }
}


static void
bad_files_say_which_entry_and_why(void **state)
{
    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN];
    char                 *big;
    size_t                i, len;
    ngx_live_help_faq_t  *f;

    (void) state;

    expect_load_error("", "invalid JSON");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\"},]", "invalid JSON on line 1");
    expect_load_error("{\"q\":\"x\"}", "not a JSON array");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\"}, 5]", "entry 2: not an obj");
    expect_load_error("[{\"a\":\"y\"}]", "entry 1: \"q\" is missing");
    expect_load_error("[{\"q\":\"x\"}]", "entry 1: \"a\" is missing");
    expect_load_error("[{\"q\":\"\",\"a\":\"y\"}]", "entry 1: \"q\" must be");
    expect_load_error("[{\"q\":1,\"a\":\"y\"}]", "entry 1: \"q\" must be");
    expect_load_error("[{\"q\":\"x\\u0000y\",\"a\":\"y\"}]",
                      "invalid JSON");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\",\"keywords\":[]}]",
                      "entry 1: \"keywords\" must be");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\",\"id\":\"a b\"}]",
                      "entry 1: \"id\" must be");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\",\"id\":\"k\"},"
                      "{\"q\":\"x\",\"a\":\"y\",\"id\":\"k\"}]",
                      "entry 2: \"id\" \"k\" is entry 1's");
    expect_load_error("[{\"q\":\"x\",\"a\":\"y\",\"q\":\"z\"}]",
                      "invalid JSON");

    /* too long: a question of 301 bytes */
    big = malloc(64 * 1024 + 64);
    assert_non_null(big);

    len = sprintf(big, "[{\"a\":\"y\",\"q\":\"");
    memset(big + len, 'q', 301);
    strcpy(big + len + 301, "\"}]");
    expect_load_error(big, "entry 1: \"q\" must be a string of 1 to 300");

    len = sprintf(big, "[{\"q\":\"y\",\"a\":\"");
    memset(big + len, 'a', 4001);
    strcpy(big + len + 4001, "\"}]");
    expect_load_error(big, "entry 1: \"a\" must be a string of 1 to 4000");

    /* 2001 entries */
    len = sprintf(big, "[");

    for (i = 0; i < 2001; i++) {
        len += sprintf(big + len, "%s{\"q\":\"q\",\"a\":\"a\"}",
                       i ? "," : "");
    }

    strcpy(big + len, "]");
    expect_load_error(big, "2001 entries, more than 2000");

    free(big);

    /* an empty FAQ: loads, finds nothing */
    f = ngx_live_help_faq_load("[]", 2, err, sizeof(err));
    assert_non_null(f);
    assert_int_equal(ngx_live_help_faq_count(f), 0);
    ngx_live_help_faq_free(f);
}


static void
entries_are_found_by_id(void **state)
{
    const ngx_live_help_faq_entry_t  *e;

    (void) state;

    assert_int_equal(ngx_live_help_faq_count(faq), 8);

    e = ngx_live_help_faq_find(faq, "returns", 7);
    assert_non_null(e);
    assert_string_equal(e->q, "Can I return my order?");

    /* no id in the file: the entry's number */
    e = ngx_live_help_faq_find(faq, "8", 1);
    assert_non_null(e);
    assert_string_equal(e->q, "Do you have decaffeinated coffee?");

    assert_null(ngx_live_help_faq_find(faq, "nope", 4));
    assert_null(ngx_live_help_faq_find(faq, "9", 1));
}


static void
the_demo_faq_loads_and_answers(void **state)
{
    char                  err[NGX_LIVE_HELP_FAQ_ERRLEN], *data;
    long                  len;
    FILE                 *fp;
    size_t                out[3], n;
    ngx_live_help_faq_t  *f;

    (void) state;

    fp = fopen("demo/faq.json", "rb");
    if (fp == NULL) {
        skip();
    }

    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    rewind(fp);
    data = malloc(len);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, len, fp), len);
    fclose(fp);

    f = ngx_live_help_faq_load(data, len, err, sizeof(err));
    free(data);

    if (f == NULL) {
        fail_msg("demo/faq.json: %s", err);
    }

    n = ngx_live_help_faq_search(f, "how long does shiping take", 26, out,
                                 3);
    assert_true(n >= 1 && n <= 3);
    assert_string_equal(ngx_live_help_faq_entry(f, out[0])->id,
                        "shipping-time");

    ngx_live_help_faq_free(f);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(exact_words_find_their_question),
        cmocka_unit_test(plurals_and_endings_are_stripped),
        cmocka_unit_test(typos_are_forgiven),
        cmocka_unit_test(the_last_word_may_be_unfinished),
        cmocka_unit_test(the_best_comes_first),
        cmocka_unit_test(common_words_find_nothing),
        cmocka_unit_test(finnish_and_german_words_match),
        cmocka_unit_test(queries_are_bounded),
        cmocka_unit_test(nothing_matches_nothing),
        cmocka_unit_test(distance_counts_one_transposition_as_one),
        cmocka_unit_test(bad_files_say_which_entry_and_why),
        cmocka_unit_test(entries_are_found_by_id),
        cmocka_unit_test(the_demo_faq_loads_and_answers),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
