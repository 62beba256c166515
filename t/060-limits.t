#!/usr/bin/perl

# Abuse limits, tried as a stranger with a script would: a socket that
# floods messages, throw-away conversations from one address, control
# characters that JSON stores six times, too many sockets of one address,
# a socket that never reads, a typing flood, page views without end.
# Each stores or holds what a real shopper needs, no more; the numbers
# measured are printed.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

$SIG{PIPE} = 'IGNORE';

my $redis = LiveHelp::Redis->start;

# the defaults, but for the socket that never reads: its send limit is
# high, so that only the write timeout can close it
my $config = <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_handshake_timeout 1s;

    # the tests pose as clients of many addresses
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;

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

    server {
        listen 127.0.0.1:%%SLOW_PORT%%;

        location /live-help/ {
            live_help_endpoint;
            live_help_send_limit 64m;
            live_help_send_timeout 2s;
        }
    }
}
CONF

my %files = (agents => "maria:{PLAIN}s3cret\n"
                      . "jonas.berg\@shop.example:{PLAIN}pw\n");
my %vars = (REDIS_PORT => $redis->port, SLOW_PORT => free_port());

my $ngx = LiveHelp::Nginx->start(config => $config, vars => \%vars,
    files => \%files);
my $ngx2 = LiveHelp::Nginx->start(config => $config,
    vars => { %vars, SLOW_PORT => free_port() }, files => \%files);

my $AUTH = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');

sub next_of {
    my ($ws, $type) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
    }
}

# a visitor of address $ip past hello: (ws, session)
sub visitor {
    my ($n, $ip, %o) = @_;
    my $ws = LiveHelp::WS->connect($o{port} // $n->port,
        headers => ["X-Forwarded-For: $ip"], rcvbuf => $o{rcvbuf});
    $ws->recv_json;
    $ws->send_json({ type => 'hello' });
    return ($ws, next_of($ws, 'session'));
}

sub agent {
    my ($auth) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws', headers => [$auth // $AUTH]);
    $ws->recv_json;
    $ws->send_json({ type => 'hello' });
    next_of($ws, 'conversations');
    return $ws;
}

sub used_memory {
    my $info = $redis->command('INFO', 'memory');
    return $info =~ /used_memory:(\d+)/ ? $1 : die "no used_memory\n";
}

sub rss_kb {
    my ($pid) = @_;
    my $s = read_file("/proc/$pid/status");
    return $s =~ /VmRSS:\s+(\d+)/ ? $1 : 0;
}

# every frame until the server closes: (messages, close code)
sub drain {
    my ($ws) = @_;
    my (@got, $code);
    for (;;) {
        my $f = $ws->recv_frame;
        last unless $f;
        if ($f->{opcode} == 8) {
            ($code) = unpack 'n', $f->{payload};
            last;
        }
        push @got, LiveHelp::WS->json->decode($f->{payload})
            if $f->{opcode} == 1;
    }
    return (\@got, $code);
}

subtest 'a_flooding_socket_stores_its_allowance_and_is_closed_1008' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.1');
    my $before = used_memory();
    my $t0 = time;

    # 2000 messages of 4000 bytes, back to back, never waiting
    my $text = 'x' x 4000;
    my $burst = join '', map {
        LiveHelp::WS::frame(opcode => 1, payload =>
            LiveHelp::WS->json->encode({ type => 'message', cid => "f$_",
                                         text => $text }))
    } 1 .. 2000;
    eval { $v->send_raw($burst) };
    my ($got, $code) = drain($v);
    my $took = time - $t0;

    my @acks = grep { $_->{type} eq 'ack' } @$got;
    my @limited = grep { $_->{type} eq 'nack'
                         && $_->{code} eq 'rate_limited' } @$got;
    my $stored = $redis->command('XLEN', "lh:c:$session->{visitor}:log");
    my $grown = used_memory() - $before;

    diag(sprintf '2000 pipelined messages: %d acked, %d rate_limited, '
        . 'closed %s after %.2f s; log holds %d events, Redis +%d KB',
        scalar @acks, scalar @limited, $code // 'never', $took, $stored,
        $grown / 1024);

    is($code, 1008, 'the socket is closed with 1008');
    # acks of the burst may be lost with the socket; a resend of their
    # cids gets them, as after any reconnect
    # and what was still queued behind Redis when the socket went was
    # neither stored nor acknowledged
    cmp_ok($stored, '<=', 12, 'the log holds the burst at most');
    cmp_ok($stored, '>=', 2, 'and some of it');
    ok((grep { $_->{retry} && $_->{retry} > 0 } @limited),
        'rate_limited says how long to wait');
    cmp_ok($grown, '<', 1024 * 1024, 'Redis grew by less than 1 MB');
};

