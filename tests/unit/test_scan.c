
/*
 * Unit tests of the pure scanners: the </body> search fed every split of
 * tricky inputs, the CSP nonce finder and the HTML escaper.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "ngx_live_help_scan.h"


#define TAG  "<script>"


typedef struct {
    char    out[4096];
    size_t  len;
} output_t;


static void
emit(output_t *o, const void *p, size_t n)
{
    assert_true(o->len + n < sizeof(o->out));
    memcpy(o->out + o->len, p, n);
    o->len += n;
}


/*
 * Where the tag goes, found the slow, obvious way: the first "</body",
 * any case, then up to NGX_LIVE_HELP_SCAN_MAX_SPACE white space, then ">".
 */

static long
reference_position(const char *s, size_t len)
{
    size_t  i, j, space;

    for (i = 0; i + 7 <= len; i++) {
        if (strncasecmp(s + i, "</body", 6) != 0) {
            continue;
        }

        for (j = i + 6, space = 0; j < len && strchr(" \t\n\r\f", s[j])
             && s[j] != '\0' && space < NGX_LIVE_HELP_SCAN_MAX_SPACE;
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


/* what the nginx filter does with the scanner's answers, in plain C */

static void
stream(const char *s, size_t len, const size_t *cuts, size_t ncuts,
    output_t *o)
{
    int                    rc, in_held, done;
    size_t                 k, from, to, at, nheld;
    unsigned char          held[NGX_LIVE_HELP_SCAN_HELD];
    ngx_live_help_scan_t   scan;

    memset(&scan, 0, sizeof(scan));
    o->len = 0;
    done = 0;

    for (k = 0; k <= ncuts; k++) {
        from = (k == 0) ? 0 : cuts[k - 1];
        to = (k == ncuts) ? len : cuts[k];

        if (done) {
            emit(o, s + from, to - from);
            continue;
        }

        nheld = scan.nheld;
        memcpy(held, scan.held, nheld);

        rc = ngx_live_help_scan(&scan, (const unsigned char *) s + from,
                                to - from, &at, &in_held);

        assert_true(scan.nheld <= NGX_LIVE_HELP_SCAN_HELD);

        if (rc == NGX_LIVE_HELP_SCAN_FOUND) {
            done = 1;

            if (in_held) {
                emit(o, TAG, strlen(TAG));
                emit(o, held, nheld);
                emit(o, s + from, to - from);

            } else {
                emit(o, held, nheld);
                emit(o, s + from, at);
                emit(o, TAG, strlen(TAG));
                emit(o, s + from + at, to - from - at);
            }

            continue;
        }

        if (!in_held) {
            emit(o, held, nheld);
        }

        if (rc == NGX_LIVE_HELP_SCAN_PARTIAL) {
            assert_true(in_held || at <= to - from);

            if (!in_held) {
                emit(o, s + from, at);
            }

            continue;
        }

        assert_int_equal(rc, NGX_LIVE_HELP_SCAN_NONE);
        assert_int_equal(scan.nheld, 0);
        emit(o, s + from, to - from);
    }

    /* the end of the page: what is still held was not the tag */
    emit(o, scan.held, scan.nheld);
}


static void
expected_output(const char *s, size_t len, output_t *o)
{
    long  pos;

    o->len = 0;
    pos = reference_position(s, len);

    if (pos < 0) {
        emit(o, s, len);
        return;
    }

    emit(o, s, pos);
    emit(o, TAG, strlen(TAG));
    emit(o, s + pos, len - pos);
}


static const char  *inputs[] = {
    "<html><body><p>hi</p></body></html>",
    "<HTML><BODY>x</BODY></HTML>",
    "<p>mixed</bOdY></html>",
    "spaces</body  \n\t>tail",
    "<</body>",
    "</bod</body>",
    "</body</body>",
    "</b</bo</bod</body>",
    "no tag at all, not one",
    "ends in a partial </body",
    "ends in a partial </bo",
    "ends with <",
    "<<<<<<<<",
    "</bodyx></body>",
    "< /body></body >",
    "</body                 >late",
    "</body                >",
    "</body>first</body>second",
    "</body>",
    "</BODY\r\n>",
    "</body/></body>",
    "a</body\t\f>b",
    "</body<></body>",
    "",
};


static void
body_tag_found_at_every_two_way_split(void **state)
{
    size_t       i, cut, len;
    output_t     got, want;
    const char  *s;

    (void) state;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        s = inputs[i];
        len = strlen(s);
        expected_output(s, len, &want);

        for (cut = 0; cut <= len; cut++) {
            stream(s, len, &cut, 1, &got);

            if (got.len != want.len || memcmp(got.out, want.out, got.len)) {
                fail_msg("input \"%s\" cut at %zu: got \"%.*s\"", s, cut,
                         (int) got.len, got.out);
            }
        }
    }
}


static void
body_tag_found_at_every_three_way_split(void **state)
{
    size_t       i, len, cuts[2];
    output_t     got, want;
    const char  *s;

    (void) state;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        s = inputs[i];
        len = strlen(s);
        expected_output(s, len, &want);

        for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
            for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
                stream(s, len, cuts, 2, &got);

                if (got.len != want.len
                    || memcmp(got.out, want.out, got.len))
                {
                    fail_msg("input \"%s\" cut at %zu,%zu: got \"%.*s\"", s,
                             cuts[0], cuts[1], (int) got.len, got.out);
                }
            }
        }
    }
}


