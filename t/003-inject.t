#!/usr/bin/perl

# Widget injection: the loader script tag goes right before the first
# </body> of text/html 200 responses to main requests, however the page
# arrives (split reads, chunked, static files, SSI), and nothing else is
# touched.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Compress::Gzip qw(gzip $GzipError);
use Test::More;

use LiveHelp::Backend qw(:all);
use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::Widget qw(:all);

my $page = "<!DOCTYPE html>\n<html><head><title>Shop</title></head>\n"
    . "<body><h1>Pricing</h1><p>Plans</p></body></html>\n";
my $small = "<html><body><p>Hi</p></body></html>\n";

sub html {
    my ($body, @h) = @_;
    return [ http_response(200, ['Content-Type' => 'text/html', @h], $body) ];
}

# A gzip stream whose deflate blocks are stored: the page's bytes, </body>
# included, are readable in it, so a filter that ignored Content-Encoding
# would inject into it and corrupt it.
sub stored_gzip {
    my ($data) = @_;
    my $gz;
    gzip(\$data => \$gz, -Level => 0, Minimal => 1)
        or die "gzip: $GzipError\n";
    die "stored gzip does not hold the page\n" if index($gz, '</body>') < 0;
    return $gz;
}
my $gz_page = stored_gzip($page);

# Longest tail of $s that could still grow into "</body>" (the filter may
# hold it back until it knows).
sub without_partial_tag {
    my ($s) = @_;
    $s =~ s{<(?:/(?:b(?:o(?:d(?:y\s*)?)?)?)?)?\z}{}i;
    return $s;
}

# What the client must have received once the first $k bytes of $src were
# read by nginx: everything up to a possibly held-back partial </body>.
sub visible_after {
    my ($src, $k, $tag) = @_;
    my $expected = inject($src, $tag);
    my $end = $src =~ m{</body\s*>}i ? $+[0] : length $src;
    return without_partial_tag(substr($src, 0, $k)) if $k < $end;
    return substr($expected, 0, $k + length $tag);
}

my $big_head = "<!DOCTYPE html>\n<html><body>\n";
my $big_fill = ('x' x 79 . "\n") x (4 * 1024 * 1024 / 80);
my $big = $big_head . $big_fill . "</body></html>\n";
my $MB = 1024 * 1024;

my $ssi_page = "<html><body><!--# include virtual=\"/frag\" -->"
    . "<p>after</p></body></html>\n";
my $frag = "<div>fragment</body></div>";
(my $ssi_out = $ssi_page) =~ s/<!--#[^>]*-->/$frag/;

my $three = ["<html><body><p>three</p></b", 'od', "y></html>\n"];

