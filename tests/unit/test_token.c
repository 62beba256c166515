
/*
 * Unit tests of the signed values: agent session cookies made and checked,
 * each field tampered with, expired, signed with another secret, and a
 * visitor token offered as a cookie (and the other way round).
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
