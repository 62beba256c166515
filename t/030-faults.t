#!/usr/bin/perl

# Faults while chatting. In each, an agent sends numbered messages to a
# visitor, both behaving as the widget must (outbox until acked, resume
# after reconnecting), and every message must reach the visitor exactly
# once, in order, and be in the log exactly once.
#
# The last ones hold agents to the same: an agent and two visitors on two
# hosts write both ways, without waiting for acks, while the subscriber
# connections are killed, the script cache is emptied, Redis restarts,
# loads its data or stops answering; every side must end up with every
# event once, in the order of the log, and the log with every message
# once, in the order its sender wrote them.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::Chat;
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $JSON = JSON::PP->new;
my $AUTH = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');

# DEBUG POPULATE makes a dataset that takes a while to load; Redis 7
# refuses DEBUG unless told otherwise (and older ones know no such option)
my ($REDIS_MAJOR) = (`${\($ENV{REDIS_BIN} || 'redis-server')} --version`
                     // '') =~ /\bv=(\d+)/;
$REDIS_MAJOR //= 0;

# appendonly, so that a restart keeps the log
my $redis_dir;
my $redis = start_redis();

sub start_redis {
    my (%o) = @_;
    my $r = LiveHelp::Redis->start(
        (defined $o{port} ? (port => $o{port}) : ()),
        (defined $o{ready} ? (ready => $o{ready}) : ()),
        args => [ '--appendonly', 'yes', '--appendfsync', 'always',
                  ($REDIS_MAJOR >= 7 ? ('--enable-debug-command', 'yes') : ()),
                  ($redis_dir ? ('--dir', $redis_dir) : ()) ]);
    $redis_dir //= $r->dir;
    return $r;
}

my $CONFIG = <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    # faults under load: the limits have their own test (t/060)
    live_help_limit_messages off off;
    live_help_limit_conversations off;

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

my %HOST = (
    vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}s3cret\n" },
    config => $CONFIG,
);

# host A; host B (same Redis) for the agent subtests at the end
my $ngx = LiveHelp::Nginx->start(%HOST);
my $ngx_b = LiveHelp::Nginx->start(%HOST);

$ngx->allow_log(qr/exited on signal 9/);

sub pair {
    my $v = LiveHelp::Chat->new(port => $ngx->port);
    $v->pump_until(sub { $v->{live} }, 'visitor live');
    my $g = LiveHelp::Chat->new(port => $ngx->port, agent => $AUTH,
                                conversation => $v->conversation);
    return ($v, $g);
}

# the client ids of the messages in a log (not the events that say who
# answers, which have none)
sub logged_cids {
    my ($conv) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
    return grep { defined } map { $JSON->decode($_->[1][1])->{cid} } @$log;
}

sub logged_ids {
    my ($conv) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
    return map { $_->[0] } @$log;
}

