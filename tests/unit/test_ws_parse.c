
/*
 * Unit tests of the WebSocket frame parser and the UTF-8 validator: valid
 * traffic fed in every split, and every protocol error with its close code.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ngx_live_help_ws_parse.h"


#define MAX_MESSAGE  4096


typedef struct {
    unsigned char  bytes[1 << 17];
    size_t         len;
} wire_t;


/* what a parse of a whole stream said, in a comparable form */
typedef struct {
    char           log[8192];
    size_t         len;
    unsigned char  message[1 << 17];
    size_t         message_len;
    unsigned       error;
} result_t;


static void
frame(wire_t *w, unsigned first_byte, int masked, const void *payload,
    size_t len)
{
    size_t                k;
    unsigned char        *d;
    static unsigned char  mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

    d = w->bytes + w->len;
    *d++ = (unsigned char) first_byte;

    if (len < 126) {
        *d++ = (unsigned char) ((masked ? 0x80 : 0) | len);

    } else if (len < 65536) {
        *d++ = (unsigned char) ((masked ? 0x80 : 0) | 126);
        *d++ = (unsigned char) (len >> 8);
        *d++ = (unsigned char) len;

    } else {
        *d++ = (unsigned char) ((masked ? 0x80 : 0) | 127);
        for (k = 0; k < 8; k++) {
            *d++ = (unsigned char) ((uint64_t) len >> (56 - 8 * k));
        }
    }

    if (masked) {
        memcpy(d, mask, 4);
        d += 4;
    }

    for (k = 0; k < len; k++) {
        *d++ = ((const unsigned char *) payload)[k] ^ (masked ? mask[k & 3]
                                                              : 0);
    }

    w->len = d - w->bytes;
}


static void
note(result_t *r, const char *fmt, unsigned a, unsigned b)
{
    r->len += (size_t) snprintf(r->log + r->len, sizeof(r->log) - r->len,
                                fmt, a, b);
}


/* parses w split at the given cuts, as separate reads */

static void
parse(const wire_t *w, const size_t *cuts, size_t ncuts, result_t *r)
{
    int                        rc;
    size_t                     k, from, to, used;
    static wire_t              copy;
    ngx_live_help_ws_event_t   ev;
    ngx_live_help_ws_parser_t  p;

    memset(r, 0, sizeof(result_t));
    memcpy(copy.bytes, w->bytes, w->len);
    ngx_live_help_ws_parser_init(&p, MAX_MESSAGE);

    for (k = 0; k <= ncuts && !r->error; k++) {
        from = (k == 0) ? 0 : cuts[k - 1];
        to = (k == ncuts) ? w->len : cuts[k];

        while (!r->error) {
            rc = ngx_live_help_ws_parse(&p, copy.bytes + from, to - from,
                                        &used, &ev);
            assert_true(used <= to - from);
            from += used;

            if (rc == NGX_LIVE_HELP_WS_AGAIN) {
                assert_int_equal(from, to);
                break;
            }

            if (rc == NGX_LIVE_HELP_WS_ERROR) {
                r->error = ev.code;
                note(r, "error %u%c", ev.code, ' ');
                break;
            }

            if (rc == NGX_LIVE_HELP_WS_CONTROL) {
                note(r, "control %u code %u ", ev.opcode, ev.code);
                memcpy(r->message + r->message_len, ev.data, ev.len);
                r->message_len += ev.len;
                continue;
            }

            assert_int_equal(rc, NGX_LIVE_HELP_WS_DATA);
            memcpy(r->message + r->message_len, ev.data, ev.len);
            r->message_len += ev.len;

            if (ev.last) {
                note(r, "message %u end%c", ev.opcode, ' ');
            }
        }
    }
}


/* the same result however the stream is cut into reads */

static void
parse_every_split(const wire_t *w, result_t *whole)
{
    size_t           cut, k, cuts[1 << 17];
    static result_t  r;

    parse(w, NULL, 0, whole);

    for (cut = 0; cut <= w->len; cut++) {
        parse(w, &cut, 1, &r);

        if (r.len != whole->len || memcmp(r.log, whole->log, r.len) != 0
            || r.message_len != whole->message_len
            || memcmp(r.message, whole->message, r.message_len) != 0)
        {
            fail_msg("cut at %zu: \"%s\", whole: \"%s\"", cut, r.log,
                     whole->log);
        }
    }

    if (w->len > 1 && w->len < sizeof(cuts) / sizeof(cuts[0])) {
        for (k = 0; k + 1 < w->len; k++) {
            cuts[k] = k + 1;
        }

        parse(w, cuts, w->len - 1, &r);
        assert_string_equal(r.log, whole->log);
        assert_int_equal(r.message_len, whole->message_len);
        assert_memory_equal(r.message, whole->message, r.message_len);
    }
}


