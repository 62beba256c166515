
/*
 * The widget's colours from one brand colour, computed at config time so
 * that every colour live_help_color accepts meets WCAG AA: text 4.5:1 on
 * the brand colour and on its hover and active shades, focus rings 3:1
 * against what is behind them (ring on white, fg on the brand colour).
 * Pure code, unit-tested over every colour (tests/unit/test_theme.c).
 */


#ifndef _NGX_LIVE_HELP_THEME_H_INCLUDED_
#define _NGX_LIVE_HELP_THEME_H_INCLUDED_


#include <stdint.h>


#define NGX_LIVE_HELP_TEXT_MIN  4.5    /* text on a colour */
#define NGX_LIVE_HELP_RING_MIN  3.0    /* a focus ring on what is behind */


/* colours as 0xRRGGBB */
typedef struct {
    uint32_t  bg;        /* the brand colour */
    uint32_t  fg;        /* text on it: white or black */
    uint32_t  hover;     /* bg moved away from fg */
    uint32_t  active;    /* further away */
    uint32_t  ring;      /* the focus ring on white; on the brand colour,
                            fg */
} ngx_live_help_theme_t;


/* WCAG 2 relative luminance, 0 (black) to 1 (white) */
double ngx_live_help_luminance(uint32_t rgb);

/* WCAG 2 contrast ratio, 1 to 21 */
double ngx_live_help_contrast(uint32_t a, uint32_t b);

/* fills *t for the brand colour rgb; returns 0 */
int ngx_live_help_theme(uint32_t rgb, ngx_live_help_theme_t *t);


#endif /* _NGX_LIVE_HELP_THEME_H_INCLUDED_ */
