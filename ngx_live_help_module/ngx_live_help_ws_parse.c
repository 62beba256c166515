
/*
 * RFC 6455 framing, server side: incremental frame parser, frame header
 * builder and UTF-8 validator.
 */


#include <string.h>

#include "ngx_live_help_ws_parse.h"


#define NGX_LIVE_HELP_WS_HEAD0    0
#define NGX_LIVE_HELP_WS_HEAD1    1
#define NGX_LIVE_HELP_WS_LENGTH   2
#define NGX_LIVE_HELP_WS_MASK     3
#define NGX_LIVE_HELP_WS_PAYLOAD  4
#define NGX_LIVE_HELP_WS_FAILED   5


static int ngx_live_help_ws_fail(ngx_live_help_ws_parser_t *p,
    ngx_live_help_ws_event_t *ev, unsigned code, const char *reason);
static int ngx_live_help_ws_control(ngx_live_help_ws_parser_t *p,
    ngx_live_help_ws_event_t *ev);
static int ngx_live_help_ws_close_code_valid(unsigned code);


void
ngx_live_help_ws_parser_init(ngx_live_help_ws_parser_t *p,
    uint64_t max_message)
{
    memset(p, 0, sizeof(ngx_live_help_ws_parser_t));

    p->max_message = max_message;
    ngx_live_help_utf8_init(&p->utf8);
}