my %routes = (
    '/plain'     => html($page, 'ETag' => '"abc"'),
    '/weak'      => html($page, 'ETag' => 'W/"weak1"'),
    '/charset'   => html($page, 'Content-Type' => 'text/html; charset=utf-8'),
    '/upper'     => html("<HTML><BODY>Up</BODY></HTML>"),
    '/mixed'     => html("<html><Body>Mixed</bOdY></html>"),
    '/space'     => html("<html><body>sp</body ></html>"),
    '/blanks'    => html("<html><body>bl</Body \t\n ></html>"),
    '/bodyguard' => html("<html><body><bodyguard>x</bodyguard></body-x>"
        . "</bodyx></body></html>"),
    '/nobody'    => html("<html><body><p>no end tag</p></html>"),
    '/two'       => html("<html><body>a</body>b</body></html>"),
    '/restart'   => html("<html><body>1 <</body>2 </</body>3 </b</body>"
        . "4 </bod</body>5 </body</body></html>"),
    '/at-start'  => html("</body>rest"),
    '/empty'     => html(''),
    '/text'      => [ http_response(200, ['Content-Type' => 'text/plain'],
        $page) ],
    '/json'      => [ http_response(200,
        ['Content-Type' => 'application/json'], qq{{"html":"</body>"}}) ],
    '/204'       => [ response_head(204, 'Content-Type' => 'text/html') ],
    '/304'       => [ response_head(304, 'Content-Type' => 'text/html',
        'ETag' => '"abc"') ],
    '/404'       => [ http_response(404, ['Content-Type' => 'text/html'],
        $page) ],
    '/enc/gzip'  => [ http_response(200, ['Content-Type' => 'text/html',
        'Content-Encoding' => 'gzip', 'ETag' => '"gz"'], $gz_page) ],
    '/enc/br'    => [ http_response(200, ['Content-Type' => 'text/html',
        'Content-Encoding' => 'br'], $page) ],
    '/nested/plain' => html($page, 'ETag' => '"abc"'),
    '/csp'       => html($page, 'Content-Security-Policy' =>
        "default-src 'self'; script-src 'self' 'nonce-abc123'"),
    '/csp-default' => html($page, 'Content-Security-Policy' =>
        "default-src 'self' 'nonce-Zm9v+/bar=='; img-src *"),
    '/csp-script-wins' => html($page, 'Content-Security-Policy' =>
        "default-src 'nonce-fromdefault'; script-src 'self'"),
    '/csp-bad'   => html($page, 'Content-Security-Policy' =>
        qq{script-src 'self' 'nonce-a"b'}),
    '/ssi-page'  => html($ssi_page),
    '/frag'      => html($frag),
    '/three'     => [
        response_head(200, 'Content-Type' => 'text/html') . $three->[0],
        { wait => 'three-1' }, $three->[1], { drain => 1 }, $three->[2] ],
    '/chunked'   => [
        response_head(200, 'Content-Type' => 'text/html',
            'Transfer-Encoding' => 'chunked') . chunk('<html><body>hi</bo'),
        { wait => 'chunked-1' },
        chunk('dy></html>') . last_chunk() ],
    '/big'       => [
        http_response(200, ['Content-Type' => 'text/html'], $big)
            =~ s/(\r\n\r\n)(.*)\z/$1/sr . substr($big, 0, $MB),
        { wait => 'big-rest' },
        substr($big, $MB) ],
    '/split'     => sub {
        my ($req) = @_;
        my ($k) = $req->{uri} =~ /k=(\d+)/;
        my $step = $req->{uri} =~ /drain/ ? { drain => 1 }
            : { wait => "split-$k" };
        return [ response_head(200, 'Content-Type' => 'text/html',
                'Content-Length' => length $small) . substr($small, 0, $k),
            $step, substr($small, $k) ];
    },
);

my $redis = LiveHelp::Redis->start;
my $be = LiveHelp::Backend->start(routes => \%routes);

my $static_big = "<html><body>\n" . ('s' x 99 . "\n") x 3000
    . "</body></html>\n";
# </body> straddling the 32k boundary of nginx's output buffers
my $static_edge = "<html><body>\n";
$static_edge .= 'e' x (32768 - 3 - length $static_edge) . "</body></html>\n";

my $ngx = LiveHelp::Nginx->start(
    vars  => { REDIS_PORT => $redis->port, BACKEND_PORT => $be->port },
    files => {
        'html/static/index.html' => $page,
        'html/static/big.html'   => $static_big,
        'html/static/edge.html'  => $static_edge,
    },
    config => <<'EOF');
load_module %%MODULE%%;
http {
    include /etc/nginx/mime.types;
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            live_help on;
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%;
            proxy_buffering off;
            location /nested/ {
                live_help off;
                proxy_pass http://127.0.0.1:%%BACKEND_PORT%%;
            }
        }
        location /enc/ {
            live_help on;
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%;
        }
        location /gz/ {
            live_help on;
            gzip on;
            gzip_types text/html;
            gzip_min_length 1;
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%/;
        }
        location /ssi/ {
            live_help on;
            ssi on;
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%/;
        }
        location /titled/ {
            live_help on;
            live_help_title 'a"<b & c>';
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%/;
        }
        location /static/ {
            live_help on;
            root %%DIR%%/html;
            sendfile on;
        }
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
EOF

my $first = http_get($ngx->port, '/plain');
my $v = widget_version($first->body);
ok(defined $v, 'an injected page names the widget version')
    or diag $first->raw;
$v //= 'unknown';
my $tag = script_tag($v);