static void
masked_text_message_read_in_any_split(void **state)
{
    wire_t    w = { .len = 0 };
    result_t  r;

    (void) state;

    frame(&w, 0x81, 1, "Hello", 5);
    frame(&w, 0x81, 1, "", 0);
    frame(&w, 0x82, 1, "\x00\xff", 2);

    parse_every_split(&w, &r);

    assert_string_equal(r.log, "message 1 end message 1 end message 2 end ");
    assert_int_equal(r.message_len, 7);
    assert_memory_equal(r.message, "Hello\x00\xff", 7);
}


static void
fragments_with_control_frames_between_them(void **state)
{
    wire_t    w = { .len = 0 };
    result_t  r;

    (void) state;

    frame(&w, 0x01, 1, "Hel", 3);
    frame(&w, 0x89, 1, "ping!", 5);
    frame(&w, 0x00, 1, "", 0);
    frame(&w, 0x8a, 1, "", 0);
    frame(&w, 0x80, 1, "lo", 2);
    frame(&w, 0x88, 1, "\x03\xe8" "bye", 5);

    parse_every_split(&w, &r);

    assert_string_equal(r.log, "control 9 code 0 control 10 code 0 "
                               "message 1 end control 8 code 1000 ");
    assert_int_equal(r.message_len, 3 + 5 + 2 + 5);
    assert_memory_equal(r.message, "Helping!lo\x03\xe8" "bye", 15);
}


static void
lengths_of_16_and_64_bits(void **state)
{
    size_t           k;
    static char      big[3000];
    static wire_t    w;
    static result_t  r;

    (void) state;

    for (k = 0; k < sizeof(big); k++) {
        big[k] = (char) ('a' + k % 26);
    }

    w.len = 0;
    frame(&w, 0x81, 1, big, 126);
    frame(&w, 0x81, 1, big, sizeof(big));
    parse(&w, NULL, 0, &r);
    assert_string_equal(r.log, "message 1 end message 1 end ");
    assert_int_equal(r.message_len, 126 + sizeof(big));
    assert_memory_equal(r.message + 126, big, sizeof(big));

    /* a 64-bit length that fits the limit is read like any other */
    w.len = 0;
    w.bytes[w.len++] = 0x81;
    w.bytes[w.len++] = 0x80 | 127;
    memcpy(w.bytes + w.len, "\0\0\0\0\0\0\0\3", 8);
    w.len += 8;
    memcpy(w.bytes + w.len, "\0\0\0\0abc", 7);
    w.len += 7;
    parse_every_split(&w, &r);
    assert_string_equal(r.log, "message 1 end ");
    assert_memory_equal(r.message, "abc", 3);
}


static void
expect_error(const wire_t *w, unsigned code, const char *what)
{
    result_t  r;

    parse(w, NULL, 0, &r);

    if (r.error != code) {
        fail_msg("%s: expected close %u, got \"%s\"", what, code, r.log);
    }
}


static void
protocol_errors_close_with_1002(void **state)
{
    wire_t  w;

    (void) state;

    w.len = 0;
    frame(&w, 0x81 | 0x40, 1, "x", 1);
    expect_error(&w, 1002, "RSV1 set");

    w.len = 0;
    frame(&w, 0x81 | 0x10, 1, "x", 1);
    expect_error(&w, 1002, "RSV3 set");

    w.len = 0;
    frame(&w, 0x83, 1, "x", 1);
    expect_error(&w, 1002, "reserved data opcode 3");

    w.len = 0;
    frame(&w, 0x8b, 1, "x", 1);
    expect_error(&w, 1002, "reserved control opcode 0xb");

    w.len = 0;
    frame(&w, 0x81, 0, "x", 1);
    expect_error(&w, 1002, "unmasked frame");

    w.len = 0;
    frame(&w, 0x89, 1, "0123456789012345678901234567890123456789"
                       "0123456789012345678901234567890123456789"
                       "0123456789012345678901234567890123456789", 126);
    expect_error(&w, 1002, "ping over 125 bytes");

    w.len = 0;
    frame(&w, 0x09, 1, "x", 1);
    expect_error(&w, 1002, "fragmented ping");

    w.len = 0;
    frame(&w, 0x80, 1, "x", 1);
    expect_error(&w, 1002, "continuation without a message");

    w.len = 0;
    frame(&w, 0x01, 1, "a", 1);
    frame(&w, 0x81, 1, "b", 1);
    expect_error(&w, 1002, "text frame inside a fragmented message");

    w.len = 0;
    frame(&w, 0x88, 1, "\x03", 1);
    expect_error(&w, 1002, "close payload of one byte");

    w.len = 0;
    frame(&w, 0x88, 1, "\x03\xed", 2);
    expect_error(&w, 1002, "close code 1005 sent on the wire");

    w.len = 0;
    frame(&w, 0x88, 1, "\x03\xe7", 2);
    expect_error(&w, 1002, "close code 999");

    w.len = 0;
    frame(&w, 0x88, 1, "\x13\x88", 2);
    expect_error(&w, 1002, "close code 5000");

    w.len = 0;
    w.bytes[w.len++] = 0x81;
    w.bytes[w.len++] = 0x80 | 127;
    memcpy(w.bytes + w.len, "\x80\0\0\0\0\0\0\1", 8);
    w.len += 8;
    expect_error(&w, 1002, "64-bit length with the top bit set");
}