static void
body_tag_found_one_byte_at_a_time(void **state)
{
    size_t       i, k, len, cuts[64];
    output_t     got, want;
    const char  *s;

    (void) state;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        s = inputs[i];
        len = strlen(s);
        assert_true(len < 64);

        for (k = 0; k + 1 < len; k++) {
            cuts[k] = k + 1;
        }

        expected_output(s, len, &want);
        stream(s, len, cuts, len ? len - 1 : 0, &got);

        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.out, want.out, got.len);
    }
}


/*
 * Long inputs, so that the vectorised search runs: decoys that share a
 * prefix with the tag, and the tag at every offset from a 16-byte block.
 */

static void
body_tag_found_among_decoys_at_every_offset(void **state)
{
    char         s[256];
    size_t       pos, cut, len, n;
    output_t     got, want;
    const char  *decoys = "<p>x</p><</b></br></BUTTON><b>y</b></bod </bo"
                          "</B<<//b</b";

    (void) state;

    for (pos = 0; pos < 80; pos++) {
        n = strlen(decoys);
        memcpy(s, decoys, pos < n ? pos : n);
        memset(s + n, '.', pos > n ? pos - n : 0);
        len = pos;
        len += (size_t) snprintf(s + len, sizeof(s) - len, "</BodY>%s",
                                 decoys);

        expected_output(s, len, &want);
        assert_int_equal(reference_position(s, len), (long) pos);

        for (cut = 0; cut <= len; cut++) {
            stream(s, len, &cut, 1, &got);

            if (got.len != want.len || memcmp(got.out, want.out, got.len)) {
                fail_msg("tag at %zu cut at %zu: got \"%.*s\"", pos, cut,
                         (int) got.len, got.out);
            }
        }
    }

    /* no candidate before the tag: every alignment of both vector loops */
    for (pos = 0; pos < 130; pos++) {
        memset(s, '.', pos);
        len = pos;
        len += (size_t) snprintf(s + len, sizeof(s) - len, "</body>...");

        expected_output(s, len, &want);
        stream(s, len, NULL, 0, &got);

        if (got.len != want.len || memcmp(got.out, want.out, got.len)) {
            fail_msg("tag at %zu after filler: got \"%.*s\"", pos,
                     (int) got.len, got.out);
        }
    }

    /* decoys only, long */
    len = 0;
    while (len + strlen(decoys) < sizeof(s)) {
        memcpy(s + len, decoys, strlen(decoys));
        len += strlen(decoys);
    }

    stream(s, len, NULL, 0, &got);
    assert_int_equal(got.len, len);
    assert_memory_equal(got.out, s, len);
}