# Injected exactly where expected, and framed as a rewritten body must be.
sub injected_ok {
    my ($res, $src, $expect_tag, $what) = @_;
    $expect_tag //= $tag;
    subtest $what => sub {
        is($res->status, 200, 'status 200');
        is($res->body, inject($src, $expect_tag), 'body is the page with the '
            . 'tag before the first </body>');
        is(script_count($res->body), 1, 'exactly one script tag');
        ok(!$res->has_header('content-length'), 'no Content-Length');
        ok($res->complete, 'response framing complete');
    };
}

sub untouched_ok {
    my ($res, $status, $src, $what) = @_;
    subtest $what => sub {
        is($res->status, $status, "status $status");
        is($res->body, $src, 'body byte-identical');
        is(script_count($res->raw), 0, 'no script tag anywhere');
        is($res->header('content-length'), length $src,
            'Content-Length kept') if length $src;
    };
}

subtest 'plain_page_gets_tag_before_body_end' => sub {
    injected_ok($first, $page, $tag, 'GET /plain');
    ok($first->chunked, 'sent chunked to an HTTP/1.1 client');
    is($first->header('etag'), 'W/"abc"', 'ETag weakened');
    like($v, qr/^[0-9a-f]+$/, 'version is hex');
};

subtest 'already_weak_etag_stays_weak' => sub {
    my $res = http_get($ngx->port, '/weak');
    injected_ok($res, $page, $tag, 'GET /weak');
    is($res->header('etag'), 'W/"weak1"', 'ETag unchanged');
};

subtest 'http10_client_gets_injected_page_until_close' => sub {
    my $res = http_get($ngx->port, '/plain', version => '1.0');
    injected_ok($res, $page, $tag, 'GET /plain HTTP/1.0');
    ok(!$res->chunked, 'not chunked to HTTP/1.0');
};

subtest 'content_type_with_charset_is_injected' => sub {
    injected_ok(http_get($ngx->port, '/charset'), $page, $tag, 'charset');
};

subtest 'body_end_tag_matches_any_case_and_blanks' => sub {
    for my $path (qw(/upper /mixed /space /blanks)) {
        my $src = $routes{$path}[0] =~ s/\A.*?\r\n\r\n//sr;
        injected_ok(http_get($ngx->port, $path), $src, $tag, $path);
    }
};

subtest 'lookalike_tags_are_not_body_end' => sub {
    my $src = $routes{'/bodyguard'}[0] =~ s/\A.*?\r\n\r\n//sr;
    my $res = http_get($ngx->port, '/bodyguard');
    injected_ok($res, $src, $tag, '/bodyguard');
    like($res->body, qr{</bodyx>\Q$tag\E</body>}, 'before the real </body>');
};

subtest 'page_without_body_end_is_unchanged' => sub {
    my $src = "<html><body><p>no end tag</p></html>";
    my $res = http_get($ngx->port, '/nobody');
    is($res->status, 200, 'status');
    is($res->body, $src, 'body unchanged');
};

subtest 'only_first_of_two_body_ends_gets_tag' => sub {
    my $res = http_get($ngx->port, '/two');
    is($res->body, "<html><body>a${tag}</body>b</body></html>",
        'tag before the first only');
};

subtest 'partial_matches_restart_on_the_next_lt' => sub {
    my $res = http_get($ngx->port, '/restart');
    is($res->body, "<html><body>1 <${tag}</body>2 </</body>3 </b</body>"
        . "4 </bod</body>5 </body</body></html>",
        'tag before the first complete </body>');
};

subtest 'body_end_at_the_very_start' => sub {
    injected_ok(http_get($ngx->port, '/at-start'), '</body>rest', $tag,
        '</body> first');
};

subtest 'empty_html_page_stays_empty' => sub {
    my $res = http_get($ngx->port, '/empty');
    is($res->status, 200, 'status');
    is($res->body, '', 'empty body');
    ok($res->complete, 'response framing complete');
};

