#!/usr/bin/perl

# Faults while chatting. In each, an agent sends numbered messages to a
# visitor, both behaving as the widget must (outbox until acked, resume
# after reconnecting), and every message must reach the visitor exactly
# once, in order, and be in the log exactly once.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use POSIX qw(WNOHANG);
use Test::More;

use LiveHelp::Chat;
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $JSON = JSON::PP->new;
my $AUTH = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');

# appendonly, so that a restart keeps the log
my $redis_dir;
my $redis = start_redis();

sub start_redis {
    my (%o) = @_;
    my $r = LiveHelp::Redis->start(
        (defined $o{port} ? (port => $o{port}) : ()),
        args => [ '--appendonly', 'yes', '--appendfsync', 'always',
                  ($redis_dir ? ('--dir', $redis_dir) : ()) ]);
    $redis_dir //= $r->dir;
    return $r;
}

my $ngx = LiveHelp::Nginx->start(
    vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}s3cret\n" },
    config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /live-help/ {
            live_help_endpoint;
            live_help_send_limit 64k;
        }

        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file %%DIR%%/agents;
            live_help_agent_user $remote_user;
        }
    }
}
CONF

$ngx->allow_log(qr/exited on signal 9/);

sub pair {
    my $v = LiveHelp::Chat->new(port => $ngx->port);
    $v->pump_until(sub { $v->{live} }, 'visitor live');
    my $g = LiveHelp::Chat->new(port => $ngx->port, agent => $AUTH,
                                conversation => $v->conversation);
    return ($v, $g);
}

sub logged_cids {
    my ($conv) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
    return map { $JSON->decode($_->[1][1])->{cid} } @$log;
}

sub exactly_once {
    my ($what, $v, $g, @cids) = @_;
    $g->pump_until(sub { $g->pending == 0 }, "$what: agent's acks");
    $v->pump_until(sub { !grep { !$v->seen($_) } @cids },
                   "$what: visitor to see every message");
    my @got = map { $_->{cid} } @{ $v->events };
    my @logged = logged_cids($v->conversation);
    is_deeply([ sort @logged ], [ sort @cids ],
        "$what: the log holds each message once");
    is_deeply(\@got, \@logged,
        "$what: visitor got each message once, in the log's order");
    is($v->duplicates, 0, "$what: no id twice");
    is($v->out_of_order, 0, "$what: no id out of order");
    is($g->ack_conflicts, 0, "$what: a resend was acked with the same id");
}

subtest 'subscriber_connection_killed_mid_conversation' => sub {
    my ($v, $g) = pair();
    my @cids = map { "k$_" } 1 .. 20;
    for my $cid (@cids[0 .. 9]) {
        $g->send($cid, "before $cid");
        $g->pump_until(sub { $g->acked($cid) }, "ack of $cid");
    }
    $v->pump_until(sub { $v->seen('k10') }, 'k10 live');

    my $killed = $redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    ok($killed >= 1, "killed the subscriber connections ($killed)");

    # published while the workers resubscribe: only the log has these
    $g->send($_, "after $_") for @cids[10 .. 19];
    exactly_once('pubsub killed', $v, $g, @cids);
    is($v->reconnects, 0, 'the visitor never had to reconnect');
    $_->close for $v, $g;
};

subtest 'nginx_reload_while_chatting' => sub {
    my ($v, $g) = pair();
    my @cids = map { "r$_" } 1 .. 30;
    $g->send($_, "msg $_") for @cids[0 .. 9];
    $ngx->reload;
    # sent while the old workers close their sockets with 1001
    $g->send($_, "msg $_") for @cids[10 .. 19];
    $v->pump_until(sub { $v->reconnects >= 1 },
                   'the visitor to be moved to a new worker');
    $g->send($_, "msg $_") for @cids[20 .. 29];
    exactly_once('reload', $v, $g, @cids);
    ok($g->reconnects >= 1, 'the agent was moved too');
    $_->close for $v, $g;
};

subtest 'worker_killed_with_sigkill' => sub {
    my ($v, $g) = pair();
    my @cids = map { "w$_" } 1 .. 20;
    $g->send($_, "msg $_") for @cids[0 .. 9];
    $g->pump_until(sub { $g->pending == 0 }, 'first half acked');

    ok(kill('KILL', $v->worker), 'killed the visitor\'s worker ' . $v->worker);
    $g->send($_, "msg $_") for @cids[10 .. 19];
    exactly_once('kill -9', $v, $g, @cids);
    ok($v->reconnects >= 1, 'the visitor reconnected');
    $_->close for $v, $g;
};

