#!/usr/bin/perl

# The WebSocket endpoint: handshake checks, framing, control frames, close
# codes, keepalive pings, and 1001 when nginx reloads.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use LiveHelp::Nginx;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $ping_port = free_port();

my $ngx = LiveHelp::Nginx->start(vars => { PING_PORT => $ping_port },
    config => <<'CONF');
load_module %%MODULE%%;
http {
    server {
        listen 127.0.0.1:%%PORT%%;
        live_help_origins https://shop.example;

        location /live-help/ {
            live_help_endpoint;
            live_help_max_message 1k;
        }
    }

    server {
        listen 127.0.0.1:%%PING_PORT%%;

        location /live-help/ {
            live_help_endpoint;
            live_help_ping_interval 1s;
        }
    }
}
CONF

my $port = $ngx->port;

sub open_ws {
    my $ws = LiveHelp::WS->connect($port, @_);
    my $welcome = $ws->recv_json;
    is($welcome->{type}, 'welcome', 'server says welcome first');
    return $ws;
}

sub closes_with {
    my ($code, $what, @frames) = @_;
    my $ws = open_ws();
    $ws->send_raw(join '', map { LiveHelp::WS::frame(%$_) } @frames);
    my ($got) = eval { $ws->expect_close };
    is($got, $code, "$what: close $code") or diag $@;
}

subtest 'handshake_upgrades_with_the_right_accept_key' => sub {
    my $res = LiveHelp::WS->handshake($port);
    is($res->{status}, 101, '101 Switching Protocols');
    ok($res->{accept_ok}, 'Sec-WebSocket-Accept matches the key');
    is(lc $res->{headers}{upgrade}, 'websocket', 'Upgrade: websocket');
    like($res->{headers}{connection}, qr/upgrade/i, 'Connection: Upgrade');
    close $res->{socket};
};

subtest 'refused_handshakes_get_plain_http_errors' => sub {
    my $res = LiveHelp::WS->handshake($port, version => 12);
    is($res->{status}, 426, 'version 12: 426 Upgrade Required');
    is($res->{headers}{'sec-websocket-version'}, '13',
        'and the version the server speaks');

    is(LiveHelp::WS->handshake($port, key => '')->{status}, 400,
        'no Sec-WebSocket-Key: 400');
    is(LiveHelp::WS->handshake($port, key => 'c2hvcnQ=')->{status}, 400,
        'key of 5 bytes: 400');
    is(LiveHelp::WS->handshake($port, method => 'POST')->{status}, 405,
        'POST: 405');
    is(LiveHelp::WS->handshake($port, upgrade => 'h2c')->{status}, 400,
        'Upgrade other than websocket: 400');
    is(LiveHelp::WS->handshake($port, connection => 'keep-alive')->{status},
        400, 'Connection without upgrade: 400');
    is(LiveHelp::WS->handshake($port, path => '/live-help/wsx')->{status},
        404, 'unknown path: 404');
};

subtest 'origin_of_another_site_is_refused' => sub {
    is(LiveHelp::WS->handshake($port, origin => 'https://evil.example')
        ->{status}, 403, 'foreign origin: 403');
    is(LiveHelp::WS->handshake($port, origin => "http://127.0.0.1:$port")
        ->{status}, 101, 'same host: 101');
    is(LiveHelp::WS->handshake($port, origin => 'https://shop.example')
        ->{status}, 101, 'origin listed in live_help_origins: 101');
    is(LiveHelp::WS->handshake($port, origin => 'null')->{status}, 403,
        'origin "null": 403');
};

subtest 'app_ping_gets_pong_and_bad_json_gets_an_error' => sub {
    my $ws = open_ws();
    $ws->send_json({ type => 'ping', id => 7 });
    is_deeply($ws->recv_json, { type => 'pong', id => 7 }, 'pong with id');

    $ws->send_text('{"type": "ping"');
    my $err = $ws->recv_json;
    is($err->{type}, 'error', 'malformed JSON: error event');
    is($err->{code}, 'bad_json', 'with code bad_json');

    $ws->send_json({ type => 'no-such-thing', id => 'x' });
    $err = $ws->recv_json;
    is($err->{code}, 'unknown_type', 'unknown type: error event');
    is($err->{id}, 'x', 'carrying the id');

    $ws->send_json({ type => 'ping', id => 8 });
    is($ws->recv_json->{id}, 8, 'the connection is still usable');
    $ws->close;
};

subtest 'control_ping_gets_pong_with_the_same_payload' => sub {
    my $ws = open_ws();
    $ws->send_frame(opcode => 9, payload => "are you there?");
    my $f = $ws->recv_frame;
    is($f->{opcode}, 10, 'pong');
    is($f->{payload}, "are you there?", 'same payload');
    $ws->close;
};

subtest 'fragmented_message_with_control_frames_between' => sub {
    my $ws = open_ws();
    my $json = '{"type":"ping","id":"fragmented"}';
    my @parts = (substr($json, 0, 5), substr($json, 5, 10),
                 substr($json, 15));
    $ws->send_raw(
        LiveHelp::WS::frame(opcode => 1, fin => 0, payload => $parts[0])
      . LiveHelp::WS::frame(opcode => 9, payload => 'p')
      . LiveHelp::WS::frame(opcode => 0, fin => 0, payload => $parts[1])
      . LiveHelp::WS::frame(opcode => 0, fin => 0, payload => '')
      . LiveHelp::WS::frame(opcode => 0, fin => 1, payload => $parts[2]));
    my $f = $ws->recv_frame;
    is($f->{opcode}, 10, 'the ping in the middle is answered first');
    is_deeply($ws->recv_json, { type => 'pong', id => 'fragmented' },
        'then the message, reassembled');

    # one byte per write
    my $bytes = LiveHelp::WS::frame(opcode => 1,
        payload => '{"type":"ping","id":"slow"}');
    $ws->send_raw($_) for split //, $bytes;
    is($ws->recv_json->{id}, 'slow', 'a frame sent a byte at a time');
    $ws->close;
};