subtest 'a_client_that_waits_as_told_gets_every_message_stored' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.9');
    my (%acked, $nacks);
    my @cids = map { "w$_" } 1 .. 14;
    my @queue = @cids;
    my $deadline = time + 30;

    # the widget's way: on a nack, wait "retry", then send again in order
    while (@queue && time < $deadline) {
        $v->send_json({ type => 'message', cid => $_, text => "hi $_" })
            for @queue;
        my ($wait, %seen) = (0);
        while (keys %seen < @queue) {
            my $m = $v->recv_json;
            next unless $m->{type} eq 'ack' || $m->{type} eq 'nack';
            $seen{ $m->{cid} } = 1;
            if ($m->{type} eq 'ack') {
                $acked{ $m->{cid} } = 1;
            } else {
                $nacks++;
                $wait = $m->{retry} if ($m->{retry} // 0) > $wait;
            }
        }
        @queue = grep { !$acked{$_} } @queue;
        select undef, undef, undef, $wait / 1000 if @queue;
    }

    diag("14 messages at once: all stored after $nacks nacks");
    is(scalar keys %acked, 14, 'every message is stored in the end');
    my $log = $redis->command('XRANGE', "lh:c:$session->{visitor}:log",
        '-', '+');
    my @texts = map { $_->[1][1] =~ /"text":"([^"]*)"/ ? $1 : () } @$log;
    is_deeply(\@texts, [ map { "hi $_" } @cids ], 'in the order sent');
    $v->close;
};

subtest 'control_characters_are_refused_and_text_is_stored_at_most_2x' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.2');

    $v->send_json({ type => 'message', cid => 'c1',
                    text => "\x01" x 4000 });
    my $err = next_of($v, 'error');
    is($err->{code}, 'bad_text', 'U+0001 is refused');

    $v->send_json({ type => 'message', cid => 'c2',
                    text => "a\tb\r\nc" });
    is(next_of($v, 'ack')->{cid}, 'c2', 'tab and line breaks are text');

    $v->send_json({ type => 'message', cid => 'c3', text => '"' x 4000 });
    is(next_of($v, 'ack')->{cid}, 'c3', '4000 quotes are stored');

    my $log = $redis->command('XRANGE', "lh:c:$session->{visitor}:log",
        '-', '+');
    my ($largest) = sort { $b <=> $a } map { length $_->[1][1] } @$log;
    diag("largest stored event of a 4000-byte text: $largest bytes");
    cmp_ok($largest, '<', 8100, 'a 4000-byte text takes under 8.1 KB');
    $v->close;
};

# a note (an FAQ answer shown, a hand-off) starts a visitor's log without
# opening a conversation: a log that way counts as one new conversation of
# the address, and once only when the visitor then writes
subtest 'logs_started_by_notes_count_as_new_conversations_once' => sub {
    my $ack_or_nack = sub {
        my ($v) = @_;
        my $m;
        do { $m = $v->recv_json } until $m->{type} =~ /^(ack|nack)$/;
        return $m;
    };
    my ($stored, @refused) = (0);

    for my $i (1 .. 12) {
        my ($v) = visitor($i % 2 ? $ngx : $ngx2, '192.0.2.17');
        $v->send_json({ type => 'handoff', cid => 'h', via => 'email',
                        email => "v$i\@example.com" });
        my $m = $ack_or_nack->($v);
        $m->{type} eq 'ack' ? $stored++ : push @refused, $m;
        $v->close;
    }
    diag "12 visitors of one address with one note each: $stored stored, "
        . @refused . ' refused';
    is($stored, 10, 'ten logs of notes for the address');
    is(scalar @refused, 2, 'the 11th and 12th are refused');
    is($refused[0]{code}, 'rate_limited', 'as rate_limited');

    # ten shoppers who read an answer, then write: each counted once
    my $both = 0;
    for my $i (1 .. 10) {
        my ($v) = visitor($ngx, '192.0.2.18');
        $v->send_json({ type => 'handoff', cid => 'h', via => 'email',
                        email => "s$i\@example.com" });
        my $a = $ack_or_nack->($v);
        $v->send_json({ type => 'message', cid => 'm', text => "hi $i" });
        my $b = $ack_or_nack->($v);
        $both++ if $a->{type} eq "ack" && $b->{type} eq "ack";
        $v->close;
    }
    is($both, 10, 'a note and then a message are one conversation');
};

