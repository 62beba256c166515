#!/usr/bin/perl

# Agents never lose a waiting shopper from view because of spam: after a
# real shopper, 300 throw-away conversations wait. The panel's first list
# shows the queue oldest first, so the shopper is on top; each list is
# 100 long with its total, and asking the queue's next pages reaches all
# 301 exactly once. Before, the list held the 200 latest of everything.

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
    config => LiveHelp::Nginx->chat_config('live_help_assign manual;'));

# the real shopper, through nginx
my $shopper = LiveHelp::WS->connect($ngx->port);
$shopper->recv_json;
$shopper->send_json({ type => 'hello' });
my $real = $shopper->recv_type('session')->{conversation};
$shopper->send_json({ type => 'message', cid => 'q1',
                      text => 'Is the blue one in stock?' });
$shopper->recv_type('ack');

# then 300 throw-away ones, stored as the module stores them
my $script = read_file(repo_root()
                       . '/ngx_live_help_module/lua/conversation.lua');
my $now = int(time * 1000) + 1;
for my $i (1 .. 300) {
    $redis->command('EVAL', $script, 0, 'message', $now + $i,
        sprintf('vSpam%05d', $i), 'c', 604800, 'visitor', '',
        '{"kind":"message","from":"visitor","text":"x","cid":"c"}', '',
        '0', '0', 86400, 10000);
}
is($redis->command('ZCARD', 'lh:queue'), 301, '301 conversations wait');

my $agent = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
    headers => [ 'Authorization: Basic ' . encode_base64('maria:pw', '') ]);
$agent->recv_json;
$agent->send_json({ type => 'hello' });
my $first = $agent->recv_type('conversations');
my @queue = map { $_->{conversation} }
            grep { $_->{state} eq 'waiting' } @{ $first->{items} };
diag sprintf "the first list: %d items, %d waiting of %d; queue %s",
    scalar @{ $first->{items} }, scalar @queue, $first->{queued},
    JSON::PP->new->canonical->encode($first->{lists}{queue});
is($queue[0], $real, 'the shopper who came first is on top of the queue');
is(scalar @queue, 100, 'the queue\'s first page: 100');
is_deeply($first->{lists}{queue}, { total => 301, next => 100 },
    'of 301, the next page at 100');
is($first->{queued}, 301, 'all of them counted as waiting');

my (@all, %times);
my $next = 0;
for my $page (1 .. 10) {
    $agent->send_json({ type => 'conversations', list => 'queue',
                        offset => $next });
    my $m = $agent->recv_type('conversations');
    is($m->{list}, 'queue', "page $page is of the queue, from $next");
    push @all, map { $_->{conversation} } @{ $m->{items} };
    $next = $m->{next};
    last unless $next;
}
$times{$_}++ for @all;
diag "paged: " . scalar(@all) . " conversations, "
    . scalar(grep { $times{$_} > 1 } keys %times) . " twice";
is(scalar @all, 301, 'the pages reach all 301');
is(scalar keys %times, 301, 'each once');
is($all[0], $real, 'oldest first');
is_deeply([ @all[1 .. 300] ], [ map { sprintf 'vSpam%05d', $_ } 1 .. 300 ],
    'then the others in the order they came');

$agent->send_json({ type => 'conversations', list => 'recent', id => 'x' });
my $err = $agent->recv_type('error');
is_deeply([ @$err{qw(code id)} ], [ 'bad_list', 'x' ],
    'a list that does not exist is refused');
$agent->send_json({ type => 'conversations', list => 'queue',
                    offset => -1 });
is($agent->recv_type('error')->{code}, 'bad_list', 'so is a negative offset');

$agent->close;
$shopper->close;
$ngx->stop;
$redis->stop;
done_testing;