static void
close_codes_a_peer_may_send_are_accepted(void **state)
{
    size_t    k;
    wire_t    w;
    result_t  r;
    unsigned  codes[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                          1011, 3000, 3999, 4000, 4999 };
    unsigned char  payload[2];

    (void) state;

    for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
        payload[0] = (unsigned char) (codes[k] >> 8);
        payload[1] = (unsigned char) codes[k];
        w.len = 0;
        frame(&w, 0x88, 1, payload, 2);
        parse(&w, NULL, 0, &r);
        assert_int_equal(r.error, 0);
    }

    w.len = 0;
    frame(&w, 0x88, 1, "", 0);
    parse(&w, NULL, 0, &r);
    assert_string_equal(r.log, "control 8 code 1005 ");
}


static void
invalid_utf8_closes_with_1007_at_the_bad_byte(void **state)
{
    int                        rc;
    size_t                     used;
    wire_t                     w;
    ngx_live_help_ws_event_t   ev;
    ngx_live_help_ws_parser_t  p;

    (void) state;

    w.len = 0;
    frame(&w, 0x81, 1, "ok\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce"
                       "\xb5\xed\xa0\x80 and much more after it", 40);

    /* header and the first valid bytes: data, no error */
    ngx_live_help_ws_parser_init(&p, MAX_MESSAGE);
    rc = ngx_live_help_ws_parse(&p, w.bytes, 6 + 4, &used, &ev);
    assert_int_equal(rc, NGX_LIVE_HELP_WS_DATA);

    /* the surrogate: refused now, not at the end of the frame */
    rc = ngx_live_help_ws_parse(&p, w.bytes + 10, 16, &used, &ev);
    assert_int_equal(rc, NGX_LIVE_HELP_WS_ERROR);
    assert_int_equal(ev.code, 1007);

    /* a character split across fragments is fine */
    w.len = 0;
    frame(&w, 0x01, 1, "\xce", 1);
    frame(&w, 0x80, 1, "\xba", 1);
    expect_error(&w, 0, "character split across fragments");

    w.len = 0;
    frame(&w, 0x01, 1, "\xce", 1);
    frame(&w, 0x80, 1, "", 0);
    expect_error(&w, 1007, "message ending inside a character");

    w.len = 0;
    frame(&w, 0x88, 1, "\x03\xe8\xff", 3);
    expect_error(&w, 1007, "close reason that is not UTF-8");

    /* binary messages are not text: any bytes */
    w.len = 0;
    frame(&w, 0x82, 1, "\xff\xfe", 2);
    expect_error(&w, 0, "binary message with bytes that are not UTF-8");
}


static void
too_big_closes_with_1009_before_the_payload(void **state)
{
    int                        rc;
    size_t                     used;
    static wire_t              w;
    ngx_live_help_ws_event_t   ev;
    ngx_live_help_ws_parser_t  p;
    static char                big[MAX_MESSAGE + 1];

    (void) state;

    memset(big, 'a', sizeof(big));

    w.len = 0;
    frame(&w, 0x81, 1, big, sizeof(big));

    ngx_live_help_ws_parser_init(&p, MAX_MESSAGE);
    rc = ngx_live_help_ws_parse(&p, w.bytes, 8, &used, &ev);
    assert_int_equal(rc, NGX_LIVE_HELP_WS_ERROR);
    assert_int_equal(ev.code, 1009);

    /* the limit counts a fragmented message whole */
    w.len = 0;
    frame(&w, 0x01, 1, big, MAX_MESSAGE / 2);
    frame(&w, 0x80, 1, big, MAX_MESSAGE / 2 + 1);
    expect_error(&w, 1009, "fragments adding up to over the limit");

    w.len = 0;
    frame(&w, 0x01, 1, big, MAX_MESSAGE / 2);
    frame(&w, 0x80, 1, big, MAX_MESSAGE / 2);
    expect_error(&w, 0, "fragments adding up to the limit");
}