subtest 'throw_away_conversations_are_limited_per_address_on_all_hosts' =>
sub {
    my $t0 = time;
    my ($opened, @refused) = (0);

    # 12 new visitors of one address, each with one message, on two hosts
    for my $i (1 .. 12) {
        my ($v) = visitor($i % 2 ? $ngx : $ngx2, '192.0.2.3');
        $v->send_json({ type => 'message', cid => 'm', text => "spam $i" });
        my $m;
        do { $m = $v->recv_json } until $m->{type} =~ /^(ack|nack)$/;
        if ($m->{type} eq 'ack') {
            $opened++;
        } else {
            push @refused, $m;
        }
        $v->close;
    }

    # a real shopper of another address came first, and is waiting
    my ($real, $rs) = visitor($ngx, '192.0.2.4');
    $real->send_json({ type => 'message', cid => 'r1', text => 'help?' });
    is(next_of($real, 'ack')->{cid}, 'r1', 'a shopper elsewhere writes');

    diag(sprintf '12 throw-away conversations of one address on 2 hosts in '
        . '%.2f s: %d opened, %d refused (wait %d s)', time - $t0, $opened,
        scalar @refused, ($refused[0]{retry} // 0) / 1000);

    is($opened, 10, 'the address opens 10 conversations an hour');
    is(scalar @refused, 2, 'the 11th and 12th are refused');
    is($refused[0]{code}, 'rate_limited', 'as rate_limited');
    cmp_ok($refused[0]{retry}, '>', 60_000, 'with minutes to wait');

    my $queue = $redis->command('ZRANGE', 'lh:queue', 0, -1);
    ok((grep { $_ eq $rs->{visitor} } @$queue),
        'the real shopper is in the queue');
    $real->close;
};

subtest 'sockets_of_one_address_are_capped' => sub {
    my @open;
    for (1 .. 32) {
        my $ws = LiveHelp::WS->connect($ngx->port, path => '/live-help/ws',
            headers => ['X-Forwarded-For: 192.0.2.5']);
        push @open, $ws;
    }
    my $res = LiveHelp::WS->handshake($ngx->port, path => '/live-help/ws',
        headers => ['X-Forwarded-For: 192.0.2.5']);
    is($res->{status}, 429, 'the 33rd socket of the address gets 429');

    my $other = LiveHelp::WS->handshake($ngx->port, path => '/live-help/ws',
        headers => ['X-Forwarded-For: 192.0.2.6']);
    is($other->{status}, 101, 'another address still gets in');

    # the v6 clients of one /64 count as one
    my @six = map {
        LiveHelp::WS->handshake($ngx->port, path => '/live-help/ws',
            headers => ["X-Forwarded-For: 2001:db8:1:2::$_"])
    } 1 .. 33;
    is(scalar(grep { $_->{status} == 101 } @six), 32,
        'a /64 gets 32 sockets');
    is($six[-1]{status}, 429, 'and no more');
    close $_->{socket} for @six;

    # a proxy in front without realip, or the site's own network: not
    # counted per address (per socket limits still hold)
    my @local = map {
        LiveHelp::WS->handshake($ngx->port, path => '/live-help/ws',
            headers => ["X-Forwarded-For: 10.1.2.3"])
    } 1 .. 40;
    is(scalar(grep { $_->{status} == 101 } @local), 40,
        'a private address is not capped');
    close $_->{socket} for @local;

    # the cap is across both workers: one leaves, one more comes
    (shift @open)->close;
    wait_until('a socket of the address closes', sub {
        LiveHelp::WS->handshake($ngx->port, path => '/live-help/ws',
            headers => ['X-Forwarded-For: 192.0.2.5'])->{status} == 101;
    });
    pass('room again once one closed');
    $_->close for @open;
};

subtest 'a_socket_that_never_reads_is_dropped_after_the_send_timeout' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.7',
        port => $vars{SLOW_PORT}, rcvbuf => 4096);
    $v->send_json({ type => 'message', cid => 's1', text => 'hello' });
    next_of($v, 'ack');

    my $a = agent();
    my $conv = $session->{visitor};
    my @pids = $ngx->worker_pids;
    my %rss0 = map { $_ => rss_kb($_) } @pids;
    my $mark = $ngx->log_mark;

    # replies of 4000 bytes until the visitor's worker holds some for it
    my $text = 'y' x 4000;
    my $sent = 0;
    my $t0 = time;
    until ($ngx->log_since($mark) =~ /client stopped reading/) {
        die "the socket was not dropped\n" if time - $t0 > 20;
        for (1 .. 50) {
            $a->send_json({ type => 'message', conversation => $conv,
                            cid => 'r' . $sent++, text => $text });
        }
        for (1 .. 50) {
            next_of($a, 'ack');
        }
    }
    my %rss1 = map { $_ => rss_kb($_) } @pids;
    diag(sprintf '%d replies (%.1f MB) to a socket that never reads: '
        . 'dropped %.1f s after the first; worker RSS %s',
        $sent, $sent * 4000 / 1e6, time - $t0,
        join ', ', map { "$rss0{$_} -> $rss1{$_} KB" } @pids);
    pass('the socket that stopped reading was closed');
    $a->close;
    $v->close;
};

