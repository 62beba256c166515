#!/usr/bin/perl

# The Redis scripts of ngx_live_help_module/lua/, run as Redis runs them
# for the module, with redis-cli --eval, on their edge cases: what they
# return, store and announce.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;

use LiveHelp::Redis;
use LiveHelp::Test qw(:all);

my $LUA = repo_root() . '/ngx_live_help_module/lua';
my $redis = LiveHelp::Redis->start;

# redis-cli --eval FILE KEYS... , ARGV...: the reply as redis-cli prints it
sub run_script {
    my ($file, $keys, $args) = @_;
    open my $fh, '-|', 'redis-cli', '-p', $redis->port, '--no-raw',
        '--eval', "$LUA/$file", @$keys, ',', @$args
        or die "redis-cli: $!\n";
    my $out = do { local $/; <$fh> };
    close $fh;
    $out =~ s/\n\z//;
    $out =~ s/^"(.*)"\z/$1/s;
    return $out;
}

# A connection subscribed to a channel; messages() returns what came.
sub subscriber {
    my ($channel) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $redis->port, Proto => 'tcp')
        or die "subscriber: $!\n";
    $sock->autoflush(1);
    print {$sock} "*2\r\n\$9\r\nSUBSCRIBE\r\n\$" . length($channel)
        . "\r\n$channel\r\n";
    my $s = { sock => $sock, buf => '', got => [] };
    wait_until('the subscription', sub { _read($s); @{ $s->{got} } });
    shift @{ $s->{got} };
    return $s;
}

sub _read {
    my ($s) = @_;
    my $sel = IO::Select->new($s->{sock});
    while ($sel->can_read(0.01)) {
        my $n = sysread($s->{sock}, $s->{buf}, 65536, length $s->{buf});
        last unless $n;
    }
    for (;;) {
        my $pos = 0;
        my $r = LiveHelp::Redis::_parse(\$s->{buf}, \$pos) or last;
        substr($s->{buf}, 0, $pos, '');
        push @{ $s->{got} }, $r->[0];
    }
}

# the payloads published, once a marker published after them came too
sub published {
    my ($s, $channel) = @_;
    $redis->command('PUBLISH', $channel, 'marker');
    wait_until('the marker', sub {
        _read($s);
        grep { $_->[2] eq 'marker' } @{ $s->{got} };
    });
    my @p = map { $_->[2] } @{ $s->{got} };
    $s->{got} = [];
    pop @p;
    return @p;
}

my %TEXT = map {
    open my $fh, '<', "$LUA/$_.lua" or die "$LUA/$_.lua: $!\n";
    ($_ => do { local $/; <$fh> });
} qw(conversation list visitor erase);

my $NOW = 1_800_000_000_000;

# EVAL of a script with no keys, as the module sends it: the reply
sub script {
    my ($name, @args) = @_;
    return $redis->command('EVAL', $TEXT{$name}, 0, @args);
}

