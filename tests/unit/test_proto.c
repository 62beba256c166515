
/*
 * Unit tests of the protocol decoder and the visitor token signer.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ngx_live_help_proto.h"
#include "ngx_live_help_token.h"


static int
decode(const char *json, int agent, ngx_live_help_proto_msg_t *m)
{
    return ngx_live_help_proto_decode(json, strlen(json), agent, m);
}


static void
expect_bad(const char *json, int agent, const char *code)
{
    ngx_live_help_proto_msg_t  m;

    if (decode(json, agent, &m) != NGX_LIVE_HELP_MSG_BAD
        || strcmp(m.code, code) != 0)
    {
        fail_msg("%s: expected %s, got type %d code %s", json, code, m.type,
                 m.code ? m.code : "-");
    }

    ngx_live_help_proto_free(&m);
}


static void
changes_of_who_answers_decode_for_their_roles(void **state)
{
    ngx_live_help_proto_msg_t  m;

    (void) state;

    assert_int_equal(decode("{\"type\":\"close\",\"cid\":\"c1\"}", 0, &m),
                     NGX_LIVE_HELP_MSG_CLOSE);
    assert_string_equal(m.cid, "c1");
    assert_null(m.conversation);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"claim\",\"cid\":\"c2\","
                            "\"conversation\":\"v1\"}", 1, &m),
                     NGX_LIVE_HELP_MSG_CLAIM);
    assert_string_equal(m.conversation, "v1");
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"transfer\",\"cid\":\"c3\","
                            "\"conversation\":\"v1\",\"agent\":\"aX\"}",
                            1, &m),
                     NGX_LIVE_HELP_MSG_TRANSFER);
    assert_string_equal(m.agent, "aX");
    assert_null(m.department);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"transfer\",\"cid\":\"c4\","
                            "\"conversation\":\"v1\","
                            "\"department\":\"sales\"}", 1, &m),
                     NGX_LIVE_HELP_MSG_TRANSFER);
    assert_string_equal(m.department, "sales");
    ngx_live_help_proto_free(&m);

    /* tab and line breaks are text */
    assert_int_equal(decode("{\"type\":\"message\",\"cid\":\"c5\","
                            "\"text\":\"a\\tb\\r\\nc\"}", 0, &m),
                     NGX_LIVE_HELP_MSG_MESSAGE);
    assert_int_equal(m.text_len, 6);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"away\",\"on\":true}", 1, &m),
                     NGX_LIVE_HELP_MSG_AWAY);
    assert_true(m.on);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"message\",\"cid\":\"c5\","
                            "\"text\":\"hi\",\"department\":\"sales\","
                            "\"offline\":true}", 0, &m),
                     NGX_LIVE_HELP_MSG_MESSAGE);
    assert_string_equal(m.department, "sales");
    assert_true(m.offline);
    ngx_live_help_proto_free(&m);

    /* agents' changes are not for visitors */
    expect_bad("{\"type\":\"claim\",\"cid\":\"c\",\"conversation\":\"v\"}",
               0, "unknown_type");
    expect_bad("{\"type\":\"transfer\",\"cid\":\"c\",\"conversation\":\"v\","
               "\"agent\":\"a\"}", 0, "unknown_type");
    expect_bad("{\"type\":\"away\",\"on\":true}", 0, "unknown_type");

    /* and need what they change */
    expect_bad("{\"type\":\"close\"}", 0, "bad_cid");
    expect_bad("{\"type\":\"close\",\"cid\":\"c\"}", 1, "bad_conversation");
    expect_bad("{\"type\":\"claim\",\"cid\":\"c\"}", 1, "bad_conversation");
    expect_bad("{\"type\":\"transfer\",\"cid\":\"c\",\"conversation\":\"v\"}",
               1, "bad_target");
    expect_bad("{\"type\":\"transfer\",\"cid\":\"c\",\"conversation\":\"v\","
               "\"agent\":\"a\",\"department\":\"d\"}", 1, "bad_target");
    expect_bad("{\"type\":\"message\",\"cid\":\"c\",\"text\":\"x\","
               "\"department\":\"a b\"}", 0, "bad_department");
}


