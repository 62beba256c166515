#!/usr/bin/perl

# When the store takes writes, and in what order. A worker says the store
# is up only once Redis answered it and takes writes: a Redis turned into a
# replica (READONLY) makes every socket hear "store: false", stores
# nothing, and "store: true" comes back only when it is a master again.
# One socket's messages are stored in the order it sent them: once a
# message is nacked, later ones are nacked too until it comes again.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha1_hex);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Test::More;

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $JSON = JSON::PP->new;
my $AUTH = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');

my $redis = LiveHelp::Redis->start;

my $ngx = LiveHelp::Nginx->start(
    vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}s3cret\n" },
    config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    # sockets that pipeline on purpose: the limits have their own test
    live_help_limit_messages off off;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /live-help/ {
            live_help_endpoint;
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

$ngx->allow_log(qr/storing a message failed: READONLY/);

# The next message of a type; the others are kept in @$seen if given.
sub next_of {
    my ($ws, $type, $seen) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
        push @$seen, $m if $seen;
    }
}

# A visitor past hello; it is live (caught up) only while the store is up.
sub visitor {
    my (%o) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    my $welcome = next_of($ws, 'welcome');
    $ws->send_json({ type => 'hello' });
    my $session = next_of($ws, 'session');
    next_of($ws, 'live') unless $o{store_away};
    return ($ws, $session->{conversation}, $welcome);
}

sub logged_cids {
    my ($conv) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
    return [ grep { defined }
             map { $JSON->decode($_->[1][1])->{cid} } @$log ];
}

# A port nothing listens on: a replica of it keeps its data and refuses
# writes, without a master to sync from.
sub become_replica {
    $redis->command('REPLICAOF', '127.0.0.1', free_port());
}

sub become_master {
    $redis->command('REPLICAOF', 'NO', 'ONE');
}

subtest 'the_module_loads_its_lua_scripts_as_the_files_say' => sub {
    my ($v) = visitor();
    for my $name (qw(conversation list)) {
        open my $fh, '<',
            repo_root() . "/ngx_live_help_module/lua/$name.lua" or die $!;
        my $sha = sha1_hex(do { local $/; <$fh> });
        is_deeply($redis->command('SCRIPT', 'EXISTS', $sha), [1],
            "Redis holds the script of lua/$name.lua, byte for byte");
    }
    $v->close;
};

# The workers' connections to Redis (established, Redis as the peer):
# [ timer kind, ... ] from /proc/net/tcp, 2 = keepalive when idle
sub redis_connection_timers {
    my $port = sprintf '%04X', $redis->port;
    open my $fh, '<', '/proc/net/tcp' or return [];
    my @t;
    while (<$fh>) {
        my @f = split ' ';
        next unless @f > 5 && $f[2] =~ /:$port$/ && $f[3] eq '01';
        push @t, (split /:/, $f[5])[0];
    }
    return \@t;
}

subtest 'redis_connections_use_tcp_keepalive' => sub {
    my ($v) = visitor();
    my $t;
    ok(eval {
        wait_until('4 idle Redis connections with a keepalive timer', sub {
            $t = redis_connection_timers();
            @$t >= 4 && !grep { $_ ne '02' } @$t;
        });
        1;
    }, 'a silently dead Redis host is found without a reply pending')
        or diag "timers: @$t";
    $v->close;
};

subtest 'replica_refuses_writes_and_store_status_follows' => sub {
    my ($v, $conv) = visitor();
    $v->send_json({ type => 'message', cid => 'before', text => 'one' });
    is(next_of($v, 'ack')->{cid}, 'before', 'stored while a master');

    become_replica();
    $v->send_json({ type => 'message', cid => 'ro1', text => 'two' });
    my @seen;
    my $nack = next_of($v, 'nack', \@seen);
    is($nack->{cid}, 'ro1', 'a write to a replica is nacked');
    my $status = (grep { $_->{type} eq 'status' } @seen)[0]
        // next_of($v, 'status');
    ok(!$status->{store}, 'and the socket hears that the store is away');

    # on either worker (the other one learns it from its own first write)
    my ($w, undef, $welcome) = visitor(store_away => 1);
    $w->send_json({ type => 'message', cid => 'ro2', text => 'three' });
    @seen = ();
    is(next_of($w, 'nack', \@seen)->{cid}, 'ro2',
        'a message on a new socket is nacked');
    if ($welcome->{store}) {
        $status = (grep { $_->{type} eq 'status' } @seen)[0]
            // next_of($w, 'status');
        ok(!$status->{store}, 'which hears that the store is away');
    } else {
        pass('which was welcomed with store: false');
    }

    become_master();
    $status = next_of($v, 'status');
    ok($status->{store}, 'store: true once Redis is a master again');
    $v->send_json({ type => 'message', cid => 'ro1', text => 'two' });
    is(next_of($v, 'ack')->{cid}, 'ro1', 'the resend is stored');
    is_deeply(logged_cids($conv), [ 'before', 'ro1' ],
        'nothing was stored while Redis was a replica');
    $_->close for $v, $w;
};

