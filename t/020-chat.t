#!/usr/bin/perl

# Chat across workers and hosts through Redis: messages both ways, acks
# only after storing, a resend stored once, resume with exactly the gap,
# typing never stored, and a visitor confined to its own conversation.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Test::More;

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $redis = LiveHelp::Redis->start;

my $config = <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_secret_file %%SECRET%%;

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

my $secret_dir = temp_dir('secret');
write_file("$secret_dir/key", join '', map { chr int rand 256 } 1 .. 32);

my %files = (agents => "maria:{PLAIN}s3cret\nolli:{PLAIN}pw\n");
my %vars = (REDIS_PORT => $redis->port, SECRET => "$secret_dir/key");

my $a = LiveHelp::Nginx->start(config => $config, vars => \%vars,
    files => \%files);

my $AUTH = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');

# A visitor socket past hello: (ws, session, worker pid).
sub visitor {
    my ($ngx, %o) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    my $welcome = $ws->recv_json;
    is($welcome->{type}, 'welcome', 'visitor welcomed');
    $ws->send_json({ type => 'hello', token => $o{token},
                     after => $o{after} });
    # presence may be announced at any time, before the session too
    my $session = next_of($ws, 'session');
    is($session->{type}, 'session', 'visitor gets a session');
    return ($ws, $session, $welcome->{worker});
}

sub agent {
    my ($ngx, %o) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws', headers => [$o{auth} // $AUTH]);
    my $welcome = $ws->recv_json;
    is($welcome->{role}, 'agent', 'agent welcomed');
    $ws->send_json({ type => 'hello' });
    my $list = next_of($ws, 'conversations');
    is($list->{type}, 'conversations', 'agent gets the conversation list');
    return ($ws, $welcome->{worker});
}

# The next message of a type, skipping others (typing, live, ...).
sub next_of {
    my ($ws, $type) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
    }
}

# The next message event, skipping what says who answers (opened, joined)
sub next_message {
    my ($ws) = @_;
    for (;;) {
        my $m = next_of($ws, 'event');
        return $m if $m->{event}{kind} eq 'message';
    }
}

# The ids of a log after "after" (all of it without)
sub log_ids {
    my ($conv, $after) = @_;
    my $log = $redis->command('XRANGE', "lh:c:$conv:log",
        defined $after ? "($after" : '-', '+');
    return [ map { $_->[0] } @$log ];
}

sub wait_live {
    my ($ws) = @_;
    my $m = next_of($ws, 'live');
    return $m;
}

subtest 'agent_socket_needs_nginx_auth' => sub {
    my $res = LiveHelp::WS->handshake($a->port,
        path => '/live-help/agent/ws');
    is($res->{status}, 401, 'no credentials: 401 from auth_basic');
    $res = LiveHelp::WS->handshake($a->port, path => '/live-help/agent/ws',
        headers => ['Authorization: Basic '
                    . encode_base64('maria:wrong', '')]);
    is($res->{status}, 401, 'wrong password: 401');
};

subtest 'visitor_message_reaches_agent_on_other_worker' => sub {
    # land the two on different workers
    my ($agent, $agent_worker) = agent($a);
    my ($v, $session, $v_worker);
    for (1 .. 30) {
        ($v, $session, $v_worker) = visitor($a);
        last if $v_worker != $agent_worker;
        $v->close;
    }
    isnt($v_worker, $agent_worker, 'visitor and agent on different workers');
    wait_live($v);

    my $conv = $session->{conversation};
    $v->send_json({ type => 'message', cid => 'm1', text => 'Do you ship '
        . 'to Helsinki? <b>&</b>' });
    my $ack = next_of($v, 'ack');
    is($ack->{cid}, 'm1', 'visitor gets the ack');
    like($ack->{seq}, qr/^\d+-\d+$/, 'with the stored sequence id');

    my $ev = next_message($agent);
    is($ev->{conversation}, $conv, 'agent gets the event of that conversation');
    is($ev->{seq}, $ack->{seq}, 'same sequence id');
    is($ev->{event}{text}, 'Do you ship to Helsinki? <b>&</b>',
        'text unchanged');
    is($ev->{event}{from}, 'visitor', 'from the visitor');

    my $mine = next_message($v);
    is($mine->{seq}, $ack->{seq}, 'visitor sees its own message in the log');

    $agent->send_json({ type => 'message', conversation => $conv,
                        cid => 'a1', text => 'Yes, in 2 days.' });
    my $aack = next_of($agent, 'ack');
    is($aack->{conversation}, $conv, 'agent gets the ack');

    my $reply = next_message($v);
    is($reply->{event}{text}, 'Yes, in 2 days.', 'visitor gets the reply');
    is($reply->{event}{from}, 'agent', 'from the agent');
    is($reply->{event}{author}, 'Maria',
        'named by the first word of the login, capitalised');
    like($reply->{event}{agent}, qr/^a[A-Za-z0-9_-]{12}$/,
        'and an agent id');
    unlike(join(' ', values %{ $reply->{event} }), qr/maria/,
        'the login itself is nowhere in the event');
    is($reply->{seq}, $aack->{seq}, 'with the stored id');

    $v->close;
    $agent->close;
};

