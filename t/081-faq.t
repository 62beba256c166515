#!/usr/bin/perl

# live_help_faq: a file that is wrong fails nginx -t naming the directive,
# the file and the entry; a visitor's "faq" search gets the right answers
# for a misspelt question over the real socket; "faq_shown" is a note in
# the visitor's log (once per cid) that opens no conversation; a flood of
# searches is rate limited and the socket goes on.

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

my $demo_faq = read_file(repo_root() . '/demo/faq.json');

sub faq_config {
    my ($faq) = @_;
    return <<"CONF";
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:1;
    server {
        listen 127.0.0.1:%%PORT%%;
        $faq
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
CONF
}

subtest 'bad_files_fail_nginx_t_naming_the_directive_file_and_entry' => sub {
    my @cases = (
        [ 'not JSON', '[{"q": "x", "a": "y"},', qr/invalid JSON on line/ ],
        [ 'no q', '[{"q": "x", "a": "y"}, {"a": "y"}]',
          qr/entry 2: "q" is missing/ ],
        [ 'a q too long', '[{"q": "' . ('x' x 301) . '", "a": "y"}]',
          qr/entry 1: "q" must be a string of 1 to 300 bytes/ ],
        [ 'an answer too long', '[{"q": "x", "a": "' . ('y' x 4001)
          . '"}]', qr/entry 1: "a" must be a string of 1 to 4000 bytes/ ],
        [ 'too many', '[' . join(',', ('{"q":"x","a":"y"}') x 2001) . ']',
          qr/2001 entries, more than 2000/ ],
        [ 'a bad id', '[{"q": "x", "a": "y", "id": "no spaces"}]',
          qr/entry 1: "id" must be/ ],
    );

    for my $c (@cases) {
        my ($what, $json, $why) = @$c;
        my ($rc, $out) = LiveHelp::Nginx->prepare(
            config => faq_config('live_help_faq %%DIR%%/faq.json;'),
            files => { 'faq.json' => $json })->test_config;
        isnt($rc, 0, "$what: nginx -t fails");
        like($out, qr/"live_help_faq": invalid FAQ file "[^"]*faq\.json"/,
            "$what: the message names the directive and the file");
        like($out, $why, "$what: and says why");
    }

    my ($rc, $out) = LiveHelp::Nginx->prepare(
        config => faq_config('live_help_faq %%DIR%%/none.json;'))
        ->test_config;
    isnt($rc, 0, 'a missing file fails nginx -t');
    like($out, qr/"live_help_faq": cannot open "[^"]*none\.json"/,
        'naming the directive and the file');

    ($rc, $out) = LiveHelp::Nginx->prepare(
        config => faq_config("live_help_faq %%DIR%%/faq.json;\n"
                             . "live_help_faq %%DIR%%/faq.json;"),
        files => { 'faq.json' => $demo_faq })->test_config;
    isnt($rc, 0, 'twice in one level fails');
    like($out, qr/"live_help_faq" directive is duplicate/, 'as duplicate');

    ($rc, $out) = LiveHelp::Nginx->prepare(
        config => faq_config('live_help_faq %%DIR%%/faq.json;'),
        files => { 'faq.json' => $demo_faq })->test_config;
    is($rc, 0, 'the demo FAQ passes nginx -t') or diag($out);
};

my $redis = LiveHelp::Redis->start;

# the demo's FAQ for the chat's server; a second server has none
my $config = LiveHelp::Nginx->chat_config(<<'HTTP');
live_help_faq %%DIR%%/faq.json;
    server {
        listen 127.0.0.1:%%BARE_PORT%%;
        live_help_faq off;
        location /live-help/ { live_help_endpoint; }
    }
HTTP

my $ngx = LiveHelp::Nginx->start(config => $config,
    vars => { REDIS_PORT => $redis->port, BARE_PORT => free_port() },
    files => { 'faq.json' => $demo_faq,
               agents => "maria:{PLAIN}s3cret\n" });