subtest 'after_a_nack_later_messages_wait_for_the_nacked_one' => sub {
    my ($v, $conv) = visitor();

    become_replica();
    $v->send_json({ type => 'message', cid => 'm1', text => 'first' });
    is(next_of($v, 'nack')->{cid}, 'm1', 'm1 nacked while read only');
    become_master();
    ok(next_of($v, 'status')->{store}, 'the store is back');

    # m2 came after m1: it must not be stored before it
    $v->send_json({ type => 'message', cid => 'm2', text => 'second' });
    is(next_of($v, 'nack')->{cid}, 'm2', 'm2 is nacked while m1 is held');

    # the client's outbox, in order
    $v->send_json({ type => 'message', cid => 'm1', text => 'first' });
    $v->send_json({ type => 'message', cid => 'm2', text => 'second' });
    $v->send_json({ type => 'message', cid => 'm3', text => 'third' });
    my @acks = map { next_of($v, 'ack')->{cid} } 1 .. 3;
    is_deeply(\@acks, [ 'm1', 'm2', 'm3' ], 'then all acked in order');
    is_deeply(logged_cids($conv), [ 'm1', 'm2', 'm3' ],
        'and stored in the order sent');
    $v->close;
};

subtest 'pipelined_messages_of_an_agent_are_stored_in_order' => sub {
    my ($v, $conv) = visitor();
    my $g = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
        headers => [$AUTH]);
    next_of($g, 'welcome');
    $g->send_json({ type => 'hello' });
    next_of($g, 'conversations');

    my @cids = map { "p$_" } 1 .. 50;
    $g->send_json({ type => 'message', conversation => $conv, cid => $_,
                    text => "n $_" }) for @cids;
    # one resend of an earlier cid while it is still queued
    $g->send_json({ type => 'message', conversation => $conv, cid => 'p1',
                    text => 'n p1' });
    my %acked;
    my @order;
    while (keys %acked < @cids) {
        my $ack = next_of($g, 'ack');
        push @order, $ack->{cid} unless $acked{ $ack->{cid} }++;
    }
    is_deeply(\@order, \@cids, 'acked in the order sent');
    is_deeply(logged_cids($conv), \@cids, 'stored once each, in order');
    $_->close for $v, $g;
};

subtest 'a_socket_that_pipelines_without_end_is_held_not_queued' => sub {
    my ($v, $conv) = visitor();
    my @cids = map { "q$_" } 1 .. 600;
    $v->send_json({ type => 'message', cid => $_, text => '.' }) for @cids;

    my (%answer, @acked);
    while (keys %answer < @cids) {
        my $m = $v->recv_json;
        next unless $m->{type} eq 'ack' || $m->{type} eq 'nack';
        $answer{ $m->{cid} } //= $m->{type};
        push @acked, $m->{cid} if $m->{type} eq 'ack';
    }
    my $n = @acked;
    cmp_ok($n, '<', scalar @cids, "only $n of 600 taken at once");
    is_deeply(\@acked, [ @cids[0 .. $n - 1] ], 'the first ones, in order');
    is_deeply(logged_cids($conv), \@acked, 'and only they are stored');

    # the outbox again, from the first nacked one: everything, in order
    my @rest = @cids[$n .. $#cids];
    while (@rest) {
        $v->send_json({ type => 'message', cid => $_, text => '.' })
            for @rest;
        my %got;
        while (keys %got < @rest) {
            my $m = $v->recv_json;
            $got{ $m->{cid} } //= $m->{type}
                if $m->{type} eq 'ack' || $m->{type} eq 'nack';
        }
        @rest = grep { $got{$_} eq 'nack' } @rest;
    }
    is_deeply(logged_cids($conv), \@cids, 'all 600 stored once, in order');
    $v->close;
};

$ngx->stop;
$redis->stop;
done_testing;
