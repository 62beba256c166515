#!/usr/bin/perl

# Read marks, ratings and their tags through nginx (two workers) and
# Redis: a mark moves only forward and only by the owner, survives a
# reconnect, and a script sending reads or ratings without end adds at most
# one event per event of the others; a rating only after the conversation
# closed, once, stored in the state and the log, counted with its tag.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

$SIG{PIPE} = 'IGNORE';

my $redis = LiveHelp::Redis->start;
my $ngx = LiveHelp::Nginx->start(
    config => LiveHelp::Nginx->chat_config('live_help_assign manual;'),
    vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}pw\njonas:{PLAIN}pw\n" });
my $JSON = LiveHelp::WS->json;

sub next_of {
    my ($ws, $type) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
    }
}

# the next answer that is one of these types
sub next_in {
    my ($ws, @types) = @_;
    my %want = map { $_ => 1 } @types;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $want{ $m->{type} };
    }
}

# the next stored event of that kind
sub next_event {
    my ($ws, $kind) = @_;
    for (;;) {
        my $m = next_of($ws, 'event');
        return $m if $m->{event}{kind} eq $kind;
    }
}

sub agent {
    my ($login) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
        headers => [ 'Authorization: Basic '
                     . encode_base64("$login:pw", '') ]);
    $ws->recv_json;
    $ws->send_json({ type => 'hello' });
    my $s = next_of($ws, 'session');
    next_of($ws, 'conversations');
    return ($ws, $s);
}

sub visitor {
    my (%hello) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    $ws->recv_json;
    $ws->send_json({ type => 'hello', %hello });
    my $s = next_of($ws, 'session');
    my @events;
    for (;;) {
        my $m = $ws->recv_json;
        last if $m->{type} eq 'live';
        push @events, $m if $m->{type} eq 'event';
    }
    return ($ws, $s, \@events);
}

sub state { $redis->command('HGET', "lh:c:$_[0]:state", $_[1]) }
sub xlen  { $redis->command('XLEN', "lh:c:$_[0]:log") }

sub kinds {
    my ($conv, $kind) = @_;
    return grep { $_->{kind} eq $kind }
           map { $JSON->decode($_->[1][1]) }
           @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
}

# an id one millisecond after seq
sub later_seq {
    my ($ms, $n) = split /-/, $_[0];
    return ($ms + 1) . "-$n";
}

my ($maria, $ms) = agent('maria');
my ($jonas) = agent('jonas');

subtest 'read_marks_move_forward_by_the_owner_only' => sub {
    my ($v, $s) = visitor();
    my $conv = $s->{conversation};
    $v->send_json({ type => 'message', cid => 'v1', text => 'Is it blue?' });
    my $m1 = next_of($v, 'ack')->{seq};

    # nobody owns it yet: an agent looking at the queue reads nothing
    $maria->send_json({ type => 'read', conversation => $conv, seq => $m1 });
    is(next_of($maria, 'error')->{code}, 'owned',
        'a read of a waiting chat is not the shopper\'s "Read"');

    $maria->send_json({ type => 'claim', cid => 'c1', conversation => $conv });
    next_of($maria, 'ack');
    $maria->send_json({ type => 'read', conversation => $conv, seq => $m1 });
    my $r = next_event($v, 'read');
    is_deeply($r->{event}, { kind => 'read', by => 'agent', seq => $m1 },
        'the shopper learns the owner read up to the message');
    is(state($conv, 'aread'), $m1, 'the mark is in the state (aread)');

    $maria->send_json({ type => 'read', conversation => $conv, seq => $m1 });
    my $e = next_of($maria, 'error');
    is_deeply([ @$e{qw(code seq)} ], [ 'stale', $m1 ],
        'the same position again: refused, with the mark kept');
    # the newest id is the read event itself: it reads as the event
    # before it (the claim's "joined"), and a mark on that mark is stale
    my ($joined) = map { $_->[0] } grep { $_->[1][1] =~ /"joined"/ }
        @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
    $maria->send_json({ type => 'read', conversation => $conv,
                        seq => $r->{seq} });
    my $r2 = next_event($v, 'read');
    is($r2->{event}{seq}, $joined,
        'a read up to a read mark stops at the event before it');
    $maria->send_json({ type => 'read', conversation => $conv,
                        seq => $r2->{seq} });
    is(next_of($maria, 'error')->{code}, 'stale',
        'a read mark is not something to read: no mark on a mark');
    my $len = xlen($conv);
    $maria->send_json({ type => 'read', conversation => $conv,
                        seq => later_seq($r2->{seq}) });
    is(next_of($maria, 'error')->{code}, 'beyond',
        'a position after the log\'s last event is refused');
    $maria->send_json({ type => 'read', conversation => $conv,
                        seq => '1-0' });
    is(next_of($maria, 'error')->{code}, 'stale', 'and one backwards');
    $jonas->send_json({ type => 'read', conversation => $conv, seq => $m1 });
    is(next_of($jonas, 'error')->{code}, 'owned',
        'another agent\'s read does not count');
    $maria->send_json({ type => 'read', conversation => $conv,
                        seq => 'x-1' });
    is(next_of($maria, 'error')->{code}, 'bad_seq', 'a seq must be an id');
    is(xlen($conv), $len, 'nothing of that was stored');

    # the agent answers; the shopper reads it
    $maria->send_json({ type => 'message', cid => 'a1', conversation => $conv,
                        text => 'Yes, blue.' });
    my $a1 = next_of($maria, 'ack')->{seq};
    $v->send_json({ type => 'read', seq => $a1 });
    my $vr = next_event($maria, 'read');
    is_deeply($vr->{event}, { kind => 'read', by => 'visitor', seq => $a1 },
        'the agent learns the shopper read the reply');
    is(state($conv, 'vread'), $a1, 'vread in the state');
    is(state($conv, 'aread'), $joined, 'aread untouched');

    # a reconnect (a reload) catches the marks up from the log
    my $token = $s->{token};
    $v->close;
    my ($v2, undef, $events) = visitor($token ? (token => $token) : (),
                                       after => $m1);
    my @marks = map { "$_->{event}{by} $_->{event}{seq}" }
                grep { $_->{event}{kind} eq 'read' } @$events;
    SKIP: {
        skip 'the cookie is not kept by this client', 1 unless $token;
        is_deeply(\@marks, [ "agent $m1", "agent $joined", "visitor $a1" ],
            'after a reconnect the marks come with the catch-up, in order');
    }
    $v2->send_json({ type => 'read', seq => $joined });
    is(next_of($v2, 'error')->{code}, 'stale',
        'a tab behind the mark cannot move it back');
    is(state($conv, 'vread'), $a1, 'the mark stayed');
    $v2->close;
};

