
/*
 * libFuzzer target: the WebSocket frame parser.  The input is parsed whole
 * and again cut into reads at places the input itself picks; both must
 * give the same complete messages, control frames and close code, and no
 * call may use more bytes than it was given.  (A message cut by an error
 * may have been given in part before it: that part is not compared.)
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_live_help_ws_parse.h"


#define MAX_LOG  (1 << 16)


typedef struct {
    unsigned char  log[MAX_LOG];
    size_t         len;
    unsigned char  msg[MAX_LOG];
    size_t         msg_len;
} trace_t;


static void
note(trace_t *t, const void *p, size_t n)
{
    if (t->len + n > MAX_LOG) {
        n = MAX_LOG - t->len;
    }

    memcpy(t->log + t->len, p, n);
    t->len += n;
}


static void
run(const uint8_t *data, size_t size, size_t step, trace_t *t)
{
    int                        rc;
    size_t                     off, end, used;
    unsigned char             *buf;
    ngx_live_help_ws_event_t   ev;
    ngx_live_help_ws_parser_t  p;

    buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    ngx_live_help_ws_parser_init(&p, 1 << 12);
    t->len = 0;
    t->msg_len = 0;

    for (off = 0; off < size; off = end) {
        end = (step == 0 || off + step > size) ? size : off + step;

        while (off < end) {
            rc = ngx_live_help_ws_parse(&p, buf + off, end - off, &used,
                                        &ev);
            if (used > end - off) {
                abort();
            }

            off += used;

            if (rc == NGX_LIVE_HELP_WS_ERROR) {
                note(t, "E", 1);
                note(t, &ev.code, sizeof(ev.code));
                free(buf);
                return;
            }

            if (rc == NGX_LIVE_HELP_WS_AGAIN) {
                if (off != end) {
                    abort();
                }
                break;
            }

            if (rc == NGX_LIVE_HELP_WS_DATA) {
                if (t->msg_len + ev.len > MAX_LOG) {
                    abort();    /* more than max_message let through */
                }

                memcpy(t->msg + t->msg_len, ev.data, ev.len);
                t->msg_len += ev.len;

                if (ev.last) {
                    note(t, t->msg, t->msg_len);
                    note(t, "|", 1);
                    t->msg_len = 0;
                }

            } else {
                note(t, "C", 1);
                note(t, &ev.opcode, sizeof(ev.opcode));
                note(t, ev.data, ev.len);
            }
        }
    }

    free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          step;
    static trace_t  whole, cut;

    if (size < 1) {
        return 0;
    }

    step = data[0] % 17 + 1;
    data++;
    size--;

    run(data, size, 0, &whole);
    run(data, size, step, &cut);

    if (whole.len != cut.len || memcmp(whole.log, cut.log, whole.len) != 0) {
        abort();
    }

    return 0;
}
