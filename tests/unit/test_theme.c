/*
 * Unit tests of the theme: every one of the 16.7 million colours
 * live_help_color may be given is either refused, because no focus ring
 * can reach 3:1 against both white and it, or gets text, hover and active
 * shades at 4.5:1 and a ring at 3:1.  The worst ratios are printed.
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
    double                 text, shade, ring, page, l, refused_lo,
                           refused_hi;
    uint32_t               rgb, n;
    ngx_live_help_theme_t  t;
    double                 worst_text = 21, worst_shade = 21,
                           worst_ring = 21, worst_page = 21;

    (void) state;

    n = 0;
    refused_lo = 1;
    refused_hi = 0;

    for (rgb = 0; rgb <= 0xffffff; rgb++) {
        l = ngx_live_help_luminance(rgb);

        if (ngx_live_help_theme(rgb, &t) != 0) {
            /* refused only where no colour can do: 3:1 both ways */
            /*
             * Black is not 3:1 on it, and no colour is 3:1 on both it
             * and white (luminance 0.0667 to 0.1), or only one too thin
             * for 8-bit shades of it to hit (1.5% below 0.0667).
             */
            assert_true((l + 0.05) / 0.05 < 3.0);
            assert_true((1.05 / 3) / (l + 0.05) < 3.0 * 1.015);
            if (l < refused_lo) {
                refused_lo = l;
            }
            if (l > refused_hi) {
                refused_hi = l;
            }
            n++;
            continue;
        }

        assert_true(t.bg == rgb);
        assert_true(t.fg == 0xffffff || t.fg == 0x000000);

        text = ngx_live_help_contrast(t.fg, t.bg);
        shade = ngx_live_help_contrast(t.fg, t.hover);
        if (ngx_live_help_contrast(t.fg, t.active) < shade) {
            shade = ngx_live_help_contrast(t.fg, t.active);
        }
        ring = ngx_live_help_contrast(t.ring, t.bg);
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

    printf("# colours: 16777216, refused %u (%.2f%%, luminance %.4f to "
           "%.4f)\n", n, n * 100.0 / 16777216, refused_lo, refused_hi);
    printf("# worst: text %.3f:1, hover/active %.3f:1, ring on brand "
           "%.3f:1, ring on white %.3f:1\n", worst_text, worst_shade,
           worst_ring, worst_page);
}


static void
test_nearest(void **state)
{
    uint32_t               c;
    ngx_live_help_theme_t  t;

    (void) state;

    /* #555555 (luminance 0.09) is refused; its neighbours are not */
    assert_int_equal(ngx_live_help_theme(0x555555, &t), -1);

    c = ngx_live_help_theme_nearest(0x555555, 1);
    assert_int_equal(ngx_live_help_theme(c, &t), 0);
    assert_true(ngx_live_help_luminance(c) > 0.09);

    c = ngx_live_help_theme_nearest(0x555555, 0);
    assert_int_equal(ngx_live_help_theme(c, &t), 0);
    assert_true(ngx_live_help_luminance(c) < 0.09);

    /* the themes of the browser test */
    assert_int_equal(ngx_live_help_theme(0xfff59d, &t), 0);
    assert_true(t.fg == 0);
    assert_int_equal(ngx_live_help_theme(0x0a1f44, &t), 0);
    assert_true(t.fg == 0xffffff);
    assert_int_equal(ngx_live_help_theme(0x777777, &t), 0);
    assert_int_equal(ngx_live_help_theme(0xff0000, &t), 0);
    assert_int_equal(ngx_live_help_theme(0x1d4ed8, &t), 0);
    printf("# #1d4ed8: fg #%06x hover #%06x active #%06x ring #%06x\n",
           t.fg, t.hover, t.active, t.ring);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_luminance),
        cmocka_unit_test(test_every_colour),
        cmocka_unit_test(test_nearest),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
