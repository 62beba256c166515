#!/usr/bin/perl

# A visitor token whose expiry has 19 or 20 digits, signed with the real
# secret so that the parser behind the signature reads it: through real
# nginx the visitor gets a new conversation, no worker dies (the expiry
# used to overflow a long long: undefined behaviour, and the sanitizer
# build's worker exited), and the error log stays clean. The largest
# expiry that fits is still honoured.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(hmac_sha256_base64);
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
    live_help_secret_file %%DIR%%/secret;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /live-help/ {
            live_help_endpoint;
        }
    }
}
CONF

my $secret = join '', map { chr int rand 256 } 1 .. 32;
my $ngx = LiveHelp::Nginx->start(config => $config,
    vars => { REDIS_PORT => $redis->port }, files => { secret => $secret });

# "id.expires" signed as the module signs visitor tokens (base64url, no =)
sub token {
    my ($payload) = @_;
    (my $sig = hmac_sha256_base64($payload, $secret)) =~ tr{+/}{-_};
    return "$payload.$sig";
}

# a socket on that worker: connect again until the welcome names it
sub hello {
    my ($token, $want) = @_;
    my ($ws, $welcome);
    for my $try (1 .. 200) {
        $ws = LiveHelp::WS->connect($ngx->port);
        $welcome = $ws->recv_json;
        last if $welcome->{worker} == $want;
        $ws->close;
        undef $ws;
    }
    die "no socket landed on worker $want\n" unless $ws;
    $ws->send_json({ type => 'hello', token => $token });
    my $session = $ws->recv_json;
    $ws->send_json({ type => 'ping', id => 'after' });
    my $pong;
    for (1 .. 10) {
        my $m = $ws->recv_json;
        if ($m->{type} eq 'pong') { $pong = $m; last }
    }
    $ws->close;
    return ($session, $welcome->{worker}, $pong);
}

my @before = sort { $a <=> $b } $ngx->worker_pids;
is(scalar @before, 2, 'two workers');

my %cases = (
    'largest that fits (LLONG_MAX)' => [ '9223372036854775807', 1 ],
    '19 digits, one past LLONG_MAX'  => [ '9223372036854775808', 0 ],
    '19 nines'                       => [ '9999999999999999999', 0 ],
    '20 digits'                      => [ '10000000000000000000', 0 ],
    '20 nines'                       => [ '99999999999999999999', 0 ],
    'leading zeros'                  => [ '0009999999999', 0 ],
);

my %workers;
for my $name (sort keys %cases) {
    my ($expires, $kept) = @{ $cases{$name} };
    # on both workers: each must survive it
    for my $try (0 .. 1) {
        my $id = 'vOverflow' . length($expires) . $kept . $try;
        my ($session, $worker, $pong) = hello(token("$id.$expires"),
                                              $before[$try]);
        $workers{$worker}++;
        is($session->{type}, 'session', "$name: hello answered");
        if ($kept) {
            is($session->{visitor}, $id, "$name: the same visitor");
        } else {
            isnt($session->{visitor}, $id, "$name: a new visitor");
            like($session->{visitor}, qr/^v[A-Za-z0-9_-]{16}$/,
                 "$name: with a fresh id");
        }
        is($pong && $pong->{id}, 'after', "$name: the socket still answers");
    }
}
note('hellos per worker: '
     . join(', ', map { "$_: $workers{$_}" } sort keys %workers));

my @after = sort { $a <=> $b } $ngx->worker_pids;
is_deeply(\@after, \@before, 'worker pids unchanged: no worker died');
unlike($ngx->error_log, qr/signal \d+|exited on|runtime error/,
       'no worker exit and no sanitizer report in the error log');

$ngx->stop;
$redis->stop;

done_testing;