sub message {
    my ($t, $cid, $event, %o) = @_;
    return script('conversation', 'message', $o{now} // $NOW, $t, $cid,
        604800, $o{actor} // 'visitor', $o{name} // '', $event,
        $o{dept} // '', $o{assign} // '1', $o{offline} // '0');
}

sub change {
    my ($op, $t, $cid, $actor, $name, %o) = @_;
    return script('conversation', $op, $o{now} // $NOW, $t, $cid, 604800,
        $actor, $name, $o{target} // '', '', $o{assign} // '1', '0');
}

# an agent with a socket until "until", online or away, serving depts
sub agent_here {
    my ($id, $name, %o) = @_;
    $redis->command('ZADD', 'lh:agents', $o{until} // $NOW + 90_000,
                    "$id|1.$id");
    return script('conversation', 'agent', $NOW, $id, $name,
        $o{status} // 'online', $o{depts} // '', $o{max} // 2,
        $o{assign} // '1');
}

sub agent_gone {
    my ($id) = @_;
    $redis->command('ZREM', 'lh:agents', "$id|1.$id");
}

sub state_of {
    my ($t) = @_;
    my %h = @{ $redis->command('HGETALL', "lh:c:$t:state") };
    return \%h;
}

sub events_of {
    my ($t) = @_;
    return [ map { decode($_->[1][1]) }
             @{ $redis->command('XRANGE', "lh:c:$t:log", '-', '+') } ];
}

sub decode { JSON::PP->new->decode($_[0]) }

sub kinds { [ map { $_->{kind} } @{ events_of($_[0]) } ] }

sub log_of {
    my ($conv) = @_;
    return $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
}

sub fresh { $redis->command('FLUSHALL') }

subtest 'a_first_message_opens_a_waiting_conversation_once' => sub {
    fresh();
    my $sub = subscriber('lh:c:va');
    my $ev = '{"kind":"message","from":"visitor","text":"hi","cid":"c1"}';
    my $id = message('va', 'c1', $ev, now => 1700000000123);
    like($id, qr/^\d+-\d+$/, "returns the stream id ($id)");

    my $log = log_of('va');
    is(scalar @$log, 2, 'two entries: opened, then the message');
    is_deeply(decode($log->[0][1][1]), { kind => 'opened', n => 1,
        dept => '' }, 'conversation 1 opened');
    is_deeply($log->[1], [ $id, [ 'e', $ev ] ],
        'the message as it was given, under the id returned');
    is($redis->command('GET', 'lh:c:va:cid:c1'), $id,
        'the client id points at it');
    my $ttl = $redis->command('TTL', 'lh:c:va:cid:c1');
    ok($ttl > 604000 && $ttl <= 604800, "remembered for 7 days ($ttl s)");
    is($redis->command('ZSCORE', 'lh:convs', 'va'), '1700000000123',
        'the log is indexed by the time given');
    is(state_of('va')->{state}, 'waiting', 'nobody online: waiting');
    is($redis->command('ZSCORE', 'lh:queue', 'va'), '1700000000123',
        'in the queue since then');
    is($redis->command('HGET', 'lh:v:va', 'name'), 'Visitor 1',
        'the visitor gets a name to say aloud');
    is_deeply([ published($sub, 'lh:c:va') ],
        [ map { "$_->[0] $_->[1][1]" } @$log ],
        'both announced as "<id> <event>", in order');

    my $again = message('va', 'c1', '{"other":1}', now => 1700000009999);
    is($again, $id, 'a seen client id: the same id');
    is(scalar @{ log_of('va') }, 2, 'nothing stored again');
    is_deeply([ published($sub, 'lh:c:va') ], [], 'nothing announced again');
    is($redis->command('ZSCORE', 'lh:convs', 'va'), '1700000000123',
        'the index is not touched either');
    message('va', 'c2', '{"kind":"message","text":"more"}');
    is_deeply(kinds('va'), [qw(opened message message)],
        'a second message opens nothing');
};

subtest 'messages_keep_bytes_and_order' => sub {
    fresh();
    my @events = ('{"text":"a b  c"}', qq({"text":"quote \\" and \\\\"}),
                  qq({"text":"\x{c3}\x{a4}\x{e2}\x{82}\x{ac}"}),
                  '{"text":"two\\nlines"}');
    my @ids = map { message('vc', "k$_", $events[$_]) } 0 .. $#events;
    my $log = log_of('vc');
    shift @$log;
    is_deeply([ map { $_->[0] } @$log ], \@ids, 'stored in the order sent');
    is_deeply([ map { $_->[1][1] } @$log ], \@events,
        'the bytes as they were given');
    message('vd', 'dup', '{"n":"d"}');
    message('ve', 'dup', '{"n":"e"}');
    # (ids are per log: the two may well be equal)
    is_deeply([ map { $_->[1][1] } grep { $_->[1][1] =~ /"n":"/ }
                @{ log_of('vd') }, @{ log_of('ve') } ],
        [ '{"n":"d"}', '{"n":"e"}' ],
        'the same client id in two logs: stored in each');
};

subtest 'waiting_chats_go_to_the_least_busy_online_agent_with_room' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 2);
    agent_here('aJ', 'Jonas', max => 2);
    agent_here('aA', 'Anna', status => 'away', max => 5);
    message("v$_", 'c', '{"kind":"message"}') for 1 .. 5;
    my %owner = map { ("v$_" => state_of("v$_")->{owner} // '') } 1 .. 5;
    my %load;
    $load{$_}++ for grep { length } values %owner;
    is_deeply(\%load, { aM => 2, aJ => 2 }, 'two each, up to the maximum');
    is(scalar(grep { !length } values %owner), 1, 'one left waiting');
    is($redis->command('ZCARD', 'lh:queue'), 1, 'in the queue');
    is_deeply(kinds('v1'), [qw(opened message joined)],
        'joined after the first message');
    my ($j) = grep { $_->{kind} eq 'joined' } @{ events_of('v1') };
    is($j->{by}, 'auto', 'joined automatically');
    like($j->{name}, qr/^(Maria|Jonas)$/, "with the display name ($j->{name})");
    ok(!grep({ $_ eq 'aA' } values %owner), 'nothing for the agent away');

    # the one away comes back: the waiting chat is hers
    agent_here('aA', 'Anna', max => 5);
    my ($waiting) = grep { !length $owner{$_} } keys %owner;
    is(state_of($waiting)->{owner}, 'aA', 'back online: the waiting one');
    is($redis->command('ZCARD', 'lh:queue'), 0, 'the queue is empty');
};

subtest 'departments_route_chats' => sub {
    fresh();
    agent_here('aS', 'Sam', depts => 'sales', max => 5);
    agent_here('aT', 'Tove', depts => 'support', max => 5);
    message('vs', 'c', '{"kind":"message"}', dept => 'sales');
    message('vt', 'c', '{"kind":"message"}', dept => 'support');
    message('vx', 'c', '{"kind":"message"}', dept => 'billing');
    is(state_of('vs')->{owner}, 'aS', 'sales to the sales agent');
    is(state_of('vt')->{owner}, 'aT', 'support to the support agent');
    is(state_of('vx')->{state}, 'waiting', 'nobody serves billing: waiting');
};

subtest 'claim_first_wins_and_the_others_are_told_who' => sub {
    fresh();
    message('vq', 'c', '{"kind":"message"}', assign => '0');
    my $won = change('claim', 'vq', 'k1', 'aM', 'Maria');
    like($won, qr/^\d+-\d+$/, 'the first claim is stored');
    is_deeply(change('claim', 'vq', 'k2', 'aJ', 'Jonas'),
        [ 'owned', 'aM', 'Maria' ], 'the second: refused, owned by Maria');
    is_deeply(change('claim', 'vq', 'k3', 'aM', 'Maria'),
        [ 'yours', 'aM', 'Maria' ], 'a claim of her own: yours');
    is(change('claim', 'vq', 'k1', 'aM', 'Maria'), $won,
        'a resend of the claim: the same id');
    is_deeply(kinds('vq'), [qw(opened message joined)], 'one joined');
    is_deeply($redis->command('SMEMBERS', 'lh:mine:aM'), ['vq'],
        'it is hers');
    is($redis->command('ZCARD', 'lh:queue'), 0, 'out of the queue');

    # an agent writing to a chat of another
    is_deeply(message('vq', 'r1', '{"kind":"message","from":"agent"}',
                      actor => 'aJ', name => 'Jonas'),
        [ 'owned', 'aM', 'Maria' ], 'a reply to her chat is refused');
    is(scalar @{ events_of('vq') }, 3, 'and nothing stored');

    # a reply to a waiting chat claims it
    message('vr', 'c', '{"kind":"message"}', assign => '0');
    my $r = message('vr', 'r1', '{"kind":"message","from":"agent"}',
                    actor => 'aJ', name => 'Jonas', assign => '0');
    like($r, qr/^\d+-\d+$/, 'a reply to a waiting chat is stored');
    is_deeply(kinds('vr'), [qw(opened message joined message)],
        'after a joined');
    is(events_of('vr')->[2]{by}, 'reply', 'by replying');
};

subtest 'close_ends_it_and_the_next_message_opens_another' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 1);
    message('vz', 'c1', '{"kind":"message"}');
    message('vy', 'c1', '{"kind":"message"}');
    is(state_of('vz')->{owner}, 'aM', 'hers');
    is(state_of('vy')->{state}, 'waiting', 'the next waits: she is full');
    is_deeply(change('close', 'vz', 'x1', 'aJ', 'Jonas'),
        [ 'owned', 'aM', 'Maria' ], 'another agent cannot close it');
    like(change('close', 'vz', 'x2', 'aM', 'Maria'), qr/^\d+-\d+$/,
        'the owner closes it');
    is(state_of('vz')->{state}, 'closed', 'closed');
    ok(defined $redis->command('ZSCORE', 'lh:closed', 'vz'), 'listed closed');
    is_deeply($redis->command('SMEMBERS', 'lh:mine:aM'), ['vy'],
        'her room went to the one waiting');
    is_deeply(change('close', 'vz', 'x3', 'aM', 'Maria'),
        [ 'closed', '', '' ], 'closing again: closed');
    message('vz', 'c2', '{"kind":"message"}');
    is_deeply(kinds('vz'), [qw(opened message joined closed opened message)],
        'the visitor writes again: conversation 2');
    is(state_of('vz')->{n}, 2, 'numbered 2');
    like(change('close', 'vz', 'x4', 'visitor', ''), qr/^\d+-\d+$/,
        'the visitor may close it too');
    is(events_of('vz')->[-1]{by}, 'visitor', 'closed by the visitor');
};

subtest 'transfer_to_an_agent_or_a_department' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 3);
    message('vt', 'c1', '{"kind":"message"}');
    is(state_of('vt')->{owner}, 'aM', 'Maria has it');
    is_deeply(change('transfer', 'vt', 't1', 'aM', 'Maria', target => 'a:aJ'),
        [ 'offline', 'aM', 'Maria' ], 'not to an agent who is not here');
    agent_here('aJ', 'Jonas', max => 3);
    is_deeply(change('transfer', 'vt', 't2', 'aJ', 'Jonas', target => 'a:aJ'),
        [ 'owned', 'aM', 'Maria' ], 'only the owner hands it over');
    like(change('transfer', 'vt', 't3', 'aM', 'Maria', target => 'a:aJ'),
        qr/^\d+-\d+$/, 'to Jonas');
    is(state_of('vt')->{owner}, 'aJ', 'Jonas has it');
    is_deeply($redis->command('SMEMBERS', 'lh:mine:aM'), [], 'not Maria');
    my $e = events_of('vt')->[-1];
    is_deeply([ @$e{qw(kind from_name name)} ],
        [ 'transferred', 'Maria', 'Jonas' ], 'said in the log');

    like(change('transfer', 'vt', 't4', 'aJ', 'Jonas', target => 'd:sales',
                assign => '0'),
        qr/^\d+-\d+$/, 'to sales');
    my $st = state_of('vt');
    is_deeply([ @$st{qw(state dept owner)} ], [ 'waiting', 'sales', '' ],
        'waiting for sales');
    ok(defined $redis->command('ZSCORE', 'lh:queue', 'vt'), 'in the queue');
    is_deeply(change('transfer', 'vt', 't5', 'aJ', 'Jonas', target => 'd:sales'),
        [ 'same', '', '' ], 'to where it is: same');
};

subtest 'chats_of_an_agent_gone_past_the_grace_go_back_to_the_queue' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 3);
    message('v1', 'c', '{"kind":"message"}', now => $NOW + 1);
    message('v2', 'c', '{"kind":"message"}', now => $NOW + 2);
    agent_gone('aM');
    my $sweep = sub {
        script('conversation', 'sweep', $_[0], 30_000, $_[1] // '1');
    };
    is($sweep->($NOW + 1000), 0, 'first seen gone: nothing yet');
    is($sweep->($NOW + 20_000), 0, 'within the grace: nothing');
    is(state_of('v1')->{owner}, 'aM', 'still hers');
    is($sweep->($NOW + 31_000), 2, 'past the grace: both released');
    is_deeply($redis->command('ZRANGE', 'lh:queue', 0, -1), [qw(v1 v2)],
        'back in the queue, oldest first');
    is(events_of('v1')->[-1]{kind}, 'released', 'said in the log');
    is($redis->command('SISMEMBER', 'lh:owners', 'aM'), 0, 'owns nothing');

    # back before the grace: keeps her chats
    agent_here('aM', 'Maria', max => 3);
    is(state_of('v1')->{owner}, 'aM', 'she came back: given again');
    agent_gone('aM');
    $sweep->($NOW + 40_000);
    agent_here('aM', 'Maria', max => 3);
    $sweep->($NOW + 80_000);
    is(state_of('v1')->{owner}, 'aM', 'gone and back within the grace: hers');
};

subtest 'logs_of_protocol_1_are_migrated' => sub {
    fresh();
    for my $t (qw(old1 old2 new1)) {
        $redis->command('XADD', "lh:c:$t:log", '*', 'e',
                        '{"kind":"message","from":"visitor","text":"x"}');
    }
    $redis->command('ZADD', 'lh:convs', $NOW - 2 * 86400_000, 'old1',
                    $NOW - 3 * 86400_000, 'old2', $NOW - 1000, 'new1');
    my $left = script('conversation', 'migrate', $NOW, 2, $NOW - 86400_000);
    is($left, 1, 'a batch of 2: one left');
    is(script('conversation', 'migrate', $NOW, 2, $NOW - 86400_000), 0,
        'then none');
    is(state_of('old1')->{state}, 'closed', 'quiet for days: closed');
    is(state_of('new1')->{state}, 'waiting', 'recent: waiting');
    is_deeply($redis->command('ZRANGE', 'lh:queue', 0, -1), ['new1'],
        'in the queue');
    message('old2', 'c', '{"kind":"message"}', assign => '0');
    is(state_of('old2')->{n}, 2, 'writing again opens conversation 2');
};

subtest 'logs_expire_after_the_retention_and_leave_the_indexes' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 3);
    script('conversation', 'message', $NOW, 'vk', 'c1', 604800, 'visitor',
           '', '{"kind":"message"}', '', '1', '0', 3600);
    for my $k ('lh:c:vk:log', 'lh:c:vk:state', 'lh:v:vk') {
        my $ttl = $redis->command('TTL', $k);
        ok($ttl > 3500 && $ttl <= 3600, "$k expires with the log ($ttl s)");
    }
    script('conversation', 'message', $NOW, 'vf', 'c1', 604800, 'visitor',
           '', '{"kind":"message"}', '', '1', '0', 0);
    is($redis->command('TTL', 'lh:c:vf:log'), -1, 'retention off: kept');

    # an hour and more later: Redis expired vk's keys (as it would)
    $redis->command('DEL', 'lh:c:vk:log', 'lh:c:vk:state');
    script('conversation', 'sweep', $NOW + 3601_000, 30_000, '1', 3600);
    is($redis->command('ZSCORE', 'lh:convs', 'vk'), undef,
        'the expired log left the index of logs');
    is($redis->command('ZSCORE', 'lh:open', 'vk'), undef,
        'and the open ones');
    is($redis->command('SISMEMBER', 'lh:mine:aM', 'vk'), 0,
        'and no longer counts as one of Maria\'s chats');
    is($redis->command('SISMEMBER', 'lh:mine:aM', 'vf'), 1,
        'the log kept for ever stays hers');
};