int
ngx_live_help_ws_parse(ngx_live_help_ws_parser_t *p, unsigned char *buf,
    size_t len, size_t *used, ngx_live_help_ws_event_t *ev)
{
    size_t         i, n, k, bad;
    unsigned       control;
    unsigned char  c, *d;

    memset(ev, 0, sizeof(ngx_live_help_ws_event_t));

    i = 0;

    while (i < len
           || (p->state == NGX_LIVE_HELP_WS_PAYLOAD && p->left == 0)
           || p->state == NGX_LIVE_HELP_WS_FAILED)
    {
        control = (p->opcode & 0x8);

        switch (p->state) {

        case NGX_LIVE_HELP_WS_HEAD0:
            c = buf[i++];

            if (c & 0x70) {
                *used = i;
                return ngx_live_help_ws_fail(p, ev,
                                             NGX_LIVE_HELP_WS_PROTOCOL,
                                             "reserved bits set");
            }

            p->fin = c >> 7;
            p->opcode = c & 0x0f;

            switch (p->opcode) {

            case NGX_LIVE_HELP_WS_CONT:
                if (p->message == 0) {
                    *used = i;
                    return ngx_live_help_ws_fail(p, ev,
                               NGX_LIVE_HELP_WS_PROTOCOL,
                               "continuation frame outside a message");
                }
                break;

            case NGX_LIVE_HELP_WS_TEXT:
            case NGX_LIVE_HELP_WS_BINARY:
                if (p->message) {
                    *used = i;
                    return ngx_live_help_ws_fail(p, ev,
                               NGX_LIVE_HELP_WS_PROTOCOL,
                               "new message inside a fragmented one");
                }
                break;

            case NGX_LIVE_HELP_WS_CLOSE:
            case NGX_LIVE_HELP_WS_PING:
            case NGX_LIVE_HELP_WS_PONG:
                if (!p->fin) {
                    *used = i;
                    return ngx_live_help_ws_fail(p, ev,
                               NGX_LIVE_HELP_WS_PROTOCOL,
                               "fragmented control frame");
                }
                break;

            default:
                *used = i;
                return ngx_live_help_ws_fail(p, ev,
                                             NGX_LIVE_HELP_WS_PROTOCOL,
                                             "unknown opcode");
            }

            p->state = NGX_LIVE_HELP_WS_HEAD1;
            break;

        case NGX_LIVE_HELP_WS_HEAD1:
            c = buf[i++];

            if (!(c & 0x80)) {
                *used = i;
                return ngx_live_help_ws_fail(p, ev,
                                             NGX_LIVE_HELP_WS_PROTOCOL,
                                             "unmasked frame from a client");
            }

            c &= 0x7f;

            if (control && c > NGX_LIVE_HELP_WS_MAX_CONTROL) {
                *used = i;
                return ngx_live_help_ws_fail(p, ev,
                                             NGX_LIVE_HELP_WS_PROTOCOL,
                                             "control frame over 125 bytes");
            }

            p->length = 0;

            if (c == 126) {
                p->nbytes = 2;
                p->state = NGX_LIVE_HELP_WS_LENGTH;

            } else if (c == 127) {
                p->nbytes = 8;
                p->state = NGX_LIVE_HELP_WS_LENGTH;

            } else {
                p->length = c;
                p->nbytes = 4;
                p->state = NGX_LIVE_HELP_WS_MASK;
            }

            break;

        case NGX_LIVE_HELP_WS_LENGTH:
            p->length = (p->length << 8) | buf[i++];

            if (--p->nbytes) {
                break;
            }

            if (p->length >> 63) {
                *used = i;
                return ngx_live_help_ws_fail(p, ev,
                                             NGX_LIVE_HELP_WS_PROTOCOL,
                                             "frame length over 2^63");
            }

            p->nbytes = 4;
            p->state = NGX_LIVE_HELP_WS_MASK;
            break;

        case NGX_LIVE_HELP_WS_MASK:
            p->mask[4 - p->nbytes] = buf[i++];

            if (--p->nbytes) {
                break;
            }

            p->left = p->length;
            p->mask_at = 0;
            p->state = NGX_LIVE_HELP_WS_PAYLOAD;

            if (control) {
                p->control_len = 0;
                break;
            }

            if (p->opcode != NGX_LIVE_HELP_WS_CONT) {
                p->message = p->opcode;
                p->message_len = 0;
                ngx_live_help_utf8_init(&p->utf8);
            }

            /* refuse as soon as the header says it is too big */

            if (p->length > p->max_message
                || p->message_len > p->max_message - p->length)
            {
                *used = i;
                return ngx_live_help_ws_fail(p, ev, NGX_LIVE_HELP_WS_TOO_BIG,
                                             "message too big");
            }

            p->message_len += p->length;
            break;

        case NGX_LIVE_HELP_WS_PAYLOAD:
            n = len - i;
            if (n > p->left) {
                n = (size_t) p->left;
            }

            d = buf + i;

            for (k = 0; k < n; k++) {
                d[k] ^= p->mask[p->mask_at++ & 3];
            }

            p->left -= n;
            i += n;

            if (control) {
                memcpy(p->control + p->control_len, d, n);
                p->control_len += n;

                if (p->left) {
                    break;
                }

                p->state = NGX_LIVE_HELP_WS_HEAD0;
                *used = i;
                return ngx_live_help_ws_control(p, ev);
            }

            if (p->message == NGX_LIVE_HELP_WS_TEXT) {
                bad = ngx_live_help_utf8_feed(&p->utf8, d, n);

                if (bad < n
                    || (p->left == 0 && p->fin
                        && !ngx_live_help_utf8_complete(&p->utf8)))
                {
                    *used = i;
                    return ngx_live_help_ws_fail(p, ev,
                                                 NGX_LIVE_HELP_WS_BAD_DATA,
                                                 "invalid UTF-8 in text");
                }
            }

            ev->type = NGX_LIVE_HELP_WS_DATA;
            ev->opcode = p->message;
            ev->data = d;
            ev->len = n;

            if (p->left == 0) {
                p->state = NGX_LIVE_HELP_WS_HEAD0;

                if (p->fin) {
                    ev->last = 1;
                    p->message = 0;
                }
            }

            if (n || ev->last) {
                *used = i;
                return NGX_LIVE_HELP_WS_DATA;
            }

            /* an empty fragment in the middle of a message: nothing to say */
            ev->type = NGX_LIVE_HELP_WS_AGAIN;
            break;

        default: /* NGX_LIVE_HELP_WS_FAILED */
            *used = len;
            return ngx_live_help_ws_fail(p, ev, NGX_LIVE_HELP_WS_PROTOCOL,
                                         "data after a protocol error");
        }
    }

    *used = i;

    return NGX_LIVE_HELP_WS_AGAIN;
}