subtest 'a_scripted_flood_of_reads_adds_one_event_at_most' => sub {
    my ($v, $s) = visitor();
    my $conv = $s->{conversation};
    $v->send_json({ type => 'message', cid => 'f1', text => 'hello' });
    my $seq = next_of($v, 'ack')->{seq};
    my $len = xlen($conv);
    my $t0 = time;

    my $burst = join '', map {
        LiveHelp::WS::frame(opcode => 1, payload => $JSON->encode(
            { type => 'read', seq => $_ % 2 ? $seq : later_seq($seq) }))
    } 1 .. 500;
    eval { $v->send_raw($burst) };
    my (%codes, $code, $reads);
    for (;;) {
        my $f = $v->recv_frame;
        last unless $f;
        if ($f->{opcode} == 8) {
            ($code) = unpack 'n', $f->{payload};
            last;
        }
        next unless $f->{opcode} == 1;
        my $m = $JSON->decode($f->{payload});
        $codes{ $m->{code} }++ if $m->{type} eq 'error';
        $reads++ if $m->{type} eq 'event' && $m->{event}{kind} eq 'read';
    }
    my $grown = xlen($conv) - $len;
    diag(sprintf '500 pipelined reads: %s; closed %s after %.2f s; '
        . 'the log grew by %d', join(', ', map { "$codes{$_} $_" }
        sort keys %codes), $code // 'never', time - $t0, $grown);
    is($grown, 1, 'one read event stored, whatever the flood');
    ok($codes{rate_limited}, 'reads count in the request limit');
    is($code, 1008, 'a socket that goes on is closed with 1008');
};

subtest 'a_rating_only_after_close_once_stored_and_counted' => sub {
    my ($v, $s) = visitor();
    my $conv = $s->{conversation};
    $v->send_json({ type => 'message', cid => 'm1', text => 'Where is it?' });
    next_of($v, 'ack');
    $maria->send_json({ type => 'claim', cid => 'c2', conversation => $conv });
    next_of($maria, 'ack');

    $v->send_json({ type => 'rate', cid => 'r0', good => JSON::PP::true });
    my $r = next_in($v, 'ack', 'refused');
    is_deeply([ @$r{qw(type code)} ], [ 'refused', 'open' ],
        'not while the conversation is open');

    $maria->send_json({ type => 'close', cid => 'x1', conversation => $conv });
    next_of($maria, 'ack');
    $v->send_json({ type => 'rate', cid => 'r1', good => JSON::PP::true,
                    comment => 'x' x 1001 });
    is(next_of($v, 'error')->{code}, 'bad_text',
        'a comment of more than 1000 characters is refused');
    my $comment = "Quick <b>help</b> \x{e9}" x 50;   # 1000 characters
    $v->send_json({ type => 'rate', cid => 'r2', good => JSON::PP::true,
                    n => 7, comment => $comment });
    is(next_in($v, 'ack', 'refused')->{code}, 'gone',
        'not for another conversation than the one closed');
    $v->send_json({ type => 'rate', cid => 'r3', good => JSON::PP::true,
                    n => 1, comment => $comment });
    ok(next_in($v, 'ack', 'refused')->{type} eq 'ack',
        'rated after the agent closed it');
    my $ev = next_event($maria, 'rated')->{event};
    is_deeply($ev, { kind => 'rated', n => 1, good => JSON::PP::true,
                     comment => $comment },
        'the agents get the rating with its comment, as data');
    is(state($conv, 'rating'), 'good', 'rating in the state');
    is(state($conv, 'rn'), 1, 'of conversation 1');

    my $len = xlen($conv);
    # (a script sending more meets the message limit: t/060-limits.t)
    for my $i (1 .. 5) {
        $v->send_json({ type => 'rate', cid => "again$i",
                        good => JSON::PP::false });
    }
    my %codes;
    $codes{ next_in($v, 'ack', 'refused')->{code} // 'ack' }++ for 1 .. 5;
    is_deeply(\%codes, { rated => 5 }, 'a second rating is refused');
    is(xlen($conv), $len, 'and stores nothing');
    is(scalar(kinds($conv, 'rated')), 1, 'one rated event in the log');

    # the panel's lists carry the rating; the agent tags it
    $maria->send_json({ type => 'conversations' });
    my ($item) = grep { $_->{conversation} eq $conv }
                 @{ next_of($maria, 'conversations')->{items} };
    is($item->{rating}, 'good', 'the closed list shows the rating');
    is($item->{last}{kind}, 'rated', 'its last event is the rating');

    my $before = $redis->command('HGETALL', 'lh:ratings');
    my %c0 = @$before;
    $jonas->send_json({ type => 'tag', cid => 't1', conversation => $conv,
                        tag => 'complaint' });
    is(next_in($jonas, 'ack', 'refused')->{type}, 'ack',
        'any agent tags a rated conversation');
    is(next_event($maria, 'tagged')->{event}{tag}, 'complaint',
        'the tag is an event of the log');
    $jonas->send_json({ type => 'tag', cid => 't2', conversation => $conv,
                        tag => 'feedback' });
    next_in($jonas, 'ack', 'refused');
    $jonas->send_json({ type => 'tag', cid => 't3', conversation => $conv,
                        tag => 'feedback' });
    is(next_in($jonas, 'ack', 'refused')->{code}, 'same',
        'the same tag again is refused');
    $jonas->send_json({ type => 'tag', cid => 't4', conversation => $conv,
                        tag => 'praise' });
    is(next_of($jonas, 'error')->{code}, 'bad_tag', 'only the two tags');
    is(state($conv, 'tag'), 'feedback', 'the tag is in the state');
    my %c1 = @{ $redis->command('HGETALL', 'lh:ratings') };
    is(($c1{good} // 0) - ($c0{good} // 0), 0, 'the count of good ones');
    is(($c1{feedback} // 0) - ($c0{feedback} // 0), 1, 'of feedback');
    is(($c1{complaint} // 0) - ($c0{complaint} // 0), 0,
        'a retagged complaint is no longer counted');

    # a new conversation, closed by the shopper, rated bad (from a new
    # socket: this one spent its burst of changes)
    $v->close;
    ($v) = visitor(token => $s->{token});
    $v->send_json({ type => 'message', cid => 'm2', text => 'Again me' });
    next_of($v, 'ack');
    $maria->send_json({ type => 'tag', cid => 't5', conversation => $conv,
                        tag => 'complaint' });
    is(next_in($maria, 'ack', 'refused')->{type}, 'ack',
        'the last rated one can be tagged while a new one is open');
    $v->send_json({ type => 'close', cid => 'x2' });
    next_of($v, 'ack');
    $v->send_json({ type => 'rate', cid => 'r4', good => JSON::PP::false });
    is(next_in($v, 'ack', 'refused')->{type}, 'ack',
        'rated after closing it oneself');
    is_deeply([ map { state($conv, $_) } qw(rating rn tag) ],
        [ 'bad', 2, '' ], 'the state: conversation 2, bad, not tagged yet');
    $v->close;
};

subtest 'a_log_without_a_conversation_takes_no_marks' => sub {
    my ($v) = visitor();
    $v->send_json({ type => 'read', seq => '1-0' });
    is(next_of($v, 'error')->{code}, 'closed', 'a read: nothing to read');
    $v->send_json({ type => 'rate', cid => 'r1', good => JSON::PP::true });
    is(next_in($v, 'ack', 'refused')->{code}, 'closed',
        'a rating: nothing to rate');
    $v->close;
};

$maria->close;
$jonas->close;
my @bad = $ngx->bad_log_lines;
ok(!@bad, 'no alert, crash or sanitizer report in the error log')
    or diag(join "\n", @bad);
$ngx->stop;
$redis->stop;

done_testing;
