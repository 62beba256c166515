
/*
 * Unit tests of the signed values: agent session cookies made and checked,
 * each field tampered with, expired, signed with another secret, and a
 * visitor token offered as a cookie (and the other way round); visitor
 * tokens whose expiry is signed but out of range (19 and 20 digits, past
 * LLONG_MAX, leading zeros, empty, not digits) refused without overflow.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_live_help_token.h"


#define SECRET  ((const unsigned char *) "0123456789abcdef0123456789abcdef")
#define OTHER   ((const unsigned char *) "fedcba9876543210fedcba9876543210")
#define NOW     1700000000


static size_t
make_cookie(unsigned char *dst, const char *login, time_t expires,
    const unsigned char *secret)
{
    unsigned char  digest[NGX_LIVE_HELP_DIGEST_LEN];

    assert_int_equal(ngx_live_help_hash_digest(digest, SECRET, 32,
                         (const unsigned char *) "$2y$10$abc", 10), 1);

    return ngx_live_help_cookie_make(dst, secret, 32,
                                     (const unsigned char *) login,
                                     strlen(login), expires, digest);
}


/*
 * A visitor token for any "id.expires" text, signed as the module signs:
 * what an attacker who knew the secret could send, so that the parser
 * behind the signature is reached.
 */
static size_t
sign_token(unsigned char *dst, const char *payload)
{
    size_t         len;
    unsigned int   mac_len;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    len = strlen(payload);
    memcpy(dst, payload, len);

    assert_non_null(HMAC(EVP_sha256(), SECRET, 32,
                         (const unsigned char *) payload, len, mac,
                         &mac_len));

    dst[len] = '.';

    return len + 1 + ngx_live_help_base64url(dst + len + 1, mac, mac_len);
}


static int
token_ok(const char *payload)
{
    size_t                len;
    size_t                id_len;
    unsigned char         t[256];
    const unsigned char  *id;

    len = sign_token(t, payload);

    return ngx_live_help_token_check(t, len, SECRET, 32, NOW, &id, &id_len);
}


static void
visitor_token_made_is_checked(void **state)
{
    size_t                len, id_len;
    unsigned char         t[NGX_LIVE_HELP_TOKEN_MAX];
    const unsigned char  *id;

    (void) state;

    len = ngx_live_help_token_make(t, SECRET, 32,
                                   (const unsigned char *) "vAbc_-9", 7,
                                   NOW + 60);
    assert_true(len > 0 && len <= NGX_LIVE_HELP_TOKEN_MAX);
    assert_int_equal(ngx_live_help_token_check(t, len, SECRET, 32, NOW,
                                               &id, &id_len), 1);
    assert_int_equal(id_len, 7);
    assert_memory_equal(id, "vAbc_-9", 7);

    /* the same token by hand: the helper signs as the module does */
    assert_int_equal(token_ok("vAbc_-9.1700000060"), 1);
    assert_int_equal(token_ok("vAbc_-9.1700000000"), 0);    /* now */
}


static void
visitor_token_with_largest_expiry_is_accepted(void **state)
{
    size_t                len, id_len;
    unsigned char         t[NGX_LIVE_HELP_TOKEN_MAX];
    const unsigned char  *id;

    (void) state;

    /* LLONG_MAX has 19 digits: the longest expiry there is */
    assert_int_equal(token_ok("v1.9223372036854775807"), 1);

    len = ngx_live_help_token_make(t, SECRET, 32,
                                   (const unsigned char *) "v1", 2,
                                   (time_t) 9223372036854775807LL);
    assert_int_equal(len, 2 + 1 + 19 + 1 + 43);
    assert_true(len <= NGX_LIVE_HELP_TOKEN_MAX);
    assert_int_equal(ngx_live_help_token_check(t, len, SECRET, 32, NOW,
                                               &id, &id_len), 1);
}


static void
visitor_token_with_19_digit_expiry_past_max_is_refused(void **state)
{
    (void) state;

    /* 19 digits that do not fit: they overflowed before */
    assert_int_equal(token_ok("v1.9223372036854775808"), 0);
    assert_int_equal(token_ok("v1.9223372036854775810"), 0);
    assert_int_equal(token_ok("v1.9999999999999999999"), 0);
}


static void
visitor_token_with_20_digit_expiry_is_refused(void **state)
{
    (void) state;

    assert_int_equal(token_ok("v1.10000000000000000000"), 0);
    assert_int_equal(token_ok("v1.99999999999999999999"), 0);
    assert_int_equal(token_ok("v1.18446744073709551616"), 0);
}


static void
visitor_token_with_leading_zeros_is_refused(void **state)
{
    (void) state;

    /* never written so: one expiry has one spelling */
    assert_int_equal(token_ok("v1.01700000060"), 0);
    assert_int_equal(token_ok("v1.0000000000000000001"), 0);
    assert_int_equal(token_ok("v1.00"), 0);
    assert_int_equal(token_ok("v1.0"), 0);                  /* expired */
}