subtest 'resend_with_the_same_cid_is_stored_once' => sub {
    my ($v, $session) = visitor($a);
    wait_live($v);
    my $conv = $session->{conversation};
    $v->send_json({ type => 'message', cid => 'dup', text => 'once' });
    $v->send_json({ type => 'message', cid => 'dup', text => 'once' });
    my $a1 = next_of($v, 'ack');
    my $a2 = next_of($v, 'ack');
    is($a2->{seq}, $a1->{seq}, 'both acks carry the same id');
    my $texts = grep { /"kind":"message"/ } map { $_->[1][1] }
        @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
    is($texts, 1, 'one message in the log');
    $v->close;
};

subtest 'resume_gets_exactly_the_gap_then_live_events' => sub {
    my ($agent) = agent($a);
    my ($v, $session) = visitor($a);
    wait_live($v);
    my $conv = $session->{conversation};

    my @seen;
    for my $i (1 .. 3) {
        $v->send_json({ type => 'message', cid => "v$i", text => "v$i" });
        next_of($v, 'ack');
        push @seen, next_message($v)->{seq};
    }
    $v->close;

    my @missed;
    for my $i (1 .. 4) {
        $agent->send_json({ type => 'message', conversation => $conv,
                            cid => "g$i", text => "gap $i" });
        push @missed, next_of($agent, 'ack')->{seq};
    }

    my ($v2, $s2) = visitor($a, token => $session->{token},
                            after => $seen[-1]);
    is($s2->{conversation}, $conv, 'same conversation after reconnect');
    my @got;
    for (;;) {
        my $m = $v2->recv_json;
        last if $m->{type} eq 'live';
        push @got, $m->{seq} if $m->{type} eq 'event';
    }
    is_deeply(\@got, log_ids($conv, $seen[-1]),
        'exactly the missed events, in order');
    my %got = map { $_ => 1 } @got;
    is(scalar(grep { $got{$_} } @missed), 4, 'the agent\'s four among them');

    $agent->send_json({ type => 'message', conversation => $conv,
                        cid => 'after', text => 'live now' });
    my $live = next_message($v2);
    is($live->{event}{text}, 'live now', 'then live events');

    # the whole log from the start, with no "after"
    my ($v3) = visitor($a, token => $session->{token});
    my @all;
    for (;;) {
        my $m = $v3->recv_json;
        last if $m->{type} eq 'live';
        push @all, $m->{seq} if $m->{type} eq 'event';
    }
    is_deeply(\@all, log_ids($conv), 'no "after": the whole conversation');
    $_->close for $v2, $v3, $agent;
};

subtest 'agent_can_ask_for_the_list_again' => sub {
    my ($v, $session) = visitor($a);
    wait_live($v);
    $v->send_json({ type => 'message', cid => 'l1', text => 'list me' });
    next_of($v, 'ack');
    my ($agent) = agent($a);
    $agent->send_json({ type => 'conversations', id => 3 });
    my $list = next_of($agent, 'conversations');
    my ($item) = grep { $_->{conversation} eq $session->{conversation} }
        @{ $list->{items} };
    ok($item, 'the conversation is listed');
    like($item->{state}, qr/^(waiting|open)$/, "with its state ($item->{state})");
    like($item->{visitor}, qr/^Visitor \d+$/,
        "and a name to say aloud ($item->{visitor})");
    is($item->{last}{text}, 'list me', 'and its last event');
    $v->send_json({ type => 'conversations' });
    is(next_of($v, 'error')->{code}, 'unknown_type', 'not for visitors');
    $_->close for $v, $agent;
};

subtest 'catch_up_refused_by_redis_is_retried' => sub {
    my ($v, $session) = visitor($a);
    wait_live($v);
    my $conv = $session->{conversation};
    $v->close;

    # XRANGE now fails with an error reply, the connection staying up (as
    # with "-LOADING" from a Redis reading its data after a restart)
    $redis->command('SET', "lh:c:$conv:log", 'not a stream');
    my ($v2) = visitor($a, token => $session->{token});
    my $early = eval { $v2->recv_json(timeout => 1) };
    ok(!$early || $early->{type} ne 'live', 'not live while refused');

    $redis->command('DEL', "lh:c:$conv:log");
    is(next_of($v2, 'live')->{conversation}, $conv,
        'live once Redis answers again');
    $v2->close;
};

subtest 'typing_is_ephemeral' => sub {
    my ($agent) = agent($a);
    my ($v, $session) = visitor($a);
    wait_live($v);
    my $conv = $session->{conversation};
    $v->send_json({ type => 'typing', on => JSON::PP::true });
    my $t = next_of($agent, 'typing');
    is($t->{conversation}, $conv, 'agent sees the visitor typing');
    ok($t->{event}{on}, 'typing on');
    is($redis->command('EXISTS', "lh:c:$conv:log"), 0, 'nothing stored');

    $agent->send_json({ type => 'typing', conversation => $conv,
                        on => JSON::PP::true });
    my $at;
    do { $at = next_of($v, 'typing') } until $at->{event}{from} ne 'visitor';
    is($at->{event}{from}, 'agent', 'the visitor sees the agent typing');
    is($at->{event}{author}, 'Maria', 'with the agent\'s display name');
    is($redis->command('EXISTS', "lh:c:$conv:log"), 0, 'still nothing stored');
    $_->close for $v, $agent;
};