static void
browser(const char *ua, const char *want)
{
    char    out[NGX_LIVE_HELP_BROWSER_MAX];
    size_t  n;

    n = ngx_live_help_proto_browser(ua, strlen(ua), out, sizeof(out));
    out[n] = '\0';

    if (strcmp(out, want) != 0) {
        fail_msg("%s: expected \"%s\", got \"%s\"", ua, want, out);
    }
}


static void
user_agents_are_said_in_words(void **state)
{
    (void) state;

    browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome 120 on Windows");
    browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 "
            "Edg/120.0.2210.61", "Edge 120 on Windows");
    browser("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
            "Mobile/15E148 Safari/604.1", "Safari 17 on iOS");
    browser("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) "
            "Gecko/20100101 Firefox/120.0", "Firefox 120 on macOS");
    browser("Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 "
            "(KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 "
            "Mobile Safari/537.36", "Samsung Internet 23 on Android");
    browser("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
            "Opera 105 on Linux");
    browser("curl/8.4.0", "");
    browser("\"><script>alert(1)</script>", "");
    browser("Chrome/99999999999999999999 Windows", "Chrome 9999 on Windows");
}


static void
page_fields_are_cut_at_a_character(void **state)
{
    char                       json[8192], *p;
    size_t                     i;
    ngx_live_help_proto_msg_t  m;

    (void) state;

    /* 300 x U+00E9 (2 bytes each): cut to 256 bytes, 128 characters */
    p = json + sprintf(json, "{\"type\":\"page\",\"url\":\"https://a/\","
                             "\"title\":\"x");
    for (i = 0; i < 300; i++) {
        p += sprintf(p, "\xc3\xa9");
    }
    sprintf(p, "\"}");

    assert_int_equal(decode(json, 0, &m), NGX_LIVE_HELP_MSG_PAGE);
    /* "x" then 127 whole characters: 255 bytes, not 256 with half of one */
    assert_int_equal(m.title_len, 255);
    assert_int_equal((unsigned char) m.title[m.title_len - 1], 0xa9);
    ngx_live_help_proto_free(&m);

    expect_bad("{\"type\":\"page\",\"title\":\"t\"}", 0, "bad_page");
    expect_bad("{\"type\":\"page\",\"url\":\"u\"}", 1, "unknown_type");
    expect_bad("{\"type\":\"profile\",\"name\":\"\"}", 0, "bad_profile");
    expect_bad("{\"type\":\"profile\",\"name\":\"a\",\"email\":\"a@\"}", 0,
               "bad_profile");
    expect_bad("{\"type\":\"profile\",\"name\":\"a\",\"email\":"
               "\"<a@b>\"}", 0, "bad_profile");
    expect_bad("{\"type\":\"profile\",\"name\":\"a\\u0007\"}", 0,
               "bad_profile");
    expect_bad("{\"type\":\"visitor\"}", 1, "bad_visitor");
}


static void
valid_messages_decode_with_their_fields(void **state)
{
    ngx_live_help_proto_msg_t  m;

    (void) state;

    assert_int_equal(decode("{\"type\":\"ping\",\"id\":5}", 0, &m),
                     NGX_LIVE_HELP_MSG_PING);
    assert_int_equal(json_integer_value(m.id), 5);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"hello\",\"token\":\"t\","
                            "\"after\":\"1-2\"}", 0, &m),
                     NGX_LIVE_HELP_MSG_HELLO);
    assert_string_equal(m.token, "t");
    assert_string_equal(m.after, "1-2");
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"message\",\"cid\":\"c-1_A\","
                            "\"text\":\"h\\u00e9\"}", 0, &m),
                     NGX_LIVE_HELP_MSG_MESSAGE);
    assert_string_equal(m.cid, "c-1_A");
    assert_int_equal(m.text_len, 3);
    assert_null(m.conversation);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"message\",\"cid\":\"a\","
                            "\"text\":\"x\",\"conversation\":\"vAB\"}",
                            1, &m),
                     NGX_LIVE_HELP_MSG_MESSAGE);
    assert_string_equal(m.conversation, "vAB");
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"typing\",\"on\":true}", 0, &m),
                     NGX_LIVE_HELP_MSG_TYPING);
    assert_true(m.on);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"history\",\"conversation\":\"v1\"}",
                            1, &m),
                     NGX_LIVE_HELP_MSG_HISTORY);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"conversations\"}", 1, &m),
                     NGX_LIVE_HELP_MSG_LIST);
    assert_null(m.list);
    ngx_live_help_proto_free(&m);
}