subtest 'bad_messages_earn_few_answers_then_1008' => sub {
    my ($v) = visitor($ngx, '192.0.2.8');
    my $bytes = join '', map { LiveHelp::WS::frame(opcode => 1,
                                                   payload => '{') } 1 .. 500;
    eval { $v->send_raw($bytes) };
    my ($got, $code) = drain($v);
    my $answered = grep { $_->{type} eq 'error' } @$got;
    my $size = 0;
    $size += length LiveHelp::WS->json->encode($_) for @$got;
    diag("500 one-byte bad messages: $answered errors ($size bytes) "
        . "then close " . ($code // 'none'));
    is($code, 1008, 'closed with 1008');
    cmp_ok($answered, '<=', 32, 'after about 30 answers');
};

subtest 'typing_is_coalesced_to_one_a_second' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.10');
    $v->send_json({ type => 'message', cid => 't0', text => 'hi' });
    next_of($v, 'ack');
    my $a = agent();
    my $t0 = time;

    for my $i (1 .. 300) {
        $v->send_json({ type => 'typing', on => $i % 2 ? \1 : \0 });
    }
    # an end marker: the visitor's message comes after its typing
    $v->send_json({ type => 'message', cid => 't1', text => 'done' });
    my $typing = 0;
    for (;;) {
        my $m = $a->recv_json;
        $typing++ if $m->{type} eq 'typing'
            && $m->{conversation} eq $session->{visitor};
        last if $m->{type} eq 'event' && $m->{event}{kind} eq 'message'
            && $m->{event}{cid} && $m->{event}{cid} eq 't1';
    }
    my $took = time - $t0;
    diag(sprintf '300 typing events in %.2f s: %d reached the agent',
        $took, $typing);
    cmp_ok($typing, '>=', 1, 'typing still reaches the agent');
    cmp_ok($typing, '<=', 4 + int($took), 'one a second after 4');
    $a->close;
    $v->close;
};

subtest 'page_views_are_limited' => sub {
    my ($v) = visitor($ngx, '192.0.2.11');
    for my $i (1 .. 15) {
        $v->send_json({ type => 'page', url => "http://shop.test/p$i",
                        title => "P$i", id => "p$i" });
    }
    $v->send_json({ type => 'ping', id => 'end' });
    my @errors;
    for (;;) {
        my $m = $v->recv_json;
        last if $m->{type} eq 'pong';
        push @errors, $m if $m->{type} eq 'error';
    }
    is(scalar @errors, 5, '10 page views at once, then rate_limited');
    is($errors[0]{code}, 'rate_limited', 'with the code');
    ok($errors[0]{retry} > 0, 'and the wait');
    $v->close;
};

subtest 'visitors_never_see_an_agents_login' => sub {
    my ($v, $session) = visitor($ngx, '192.0.2.12');
    $v->send_json({ type => 'message', cid => 'n1', text => 'hello?' });
    next_of($v, 'ack');

    my $a = agent('Authorization: Basic '
        . encode_base64('jonas.berg@shop.example:pw', ''));
    $a->send_json({ type => 'message', conversation => $session->{visitor},
                    cid => 'n2', text => 'Hi, Jonas here' });
    next_of($a, 'ack');

    my ($reply, @all);
    until ($reply) {
        my $m = $v->recv_json;
        push @all, $m;
        $reply = $m if $m->{type} eq 'event' && $m->{event}{cid}
            && $m->{event}{cid} eq 'n2';
    }
    is($reply->{event}{author}, 'Jonas', 'an e-mail login: its first word');
    my $seen = LiveHelp::WS->json->encode(\@all);
    unlike($seen, qr/shop\.example|jonas\.berg/i,
        'the login is in nothing the visitor got');
    $a->close;
    $v->close;
};

subtest 'half_open_handshakes_are_dropped_after_the_handshake_timeout' =>
sub {
    my $t0 = time;
    my @socks = map {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $ngx->port, Proto => 'tcp') or die "connect: $!\n";
        print $s "GET /live-help/ws HTTP/1.1\r\nHost: shop\r\n";
        $s;
    } 1 .. 200;

    # each ends when nginx gives up on its headers
    my $sel = IO::Select->new(@socks);
    my $left = @socks;
    my $last = 0;
    while ($left && time - $t0 < 10) {
        for my $s ($sel->can_read(1)) {
            my $n = sysread($s, my $buf, 4096);
            next if $n;
            $sel->remove($s);
            $left--;
            $last = time - $t0;
        }
    }
    diag(sprintf '200 half-open handshakes (client_header_timeout 60s, '
        . 'live_help_handshake_timeout 1s): %d left after %.1f s',
        $left, $last);
    is($left, 0, 'every half-open handshake was dropped');
    cmp_ok($last, '<', 4, 'within a few seconds, not a minute');
    close $_ for @socks;
};

$ngx->stop;
$ngx2->stop;
$redis->stop;

done_testing;