subtest 'bad_messages_get_errors_and_store_nothing' => sub {
    my $ws = LiveHelp::WS->connect($a->port);
    $ws->recv_json;
    $ws->send_json({ type => 'message', cid => 'x', text => 'hi' });
    is(next_of($ws, 'error')->{code}, 'no_hello', 'message before hello');

    $ws->send_json({ type => 'hello' });
    my $session = next_of($ws, 'session');
    $ws->send_json({ type => 'message', text => 'no cid' });
    is(next_of($ws, 'error')->{code}, 'bad_cid', 'missing cid');
    $ws->send_json({ type => 'message', cid => 'a b', text => 'x' });
    is(next_of($ws, 'error')->{code}, 'bad_cid', 'cid with a space');
    $ws->send_json({ type => 'message', cid => 'big', text => 'x' x 4001 });
    is(next_of($ws, 'error')->{code}, 'bad_text', 'text over 4000 bytes');
    $ws->send_json({ type => 'message', cid => 'empty', text => '' });
    is(next_of($ws, 'error')->{code}, 'bad_text', 'empty text');
    is($redis->command('EXISTS', "lh:c:$session->{conversation}:log"), 0,
        'nothing stored');
    $ws->close;
};

subtest 'visitor_only_reads_its_own_conversation' => sub {
    my ($v1, $s1) = visitor($a);
    wait_live($v1);
    $v1->send_json({ type => 'message', cid => 'secret', text => 'private' });
    next_of($v1, 'ack');

    # a token with its id swapped for the other visitor's fails its HMAC
    my ($v2, $s2) = visitor($a);
    my ($id2, $exp, $sig) = split /\./, $s2->{token};
    my $forged = join '.', $s1->{visitor}, $exp, $sig;
    my ($v3, $s3) = visitor($a, token => $forged);
    isnt($s3->{conversation}, $s1->{conversation},
        'forged token: a new visitor, not the victim');
    my $m = next_of($v3, 'live');
    is($m->{conversation}, $s3->{conversation}, 'and an empty conversation');

    # history is for agents only
    $v2->send_json({ type => 'history', conversation => $s1->{conversation} });
    is(next_of($v2, 'error')->{code}, 'unknown_type',
        'a visitor cannot ask for history');
    $_->close for $v1, $v2, $v3;
};

subtest 'visitors_are_told_how_many_agents_are_online' => sub {
    my ($v) = visitor($a);
    my $p = next_of($v, 'presence');
    my $before = $p->{agents};

    # maria twice (two tabs) and olli: two agents
    my ($m1) = agent($a);
    my ($m2) = agent($a);
    my ($o) = agent($a, auth => 'Authorization: Basic '
                                . encode_base64('olli:pw', ''));
    my $n;
    do { $n = next_of($v, 'presence')->{agents} } until $n == $before + 2;
    is($n, $before + 2, 'two more agents online, each counted once');
    is($redis->command('EXISTS', 'lh:agents'), 1, 'kept in lh:agents');

    $_->close for $m1, $m2, $o;
    do { $n = next_of($v, 'presence')->{agents} } until $n == $before;
    is($n, $before, 'and back when they leave');
    $v->close;
};

subtest 'two_nginx_hosts_share_one_redis' => sub {
    my $b = LiveHelp::Nginx->start(config => $config, vars => \%vars,
        files => \%files);
    my ($agent_b) = agent($b);
    my ($v, $session) = visitor($a);
    wait_live($v);
    my $conv = $session->{conversation};

    $v->send_json({ type => 'message', cid => 'ab1', text => 'from A' });
    my $ev = next_message($agent_b);
    is($ev->{event}{text}, 'from A', 'host B agent sees the host A visitor');

    $agent_b->send_json({ type => 'message', conversation => $conv,
                          cid => 'ba1', text => 'from B' });
    is(next_message($v)->{event}{text}, 'from A', 'own message first');
    is(next_message($v)->{event}{text}, 'from B',
        'host A visitor gets the host B reply');

    # the token of host A is good on host B: same secret
    my $last = next_of($agent_b, 'ack')->{seq};
    $v->close;
    my ($vb, $sb) = visitor($b, token => $session->{token});
    is($sb->{conversation}, $conv, 'resumes on the other host');
    my @texts;
    for (;;) {
        my $m = $vb->recv_json;
        last if $m->{type} eq 'live';
        push @texts, $m->{event}{text}
            if $m->{type} eq 'event' && $m->{event}{kind} eq 'message';
    }
    is_deeply(\@texts, ['from A', 'from B'], 'whole log from host B');
    $_->close for $vb, $agent_b;
    $b->stop;
};

$a->stop;
$redis->stop;
done_testing;