static void
a_list_page_decodes_with_its_list_and_offset(void **state)
{
    ngx_live_help_proto_msg_t  m;

    (void) state;

    assert_int_equal(decode("{\"type\":\"conversations\",\"list\":"
                            "\"queue\",\"offset\":200}", 1, &m),
                     NGX_LIVE_HELP_MSG_LIST);
    assert_string_equal(m.list, "queue");
    assert_int_equal(m.offset, 200);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"conversations\",\"list\":"
                            "\"closed\"}", 1, &m),
                     NGX_LIVE_HELP_MSG_LIST);
    assert_int_equal(m.offset, 0);
    ngx_live_help_proto_free(&m);

    expect_bad("{\"type\":\"conversations\",\"list\":\"recent\"}", 1,
               "bad_list");
    expect_bad("{\"type\":\"conversations\",\"list\":1}", 1, "bad_list");
    expect_bad("{\"type\":\"conversations\",\"list\":\"queue\","
               "\"offset\":-1}", 1, "bad_list");
    expect_bad("{\"type\":\"conversations\",\"list\":\"queue\","
               "\"offset\":1000001}", 1, "bad_list");
    expect_bad("{\"type\":\"conversations\",\"list\":\"queue\","
               "\"offset\":\"5\"}", 1, "bad_list");
}


static void
bad_messages_get_the_right_error_code(void **state)
{
    char    big[4100 + 64];
    size_t  n;

    (void) state;

    expect_bad("", 0, "bad_json");
    expect_bad("[1,2]", 0, "bad_json");
    expect_bad("{\"type\":\"ping\"", 0, "bad_json");
    expect_bad("{\"type\":1,\"type\":2}", 0, "bad_json");
    expect_bad("{}", 0, "bad_message");
    expect_bad("{\"type\":7}", 0, "bad_message");
    expect_bad("{\"type\":\"fly\"}", 0, "unknown_type");
    expect_bad("{\"type\":\"conversations\"}", 0, "unknown_type");
    expect_bad("{\"type\":\"history\",\"conversation\":\"v1\"}", 0,
               "unknown_type");
    expect_bad("{\"type\":\"message\",\"text\":\"x\"}", 0, "bad_cid");
    expect_bad("{\"type\":\"message\",\"cid\":\"a b\",\"text\":\"x\"}", 0,
               "bad_cid");
    /* jansson refuses NUL in strings: no id can hide one */
    expect_bad("{\"type\":\"message\",\"cid\":\"a\\u0000b\",\"text\":\"x\"}",
               0, "bad_json");
    expect_bad("{\"type\":\"message\",\"cid\":"
               "\"123456789012345678901234567890123\",\"text\":\"x\"}", 0,
               "bad_cid");
    expect_bad("{\"type\":\"message\",\"cid\":\"a\",\"text\":\"\"}", 0,
               "bad_text");
    expect_bad("{\"type\":\"message\",\"cid\":\"a\",\"text\":5}", 0,
               "bad_text");
    /* control characters other than tab and line breaks */
    expect_bad("{\"type\":\"message\",\"cid\":\"a\",\"text\":\"x\\u0001\"}",
               0, "bad_text");
    expect_bad("{\"type\":\"message\",\"cid\":\"a\",\"text\":\"\\u007f\"}",
               0, "bad_text");

    n = (size_t) snprintf(big, sizeof(big),
                          "{\"type\":\"message\",\"cid\":\"a\",\"text\":\"");
    memset(big + n, 'x', 4001);
    strcpy(big + n + 4001, "\"}");
    expect_bad(big, 0, "bad_text");

    expect_bad("{\"type\":\"message\",\"cid\":\"a\",\"text\":\"x\"}", 1,
               "bad_conversation");
    expect_bad("{\"type\":\"typing\",\"conversation\":\"../x\"}", 1,
               "bad_conversation");
}


