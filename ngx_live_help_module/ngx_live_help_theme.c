
/*
 * The widget's colours from one brand colour (see the header).
 *
 * Text: white or black, whichever has the higher contrast with the brand
 * colour; the lower of the two best ratios, over all colours, is 4.58:1
 * (black is needed: a near-black like #111 drops it to 4.35:1).  Hover
 * and active shades mix the brand colour towards the opposite of the text
 * colour, so their contrast with the text only grows.  Focus rings: on
 * the white of the page and the panel, the brand colour itself when it
 * reaches 3:1 there, else the least shade of it towards black that does;
 * on the brand colour (the header's buttons), the text colour, 4.58:1 at
 * least.  No single colour can do both for every brand colour (for a
 * luminance of about 0.067 to 0.1, #0000ff or #555555, none does), two
 * can: every colour is accepted.
 */


#include <math.h>

#include "ngx_live_help_theme.h"


#define WHITE  0xffffffu
#define BLACK  0x000000u


static double ngx_live_help_channel(unsigned c);
static uint32_t ngx_live_help_mix(uint32_t rgb, uint32_t to, unsigned t);


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


int
ngx_live_help_theme(uint32_t rgb, ngx_live_help_theme_t *t)
{
    unsigned  lo, hi, mid;
    uint32_t  away;

    rgb &= WHITE;

    t->bg = rgb;
    t->fg = ngx_live_help_contrast(rgb, WHITE)
            >= ngx_live_help_contrast(rgb, BLACK) ? WHITE : BLACK;

    away = t->fg == WHITE ? BLACK : WHITE;
    t->hover = ngx_live_help_mix(rgb, away, 38);
    t->active = ngx_live_help_mix(rgb, away, 64);

    /*
     * the contrast with white grows with the mix towards black: the least
     * mix that reaches 3:1, by bisection, keeps the most of the brand
     */
    lo = 0;
    hi = 256;

    while (lo < hi) {
        mid = (lo + hi) / 2;

        if (ngx_live_help_contrast(ngx_live_help_mix(rgb, BLACK, mid), WHITE)
            >= NGX_LIVE_HELP_RING_MIN)
        {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    t->ring = ngx_live_help_mix(rgb, BLACK, lo);

    return 0;
}
