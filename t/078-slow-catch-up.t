#!/usr/bin/perl

# A visitor with a long log comes back on a slow link: the catch-up after
# hello reads the log from Redis only as fast as the socket writes it, so
# that a log of megabytes never queues more than the send limit (256k by
# default) for the client, which would be closed as "slow" and, coming
# back, start the same catch-up again. Every event arrives once, in order.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP ();
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
        "live_help_limit_messages off off;"));

my $JSON = JSON::PP->new->canonical;
my $SCRIPT = read_file(repo_root()
                       . '/ngx_live_help_module/lua/conversation.lua');

# a visitor, and its token
my $ws = LiveHelp::WS->connect($ngx->port);
$ws->recv_json;
$ws->send_json({ type => 'hello' });
my $session = $ws->recv_type('session');
$ws->close;
my $t = $session->{visitor};
ok($session->{token}, 'a client without a cookie gets its token');

# 400 messages of 4000 quotes and backslashes: about 3.2 MB of log, as
# the module stores them
my $now = int(time * 1000);
for my $i (1 .. 400) {
    my $text = substr(("\"\\" x 2000) . "#$i", -4000);
    my $ev = $JSON->encode({ kind => 'message', from => 'visitor',
                             text => $text, cid => "c$i" });
    $redis->command('EVAL', $SCRIPT, 0, 'message', $now, $t, "c$i",
        604800, 'visitor', '', $ev, '', '0', '0', 86400, 10000, '');
}
my $log = $redis->command('XRANGE', "lh:c:$t:log", '-', '+');
my $bytes = 0;
$bytes += length $_->[1][1] for @$log;
diag sprintf 'the log: %d events, %.1f MB', scalar @$log, $bytes / 1e6;

# back on a slow link: a small receive buffer, and a second of reading
# nothing, the time in which the whole catch-up used to be queued
my $slow = LiveHelp::WS->connect($ngx->port, rcvbuf => 4096);
$slow->recv_json;
$slow->send_json({ type => 'hello', token => $session->{token} });
my $t0 = time;
select undef, undef, undef, 1;

my (@seqs, $closed, $live);
eval {
    for (;;) {
        my $f = $slow->recv_frame;
        if (!$f || $f->{opcode} == 8) {
            $closed = $f ? unpack('n', $f->{payload}) : 'eof';
            last;
        }
        next unless $f->{opcode} == 1;
        my $m = $JSON->decode($f->{payload});
        push @seqs, $m->{seq} if $m->{type} eq 'event';
        if ($m->{type} eq 'live') {
            $live = 1;
            last;
        }
    }
    1;
} or $closed = "error: $@";

diag sprintf '%d events read in %.1f s, then %s', scalar @seqs, time - $t0,
    $live ? 'live' : 'closed (' . ($closed // '?') . ')';
ok($live, 'the catch-up ends live, the socket never closed as slow');
is_deeply(\@seqs, [ map { $_->[0] } @$log ],
    'every event of the log once, in order');
unlike($ngx->error_log, qr/closing slow client/,
    'nginx closed no slow client');
$slow->close;

$ngx->stop;
$redis->stop;
done_testing;
