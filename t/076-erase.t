#!/usr/bin/perl

# Erasing one visitor (a GDPR request) through the operator's command,
# scripts/live-help-erase, against what real nginx stored: two visitors
# with conversations, pages and profiles, an agent's panel open. The one
# named by e-mail leaves nothing but the generation that refuses their
# tokens; the other keeps every key; the open panel is told at once.

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

my $redis = LiveHelp::Redis->start;

my $ngx = LiveHelp::Nginx->start(vars => { REDIS_PORT => $redis->port },
    files => { agents => "maria:{PLAIN}pw\n" },
    config => LiveHelp::Nginx->chat_config('live_help_assign manual;'));

my $ERASE = repo_root() . '/scripts/live-help-erase';

# a visitor who opened a page, said who they are and wrote twice
sub visitor {
    my ($name, $email) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    $ws->recv_json;
    $ws->send_json({ type => 'hello' });
    my $s = $ws->recv_type('session');
    $ws->recv_type('live');
    $ws->send_json({ type => 'page', url => 'https://shop.example/cart',
                     title => 'Cart', referrer => '', ua => 'Mozilla/5.0' });
    $ws->send_json({ type => 'profile', name => $name, email => $email });
    for my $i (1 .. 2) {
        $ws->send_json({ type => 'message', cid => "m$i",
                         text => "$name asks $i" });
        $ws->recv_type('ack');
    }
    return ($ws, $s);
}

my $panel = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
    headers => [ 'Authorization: Basic ' . encode_base64('maria:pw', '') ]);
$panel->recv_json;
$panel->send_json({ type => 'hello' });
$panel->recv_type('conversations');

my ($ann, $sa) = visitor('Ann', 'Ann@Shop.Example');
my ($bob, $sb) = visitor('Bob', 'bob@shop.example');
my ($va, $vb) = ($sa->{conversation}, $sb->{conversation});

# Maria answers Ann: an owner's index holds her too
$panel->send_json({ type => 'claim', cid => 'k1', conversation => $va });
$panel->recv_type('ack');
wait_until('both profiles stored', sub {
    ($redis->command('HGET', "lh:v:$vb", 'email') // '') eq 'bob@shop.example'
        && $redis->command('EXISTS', 'lh:e:ann@shop.example');
});

my $before_a = $redis->traces($va);
my $before_b = $redis->traces($vb);
diag "Redis before: $before_a->{all} keys; Ann: "
    . @{ $before_a->{keys} } . " keys (@{ $before_a->{keys} }), in "
    . @{ $before_a->{in} } . " indexes (@{ $before_a->{in} })";
cmp_ok(scalar @{ $before_a->{keys} }, '>=', 6,
    'Ann has her log, state, client ids, record and pages');
ok((grep { /^lh:mine:/ } @{ $before_a->{in} }),
    'and is one of Maria\'s chats');

my $t0 = time;
my $out = `'$ERASE' -p @{[ $redis->port ]} ANN\@shop.example 2>&1`;
my $rc = $? >> 8;
diag sprintf "live-help-erase (%.0f ms) said:\n%s", (time - $t0) * 1000, $out;
is($rc, 0, 'live-help-erase succeeds');
like($out, qr/^\Q$va\E \d+ keys \d+ index entries$/m,
    'and says what it erased of whom');
like($out, qr/^erased 1 visitors$/m, 'and how many');

my $after_a = $redis->traces($va);
diag "Redis after: $after_a->{all} keys; Ann: "
    . @{ $after_a->{keys} } . " keys (@{ $after_a->{keys} }), in "
    . @{ $after_a->{in} } . " indexes";
is_deeply([ $after_a->{keys}, $after_a->{in} ], [ ["lh:gen:$va"], [] ],
    'nothing of Ann is left but the generation refusing her tokens');
is($redis->command('EXISTS', 'lh:e:ann@shop.example'), 0,
    'her e-mail index is gone');
my $after_b = $redis->traces($vb);
is_deeply([ $after_b->{keys}, $after_b->{in} ],
    [ $before_b->{keys}, $before_b->{in} ], 'Bob is untouched');
is(scalar @{ $redis->command('XRANGE', "lh:c:$vb:log", '-', '+') }, 3,
    'his log holds his conversation (opened and two messages)');

my $m = $panel->recv_type('erased');
is($m->{conversation}, $va, 'the open panel is told Ann was erased');

$panel->send_json({ type => 'conversations' });
my $list = $panel->recv_type('conversations');
my %listed = map { $_->{conversation} => 1 } @{ $list->{items} };
ok(!$listed{$va} && $listed{$vb}, 'the list has Bob, not Ann');
$panel->send_json({ type => 'history', conversation => $va });
is_deeply($panel->recv_type('history')->{events}, [],
    'her history is empty');

# her token is revoked: coming back with it makes a new, empty visitor
my $back = LiveHelp::WS->connect($ngx->port);
$back->recv_json;
$back->send_json({ type => 'hello', token => $sa->{token} });
my $s2 = $back->recv_type('session');
isnt($s2->{visitor}, $sa->{visitor}, 'her token no longer says who she is');
$back->send_json({ type => 'message', cid => 'x1', text => 'hello again' });
$back->recv_type('ack');
is(scalar @{ $redis->command('XRANGE', "lh:c:$va:log", '-', '+') }, 0,
    'and nothing is written to her log');
$back->close;

my $again = `'$ERASE' -p @{[ $redis->port ]} ann\@shop.example 2>&1`;
is($? >> 8, 1, 'erasing her again finds nobody (exit 1)');
like($again, qr/erased 0 visitors/, 'and says so');

$out = `'$ERASE' -p @{[ $redis->port ]} $vb 2>&1`;
is($? >> 8, 0, 'by visitor id');
is_deeply([ @{ $redis->traces($vb) }{qw(keys in)} ], [ ["lh:gen:$vb"], [] ],
    'Bob leaves nothing either');
is($panel->recv_type('erased')->{conversation}, $vb, 'and the panel is told');

$ann->close;
$bob->close;
$panel->close;
$ngx->stop;
$redis->stop;
done_testing;