subtest 'client_dropping_mid_send' => sub {
    my ($v, $g) = pair();
    my $conv = $v->conversation;

    # half a frame, then the connection goes
    my $raw = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws', headers => [$AUTH]);
    $raw->recv_json;
    $raw->send_json({ type => 'hello' });
    $raw->recv_json;
    my $frame = LiveHelp::WS::frame(opcode => 1,
        payload => $JSON->encode({ type => 'message', conversation => $conv,
                                   cid => 'half', text => 'cut short' }));
    $raw->send_raw(substr($frame, 0, length($frame) - 5));
    $raw->close;

    # a whole message, but gone before the ack
    $raw = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws', headers => [$AUTH]);
    $raw->recv_json;
    $raw->send_json({ type => 'hello' });
    $raw->send_json({ type => 'message', conversation => $conv,
                     cid => 'noack', text => 'ack lost' });
    $raw->close;

    # the widget's outbox sends both again
    $g->send('half', 'cut short');
    $g->send('noack', 'ack lost');
    exactly_once('dropped mid-send', $v, $g, 'half', 'noack');
    is(scalar(() = logged_cids($conv)), 2, 'the cut frame stored nothing');
    $_->close for $v, $g;
};

subtest 'slow_reader_is_closed_and_memory_stays_bounded' => sub {
    my $v = LiveHelp::Chat->new(port => $ngx->port);
    $v->pump_until(sub { $v->{live} }, 'visitor live');
    my $conv = $v->conversation;

    # the same visitor, on a socket that never reads
    my $slow = LiveHelp::WS->connect($ngx->port, rcvbuf => 4096);
    my $w = $slow->recv_json;
    $slow->send_json({ type => 'hello', token => $v->token,
                       after => $v->{last} });
    my $rss0 = rss_kb($w->{worker});

    my $g = LiveHelp::Chat->new(port => $ngx->port, agent => $AUTH,
                                conversation => $conv);
    my $text = 'x' x 4000;
    my @cids = map { "s$_" } 1 .. 1500;     # 6 MB to a 4 KB window
    $g->send($_, $text) for @cids;
    $g->pump_until(sub { $g->pending == 0 }, 'all acked', 60);

    ok($slow->expect_eof(timeout => 20),
        'the server dropped the socket that did not read');
    my $rss1 = rss_kb($w->{worker});
    SKIP: {
        # ASan keeps freed memory in quarantine: only the plain build counts
        skip 'memory is measured without sanitizers', 1
            if ($ENV{LD_PRELOAD} // '') =~ /asan/;
        cmp_ok($rss1 - $rss0, '<', 20 * 1024,
            "worker memory grew by less than 20 MB ($rss0 -> $rss1 KB)");
    }

    # the reader that keeps up has everything, once
    $v->pump_until(sub { $v->seen('s1500') }, 'visitor caught up', 60);
    is(scalar @{ $v->events }, 1500, 'the other socket got all 1500');
    is($v->duplicates, 0, 'no id twice');
    $_->close for $v, $g;
};

subtest 'redis_restarted_mid_conversation' => sub {
    my ($v, $g) = pair();
    my @cids = map { "d$_" } 1 .. 20;
    $g->send($_, "msg $_") for @cids[0 .. 9];
    $g->pump_until(sub { $g->pending == 0 }, 'first half acked');

    my $port = $redis->port;
    $redis->stop;
    # sent while Redis is down: nacked, kept in the outbox
    $g->send($_, "msg $_") for @cids[10 .. 14];
    $g->pump_until(sub { $g->{holding} }, 'a nack while Redis is down');
    ok($g->pending >= 5, 'nothing acked while Redis is down');

    $v->pump_until(sub { grep { $_ eq 'down' } @{ $v->statuses } },
                   'the visitor to be told the store is down');

    $redis = start_redis(port => $port);
    $v->pump_until(sub { ($v->statuses->[-1] // '') eq 'up' },
                   'the visitor to be told the store is back');
    $g->send($_, "msg $_") for @cids[15 .. 19];
    exactly_once('redis restart', $v, $g, @cids);
    $_->close for $v, $g;
};

sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+)/;
    }
    return 0;
}

$ngx->stop;
$redis->stop;
done_testing;