subtest 'the_list_has_the_queue_open_mine_closed_and_agents' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 1);
    message('v1', 'c', '{"kind":"message","text":"one"}');
    message('v2', 'c', '{"kind":"message","text":"two"}');
    my $list = decode(script('list', $NOW, 'aM', 50));
    is($list->{type}, 'conversations', 'a whole message');
    my %by = map { $_->{conversation} => $_ } @{ $list->{items} };
    is($by{v1}{state}, 'open', 'v1 open');
    is($by{v1}{oname}, 'Maria', 'with its owner');
    is($by{v2}{state}, 'waiting', 'v2 waiting');
    is($by{v2}{last}{text}, 'two', 'its last event');
    like($by{v2}{visitor}, qr/^Visitor \d+$/, 'and its visitor');
    is($list->{queued}, 1, 'one queued');
    is_deeply([ map { [ @$_{qw(agent name chats max)} ] } @{ $list->{agents} } ],
        [ [ 'aM', 'Maria', 1, 1 ] ], 'the agents online and their load');
    is(decode(script('list', $NOW, 'aM', 50, 'agents'))->{type}, 'agents',
        'or the agents only');
};

subtest 'a_log_keeps_about_its_newest_max_events' => sub {
    fresh();
    for my $i (1 .. 1000) {
        script('conversation', 'message', $NOW + $i, 'vcap', "c$i", 604800,
               'visitor', '', qq({"kind":"message","text":"m$i"}), '', '0',
               '0', 3600, 100);
    }
    my $len = $redis->command('XLEN', 'lh:c:vcap:log');
    diag "1000 events with live_help_max_events 100: $len kept";
    ok($len >= 100 && $len < 300, "about the newest 100 are kept ($len)");
    my $last = $redis->command('XREVRANGE', 'lh:c:vcap:log', '+', '-',
                               'COUNT', 1)->[0];
    is(decode($last->[1][1])->{text}, 'm1000', 'the newest is there');
    is(state_of('vcap')->{state}, 'waiting',
        'the state does not depend on the trimmed events');
    for my $i (1 .. 300) {
        script('conversation', 'message', $NOW + $i, 'vall', "c$i", 604800,
               'visitor', '', '{"kind":"message"}', '', '0', '0', 3600, 0);
    }
    is($redis->command('XLEN', 'lh:c:vall:log'), 301, '0: all are kept');
};

