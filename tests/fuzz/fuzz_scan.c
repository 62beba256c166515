
/*
 * libFuzzer target: the </body> scanner, streamed in reads the input picks,
 * against the obvious search over the whole input.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ngx_live_help_scan.h"


static long
reference(const uint8_t *s, size_t len)
{
    size_t  i, j, space;

    for (i = 0; i + 7 <= len; i++) {
        if (strncasecmp((const char *) s + i, "</body", 6) != 0
            || memchr(s + i, '\0', 6))
        {
            continue;
        }

        for (j = i + 6, space = 0;
             j < len && space < NGX_LIVE_HELP_SCAN_MAX_SPACE
             && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'
                 || s[j] == '\f');
             j++, space++)
        {
            /* void */
        }

        if (j < len && s[j] == '>') {
            return (long) i;
        }
    }

    return -1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc, in_held;
    long                  want, got;
    size_t                step, off, end, at, held;
    ngx_live_help_scan_t  scan;

    if (size < 1) {
        return 0;
    }

    step = data[0] % 23 + 1;
    data++;
    size--;

    want = reference(data, size);
    got = -1;
    memset(&scan, 0, sizeof(scan));

    for (off = 0; off < size && got < 0; off = end) {
        end = (off + step > size) ? size : off + step;
        held = scan.nheld;

        rc = ngx_live_help_scan(&scan, data + off, end - off, &at, &in_held);

        if (scan.nheld > NGX_LIVE_HELP_SCAN_HELD) {
            abort();
        }

        if (rc == NGX_LIVE_HELP_SCAN_FOUND) {
            got = in_held ? (long) (off - held) : (long) (off + at);
        }
    }

    if (got != want) {
        abort();
    }

    return 0;
}