sub visitor {
    my ($port) = @_;
    my $ws = LiveHelp::WS->connect($port // $ngx->port);
    $ws->recv_type('welcome');
    $ws->send_json({ type => 'hello' });
    return ($ws, $ws->recv_type('session'));
}

subtest 'a_misspelt_question_gets_the_right_answer_first' => sub {
    my ($v, $session) = visitor();
    ok($session->{faq}, 'the session says there is an FAQ');

    my $t0 = time;
    $v->send_json({ type => 'faq', id => 1,
                    q => 'how long does shiping take' });
    my $m = $v->recv_type('faq');
    my $took = time - $t0;
    diag(sprintf 'a faq search over the socket: %.2f ms round trip',
        $took * 1000);

    is($m->{id}, 1, 'the answer has the request id');
    cmp_ok(scalar @{ $m->{items} }, '>=', 1, 'one answer at least');
    cmp_ok(scalar @{ $m->{items} }, '<=', 3, 'three at most');
    is($m->{items}[0]{id}, 'shipping-time', 'the right one first');
    is($m->{items}[0]{q}, 'How long does shipping take?', 'its question');
    like($m->{items}[0]{a}, qr/2-4 working days/, 'and its answer');

    $v->send_json({ type => 'faq', id => 2, q => 'retrun' });
    $m = $v->recv_type('faq');
    is($m->{items}[0]{id}, 'returns', '"retrun" finds returns');

    $v->send_json({ type => 'faq', id => 3, q => 'sh' });
    $m = $v->recv_type('faq');
    is_deeply($m->{items}, [], 'two letters find nothing');

    $v->send_json({ type => 'faq', id => 4 });
    $m = $v->recv_type('error');
    is($m->{code}, 'bad_message', 'a search without q is refused');

    $v->send_json({ type => 'faq', id => 5, q => 'x' x 60000 });
    $m = $v->recv_type('faq');
    is_deeply($m->{items}, [], 'a huge query is cut and finds nothing');
    $v->close;

    my ($b, $bare) = visitor($ngx->{vars}{BARE_PORT});
    ok(defined $bare->{faq} && !$bare->{faq},
        'without an FAQ the session says so');
    $b->send_json({ type => 'faq', id => 9, q => 'shipping' });
    is_deeply($b->recv_type('faq')->{items}, [],
        'and a search finds nothing');
    $b->close;
};

subtest 'an_answer_shown_is_a_note_once_and_opens_no_conversation' => sub {
    my ($v, $session) = visitor();
    my $conv = $session->{conversation};
    my $log = "lh:c:$conv:log";

    $v->send_json({ type => 'faq_shown', cid => 'fq1', faq => 'returns' });
    my $ack = $v->recv_type('ack');
    is($ack->{cid}, 'fq1', 'acked');
    my $ev = $v->recv_type('event');
    is($ev->{event}{kind}, 'faq', 'the visitor sees the note in the log');
    is($ev->{event}{id}, 'returns', 'with the entry id');
    is($ev->{event}{q}, 'Can I return my order?', 'its question');
    like($ev->{event}{a}, qr/^Unopened bags/, 'the answer shown');
    is($ev->{event}{cid}, 'fq1', 'and the cid');

    $v->send_json({ type => 'faq_shown', cid => 'fq1', faq => 'returns' });
    is($v->recv_type('ack')->{seq}, $ack->{seq}, 'a resend: the same seq');
    is($redis->command('XLEN', $log), 1, 'stored once');

    my $stored = $redis->command('XRANGE', $log, '-', '+');
    like($stored->[0][1][1], qr/"kind":"faq"/, 'as a faq event');

    # a second answer: a log of notes alone is never taken for a log of
    # version 1, which would be queued as waiting
    $v->send_json({ type => 'faq_shown', cid => 'fq1b',
                    faq => 'shipping-cost' });
    is($v->recv_type('ack')->{cid}, 'fq1b', 'a second answer is acked');
    is($redis->command('XLEN', $log), 2, 'and stored');

    ok(!defined $redis->command('ZSCORE', 'lh:queue', $conv),
        'not in the queue');
    is($redis->command('HGET', "lh:c:$conv:state", 'state'), 'none',
        'no conversation opened');

    my $agent = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws',
        headers => ['Authorization: Basic '
                    . encode_base64('maria:s3cret', '')]);
    $agent->recv_type('welcome');
    $agent->send_json({ type => 'hello' });
    my $lists = $agent->recv_type('conversations');
    is($lists->{queued}, 0, 'agents see nothing waiting');
    $agent->send_json({ type => 'history', conversation => $conv });
    my $h = $agent->recv_type('history');
    is_deeply([ map { $_->{event}{kind} } @{ $h->{events} } ],
        ['faq', 'faq'], 'the agent reads the notes in the log');
    $agent->close;

    $v->send_json({ type => 'faq_shown', cid => 'fq2', faq => 'nope' });
    is($v->recv_type('error')->{code}, 'bad_faq', 'an unknown entry');
    $v->send_json({ type => 'faq_shown', cid => 'fq 3', faq => 'returns' });
    is($v->recv_type('error')->{code}, 'bad_cid', 'a bad cid');
    is($redis->command('XLEN', $log), 2, 'neither is stored');

    # writing afterwards opens a conversation as ever
    $v->send_json({ type => 'message', cid => 'm1', text => 'Hello' });
    $v->recv_type('ack');
    is($redis->command('HGET', "lh:c:$conv:state", 'state'), 'waiting',
        'a message then opens the conversation');
    $v->close;
};

subtest 'a_flood_of_searches_is_rate_limited_and_the_socket_goes_on' => sub {
    my ($v) = visitor();

    # 90 searches at once, pipelined: the request limit is 60 in 10 s
    my $burst = join '', map {
        LiveHelp::WS::frame(opcode => 1, payload =>
            LiveHelp::WS->json->encode({ type => 'faq', id => $_,
                                         q => 'shipping cost' }))
    } 1 .. 90;
    my $t0 = time;
    $v->send_raw($burst);

    my ($answered, $limited, $retry) = (0, 0, 0);
    while ($answered + $limited < 90) {
        my $m = $v->recv_json;
        if ($m->{type} eq 'faq') {
            $answered++;
        } elsif ($m->{type} eq 'error' && $m->{code} eq 'rate_limited') {
            $limited++;
            $retry = $m->{retry};
        }
    }
    diag(sprintf '90 pipelined searches: %d answered, %d rate_limited '
        . '(retry %d ms) in %.1f ms', $answered, $limited, $retry,
        (time - $t0) * 1000);

    cmp_ok($answered, '<=', 60, 'no more than the request limit answered');
    cmp_ok($answered, '>=', 55, 'and about that many');
    cmp_ok($limited, '>=', 30, 'the rest rate limited');
    cmp_ok($retry, '>', 0, 'saying when to ask again');

    $v->send_json({ type => 'message', cid => 'after', text => 'still?' });
    is($v->recv_type('ack')->{cid}, 'after',
        'the socket goes on: a message is stored');

    # after the wait it told, a search is answered again
    select undef, undef, undef, $retry / 1000 + 0.05;
    $v->send_json({ type => 'faq', id => 'again', q => 'shipping cost' });
    my $m = $v->recv_json;
    $m = $v->recv_json while $m->{type} ne 'faq' && $m->{type} ne 'error';
    is($m->{type}, 'faq', 'and a search after the wait is answered');
    is($m->{items}[0]{id}, 'shipping-cost', 'rightly');
    $v->close;
};

$ngx->stop;
$redis->stop;

done_testing;