static void
visitor_token_with_empty_or_non_digit_expiry_is_refused(void **state)
{
    (void) state;

    assert_int_equal(token_ok("v1."), 0);
    assert_int_equal(token_ok("v1.-1"), 0);
    assert_int_equal(token_ok("v1.+1700000060"), 0);
    assert_int_equal(token_ok("v1. 1700000060"), 0);
    assert_int_equal(token_ok("v1.17000000x0"), 0);
    assert_int_equal(token_ok("v1.1700000060 "), 0);
    assert_int_equal(token_ok("v1.0x7fffffff"), 0);
    assert_int_equal(token_ok(".1700000060"), 0);           /* no id */
    assert_int_equal(token_ok("v 1.1700000060"), 0);
}


static void
cookie_with_expiry_past_max_is_refused(void **state)
{
    size_t                  len;
    unsigned char           c[NGX_LIVE_HELP_COOKIE_MAX];
    ngx_live_help_cookie_t  out;

    (void) state;

    /* made with the largest expiry, then one more in its last digit */
    len = make_cookie(c, "maria", (time_t) 9223372036854775807LL, SECRET);
    assert_true(len > 0);
    assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                &out), 1);
    assert_int_equal(out.expires, 9223372036854775807LL);

    c[5 + 19] = '8';
    assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                &out), 0);
}


static void
cookie_made_is_checked(void **state)
{
    size_t                  len;
    unsigned char           c[NGX_LIVE_HELP_COOKIE_MAX];
    ngx_live_help_cookie_t  out;

    (void) state;

    len = make_cookie(c, "maria.v@shop-1", NOW + 60, SECRET);
    assert_true(len > 0 && len <= NGX_LIVE_HELP_COOKIE_MAX);

    assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                &out), 1);
    assert_int_equal(out.login_len, 14);
    assert_memory_equal(out.login, "maria.v@shop-1", 14);
    assert_int_equal(out.expires, NOW + 60);
}


static void
cookie_refused_when_any_byte_changes(void **state)
{
    size_t                  len, i;
    unsigned char           c[NGX_LIVE_HELP_COOKIE_MAX];
    ngx_live_help_cookie_t  out;

    (void) state;

    len = make_cookie(c, "maria", NOW + 60, SECRET);

    for (i = 0; i < len; i++) {
        c[i] ^= 1;
        assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                    &out), 0);
        c[i] ^= 1;
    }

    assert_int_equal(ngx_live_help_cookie_check(c, len - 1, SECRET, 32, NOW,
                                                &out), 0);
}


static void
cookie_refused_when_expired_or_of_other_secret(void **state)
{
    size_t                  len;
    unsigned char           c[NGX_LIVE_HELP_COOKIE_MAX];
    ngx_live_help_cookie_t  out;

    (void) state;

    len = make_cookie(c, "maria", NOW, SECRET);
    assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                &out), 0);

    len = make_cookie(c, "maria", NOW + 60, OTHER);
    assert_int_equal(ngx_live_help_cookie_check(c, len, SECRET, 32, NOW,
                                                &out), 0);
}


static void
visitor_token_never_passes_as_cookie(void **state)
{
    size_t                  len;
    unsigned char           t[NGX_LIVE_HELP_TOKEN_MAX + 1];
    unsigned char           c[NGX_LIVE_HELP_COOKIE_MAX];
    const unsigned char    *id;
    size_t                  id_len;
    ngx_live_help_cookie_t  out;

    (void) state;

    len = ngx_live_help_token_make(t, SECRET, 32,
                                   (const unsigned char *) "v123", 4,
                                   NOW + 60);
    assert_true(len > 0);
    assert_int_equal(ngx_live_help_cookie_check(t, len, SECRET, 32, NOW,
                                                &out), 0);

    len = make_cookie(c, "maria", NOW + 60, SECRET);
    assert_int_equal(ngx_live_help_token_check(c, len, SECRET, 32, NOW,
                                               &id, &id_len), 0);
}


static void
login_names_are_checked(void **state)
{
    unsigned char  c[NGX_LIVE_HELP_COOKIE_MAX];

    (void) state;

    assert_int_equal(ngx_live_help_login_valid(
                         (const unsigned char *) "a.b_c@d-e", 9), 1);
    assert_int_equal(ngx_live_help_login_valid(
                         (const unsigned char *) "a|b", 3), 0);
    assert_int_equal(ngx_live_help_login_valid(
                         (const unsigned char *) "", 0), 0);
    assert_int_equal(make_cookie(c, "ma ria", NOW + 60, SECRET), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cookie_made_is_checked),
        cmocka_unit_test(cookie_refused_when_any_byte_changes),
        cmocka_unit_test(cookie_refused_when_expired_or_of_other_secret),
        cmocka_unit_test(visitor_token_never_passes_as_cookie),
        cmocka_unit_test(login_names_are_checked),
        cmocka_unit_test(visitor_token_made_is_checked),
        cmocka_unit_test(visitor_token_with_largest_expiry_is_accepted),
        cmocka_unit_test(
            visitor_token_with_19_digit_expiry_past_max_is_refused),
        cmocka_unit_test(visitor_token_with_20_digit_expiry_is_refused),
        cmocka_unit_test(visitor_token_with_leading_zeros_is_refused),
        cmocka_unit_test(
            visitor_token_with_empty_or_non_digit_expiry_is_refused),
        cmocka_unit_test(cookie_with_expiry_past_max_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