static void
tokens_verify_only_when_intact_and_fresh(void **state)
{
    size_t                len, id_len;
    unsigned char         tok[NGX_LIVE_HELP_TOKEN_MAX + 1];
    const unsigned char  *id;
    const unsigned char   key[] = "0123456789abcdef0123456789abcdef";

    (void) state;

    len = ngx_live_help_token_make(tok, key, 32,
                                   (const unsigned char *) "vAbc_1", 6, 2000);
    assert_true(len > 0 && len <= NGX_LIVE_HELP_TOKEN_MAX);

    assert_true(ngx_live_help_token_check(tok, len, key, 32, 1999, &id,
                                          &id_len));
    assert_int_equal(id_len, 6);
    assert_memory_equal(id, "vAbc_1", 6);

    /* expired */
    assert_false(ngx_live_help_token_check(tok, len, key, 32, 2000, &id,
                                           &id_len));

    /* another key */
    assert_false(ngx_live_help_token_check(tok, len,
                     (const unsigned char *) "another key, 32 bytes long....!",
                     32, 1000, &id, &id_len));

    /* each byte changed in turn */
    for (size_t i = 0; i < len; i++) {
        tok[i] ^= 1;
        assert_false(ngx_live_help_token_check(tok, len, key, 32, 1000, &id,
                                               &id_len));
        tok[i] ^= 1;
    }

    /* cut short */
    assert_false(ngx_live_help_token_check(tok, len - 1, key, 32, 1000, &id,
                                           &id_len));

    /* ids are checked on the way in */
    assert_int_equal(ngx_live_help_token_make(tok, key, 32,
                         (const unsigned char *) "a.b", 3, 2000), 0);
}



static void
faq_requests_decode_for_visitors_only(void **state)
{
    ngx_live_help_proto_msg_t  m;

    (void) state;

    assert_int_equal(decode("{\"type\":\"faq\",\"q\":\"shiping\","
                            "\"id\":3}", 0, &m),
                     NGX_LIVE_HELP_MSG_FAQ);
    assert_int_equal(m.text_len, 7);
    assert_int_equal(json_integer_value(m.id), 3);
    ngx_live_help_proto_free(&m);

    assert_int_equal(decode("{\"type\":\"faq_shown\",\"cid\":\"c1\","
                            "\"faq\":\"returns\"}", 0, &m),
                     NGX_LIVE_HELP_MSG_FAQ_SHOWN);
    assert_string_equal(m.faq, "returns");
    assert_string_equal(m.cid, "c1");
    ngx_live_help_proto_free(&m);

    expect_bad("{\"type\":\"faq\"}", 0, "bad_message");
    expect_bad("{\"type\":\"faq\",\"q\":\"x\"}", 1, "unknown_type");
    expect_bad("{\"type\":\"faq_shown\",\"faq\":\"r\"}", 0, "bad_cid");
    expect_bad("{\"type\":\"faq_shown\",\"cid\":\"c\",\"faq\":\"a b\"}",
               0, "bad_faq");
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(valid_messages_decode_with_their_fields),
        cmocka_unit_test(changes_of_who_answers_decode_for_their_roles),
        cmocka_unit_test(a_list_page_decodes_with_its_list_and_offset),
        cmocka_unit_test(user_agents_are_said_in_words),
        cmocka_unit_test(page_fields_are_cut_at_a_character),
        cmocka_unit_test(bad_messages_get_the_right_error_code),
        cmocka_unit_test(faq_requests_decode_for_visitors_only),
        cmocka_unit_test(tokens_verify_only_when_intact_and_fresh),
    };

    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
