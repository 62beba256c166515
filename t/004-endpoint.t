#!/usr/bin/perl

# The live_help_endpoint location serves the widget files embedded in the
# module: right bytes and types, ETag revalidation, gzip, long caching for
# the versioned URL the injected tag uses, 404 for anything else.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Find;
use Test::More;

use LiveHelp::Backend qw(:all);
use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::Widget qw(:all);

my $static = repo_root() . '/static';
my %type_of = (
    js  => qr{^application/javascript(;\s*charset=utf-8)?$}i,
    css => qr{^text/css(;\s*charset=utf-8)?$}i,
);

# Every .js and .css file under static/, by its path below static/.
my @assets;
find({ no_chdir => 1, wanted => sub {
    return unless -f $_ && /\.(js|css)$/;
    push @assets, substr($_, length($static) + 1);
} }, $static);
@assets = sort @assets;
ok(scalar(grep { m{^widget/loader\.js$} } @assets),
    'static/widget/loader.js exists') or diag "found: @assets";

my $page = "<html><body><p>shop</p></body></html>\n";

my $redis = LiveHelp::Redis->start;
my $be = LiveHelp::Backend->start(routes => {
    '/' => [ http_response(200, ['Content-Type' => 'text/html'], $page) ],
});
my $ngx = LiveHelp::Nginx->start(
    vars   => { REDIS_PORT => $redis->port, BACKEND_PORT => $be->port },
    config => <<'EOF');
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            live_help on;
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%;
        }
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
EOF
my $port = $ngx->port;
my $gen = repo_root() . '/ngx_live_help_module/gen_assets.pl';

subtest 'every_embedded_file_is_served_with_its_type' => sub {
    for my $rel (@assets) {
        my ($ext) = $rel =~ /\.(\w+)$/;
        my $res = http_get($port, "/live-help/$rel");
        is($res->status, 200, "$rel: 200");
        like($res->header('content-type') // '', $type_of{$ext},
            "$rel: Content-Type");
        # JavaScript and CSS without comments and indentation
        my $want = `perl '$gen' --print '$static/$rel'`;
        ok($res->body eq $want, "$rel: same bytes as gen_assets.pl embeds");
        is($res->header('content-length'), length $want,
            "$rel: Content-Length");
        ok(!$res->has_header('content-encoding'), "$rel: not encoded");
    }
};

my $loader = http_get($port, LOADER_PATH);
my $etag = $loader->header('etag');

subtest 'loader_has_etag_and_cache_control' => sub {
    is($loader->status, 200, 'status 200');
    like($loader->header('content-type') // '', $type_of{js},
        'application/javascript');
    like($etag // '', qr/^(W\/)?"[^"]+"$/, 'ETag present and quoted');
    like($loader->header('cache-control') // '', qr/max-age=\d+/,
        'Cache-Control with max-age');
    unlike($loader->header('cache-control') // '', qr/immutable/,
        'unversioned URL is not immutable');
};

subtest 'if_none_match_with_etag_gives_304' => sub {
    my $res = http_get($port, LOADER_PATH,
        headers => ['If-None-Match' => $etag // '"none"']);
    is($res->status, 304, '304 Not Modified');
    is($res->body, '', 'without body');
    is($res->header('etag'), $etag, 'same ETag');

    $res = http_get($port, LOADER_PATH,
        headers => ['If-None-Match' => '"some-other-etag"']);
    is($res->status, 200, 'other ETag: 200');
    ok($res->body eq $loader->body, 'with the file');
};

subtest 'head_gives_headers_only' => sub {
    my $res = http_head($port, LOADER_PATH);
    is($res->status, 200, 'status');
    is($res->body, '', 'no body');
    is($res->header('content-length'), length $loader->body,
        'Content-Length of the file');
};

subtest 'gzip_when_accepted' => sub {
    my $res = http_get($port, LOADER_PATH,
        headers => ['Accept-Encoding' => 'gzip, deflate']);
    is($res->status, 200, 'status');
    is($res->header('content-encoding'), 'gzip', 'Content-Encoding: gzip');
    like($res->header('vary') // '', qr/Accept-Encoding/i,
        'Vary: Accept-Encoding');
    my $plain = eval { gunzip_bytes($res->body) } // "gunzip failed: $@";
    ok($plain eq $loader->body, 'decompresses to the same bytes');
    cmp_ok(length $res->body, '<', length $loader->body, 'and is smaller');
    like($loader->header('vary') // '', qr/Accept-Encoding/i,
        'identity response varies on Accept-Encoding too');

    my $gz_etag = $res->header('etag') // '';
    isnt($gz_etag, $etag, 'the gzip copy has an ETag of its own');
    my $again = http_get($port, LOADER_PATH,
        headers => ['Accept-Encoding' => 'gzip',
                    'If-None-Match' => $gz_etag]);
    is($again->status, 304, 'and revalidates with it');

    $res = http_get($port, LOADER_PATH,
        headers => ['Accept-Encoding' => 'gzip;q=0, identity']);
    ok(!$res->has_header('content-encoding'), 'gzip;q=0: not compressed');
    ok($res->body eq $loader->body, 'gzip;q=0: the file');
};

subtest 'injected_version_gets_immutable_caching' => sub {
    my $res = http_get($port, '/');
    my $v = widget_version($res->body);
    ok(defined $v, 'page has the widget tag') or diag $res->body;
    $v //= 'none';

    $res = http_get($port, LOADER_PATH . "?v=$v");
    is($res->status, 200, 'versioned URL: 200');
    like($res->header('cache-control') // '', qr/\bimmutable\b/,
        'versioned URL: immutable');
    like($res->header('cache-control') // '', qr/max-age=(\d{7,})/,
        'versioned URL: max-age of months or more');
    ok($res->body eq $loader->body, 'versioned URL: same file');

    for my $rel (grep { !m{^widget/loader\.js$} } @assets) {
        $res = http_get($port, "/live-help/$rel?v=$v");
        like($res->header('cache-control') // '', qr/\bimmutable\b/,
            "$rel with the same version: immutable");
    }

    $res = http_get($port, LOADER_PATH . '?v=0123abcd');
    is($res->status, 200, 'other version: still served');
    unlike($res->header('cache-control') // '', qr/immutable/,
        'other version: not immutable');
};

subtest 'unknown_paths_are_404' => sub {
    for my $path ('/live-help/nope', '/live-help/', '/live-help/widget/',
        '/live-help/widget/loader.js.map', '/live-help/widget/LOADER.JS',
        '/live-help/static/widget/loader.js')
    {
        is(http_get($port, $path)->status, 404, "$path: 404");
    }
};

subtest 'other_methods_are_refused' => sub {
    my $res = http_post($port, LOADER_PATH, 'x');
    is($res->status, 405, 'POST: 405');
};

subtest 'endpoint_assets_are_not_injected' => sub {
    is(script_count($loader->body), 0, 'loader.js carries no script tag');
};

$ngx->stop;
$be->stop;
$redis->stop;

done_testing;