subtest 'frame_right_behind_the_handshake_is_read' => sub {
    my $res = LiveHelp::WS->handshake($port,
        extra => LiveHelp::WS::frame(opcode => 1,
                                     payload => '{"type":"ping","id":1}'));
    is($res->{status}, 101, 'upgraded');
    my $ws = bless { sock => $res->{socket}, buf => $res->{rest} },
        'LiveHelp::WS';
    is($ws->recv_json->{type}, 'welcome', 'welcome');
    is_deeply($ws->recv_json, { type => 'pong', id => 1 }, 'and the pong');
    $ws->close;
};

subtest 'protocol_errors_close_with_the_right_code' => sub {
    closes_with(1002, 'RSV1 set', { rsv => 4, payload => '{}' });
    closes_with(1002, 'opcode 3', { opcode => 3, payload => 'x' });
    closes_with(1002, 'opcode 0xb', { opcode => 11 });
    closes_with(1002, 'unmasked frame',
        { masked => 0, payload => '{"type":"ping"}' });
    closes_with(1002, 'ping of 126 bytes',
        { opcode => 9, payload => 'x' x 126 });
    closes_with(1002, 'fragmented ping', { opcode => 9, fin => 0 });
    closes_with(1002, 'continuation without a message',
        { opcode => 0, payload => 'x' });
    closes_with(1002, 'new message inside a fragmented one',
        { opcode => 1, fin => 0, payload => '{' },
        { opcode => 1, payload => '}' });
    closes_with(1002, 'close frame of one byte',
        { opcode => 8, payload => "\x03" });
    closes_with(1002, 'close code 1005 on the wire',
        { opcode => 8, payload => pack('n', 1005) });
    closes_with(1007, 'invalid UTF-8', { payload => "\"\xed\xa0\x80\"" });
    closes_with(1007, 'UTF-8 cut at the end of a message',
        { opcode => 1, fin => 0, payload => "\xce" },
        { opcode => 0, payload => '' });
    closes_with(1009, 'message over live_help_max_message',
        { payload => 'x' x 1025 });
    closes_with(1009, 'fragments adding up to over the limit',
        { opcode => 1, fin => 0, payload => 'x' x 600 },
        { opcode => 0, payload => 'x' x 600 });
    closes_with(1003, 'binary message', { opcode => 2, payload => 'x' });
};

subtest 'invalid_utf8_fails_fast_at_the_bad_fragment' => sub {
    my $ws = open_ws();
    # the bad byte arrives; the rest of the frame never does
    my $f = LiveHelp::WS::frame(opcode => 1, payload => "ok\xff" . 'x' x 100);
    $ws->send_raw(substr($f, 0, 6 + 3));
    my ($code) = $ws->expect_close;
    is($code, 1007, '1007 before the frame is complete');
};

subtest 'client_close_is_echoed_then_the_connection_ends' => sub {
    my $ws = open_ws();
    $ws->send_frame(opcode => 8, payload => pack('n', 1000) . 'bye');
    my ($code) = $ws->expect_close;
    is($code, 1000, 'close 1000 echoed, then EOF');

    $ws = open_ws();
    $ws->send_frame(opcode => 8, payload => '');
    my @got = $ws->expect_close;
    is($got[0], undef, 'empty close answered with an empty close');
};

subtest 'idle_socket_is_pinged_and_dropped_when_silent' => sub {
    my $ws = LiveHelp::WS->connect($ping_port);
    is($ws->recv_json->{type}, 'welcome', 'welcome');

    my $f = $ws->recv_frame(timeout => 5);
    is($f->{opcode}, 9, 'server pings an idle socket');
    $ws->send_frame(opcode => 10, payload => $f->{payload});
    $f = $ws->recv_frame(timeout => 5);
    is($f->{opcode}, 9, 'answered: still open, pinged again');

    # no answer this time
    ok($ws->expect_eof(timeout => 5), 'unanswered ping: connection dropped');
};

subtest 'reload_closes_sockets_with_1001' => sub {
    my @ws = map { open_ws() } 1 .. 6;
    $ngx->reload;
    for my $i (0 .. $#ws) {
        my ($code) = eval { $ws[$i]->expect_close };
        is($code, 1001, "socket $i: close 1001 going away") or diag $@;
    }
    # an old worker may still take a connection before it stops
    # listening: it answers 1001 at once, and clients come back, as here
    my ($pong, $tries) = (undef, 0);
    until ($pong || $tries++ >= 20) {
        $pong = eval {
            my $ws = LiveHelp::WS->connect($port);
            $ws->recv_json;
            $ws->send_json({ type => 'ping', id => 'after' });
            my $m = $ws->recv_json;
            $ws->close;
            $m;
        };
        diag "retrying: $@" if !$pong && $@ !~ /\(1001\)/;
    }
    is($pong && $pong->{id}, 'after', 'new workers serve sockets');
};

$ngx->stop;
done_testing;