subtest 'erase_removes_a_visitor_found_by_e_mail_and_tells_agents' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 3);
    for my $t ('vgone', 'vstay') {
        script('visitor', 'page', $NOW, $t, 2592000, $NOW + 90_000,
               'https://shop.example/', 'Shop', '', 'Chrome', '1');
        message($t, 'c1', '{"kind":"message","text":"hi"}');
        message($t, 'c2', '{"kind":"message","text":"again"}');
    }
    script('visitor', 'profile', $NOW, 'vgone', 2592000, 'Ann',
           'Ann@Shop.Example');
    script('visitor', 'profile', $NOW, 'vstay', 2592000, 'Bob',
           'bob@shop.example');
    is_deeply($redis->command('ZRANGE', 'lh:e:ann@shop.example', 0, -1),
        ['vgone'], 'the e-mail, in lower case, names the visitor');
    ok($redis->command('TTL', 'lh:e:ann@shop.example') > 2592000 - 10,
        'and expires with their record');
    my $before = $redis->traces('vgone');
    my $stay = $redis->traces('vstay');
    diag "vgone before: " . @{ $before->{keys} } . " keys (@{ $before->{keys} }), in "
        . @{ $before->{in} } . " indexes (@{ $before->{in} })";
    ok(grep({ $_ eq 'lh:mine:aM' } @{ $before->{in} }), 'Maria owns it');

    my $sub = subscriber('lh:c:vgone');
    my $out = run_script('erase.lua', [], [ 'email', 'ANN@shop.example' ]);
    diag "erase.lua said: $out";
    like($out, qr/vgone \d+ keys \d+ index entries/, 'says what it erased');
    like($out, qr/erased 1 visitors/, 'and how many');
    my $after = $redis->traces('vgone');
    diag "vgone after: " . @{ $after->{keys} } . " keys (@{ $after->{keys} }), in "
        . @{ $after->{in} } . " indexes";
    is_deeply([ @$after{qw(keys in)} ], [ ['lh:gen:vgone'], [] ],
        'nothing left but the generation that refuses its tokens');
    is($redis->command('GET', 'lh:gen:vgone'), 1, 'generation 1');
    ok($redis->command('TTL', 'lh:gen:vgone') > 30 * 86400,
        'kept while a token could be valid');
    is_deeply([ @{ $redis->traces('vstay') }{qw(keys in)} ],
        [ @$stay{qw(keys in)} ], 'the other visitor is untouched');
    is($redis->command('SCARD', 'lh:mine:aM'), 1, 'Maria has one chat left');
    is_deeply([ published($sub, 'lh:c:vgone') ], ['! erased'],
        'agents are told');

    $out = run_script('erase.lua', [], [ 'visitor', 'vstay' ]);
    like($out, qr/erased 1 visitors/, 'by visitor id too');
    is_deeply([ @{ $redis->traces('vstay') }{qw(keys in)} ],
        [ ['lh:gen:vstay'], [] ],
        'and nothing of them is left either');
    is($redis->command('SISMEMBER', 'lh:owners', 'aM'), 0,
        'Maria owns nothing any more');
    like(run_script('erase.lua', [], [ 'email', 'nobody@shop.example' ]),
        qr/erased 0 visitors/, 'an unknown address erases nobody');
    like(run_script('erase.lua', [], [ 'visitor', 'no*such' ]),
        qr/not a visitor id/, 'a visitor id is checked');
};

