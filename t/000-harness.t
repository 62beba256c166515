#!/usr/bin/perl

# The harness itself, on plain nginx without our module: if these fail,
# the other test files cannot be trusted.

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

my $page = "<html><body><p>hello</p></body></html>\n";

my $be = LiveHelp::Backend->start(routes => {
    '/page' => [ http_response(200, ['Content-Type' => 'text/html'], $page) ],
    '/parts' => [
        response_head(200, 'Content-Type' => 'text/html') . 'first-',
        { wait => 'second' },
        'second-',
        { drain => 1 },
        'third',
    ],
    '/chunked' => [
        response_head(200, 'Content-Type' => 'text/html',
            'Transfer-Encoding' => 'chunked'),
        chunk('abc'), chunk('defg'), last_chunk(),
    ],
    '/echo' => sub {
        my ($req) = @_;
        return http_response(200, ['Content-Type' => 'text/plain'],
            "$req->{method} $req->{uri} $req->{body}");
    },
});

my $ngx = LiveHelp::Nginx->start(
    vars   => { BACKEND_PORT => $be->port },
    files  => { 'html/static.html' => $page },
    config => <<'EOF');
http {
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            proxy_pass http://127.0.0.1:%%BACKEND_PORT%%;
            proxy_buffering off;
        }
        location = /static.html {
            root %%DIR%%/html;
        }
    }
}
EOF

subtest 'nginx_runs_with_two_workers_and_paths_in_its_dir' => sub {
    ok($ngx->is_running, 'master is running');
    is(scalar(my @w = $ngx->worker_pids), 2, 'two worker processes');
    like($ngx->conf, qr/^pid \Q${\ $ngx->dir }\E\/nginx\.pid;/m,
        'pid file inside the test directory');
    like($ngx->conf, qr/proxy_temp_path \Q${\ $ngx->dir }\E/,
        'temp paths inside the test directory');
};

subtest 'client_reads_whole_response_with_content_length' => sub {
    my $res = http_get($ngx->port, '/page');
    is($res->status, 200, 'status');
    is($res->header('content-type'), 'text/html', 'content type');
    is($res->header('content-length'), length $page, 'content length');
    is($res->body, $page, 'body');
    ok($res->complete, 'response complete');
};

subtest 'client_reads_http10_and_head' => sub {
    my $res = http_get($ngx->port, '/page', version => '1.0');
    is($res->version, 'HTTP/1.1', 'nginx answers with HTTP/1.1 status line');
    is($res->body, $page, 'body over HTTP/1.0');
    $res = http_head($ngx->port, '/page');
    is($res->status, 200, 'HEAD status');
    is($res->body, '', 'HEAD has no body');
    is($res->header('content-length'), length $page, 'HEAD content length');
};

subtest 'client_decodes_chunked' => sub {
    my $res = http_get($ngx->port, '/chunked');
    ok($res->chunked, 'response was chunked');
    is($res->body, 'abcdefg', 'decoded body');
    like($res->raw_body, qr/^[0-9a-f]+\r\nabc/, 'raw body keeps the framing');
    ok($res->complete, 'last chunk seen');
};

subtest 'backend_parts_wait_for_go_and_drain' => sub {
    my $s = http_stream($ngx->port, '/parts');
    is($s->read_until('first-'), 'first-', 'first part arrives alone');
    $be->go('second');
    my $res = $s->finish;
    is($res->body, 'first-second-third', 'all parts in order');
};

subtest 'stream_read_times_out_instead_of_hanging' => sub {
    my $s = http_stream($ngx->port, '/parts');
    $s->read_until('first-');
    ok(!eval { $s->read_until('second-', 0.5); 1 }, 'read_until dies');
    like($@, qr/timed out/, 'with a timeout message');
    $be->go('second');
    is($s->finish->body, 'first-second-third', 'stream goes on after go');
};

subtest 'backend_records_requests' => sub {
    my $res = http_post($ngx->port, '/echo?x=1', 'payload');
    is($res->body, 'POST /echo?x=1 payload', 'backend saw method, uri, body');
    my ($last) = grep { $_->{path} eq '/echo' } $be->requests;
    ok($last, 'request recorded');
    is($last->{uri}, '/echo?x=1', 'recorded uri');
    is(http_get($ngx->port, '/nowhere')->status, 404, 'no route: 404');
};

subtest 'static_file_is_readable_by_workers' => sub {
    my $res = http_get($ngx->port, '/static.html');
    is($res->status, 200, 'status');
    is($res->body, $page, 'body');
};

subtest 'reload_replaces_workers' => sub {
    my @before = $ngx->worker_pids;
    $ngx->reload;
    my %old = map { $_ => 1 } @before;
    my @new = grep { !$old{$_} } $ngx->worker_pids(active => 1);
    is(scalar @new, 2, 'two new workers');
    is(http_get($ngx->port, '/page')->body, $page, 'serves after reload');
};

subtest 'log_check_finds_bad_lines' => sub {
    my $log = join "\n",
        '2024/01/01 00:00:00 [info] 1#1: fine',
        '2024/01/01 00:00:00 [alert] 1#1: worker exited on signal 11',
        '2024/01/01 00:00:00 [crit] 1#1: crit line',
        '2024/01/01 00:00:00 [emerg] 1#1: emerg line',
        '==1==ERROR: AddressSanitizer: heap-use-after-free',
        'x.c:1:2: runtime error: signed integer overflow',
        '2024/01/01 00:00:00 [error] 1#1: an error is allowed';
    my @bad = LiveHelp::Nginx::bad_log_lines($log);
    is(scalar @bad, 5, 'alert, crit, emerg, ASan and UBSan lines found');
    @bad = LiveHelp::Nginx::bad_log_lines($log, qr/signal 11/);
    is(scalar @bad, 4, 'allowed pattern is skipped');
};

subtest 'test_config_reports_failure' => sub {
    my ($rc, $out) = LiveHelp::Nginx->prepare(config => <<'EOF')->test_config;
http {
    server {
        listen 127.0.0.1:%%PORT%%;
        no_such_directive on;
    }
}
EOF
    isnt($rc, 0, 'nginx -t fails');
    like($out, qr/unknown directive "no_such_directive"/, 'and says why');

    ($rc, $out) = LiveHelp::Nginx->prepare(config => <<'EOF')->test_config;
http {
    server {
        listen 127.0.0.1:%%PORT%%;
    }
}
EOF
    is($rc, 0, 'valid config passes nginx -t') or diag $out;
    like($out, qr/test is successful/, 'nginx says so');
};

subtest 'placeholders_must_resolve' => sub {
    ok(!eval { LiveHelp::Nginx->prepare(config => "%%NOPE%%\n"); 1 },
        'unresolved placeholder dies');
    like($@, qr/%%NOPE%%/, 'naming it');
    ok(!eval { LiveHelp::Nginx->prepare(config => "worker_processes 1;\n"); 1 },
        'fewer than 2 workers refused');
};

subtest 'redis_runs_and_answers' => sub {
    my $redis = LiveHelp::Redis->start;
    is($redis->command('PING'), 'PONG', 'PING');
    is($redis->command('SET', 'k', "v\r\n"), 'OK', 'SET');
    is($redis->command('GET', 'k'), "v\r\n", 'GET binary-safe');
    is_deeply($redis->command('LRANGE', 'none', 0, -1), [], 'empty array');
    my $pid = $redis->pid;
    $redis->stop;
    ok(!kill(0, $pid), 'redis-server stopped by pid');
};

$ngx->stop;
$be->stop;

done_testing;
