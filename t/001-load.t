#!/usr/bin/perl

# The module loads into Debian's nginx with two workers and serves, alone
# and together with Debian's nchan module (both bundle hiredis).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use LiveHelp::Backend qw(:all);
use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::Widget qw(:all);

my $NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';

my $page = "<!DOCTYPE html>\n<html><head><title>t</title></head>\n"
    . "<body><h1>Shop</h1></body></html>\n";

my $redis = LiveHelp::Redis->start;
my $be = LiveHelp::Backend->start(routes => {
    '/' => [ http_response(200, ['Content-Type' => 'text/html'], $page) ],
});
my %vars = (REDIS_PORT => $redis->port, BACKEND_PORT => $be->port);

my $server = <<'EOF';
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
EOF

sub page_is_injected {
    my ($ngx) = @_;
    my $res = http_get($ngx->port, '/');
    is($res->status, 200, 'page status 200');
    my $v = widget_version($res->body);
    ok($v, 'page carries the widget script tag') or diag $res->body;
    is($res->body, inject($page, script_tag($v // '')),
        'script tag right before </body>');
    return $v;
}

subtest 'module_loads_into_debian_nginx_with_two_workers' => sub {
    my $ngx = LiveHelp::Nginx->start(vars => \%vars, config => <<"EOF");
load_module %%MODULE%%;
worker_processes 2;
http {
$server
    }
}
EOF
    is(scalar(my @w = $ngx->worker_pids), 2, 'two workers running');
    page_is_injected($ngx);
    my $res = http_get($ngx->port, LOADER_PATH);
    is($res->status, 200, 'endpoint serves the loader');
    $ngx->stop;
};

subtest 'module_loads_beside_nchan_and_both_work' => sub {
    ok(-f $NCHAN, "Debian's nchan module is installed at $NCHAN")
        or return;
    my $ngx = LiveHelp::Nginx->start(vars => \%vars, config => <<"EOF");
load_module $NCHAN;
load_module %%MODULE%%;
http {
$server
        location = /pub {
            nchan_publisher;
            nchan_channel_id test;
        }
        location = /sub {
            nchan_subscriber;
            nchan_channel_id test;
        }
    }
}
EOF
    page_is_injected($ngx);

    my $res = http_post($ngx->port, '/pub', 'hello from nchan',
        headers => ['Content-Type' => 'text/plain']);
    like($res->status, qr/^20[12]$/, 'nchan publisher accepts a message')
        or diag $res->raw;
    like($res->body, qr/queued messages: 1/, 'nchan reports it queued');

    # a long-poll subscriber gets the oldest buffered message at once
    $res = http_get($ngx->port, '/sub');
    is($res->status, 200, 'nchan subscriber answers');
    is($res->body, 'hello from nchan', 'with the published message');
    unlike($res->body, qr/live-help/, 'nchan output is not injected');

    $ngx->stop;
};

$be->stop;
$redis->stop;

done_testing;
