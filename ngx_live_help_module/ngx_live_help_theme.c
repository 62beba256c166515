
/*
 * The widget's colours from one brand colour (see the header).
 *
 * Text: white or black, whichever has the higher contrast with the brand
 * colour; the lower of the two best ratios, over all colours, is 4.58:1
 * (black is needed: a near-black like #111 drops it to 4.35:1).  Hover
 * and active shades mix the brand colour towards the opposite of the text
 * colour, so their contrast with the text only grows.  The focus ring is
 * the brand colour mixed towards black (light brand colours) or white
 * (dark ones) just far enough to reach 3:1 against it while staying 3:1
 * against a white page; brand colours where neither direction can reach
 * both are refused.
 */


#include <math.h>

#include "ngx_live_help_theme.h"


#define WHITE  0xffffffu
#define BLACK  0x000000u


static double ngx_live_help_channel(unsigned c);
static uint32_t ngx_live_help_mix(uint32_t rgb, uint32_t to, unsigned t);
static int ngx_live_help_ring_ok(uint32_t ring, uint32_t bg);


static double
ngx_live_help_channel(unsigned c)
{
    static double  lin[256];
    static int     ready;

    unsigned  i;
    double    s;

    if (!ready) {
        for (i = 0; i < 256; i++) {
            s = i / 255.0;
            lin[i] = s <= 0.04045 ? s / 12.92
                                  : pow((s + 0.055) / 1.055, 2.4);
        }

        ready = 1;
    }

    return lin[c & 0xff];
}


double
ngx_live_help_luminance(uint32_t rgb)
{
    return 0.2126 * ngx_live_help_channel(rgb >> 16)
           + 0.7152 * ngx_live_help_channel(rgb >> 8)
           + 0.0722 * ngx_live_help_channel(rgb);
}


double
ngx_live_help_contrast(uint32_t a, uint32_t b)
{
    double  la, lb;

    la = ngx_live_help_luminance(a) + 0.05;
    lb = ngx_live_help_luminance(b) + 0.05;

    return la > lb ? la / lb : lb / la;
}


/* rgb mixed towards "to" by t/256 per channel, rounded */
static uint32_t
ngx_live_help_mix(uint32_t rgb, uint32_t to, unsigned t)
{
    unsigned  i, c, d;
    uint32_t  out;

    out = 0;

    for (i = 0; i < 24; i += 8) {
        c = (rgb >> i) & 0xff;
        d = (to >> i) & 0xff;
        c = (c * (256 - t) + d * t + 128) / 256;
        out |= (uint32_t) c << i;
    }

    return out;
}


static int
ngx_live_help_ring_ok(uint32_t ring, uint32_t bg)
{
    return ngx_live_help_contrast(ring, WHITE) >= NGX_LIVE_HELP_RING_MIN
           && ngx_live_help_contrast(ring, bg) >= NGX_LIVE_HELP_RING_MIN;
}


int
ngx_live_help_theme(uint32_t rgb, ngx_live_help_theme_t *t)
{
    unsigned  lo, hi, mid;
    uint32_t  away, towards;

    rgb &= WHITE;

    t->bg = rgb;
    t->fg = ngx_live_help_contrast(rgb, WHITE)
            >= ngx_live_help_contrast(rgb, BLACK) ? WHITE : BLACK;

    away = t->fg == WHITE ? BLACK : WHITE;
    t->hover = ngx_live_help_mix(rgb, away, 38);
    t->active = ngx_live_help_mix(rgb, away, 64);

    /*
     * Dark brand colours get a lighter ring, the others a darker one; the
     * contrast with the brand colour grows with the mix, so the least mix
     * that reaches 3:1 is found by bisection and keeps the most contrast
     * with white.
     */
    towards = ngx_live_help_luminance(rgb) < 0.083 ? WHITE : BLACK;

    lo = 0;
    hi = 256;

    while (lo < hi) {
        mid = (lo + hi) / 2;

        if (ngx_live_help_contrast(ngx_live_help_mix(rgb, towards, mid), rgb)
            >= NGX_LIVE_HELP_RING_MIN)
        {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    t->ring = ngx_live_help_mix(rgb, towards, lo);

    return ngx_live_help_ring_ok(t->ring, rgb) ? 0 : -1;
}


uint32_t
ngx_live_help_theme_nearest(uint32_t rgb, int lighter)
{
    unsigned               i;
    uint32_t               c;
    ngx_live_help_theme_t  t;

    for (i = 0; i <= 256; i++) {
        c = ngx_live_help_mix(rgb & WHITE, lighter ? WHITE : BLACK, i);

        if (ngx_live_help_theme(c, &t) == 0) {
            return c;
        }
    }

    return lighter ? WHITE : BLACK;
}