subtest 'a_new_e_mail_moves_the_visitor_in_the_index' => sub {
    fresh();
    script('visitor', 'profile', $NOW, 'vm', 2592000, 'M', 'one@x.example');
    script('visitor', 'profile', $NOW, 'vm', 2592000, 'M', 'two@x.example');
    is($redis->command('EXISTS', 'lh:e:one@x.example'), 0,
        'the old address no longer names them');
    is_deeply($redis->command('ZRANGE', 'lh:e:two@x.example', 0, -1), ['vm'],
        'the new one does');
    for my $i (1 .. 150) {
        script('visitor', 'profile', $NOW + $i, "vx$i", 2592000, 'X',
               'same@x.example');
    }
    is($redis->command('ZCARD', 'lh:e:same@x.example'), 100,
        'one address names the newest 100 visitors at most');
};

subtest 'the_sweep_bounds_what_no_log_expiry_reaches' => sub {
    fresh();
    agent_here('aA', 'Ann', status => 'away');
    ok($redis->command('TTL', 'lh:ag:aA') > 29 * 86400,
        'an agent\'s record expires 30 days after their hello');
    $redis->command('SADD', 'lh:away', 'aGone');
    $redis->command('ZADD', 'lh:online', $NOW - 1, 'vlapsed');
    $redis->command('ZADD', 'lh:seen', 1, 'vlapsed');
    $redis->command('ZADD', 'lh:online', $NOW + 90_000, 'vhere');
    $redis->command('ZADD', 'lh:seen', 2, 'vhere');
    # a waiting shopper behind two whose logs expired
    message('vreal', 'c', '{"kind":"message"}', assign => '0');
    $redis->command('ZADD', 'lh:queue', 1, 'vexp1', 2, 'vexp2');
    script('conversation', 'sweep', $NOW, 30_000, '0', 3600, 100);
    is_deeply($redis->command('ZRANGE', 'lh:queue', 0, -1), ['vreal'],
        'expired logs leave the head of the queue');
    is_deeply($redis->command('ZRANGE', 'lh:online', 0, -1), ['vhere'],
        'lapsed visitors leave "online"');
    is_deeply($redis->command('ZRANGE', 'lh:seen', 0, -1), ['vhere'],
        'and "seen"');
    is_deeply($redis->command('SMEMBERS', 'lh:away'), ['aA'],
        'an agent whose record expired leaves "away"');
};