subtest 'body_end_split_at_every_byte_across_two_reads' => sub {
    for my $k (0 .. length $small) {
        my $see = visible_after($small, $k, $tag);
        # with nothing to see yet, make sure nginx read the first part
        # before the second is sent
        my $uri = length $see ? "/split?k=$k" : "/split?k=$k&drain";
        my $res = eval {
            my $s = http_stream($ngx->port, $uri);
            if (length $see) {
                my $got = $s->read_until($see);
                die "body does not start with what was sent\n"
                    unless index($got, $see) == 0;
                $be->go("split-$k");
            }
            $s->finish;
        };
        if (!$res) {
            fail("split at $k: $@");
            next;
        }
        is($res->body, inject($small, $tag), "split at $k: body");
        ok(!$res->has_header('content-length'),
            "split at $k: no Content-Length");
    }
};

subtest 'body_end_split_across_three_reads' => sub {
    my $s = http_stream($ngx->port, '/three');
    $s->read_until('<p>three</p>');
    $be->go('three-1');
    my $res = $s->finish;
    injected_ok($res, join('', @$three), $tag, '</b | od | y>');
};

subtest 'chunked_upstream_with_boundary_inside_body_end' => sub {
    my $s = http_stream($ngx->port, '/chunked');
    $s->read_until('<body>hi');
    $be->go('chunked-1');
    my $res = $s->finish;
    injected_ok($res, '<html><body>hi</body></html>', $tag, 'chunked');
};

subtest 'head_request_is_untouched' => sub {
    my $res = http_head($ngx->port, '/plain');
    is($res->status, 200, 'status');
    is($res->body, '', 'no body');
    is($res->header('content-length'), length $page, 'Content-Length kept');
    is($res->header('etag'), '"abc"', 'ETag stays strong');
};

subtest 'non_200_statuses_are_untouched' => sub {
    my $res = http_get($ngx->port, '/204');
    is($res->status, 204, '204 status');
    is($res->body, '', '204 without body');

    $res = http_get($ngx->port, '/304');
    is($res->status, 304, '304 status');
    is($res->body, '', '304 without body');
    is($res->header('etag'), '"abc"', '304 ETag stays strong');

    untouched_ok(http_get($ngx->port, '/404'), 404, $page, '404 page');
};

subtest 'non_html_types_are_untouched' => sub {
    untouched_ok(http_get($ngx->port, '/text'), 200, $page, 'text/plain');
    untouched_ok(http_get($ngx->port, '/json'), 200, qq{{"html":"</body>"}},
        'application/json');
};

subtest 'encoded_upstream_passes_byte_identical_and_logs_once' => sub {
    my $mark = $ngx->log_mark;
    for (1 .. 6) {
        my $res = http_get($ngx->port, '/enc/gzip',
            headers => ['Accept-Encoding' => 'gzip']);
        untouched_ok($res, 200, $gz_page, "gzip-encoded page, request $_");
        is($res->header('content-encoding'), 'gzip', 'still gzip');
        is($res->header('etag'), '"gz"', 'ETag stays strong');
        is(gunzip_bytes($res->body), $page, 'decompresses to the page');
    }
    untouched_ok(http_get($ngx->port, '/enc/br'), 200, $page,
        'br-encoded page');

    my @lines = grep { /\[info\]/ && /live_help/ }
        split /\n/, $ngx->log_since($mark);
    cmp_ok(scalar @lines, '>=', 1, 'an info line names live_help');
    cmp_ok(scalar @lines, '<=', $ngx->worker_processes,
        'at most once per worker for the location') or diag join "\n", @lines;
};