static void
partial_tag_is_held_and_reported_where_it_begins(void **state)
{
    int                   in_held;
    size_t                at;
    ngx_live_help_scan_t  scan;

    (void) state;

    memset(&scan, 0, sizeof(scan));

    assert_int_equal(ngx_live_help_scan(&scan,
                         (const unsigned char *) "abc</bo", 7, &at,
                         &in_held),
                     NGX_LIVE_HELP_SCAN_PARTIAL);
    assert_int_equal(at, 3);
    assert_false(in_held);
    assert_int_equal(scan.nheld, 4);
    assert_memory_equal(scan.held, "</bo", 4);

    assert_int_equal(ngx_live_help_scan(&scan,
                         (const unsigned char *) "Dy", 2, &at, &in_held),
                     NGX_LIVE_HELP_SCAN_PARTIAL);
    assert_true(in_held);
    assert_int_equal(scan.nheld, 6);

    assert_int_equal(ngx_live_help_scan(&scan,
                         (const unsigned char *) ">x", 2, &at, &in_held),
                     NGX_LIVE_HELP_SCAN_FOUND);
    assert_true(in_held);
    assert_int_equal(scan.nheld, 0);
}


static void
csp_nonce(const char *policy, const char *want)
{
    int                   found;
    size_t                len;
    const unsigned char  *nonce;

    found = ngx_live_help_csp_nonce((const unsigned char *) policy,
                                    strlen(policy), &nonce, &len);

    if (want == NULL) {
        if (found) {
            fail_msg("policy \"%s\": unexpected nonce \"%.*s\"", policy,
                     (int) len, nonce);
        }

        return;
    }

    if (!found) {
        fail_msg("policy \"%s\": no nonce, expected \"%s\"", policy, want);
    }

    assert_int_equal(len, strlen(want));
    assert_memory_equal(nonce, want, len);
}


static void
csp_nonce_taken_from_the_directive_that_applies(void **state)
{
    (void) state;

    csp_nonce("script-src 'self' 'nonce-abc123'", "abc123");
    csp_nonce("default-src 'self'; script-src 'nonce-R4nd0m+/='",
              "R4nd0m+/=");
    csp_nonce("default-src 'nonce-dflt'", "dflt");
    csp_nonce("SCRIPT-SRC 'NONCE-Up'", "Up");
    csp_nonce("default-src 'nonce-dflt'; script-src 'self'", NULL);
    csp_nonce("script-src 'nonce-a'; script-src-elem 'nonce-b'", "b");
    csp_nonce("  ;; script-src\t'unsafe-inline'  'nonce-x_y-z' ;", "x_y-z");
    csp_nonce("style-src 'nonce-style'", NULL);
    csp_nonce("script-src 'nonce-a\"b'", NULL);
    csp_nonce("script-src 'nonce-'", NULL);
    csp_nonce("script-src 'nonce-abc", NULL);
    csp_nonce("script-src 'nonce-a<b>' 'nonce-good'", "good");
    csp_nonce("", NULL);
    csp_nonce("script-srcx 'nonce-no'", NULL);
}


static void
html_escape_makes_attribute_safe(void **state)
{
    size_t         n;
    unsigned char  buf[128];
    const char    *in = "Tom & \"Jerry's\" <b>";
    const char    *want = "Tom &amp; &quot;Jerry&#39;s&quot; &lt;b&gt;";

    (void) state;

    n = ngx_live_help_html_escaped_len((const unsigned char *) in,
                                       strlen(in));
    assert_int_equal(n, strlen(want));

    n = ngx_live_help_html_escape(buf, (const unsigned char *) in,
                                  strlen(in));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(body_tag_found_at_every_two_way_split),
        cmocka_unit_test(body_tag_found_at_every_three_way_split),
        cmocka_unit_test(body_tag_found_one_byte_at_a_time),
        cmocka_unit_test(body_tag_found_among_decoys_at_every_offset),
        cmocka_unit_test(partial_tag_is_held_and_reported_where_it_begins),
        cmocka_unit_test(csp_nonce_taken_from_the_directive_that_applies),
        cmocka_unit_test(html_escape_makes_attribute_safe),
    };

    return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