subtest 'lists_come_in_pages_the_queue_oldest_first' => sub {
    fresh();
    agent_here('aM', 'Maria', max => 0);
    for my $i (1 .. 25) {
        message(sprintf('vq%02d', $i), 'c', '{"kind":"message"}',
                now => $NOW + $i, assign => '0');
    }
    my $first = decode(script('list', $NOW, 'aM', 10, 'all'));
    is_deeply([ map { $_->{conversation} } @{ $first->{items} } ],
        [ map { sprintf 'vq%02d', $_ } 1 .. 10 ],
        'the first page of the queue: the 10 who waited longest');
    is_deeply($first->{lists}{queue}, { total => 25, next => 10 },
        'of 25, the next page at 10');
    is($first->{queued}, 25, 'all of them counted as queued');
    my (@all, $next);
    $next = 0;
    for (1 .. 10) {
        my $p = decode(script('list', $NOW, 'aM', 10, 'page', 'queue',
                              $next));
        is($p->{list}, 'queue', "page at $next is of the queue");
        push @all, map { $_->{conversation} } @{ $p->{items} };
        $next = $p->{next};
        last unless $next;
    }
    is_deeply(\@all, [ map { sprintf 'vq%02d', $_ } 1 .. 25 ],
        'the pages hold each once, in order');
    is(decode(script('list', $NOW, 'aM', 10, 'page', 'closed', 0))->{total},
        0, 'an empty list has an empty page');
};

subtest 'the_scripts_run_with_redis_cli_eval_as_documented' => sub {
    fresh();
    my $out = run_script('conversation.lua', [],
        [ 'message', $NOW, 'vcli', 'c', 604800, 'visitor', '',
          '{"kind":"message"}', '', 1, 0 ]);
    like($out, qr/^\d+-\d+$/, "redis-cli --eval works ($out)");
    for my $name (qw(conversation list visitor erase)) {
        my $sha = $redis->command('SCRIPT', 'LOAD', $TEXT{$name});
        like($sha, qr/^[0-9a-f]{40}$/, "Redis compiles $name.lua");
        like($TEXT{$name}, qr/^-- ARGV\[1\]/m, 'its header says its arguments');
        like($TEXT{$name}, qr/^-- Returns/m, 'and its reply');
    }
};

$redis->stop;
done_testing;