subtest 'gzip_compresses_the_injected_page' => sub {
    my $res = http_get($ngx->port, '/gz/plain',
        headers => ['Accept-Encoding' => 'gzip']);
    is($res->status, 200, 'status');
    is($res->header('content-encoding'), 'gzip', 'gzip-encoded');
    my $plain = eval { gunzip_bytes($res->body) } // "gunzip failed: $@";
    is($plain, inject($page, $tag), 'decompresses to the injected page');
    like($res->header('etag') // '', qr{^W/"abc"$}, 'ETag weak');

    injected_ok(http_get($ngx->port, '/gz/plain'), $page, $tag,
        'same location without Accept-Encoding');
};

subtest 'ssi_include_gets_one_tag' => sub {
    my $res = http_get($ngx->port, '/ssi/ssi-page');
    is($res->status, 200, 'status');
    like($res->body, qr/fragment/, 'fragment included');
    is(script_count($res->body), 1, 'exactly one script tag');
    is($res->body, inject($ssi_out, $tag),
        'tag before the first </body> of the whole response');
};

subtest 'csp_nonce_is_copied' => sub {
    my $res = http_get($ngx->port, '/csp');
    injected_ok($res, $page, script_tag($v, nonce => 'abc123'), 'script-src');
    is($res->header('content-security-policy'),
        "default-src 'self'; script-src 'self' 'nonce-abc123'",
        'CSP header unchanged');

    injected_ok(http_get($ngx->port, '/csp-default'), $page,
        script_tag($v, nonce => 'Zm9v+/bar=='), 'default-src only');
};

subtest 'csp_nonce_only_from_the_directive_that_applies' => sub {
    my $res = http_get($ngx->port, '/csp-script-wins');
    unlike($res->body, qr/nonce=/, 'script-src without nonce: no nonce');
    injected_ok($res, $page, $tag, 'default-src nonce ignored');
};

subtest 'csp_nonce_with_bad_characters_is_not_copied' => sub {
    my $res = http_get($ngx->port, '/csp-bad');
    unlike($res->body, qr/nonce=/, 'no nonce attribute');
    unlike($res->body, qr/a"b/, 'nonce text not in the page');
    injected_ok($res, $page, $tag, 'plain tag');
};

subtest 'title_is_html_escaped' => sub {
    injected_ok(http_get($ngx->port, '/titled/plain'), $page,
        script_tag($v, title => 'a"<b & c>'), 'title a"<b & c>');
    like(script_tag($v, title => 'a"<b & c>'),
        qr/data-live-help-title="a&quot;&lt;b &amp; c&gt;"/, 'oracle escapes');
};

subtest 'live_help_off_in_nested_location' => sub {
    my $res = http_get($ngx->port, '/nested/plain');
    untouched_ok($res, 200, $page, 'nested location');
    is($res->header('etag'), '"abc"', 'ETag stays strong');
};

subtest 'static_file_with_sendfile_is_injected' => sub {
    my $res = http_get($ngx->port, '/static/index.html');
    injected_ok($res, $page, $tag, 'small static file');
    like($res->header('etag') // '', qr{^W/"}, 'ETag weakened');

    injected_ok(http_get($ngx->port, '/static/big.html'), $static_big, $tag,
        'static file of ' . length($static_big) . ' bytes');
    injected_ok(http_get($ngx->port, '/static/edge.html'), $static_edge,
        $tag, '</body> across the 32k output buffer boundary');
};

subtest 'static_file_revalidates_with_the_weak_etag' => sub {
    my $res = http_get($ngx->port, '/static/index.html');
    my $etag = $res->header('etag') // 'W/"none"';
    $res = http_get($ngx->port, '/static/index.html',
        headers => ['If-None-Match' => $etag]);
    is($res->status, 304, "If-None-Match: $etag gives 304");
    is($res->body, '', 'without body');
};

subtest 'range_request_on_injected_page_gets_consistent_bytes' => sub {
    my $res = http_get($ngx->port, '/static/index.html',
        headers => ['Range' => 'bytes=0-9']);
    if ($res->status == 206) {
        is($res->header('content-range'), 'bytes 0-9/' . length $page,
            '206 of the file as it is');
        is($res->body, substr($page, 0, 10), '206 body');
    } else {
        injected_ok($res, $page, $tag, 'whole injected page instead');
    }
};

subtest 'large_page_streams_without_buffering' => sub {
    my $s = http_stream($ngx->port, '/big');
    # nginx can only have sent this much if it passed the first megabyte on
    # before the backend sent the rest
    my $got = eval { $s->read_until_length($MB - 1024) };
    ok(defined $got, 'first megabyte reaches the client before the rest '
        . 'is sent') or diag $@;
    is(substr($got // '', 0, length $big_head), $big_head, 'from the start');
    $be->go('big-rest');
    my $res = $s->finish;
    is(length $res->body, length($big) + length($tag), 'whole page arrived');
    ok($res->body eq inject($big, $tag), 'body is the page with the tag');
    is(script_count($res->body), 1, 'exactly one script tag');
    ok(!$res->has_header('content-length'), 'no Content-Length');
};

$ngx->stop;
$be->stop;
$redis->stop;

done_testing;