static void
utf8(const char *bytes, size_t len, int valid)
{
    size_t                k, at;
    ngx_live_help_utf8_t  u;

    /* whole */
    ngx_live_help_utf8_init(&u);
    at = ngx_live_help_utf8_feed(&u, (const unsigned char *) bytes, len);
    assert_int_equal(at == len && ngx_live_help_utf8_complete(&u), valid);

    /* a byte at a time */
    ngx_live_help_utf8_init(&u);
    for (k = 0; k < len; k++) {
        if (ngx_live_help_utf8_feed(&u, (const unsigned char *) bytes + k, 1)
            != 1)
        {
            break;
        }
    }

    assert_int_equal(k == len && ngx_live_help_utf8_complete(&u), valid);
}


static void
utf8_validator_follows_rfc_3629(void **state)
{
    (void) state;

    utf8("", 0, 1);
    utf8("plain ascii", 11, 1);
    utf8("\xc2\x80", 2, 1);
    utf8("\xdf\xbf", 2, 1);
    utf8("\xe0\xa0\x80", 3, 1);
    utf8("\xed\x9f\xbf", 3, 1);              /* U+D7FF */
    utf8("\xee\x80\x80", 3, 1);              /* U+E000 */
    utf8("\xef\xbf\xbf", 3, 1);
    utf8("\xf0\x90\x80\x80", 4, 1);
    utf8("\xf4\x8f\xbf\xbf", 4, 1);          /* U+10FFFF */
    utf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11, 1);

    utf8("\x80", 1, 0);                      /* lone continuation */
    utf8("\xc0\x80", 2, 0);                  /* overlong NUL */
    utf8("\xc1\xbf", 2, 0);
    utf8("\xe0\x9f\xbf", 3, 0);              /* overlong */
    utf8("\xed\xa0\x80", 3, 0);              /* surrogate U+D800 */
    utf8("\xed\xbf\xbf", 3, 0);
    utf8("\xf0\x8f\xbf\xbf", 4, 0);          /* overlong */
    utf8("\xf4\x90\x80\x80", 4, 0);          /* above U+10FFFF */
    utf8("\xf5\x80\x80\x80", 4, 0);
    utf8("\xff", 1, 0);
    utf8("\xce", 1, 0);                      /* truncated */
    utf8("\xe1\xbd", 2, 0);
    utf8("\xce\x41", 2, 0);
}


static void
server_frame_headers_use_the_shortest_length(void **state)
{
    unsigned char  h[10];

    (void) state;

    assert_int_equal(ngx_live_help_ws_frame_header(h, 0x1, 5), 2);
    assert_memory_equal(h, "\x81\x05", 2);

    assert_int_equal(ngx_live_help_ws_frame_header(h, 0x8, 125), 2);
    assert_memory_equal(h, "\x88\x7d", 2);

    assert_int_equal(ngx_live_help_ws_frame_header(h, 0x1, 126), 4);
    assert_memory_equal(h, "\x81\x7e\x00\x7e", 4);

    assert_int_equal(ngx_live_help_ws_frame_header(h, 0x2, 65535), 4);
    assert_memory_equal(h, "\x82\x7e\xff\xff", 4);

    assert_int_equal(ngx_live_help_ws_frame_header(h, 0x1, 65536), 10);
    assert_memory_equal(h, "\x81\x7f\0\0\0\0\0\x01\0\0", 10);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(masked_text_message_read_in_any_split),
        cmocka_unit_test(fragments_with_control_frames_between_them),
        cmocka_unit_test(lengths_of_16_and_64_bits),
        cmocka_unit_test(protocol_errors_close_with_1002),
        cmocka_unit_test(close_codes_a_peer_may_send_are_accepted),
        cmocka_unit_test(invalid_utf8_closes_with_1007_at_the_bad_byte),
        cmocka_unit_test(too_big_closes_with_1009_before_the_payload),
        cmocka_unit_test(utf8_validator_follows_rfc_3629),
        cmocka_unit_test(server_frame_headers_use_the_shortest_length),
    };

    return cmocka_run_group_tests_name("ws_parse", tests, NULL, NULL);
}
