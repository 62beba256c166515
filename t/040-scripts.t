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

sub append {
    my ($conv, $cid, $event, $now) = @_;
    return run_script('append.lua',
        [ "lh:c:$conv:log", "lh:c:$conv:cid:$cid", 'lh:convs' ],
        [ $event, "lh:c:$conv", 604800, $now // 1000, $conv ]);
}

sub log_of {
    my ($conv) = @_;
    return $redis->command('XRANGE', "lh:c:$conv:log", '-', '+');
}

subtest 'append_stores_indexes_and_announces_once' => sub {
    my $sub = subscriber('lh:c:va');
    my $ev = '{"kind":"message","text":"hi"}';
    my $id = append('va', 'c1', $ev, 1700000000123);
    like($id, qr/^\d+-\d+$/, "returns the stream id ($id)");

    my $log = log_of('va');
    is(scalar @$log, 1, 'one entry in the stream');
    is_deeply($log->[0], [ $id, [ 'e', $ev ] ], 'field e holds the event');
    is($redis->command('GET', 'lh:c:va:cid:c1'), $id,
        'the client id points at it');
    my $ttl = $redis->command('TTL', 'lh:c:va:cid:c1');
    ok($ttl > 604000 && $ttl <= 604800, "remembered for 7 days ($ttl s)");
    is($redis->command('ZSCORE', 'lh:convs', 'va'), '1700000000123',
        'the conversation is indexed by the time given');
    is_deeply([ published($sub, 'lh:c:va') ], [ "$id $ev" ],
        'announced as "<id> <event>"');
};

subtest 'append_of_a_seen_client_id_returns_its_id_and_does_nothing' => sub {
    my $sub = subscriber('lh:c:vb');
    my $first = append('vb', 'same', '{"n":1}', 1000);
    published($sub, 'lh:c:vb');
    my $again = append('vb', 'same', '{"n":2}', 2000);
    is($again, $first, 'the same id for the same client id');
    is(scalar @{ log_of('vb') }, 1, 'nothing stored again');
    is_deeply([ published($sub, 'lh:c:vb') ], [], 'nothing announced again');
    is($redis->command('ZSCORE', 'lh:convs', 'vb'), '1000',
        'the index is not touched either');
};

subtest 'append_keeps_bytes_and_order' => sub {
    my $sub = subscriber('lh:c:vc');
    my @events = ('{"text":"a b  c"}', qq({"text":"quote \\" and \\\\"}),
                  qq({"text":"\x{c3}\x{a4}\x{e2}\x{82}\x{ac}"}),
                  '{"text":"two\\nlines"}');
    my @ids = map { append('vc', "k$_", $events[$_]) } 0 .. $#events;
    my $log = log_of('vc');
    is_deeply([ map { $_->[0] } @$log ], \@ids, 'stored in the order sent');
    is_deeply([ map { $_->[1][1] } @$log ], \@events,
        'the bytes as they were given');
    is_deeply([ published($sub, 'lh:c:vc') ],
        [ map { "$ids[$_] $events[$_]" } 0 .. $#events ],
        'announced in that order, bytes as they are');
    my @sorted = sort { my @x = split /-/, $a; my @y = split /-/, $b;
                        $x[0] <=> $y[0] || $x[1] <=> $y[1] } @ids;
    is_deeply(\@ids, \@sorted, 'ids grow');
};

subtest 'conversations_do_not_share_client_ids' => sub {
    my $a = append('vd', 'dup', '{"n":"d"}');
    my $b = append('ve', 'dup', '{"n":"e"}');
    isnt($a, $b, 'the same client id in two conversations: two events');
    is(scalar @{ log_of('vd') } + scalar @{ log_of('ve') }, 2,
        'one in each log');
};

subtest 'the_script_compiles_and_documents_its_interface' => sub {
    open my $fh, '<', "$LUA/append.lua" or die $!;
    my $text = do { local $/; <$fh> };
    my $sha = $redis->command('SCRIPT', 'LOAD', $text);
    like($sha, qr/^[0-9a-f]{40}$/, 'Redis compiles it');
    like($text, qr/^-- KEYS\[1\]/m, 'its header says its keys');
    like($text, qr/^-- ARGV\[1\]/m, 'and its arguments');
    like($text, qr/^-- Returns/m, 'and its reply');
};

$redis->stop;
done_testing;
