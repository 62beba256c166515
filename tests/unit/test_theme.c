/*
 * Unit tests of the theme: every one of the 16.7 million colours
 * live_help_color may be given gets text, hover and active shades at
 * 4.5:1, a focus ring at 3:1 on white (the page, the panel) and, on the
 * brand colour (the header's buttons), a ring in the text colour at 3:1
 * and more.  None is refused.  The worst ratios are printed.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ngx_live_help_theme.h"


static void
test_luminance(void **state)
{
    (void) state;

    assert_true(ngx_live_help_luminance(0x000000) == 0.0);
    assert_true(ngx_live_help_luminance(0xffffff) > 0.99999);
    /* the WCAG examples: white on black 21:1, #777 on white 4.48:1 */
    assert_true(ngx_live_help_contrast(0x000000, 0xffffff) > 20.99);
    assert_true(ngx_live_help_contrast(0x777777, 0xffffff) > 4.47);
    assert_true(ngx_live_help_contrast(0x777777, 0xffffff) < 4.49);
    assert_true(ngx_live_help_contrast(0xffffff, 0x777777)
                == ngx_live_help_contrast(0x777777, 0xffffff));
}


static void
test_every_colour(void **state)
{
    double                 text, shade, ring, page;
    uint32_t               rgb;
    ngx_live_help_theme_t  t;
    double                 worst_text = 21, worst_shade = 21,
                           worst_ring = 21, worst_page = 21;

    (void) state;

    for (rgb = 0; rgb <= 0xffffff; rgb++) {
        assert_int_equal(ngx_live_help_theme(rgb, &t), 0);
        assert_true(t.bg == rgb);
        assert_true(t.fg == 0xffffff || t.fg == 0x000000);

        text = ngx_live_help_contrast(t.fg, t.bg);
        shade = ngx_live_help_contrast(t.fg, t.hover);
        if (ngx_live_help_contrast(t.fg, t.active) < shade) {
            shade = ngx_live_help_contrast(t.fg, t.active);
        }
        /* on the brand colour the ring is the text colour */
        ring = text;
        page = ngx_live_help_contrast(t.ring, 0xffffff);

        if (text < NGX_LIVE_HELP_TEXT_MIN || shade < NGX_LIVE_HELP_TEXT_MIN
            || ring < NGX_LIVE_HELP_RING_MIN
            || page < NGX_LIVE_HELP_RING_MIN)
        {
            fail_msg("#%06x: text %.3f shade %.3f ring %.3f page %.3f",
                     rgb, text, shade, ring, page);
        }

        worst_text = text < worst_text ? text : worst_text;
        worst_shade = shade < worst_shade ? shade : worst_shade;
        worst_ring = ring < worst_ring ? ring : worst_ring;
        worst_page = page < worst_page ? page : worst_page;
    }

    printf("# colours: 16777216, refused 0\n");
    printf("# worst: text %.3f:1, hover/active %.3f:1, ring on brand "
           "%.3f:1, ring on white %.3f:1\n", worst_text, worst_shade,
           worst_ring, worst_page);
}


static void
test_examples(void **state)
{
    ngx_live_help_theme_t  t;

    (void) state;

    /* once refused (no single ring did): pure blue, #555555 */
    assert_int_equal(ngx_live_help_theme(0x0000ff, &t), 0);
    assert_true(t.ring == 0x0000ff && t.fg == 0xffffff);
    assert_int_equal(ngx_live_help_theme(0x555555, &t), 0);
    assert_true(t.ring == 0x555555 && t.fg == 0xffffff);

    /* a light colour: its ring is a darker shade of it */
    assert_int_equal(ngx_live_help_theme(0xfff59d, &t), 0);
    assert_true(t.fg == 0);
    assert_true(t.ring != t.bg);
    assert_true(ngx_live_help_contrast(t.ring, 0xffffff) >= 3.0);
    assert_true(ngx_live_help_contrast(t.ring, 0xffffff) < 3.2);

    assert_int_equal(ngx_live_help_theme(0x0a1f44, &t), 0);
    assert_true(t.fg == 0xffffff);
    assert_int_equal(ngx_live_help_theme(0x1d4ed8, &t), 0);
    assert_true(t.ring == 0x1d4ed8);
    printf("# #1d4ed8: fg #%06x hover #%06x active #%06x ring #%06x\n",
           t.fg, t.hover, t.active, t.ring);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_luminance),
        cmocka_unit_test(test_every_colour),
        cmocka_unit_test(test_examples),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