sub exactly_once {
    my ($what, $v, $g, @cids) = @_;
    $g->pump_until(sub { $g->pending == 0 }, "$what: agent's acks");
    $v->pump_until(sub { !grep { !$v->seen($_) } @cids },
                   "$what: visitor to see every message");
    my @got = grep { defined } map { $_->{cid} } @{ $v->events };
    my @logged = logged_cids($v->conversation);
    is_deeply([ sort @logged ], [ sort @cids ],
        "$what: the log holds each message once");
    is_deeply(\@got, \@logged,
        "$what: visitor got each message once, in the log's order");
    is_deeply([ map { $_->{seq} } @{ $v->events } ],
        [ logged_ids($v->conversation) ],
        "$what: and every other event of the log (who answers) once");
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
    is(scalar(grep { defined $_->{cid} } @{ $v->events }), 1500,
        'the other socket got all 1500');
    is_deeply([ map { $_->{seq} } @{ $v->events } ], [ logged_ids($conv) ],
        'and the rest of the log (opened, joined), once, in order');
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

###############################################################################

# Agents too. Agent G on the first worker of host A follows two visitors:
# V1 on A's other worker, V2 on host B. G writes to both conversations, V1
# and V2 to theirs, each sender a message every few milliseconds without
# waiting for acks, while the fault happens.

# $t: the clients and their senders
sub cast {
    my ($tag) = @_;
    my @wa = $ngx->worker_pids(active => 1);
    my $v1 = LiveHelp::Chat->new(port => $ngx->port, worker => $wa[1]);
    my $v2 = LiveHelp::Chat->new(port => $ngx_b->port);
    for my $v ($v1, $v2) {
        $v->pump_until(sub { $v->{live} }, "$tag: visitor live");
    }
    my $g = LiveHelp::Chat->new(port => $ngx->port, agent => $AUTH,
        worker => $wa[0],
        conversations => [ $v1->conversation, $v2->conversation ]);
    $g->pump_until(sub { $g->synced }, "$tag: the agent's hello answered");

    my ($c1, $c2) = ($v1->conversation, $v2->conversation);
    return {
        tag     => $tag,
        g       => $g,
        v1      => $v1,
        v2      => $v2,
        clients => [ $g, $v1, $v2 ],
        names   => [ 'G', 'V1', 'V2' ],
        gap     => 0.02,
        next    => 0,
        # cids: "<tag>-ga<n>", n counting each sender's messages
        senders => [
            map { { name => $_->[0], who => $_->[1], conv => $_->[2],
                    cid => "$tag-$_->[3]", n => 0 } }
                [ 'G to V1', $g, $c1, 'ga' ], [ 'G to V2', $g, $c2, 'gb' ],
                [ 'V1', $v1, $c1, 'va' ], [ 'V2', $v2, $c2, 'vb' ],
        ],
    };
}

# every sender writes its next $n messages
sub send_round {
    my ($t, $n) = @_;
    for (1 .. $n) {
        for my $s (@{ $t->{senders} }) {
            $s->{n}++;
            # now and then the agent closes; the next message opens the
            # conversation again
            $s->{who}->act("$s->{cid}x$s->{n}", 'close', $s->{conv})
                if $t->{closing} && $s->{who}{agent} && $s->{n} % 4 == 0;
            $s->{who}->send("$s->{cid}$s->{n}", "$s->{name} #$s->{n}",
                            $s->{conv});
        }
    }
}

# One round: every sender writes its next message when it is time (unless
# quiet), and what arrived meanwhile is handled.
sub step {
    my ($t, $wait, $quiet) = @_;
    if (!$quiet && time >= $t->{next}) {
        send_round($t, 1);
        $t->{next} = time + $t->{gap};
    }
    LiveHelp::Chat->pump_all($wait, @{ $t->{clients} });
}

# Traffic until $until is true; dies after the timeout.
sub flow {
    my ($t, $until, $what, %o) = @_;
    my $timeout = $o{timeout} // timeout_seconds();
    my $deadline = time + $timeout;
    until ($until->()) {
        die "timed out after ${timeout}s waiting for $what\n"
            if time > $deadline;
        step($t, $t->{gap} < 0.005 ? $t->{gap} : 0.005, $o{quiet});
    }
    return 1;
}

# $check, asked at most every $dt seconds (it talks to Redis)
sub throttled {
    my ($dt, $check) = @_;
    my ($next, $r) = (0, 0);
    return sub {
        return $r if time < $next;
        $r = $check->();
        $next = time + $dt;
        return $r;
    };
}

sub acks_total {
    my ($t) = @_;
    my $n = 0;
    $n += $_->acks for @{ $t->{clients} };
    return $n;
}

# where each client's store_log stands now
sub marks {
    my ($t) = @_;
    return [ map { scalar @{ $_->store_log } } @{ $t->{clients} } ];
}

sub told_since {
    my ($c, $mark, $what) = @_;
    my @log = @{ $c->store_log };
    return scalar grep { $_ eq $what } @log[ $mark .. $#log ];
}

# every client told the store went down, and then that it is back
sub all_told_down {
    my ($t, $mark) = @_;
    my $i = 0;
    return !grep { !told_since($_, $mark->[$i++], 'down') }
                 @{ $t->{clients} };
}

sub all_told_back {
    my ($t, $mark) = @_;
    for my $i (0 .. $#{ $t->{clients} }) {
        my @log = @{ $t->{clients}[$i]->store_log };
        my @since = @log[ $mark->[$i] .. $#log ];
        my ($down) = grep { $since[$_] eq 'down' } 0 .. $#since;
        return 0 unless defined $down
            && grep { $_ eq 'up' } @since[ $down .. $#since ];
    }
    return 1;
}

# the clients told store=true since the mark, by name
sub told_up {
    my ($t, $mark) = @_;
    my @who;
    for my $i (0 .. $#{ $t->{clients} }) {
        my $n = told_since($t->{clients}[$i], $mark->[$i], 'up');
        push @who, "$t->{names}[$i] ($n)" if $n;
    }
    return @who;
}

# [ { seq, cid, from } ] of a conversation's stream
sub stream_events {
    my ($conv) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
    return map {
        my $e = $JSON->decode($_->[1][1]);
        { seq => $_->[0], cid => $e->{cid}, from => $e->{from} };
    } @$log;
}

sub line { join ' ', map { $_ // '-' } @{ $_[0] }{qw(seq cid from)} }

# the lines of @$want that @$got lacks, for a diag
sub lacking {
    my ($want, $got) = @_;
    my %got = map { $_ => 1 } @$got;
    my @lack = grep { !$got{$_} } @$want;
    return '' unless @lack;
    my $more = @lack > 5 ? ' ...' : '';
    return scalar(@lack) . ' of ' . scalar(@$want) . ' missing: '
        . join(', ', @lack[0 .. ($#lack < 4 ? $#lack : 4)]) . $more;
}

# Traffic stops; every message must be acked, and every side must end up
# with every event of each conversation once, in the order of the stream,
# the stream holding each message once, in the order its sender sent them.
sub settle {
    my ($t, $what) = @_;
    my @clients = @{ $t->{clients} };
    my $acked = eval {
        flow($t, sub { !grep { $_->pending } @clients },
             'every message acked', quiet => 1,
             timeout => 2 * timeout_seconds());
    };
    ok($acked, "$what: every message was acked")
        or diag($@, 'still in the outboxes: ',
                join(', ', map { $_->pending } @clients));

    my $g = $t->{g};
    my @convs = map { [ $_, $t->{$_}->conversation ] } qw(v1 v2);
    my $everywhere = throttled(0.1, sub {
        for (@convs) {
            my ($v, $conv) = ($t->{ $_->[0] }, $_->[1]);
            my @log = stream_events($conv);
            return 0 if @{ $v->events } < @log
                || grep { !$g->holds($conv, $_->{seq}) } @log;
        }
        return 1;
    });
    # what is missing is shown by the tests below
    eval { flow($t, $everywhere, 'every side to have every event',
                quiet => 1) };

    for (@convs) {
        my ($who, $conv) = (uc $_->[0], $_->[1]);
        my $v = $t->{ $_->[0] };
        my @log = stream_events($conv);
        my @cids = grep { defined } map { $_->{cid} } @log;
        my %count;
        $count{$_}++ for @cids;
        my @twice = grep { $count{$_} > 1 } sort keys %count;
        is(scalar @twice, 0, "$what: ${who}'s log holds no message twice")
            or diag("twice: @twice");

        my @senders = grep { $_->{conv} eq $conv } @{ $t->{senders} };
        my @sent = map { @{ $_->{who}->sent($conv) } } @senders;
        is_deeply([ sort keys %count ], [ sort @sent ],
            "$what: ${who}'s log holds every message sent to it ("
            . scalar(@sent) . ')');
        for my $s (@senders) {
            my $mine = $s->{who}->sent($conv);
            my %mine = map { $_ => 1 } @$mine;
            my %once;
            is_deeply([ grep { $mine{$_} && !$once{$_}++ } @cids ], $mine,
                "$what: $s->{name}: stored in the order sent");
        }

        my @want = map { line($_) } @log;
        my @got = map { line($_) } @{ $v->events };
        is_deeply(\@got, \@want,
            "$what: $who got every event once, in the log's order")
            or diag(lacking(\@want, \@got));
        is($v->duplicates + $v->out_of_order, 0,
            "$what: $who got no seq twice or out of order");

        @got = map { line($_) } @{ $g->agent_events($conv) };
        is_deeply(\@got, \@want,
            "$what: the agent holds every event of ${who}'s conversation "
            . 'once, in the log\'s order')
            or diag(lacking(\@want, \@got));
    }

    is(join(' ', map { $_->ack_conflicts } @clients), '0 0 0',
        "$what: every resend acked with the seq of the first");
    if ($g->repeats) {
        my @r = @{ $g->repeat_list };
        diag("$what: the agent got " . $g->repeats . ' event(s) again '
             . '(live and history overlapping), e.g. '
             . join(', ', @r[0 .. ($#r < 2 ? $#r : 2)]));
    }
    $_->close for @clients;
}

# the subscriber connections: one a worker, on both hosts, the agent's
# worker with its pattern
sub subscribers_back {
    my $list = $redis->command('CLIENT', 'LIST', 'TYPE', 'pubsub');
    my @lines = grep { length } split /\n/, $list;
    my $psub = grep { /\bpsub=[1-9]/ } @lines;
    return @lines == 4 && $psub >= 1;
}

sub noscript_count {
    my $info = $redis->command('INFO', 'errorstats');
    return $info =~ /^errorstat_NOSCRIPT:count=(\d+)/m ? $1 : 0;
}

subtest 'agent_gets_every_message_across_10_pubsub_kills' => sub {
    my $t = cast('pk');
    my $g = $t->{g};
    flow($t, sub { acks_total($t) >= 12 }, 'pk: traffic under way');

    my @killed;
    for my $i (1 .. 10) {
        push @killed, $redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
        flow($t, throttled(0.02, sub {
                $g->resyncs >= $i && subscribers_back() }),
             "kill $i: the agent told to resync and the 4 subscriber "
             . 'connections back');
    }
    is("@killed", join(' ', (4) x 10),
        'each kill took the 4 subscriber connections');
    my @socks = map { $_->reconnects } @{ $t->{clients} };
    settle($t, '10 pubsub kills');
    is("@socks", '0 0 0', 'no socket had to reconnect');
};

subtest 'closes_and_reopens_reach_every_side_once_across_pubsub_kills' => sub {
    my $t = cast('cl');
    $t->{closing} = 1;
    my $g = $t->{g};
    flow($t, sub { acks_total($t) >= 12 }, 'cl: traffic under way');
    for my $i (1 .. 5) {
        $redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
        flow($t, throttled(0.02, sub {
                $g->resyncs >= $i && subscribers_back() }),
             "kill $i: resync and the subscriber connections back");
    }
    settle($t, 'closes under 5 pubsub kills');
    for my $v (qw(v1 v2)) {
        my $conv = $t->{$v}->conversation;
        my %kinds;
        $kinds{ $JSON->decode($_->[1][1])->{kind} }++
            for @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
        cmp_ok($kinds{closed} // 0, '>=', 2, uc($v) . ": closed "
               . ($kinds{closed} // 0) . " times, opened "
               . ($kinds{opened} // 0) . ", joined " . ($kinds{joined} // 0));
        cmp_ok($kinds{opened} // 0, '>', $kinds{closed} // 0,
               uc($v) . ': each close followed by a new conversation');
    }
};

subtest 'stored_in_order_when_the_script_cache_is_flushed_under_load' => sub {
    my $t = cast('ns');
    flow($t, sub { acks_total($t) >= 12 }, 'ns: traffic under way');

    # Each round: messages of every sender in flight, the cache emptied
    # behind them, and more right behind that: those meeting NOSCRIPT go
    # again as EVAL, while the next ones of the same sender may already
    # find the script loaded by an EVAL of another message or worker.
    # Repeated until NOSCRIPT was answered, 30 times at least.
    my $before = noscript_count();
    my $flushes = 0;
    while ($flushes < 50) {
        my $acks = acks_total($t);
        send_round($t, 1);
        my $flushed = $redis->command_sent('SCRIPT', 'FLUSH');
        # 20 ms of messages a few tenths of a millisecond apart: about
        # the time Redis takes to answer NOSCRIPT and nginx to send EVAL
        my $end = time + 0.02;
        while (time < $end) {
            send_round($t, 1);
            LiveHelp::Chat->pump_all(0.0005, @{ $t->{clients} });
        }
        $flushed->();
        $flushes++;
        flow($t, sub { acks_total($t) >= $acks + 12 },
             "flush $flushes: messages stored again");
        last if $flushes >= 30 && noscript_count() > $before;
    }
    my $noscript = noscript_count() - $before;
    cmp_ok($noscript, '>', 0,
        "Redis answered NOSCRIPT $noscript times in $flushes flushes");
    settle($t, 'script cache flushed');
};

subtest 'every_side_gets_every_message_once_across_a_redis_restart' => sub {
    my $t = cast('rr');
    flow($t, sub { acks_total($t) >= 12 }, 'rr: traffic under way');

    my $mark = marks($t);
    my $port = $redis->port;
    $redis->stop;
    flow($t, sub { all_told_down($t, $mark) },
         'every client told the store is down');
    # outboxes that go again all at once when the store is back
    flow($t, sub { !grep { $_->pending < 10 } @{ $t->{clients} } },
         'every outbox to hold 10 messages');
    # the same port and directory: the data is back, the scripts are not
    $redis = start_redis(port => $port);
    flow($t, sub { all_told_back($t, $mark) },
         'every client told the store is back',
         timeout => 2 * timeout_seconds());
    my $acks = acks_total($t);
    flow($t, sub { acks_total($t) >= $acks + 12 }, 'more messages stored');
    diag('NOSCRIPT answered ' . noscript_count() . ' times after the restart');
    settle($t, 'redis restart');
};

subtest 'no_store_true_while_redis_is_loading' => sub {
    plan skip_all => 'DEBUG POPULATE needs Redis 7 here'
        if $REDIS_MAJOR < 7;

    # a dataset that takes a while to load (about a second), in the AOF's
    # base file
    my $keys = 1_500_000;
    my $t0 = time;
    {
        # Redis does nothing else meanwhile: wait longer for its answer
        local $ENV{LIVE_HELP_TEST_TIMEOUT} = 6 * timeout_seconds();
        $redis->command('DEBUG', 'POPULATE', $keys, 'lh-bulk');
    }
    $redis->command('BGREWRITEAOF');
    wait_until('the AOF rewrite to finish', sub {
        my $info = $redis->command('INFO', 'persistence');
        return $info =~ /^aof_rewrite_in_progress:0\r?$/m
            && $info =~ /^aof_rewrite_scheduled:0\r?$/m;
    }, 6 * timeout_seconds(), 0.1);
    diag(sprintf '%d keys populated and rewritten in %.1fs', $keys,
         time - $t0);

    my $t = cast('ld');
    flow($t, sub { acks_total($t) >= 12 }, 'ld: traffic under way');

    my $mark = marks($t);
    my $port = $redis->port;
    $redis->stop;
    flow($t, sub { all_told_down($t, $mark) },
         'every client told the store is down');

    # answered, but LOADING for a while
    my $started = time;
    $redis = start_redis(port => $port, ready => 'any');
    my ($loading, $first, $last, $pong, @told) = (0);
    my $deadline = time + 6 * timeout_seconds();
    while (time < $deadline) {
        # what the clients were told so far, waiting for nothing: if Redis
        # answers LOADING after that, it was told while Redis was loading
        step($t, 0);
        my @up = told_up($t, $mark);
        my $r = $redis->ping // 'nothing';
        if ($r eq 'PONG') {
            $pong = time;
            last;
        }
        next unless $r eq 'LOADING';
        $loading++;
        $first //= time;
        $last = time;
        @told = @up unless @told;
    }
    ok(defined $pong, 'Redis loaded its data');
    diag(sprintf 'Redis answered LOADING %d times over %.2fs '
         . '(%.2fs from the start to PONG)', $loading,
         ($last // $started) - ($first // $started),
         ($pong // time) - $started);
    cmp_ok($loading, '>', 0, 'Redis was seen LOADING');
    is("@told", '', 'no client told store=true while Redis was loading');

    flow($t, sub { all_told_back($t, $mark) },
         'every client told the store is back',
         timeout => 2 * timeout_seconds());
    settle($t, 'redis loading');
};

# the number of connections waiting in a listening socket's accept queue
sub accept_queue {
    my ($port) = @_;
    my $hex = sprintf '%04X', $port;
    open my $fh, '<', '/proc/net/tcp' or return 0;
    while (<$fh>) {
        # local address, remote address, state 0A (listen), tx:rx queue
        return hex $1
            if /^\s*\d+: \w{8}:$hex \w{8}:0000 0A \w{8}:(\w{8}) /;
    }
    return 0;
}

# pids of workers that logged a Redis timeout since the marks
sub timed_out_workers {
    my (@marks) = @_;
    my %pids;
    for ([ $ngx, $marks[0] ], [ $ngx_b, $marks[1] ]) {
        my $log = $_->[0]->log_since($_->[1]);
        $pids{$1} = 1
            while $log =~ /^\S+ \S+ \[\w+\] (\d+)#\d+: .*timed out/mg;
    }
    return \%pids;
}

sub while_stopped {
    my ($t, $mark, $logs, $port, $stopped) = @_;
    my %workers = map { $_->worker => 1 } @{ $t->{clients} };

    # each client's worker finds its commands unanswered...
    my $ok = eval {
        flow($t, throttled(0.1, sub {
                my $out = timed_out_workers(@$logs);
                return !grep { !$out->{$_} } keys %workers;
            }), 'the workers of G, V1 and V2 to time out',
            timeout => 10 + timeout_seconds());
    };
    ok($ok, sprintf('the workers of every client timed out after %.1fs',
                    time - $stopped)) or diag($@);

    # ... and connects again: the kernel completes the handshake for a
    # process that is stopped
    $ok = eval {
        flow($t, throttled(0.05, sub {
                accept_queue($port) >= keys %workers }),
             'the workers to connect again');
    };
    ok($ok, 'the workers connected again ('
            . accept_queue($port) . ' waiting to be accepted)') or diag($@);

    # a pong comes after whatever the worker sent before it
    $t->{clients}[$_]->ping("st$_") for 0 .. 2;
    flow($t, sub { !grep { !$t->{clients}[$_]->ponged("st$_") } 0 .. 2 },
         'pongs');
    my @down = grep { !told_since($t->{clients}[$_], $mark->[$_], 'down') }
                    0 .. 2;
    is(join(' ', map { $t->{names}[$_] } @down), '',
        'every client told the store is down');
    is(join(' ', told_up($t, $mark)), '',
        'no client told store=true while Redis is stopped');
}

subtest 'no_store_true_while_redis_is_stopped' => sub {
    my $t = cast('st');
    flow($t, sub { acks_total($t) >= 12 }, 'st: traffic under way');

    my $mark = marks($t);
    my @logs = ($ngx->log_mark, $ngx_b->log_mark);
    my $pid = $redis->pid;
    my $port = $redis->port;
    $t->{gap} = 0.05;
    kill 'STOP', $pid;
    my $stopped = time;
    # whatever fails, Redis goes on afterwards
    my $done = eval { while_stopped($t, $mark, \@logs, $port, $stopped); 1 };
    my $err = $@;
    diag(sprintf 'Redis stopped for %.1fs', time - $stopped);
    kill 'CONT', $pid;
    die $err unless $done;

    $t->{gap} = 0.02;
    flow($t, sub { all_told_back($t, $mark) },
         'every client told the store is back',
         timeout => 2 * timeout_seconds());
    settle($t, 'redis stopped');
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
$ngx_b->stop;
$redis->stop;
done_testing;