static int
ngx_live_help_ws_fail(ngx_live_help_ws_parser_t *p,
    ngx_live_help_ws_event_t *ev, unsigned code, const char *reason)
{
    p->state = NGX_LIVE_HELP_WS_FAILED;

    ev->type = NGX_LIVE_HELP_WS_ERROR;
    ev->code = code;
    ev->reason = reason;

    return NGX_LIVE_HELP_WS_ERROR;
}


static int
ngx_live_help_ws_control(ngx_live_help_ws_parser_t *p,
    ngx_live_help_ws_event_t *ev)
{
    ngx_live_help_utf8_t  u;

    ev->type = NGX_LIVE_HELP_WS_CONTROL;
    ev->opcode = p->opcode;
    ev->data = p->control;
    ev->len = p->control_len;

    if (p->opcode != NGX_LIVE_HELP_WS_CLOSE) {
        return NGX_LIVE_HELP_WS_CONTROL;
    }

    if (p->control_len == 0) {
        ev->code = NGX_LIVE_HELP_WS_NO_STATUS;
        return NGX_LIVE_HELP_WS_CONTROL;
    }

    if (p->control_len == 1) {
        return ngx_live_help_ws_fail(p, ev, NGX_LIVE_HELP_WS_PROTOCOL,
                                     "close frame of one byte");
    }

    ev->code = (p->control[0] << 8) | p->control[1];

    if (!ngx_live_help_ws_close_code_valid(ev->code)) {
        return ngx_live_help_ws_fail(p, ev, NGX_LIVE_HELP_WS_PROTOCOL,
                                     "invalid close code");
    }

    ngx_live_help_utf8_init(&u);

    if (ngx_live_help_utf8_feed(&u, p->control + 2, p->control_len - 2)
        != p->control_len - 2
        || !ngx_live_help_utf8_complete(&u))
    {
        return ngx_live_help_ws_fail(p, ev, NGX_LIVE_HELP_WS_BAD_DATA,
                                     "invalid UTF-8 in close reason");
    }

    return NGX_LIVE_HELP_WS_CONTROL;
}


/* codes a peer may send (RFC 6455 7.4 and the IANA registry) */

static int
ngx_live_help_ws_close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003)
           || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}


size_t
ngx_live_help_ws_frame_header(unsigned char *dst, unsigned opcode,
    uint64_t len)
{
    int  k;

    dst[0] = (unsigned char) (0x80 | opcode);

    if (len < 126) {
        dst[1] = (unsigned char) len;
        return 2;
    }

    if (len < 65536) {
        dst[1] = 126;
        dst[2] = (unsigned char) (len >> 8);
        dst[3] = (unsigned char) len;
        return 4;
    }

    dst[1] = 127;

    for (k = 0; k < 8; k++) {
        dst[2 + k] = (unsigned char) (len >> (56 - 8 * k));
    }

    return 10;
}


void
ngx_live_help_utf8_init(ngx_live_help_utf8_t *u)
{
    u->need = 0;
    u->lo = 0x80;
    u->hi = 0xbf;
}


/*
 * RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.  The
 * range of the first continuation byte is what rules those out.
 */

size_t
ngx_live_help_utf8_feed(ngx_live_help_utf8_t *u, const unsigned char *p,
    size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (u->need) {
            if (c < u->lo || c > u->hi) {
                return i;
            }

            u->need--;
            u->lo = 0x80;
            u->hi = 0xbf;
            continue;
        }

        if (c < 0x80) {
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            u->need = 1;

        } else if (c == 0xe0) {
            u->need = 2;
            u->lo = 0xa0;

        } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
            u->need = 2;

        } else if (c == 0xed) {
            u->need = 2;
            u->hi = 0x9f;

        } else if (c == 0xf0) {
            u->need = 3;
            u->lo = 0x90;

        } else if (c >= 0xf1 && c <= 0xf3) {
            u->need = 3;

        } else if (c == 0xf4) {
            u->need = 3;
            u->hi = 0x8f;

        } else {
            return i;
        }
    }

    return len;
}


int
ngx_live_help_utf8_complete(ngx_live_help_utf8_t *u)
{
    return u->need == 0;
}
