
/*
 * libFuzzer target: business hours.  The first byte picks what the rest
 * is: a schedule, a TZif file, a POSIX TZ string (put in a minimal TZif
 * file), or a zone argument.  Whatever is accepted must keep the promises
 * the sockets rely on.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_live_help_hours.h"


static ngx_live_help_tz_t  tz;


static int64_t
instant(const uint8_t *data, size_t size, size_t at)
{
    size_t    i;
    uint64_t  v;

    v = 0;

    for (i = 0; i < 8 && at + i < size; i++) {
        v = (v << 8) | data[at + i];
    }

    /* 1900 to 2200, mostly */
    return -2208988800LL + (int64_t) (v % 9467280000ULL);
}


static void
check_spans(const ngx_live_help_hours_t *h)
{
    unsigned  i;

    if (h->nspans > NGX_LIVE_HELP_HOURS_SPANS) {
        abort();
    }

    for (i = 0; i < h->nspans; i++) {
        if (h->span[i].from >= h->span[i].to
            || h->span[i].to > NGX_LIVE_HELP_HOURS_WEEK
            || (i > 0 && h->span[i].from <= h->span[i - 1].to))
        {
            abort();
        }
    }
}


static int
check_open(const ngx_live_help_hours_t *h, int64_t t, int64_t *next)
{
    int  open;

    open = ngx_live_help_hours_open(h, t, next);

    if ((open != 0 && open != 1)
        || (*next != 0
            && (*next <= t || *next > t + NGX_LIVE_HELP_HOURS_HORIZON)))
    {
        abort();
    }

    return open;
}


static void
check_zone(const ngx_live_help_tz_t *z, const uint8_t *data, size_t size)
{
    int                    i;
    int32_t                off;
    int64_t                t, next;
    ngx_live_help_hours_t  h;

    static const unsigned char  week[] = "Mon-Fri 09:00-17:00, Sun 02:30-03:30";

    if (ngx_live_help_hours_parse(&h, week, sizeof(week) - 1, NULL, 0) != 0) {
        abort();
    }

    h.tz = z;

    for (i = 0; i < 4; i++) {
        t = instant(data, size, size > 8 ? (size_t) i * (size - 8) / 4 : 0);

        off = ngx_live_help_tz_offset(z, t);

        if (off <= -NGX_LIVE_HELP_TZ_OFF_MAX
            || off >= NGX_LIVE_HELP_TZ_OFF_MAX
            || ngx_live_help_tz_next(z, t) <= t)
        {
            abort();
        }

        (void) check_open(&h, t, &next);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                    open;
    char                   err[NGX_LIVE_HELP_HOURS_ERRLEN];
    size_t                 n;
    int64_t                t, next;
    unsigned char         *file;
    ngx_live_help_hours_t  h;

    static const unsigned char  head[] =
        "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\0" "\0\0\0\1" "\0\0\0\1"
        "\0\0\0\0\0\0" "\0";

    if (size == 0) {
        return 0;
    }

    err[0] = '\0';

    switch (data[0] % 4) {

    case 0:
        if (ngx_live_help_hours_parse(&h, data + 1, size - 1, err,
                                      sizeof(err))
            != 0)
        {
            if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
                abort();
            }

            break;
        }

        check_spans(&h);

        /* in UTC a change is a change: the state flips there */
        h.tz = NULL;
        t = instant(data, size, size > 8 ? size - 8 : 0);
        open = check_open(&h, t, &next);

        if (next != 0
            && (check_open(&h, next - 1, &t) != open
                || check_open(&h, next, &t) == open))
        {
            abort();
        }

        break;

    case 1:
        if (ngx_live_help_tz_parse(&tz, data + 1, size - 1, err, sizeof(err))
            != 0)
        {
            if (err[0] == '\0') {
                abort();
            }

            break;
        }

        check_zone(&tz, data, size);
        break;

    case 2:
        /* a version 2 file of one type, no transitions, this footer */
        n = sizeof(head) - 1;
        file = malloc(2 * n + size + 1);
        if (file == NULL) {
            return 0;
        }

        memcpy(file, head, n);
        memcpy(file + n, head, n);
        file[2 * n] = '\n';
        memcpy(file + 2 * n + 1, data + 1, size - 1);
        file[2 * n + size] = '\n';

        if (ngx_live_help_tz_parse(&tz, file, 2 * n + size + 1, err,
                                   sizeof(err))
            == 0)
        {
            check_zone(&tz, data, size);
        }

        free(file);
        break;

    default:
        if (ngx_live_help_tz_fixed(&tz, data + 1, size - 1, err,
                                   sizeof(err))
            == 1)
        {
            if (tz.initial < -18 * 3600 || tz.initial > 18 * 3600) {
                abort();
            }

            check_zone(&tz, data, size);
        }

        (void) ngx_live_help_tz_name_valid(data + 1, size - 1);
        break;
    }

    return 0;
}
