#!/usr/bin/perl

# A conversation's history comes in pages bounded in bytes: a log of 300
# events whose texts are quotes and backslashes (each stored twice its
# size, JSON-escaped) is read by an agent whose send limit is 64k, every
# event exactly once, each answer under the bound, the socket open all
# along. Before, the one answer of up to 1000 events passed the send limit
# and the agent was closed as a slow client, again on every try. One event
# larger than the send limit alone is delivered, in history and live.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $redis = LiveHelp::Redis->start;
my $ngx = LiveHelp::Nginx->start(vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}pw\n" },
    config => LiveHelp::Nginx->chat_config(
        "live_help_assign manual;\n    live_help_send_limit 64k;"));

my $SEND_LIMIT = 65536;
my $BOUND = 65536 < $SEND_LIMIT / 4 ? 65536 : $SEND_LIMIT / 4;
my $JSON = JSON::PP->new->canonical;
my $SCRIPT = read_file(repo_root() . '/ngx_live_help_module/lua/conversation.lua');
my $NOW = int(time * 1000);

# a visitor's message, stored as the module stores it (conversation.lua)
sub store {
    my ($t, $cid, $text) = @_;
    my $ev = $JSON->encode({ kind => 'message', from => 'visitor',
                             text => $text, cid => $cid });
    return $redis->command('EVAL', $SCRIPT, 0, 'message', $NOW, $t, $cid,
        604800, 'visitor', '', $ev, '', '0', '0', 86400, 10000);
}

my $conv = 'vHistoryPages0001';
my $bytes = 0;
for my $i (1 .. 300) {
    # 4000 bytes of quotes and backslashes: 8000 and more stored
    my $text = substr(("\"\\" x 2000) . "#$i", -4000);
    store($conv, "c$i", $text);
}
my @ids = map { $_->[0] }
          @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
$bytes += length $_->[1][1]
    for @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') };
diag sprintf "the log: %d events, %d bytes stored (%.0f a message)",
    scalar @ids, $bytes, $bytes / @ids;
is(scalar @ids, 301, 'opened and 300 messages stored');

my $agent = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
    headers => [ 'Authorization: Basic ' . encode_base64('maria:pw', '') ]);
$agent->recv_json;
$agent->send_json({ type => 'hello' });
$agent->recv_type('conversations');

# every page, raw, after "after" until the log ends: (seqs, page sizes)
sub read_all {
    my ($after) = @_;
    my (@seqs, @sizes);
    for my $page (1 .. 1000) {
        $agent->send_json({ type => 'history', conversation => $conv,
                            (defined $after ? (after => $after) : ()) });
        my $f;
        do { $f = $agent->recv_frame } until $f->{opcode} == 1
            && $f->{payload} =~ /^\{"type":"history"/;
        push @sizes, length $f->{payload};
        my $m = $JSON->decode($f->{payload});
        push @seqs, map { $_->{seq} } @{ $m->{events} };
        return (\@seqs, \@sizes) unless $m->{more};
        is($m->{last}, $seqs[-1], "page $page: 'last' is its last seq")
            if $page == 1;
        $after = $m->{last};
    }
    fail('the paging ended');
    return (\@seqs, \@sizes);
}

my ($seqs, $sizes) = read_all(undef);
my @sorted = sort { $a <=> $b } @$sizes;
diag sprintf "%d answers, %d to %d bytes (median %d), bound %d, send "
    . "limit %d", scalar @$sizes, $sorted[0], $sorted[-1],
    $sorted[@sorted / 2], $BOUND, $SEND_LIMIT;
is_deeply($seqs, \@ids, 'every event once, in order, across the pages');
my %seen;
is(scalar(grep { $seen{$_}++ } @$seqs), 0, 'none twice');
cmp_ok($sorted[-1], '<=', $BOUND, 'each answer within the bound');
cmp_ok(scalar @$sizes, '>', 1, 'in several pages');

$agent->send_json({ type => 'ping', id => 'still' });
is($agent->recv_type('pong')->{id}, 'still', 'the agent is still connected');

# one event larger than the send limit: a page of its own, and live
my $big = "\\" x 40000;            # 80 KB stored
my $id = store($conv, 'big', $big);
my $live = $agent->recv_type('event');
is($live->{seq}, $id, 'the large event comes live');
is(length $live->{event}{text}, 40000, 'whole');
($seqs, $sizes) = read_all($ids[-1]);
diag "the large event's page: $sizes->[0] bytes";
is_deeply($seqs, [$id], 'and in history, alone');
cmp_ok($sizes->[0], '>', $SEND_LIMIT, 'larger than the send limit');
$agent->send_json({ type => 'ping', id => 'after' });
is($agent->recv_type('pong')->{id}, 'after',
    'one large message does not make the agent a slow client');
unlike($ngx->error_log, qr/closing slow client/,
    'nobody was closed as slow');

$agent->close;
$ngx->stop;
$redis->stop;
done_testing;
