#!/usr/bin/perl

# RFC 6455 conformance, case by case, in the categories of the Autobahn
# test suite (1-7, 9 up to our limit, 10). Our cases, our words; each is
# one row below. The endpoint is not an echo server: a text message
# {"type":"ping","id":X} is answered {"type":"pong","id":X}, which plays
# the echo. docs/CONFORMANCE.md lists these cases and their results;
# LIVE_HELP_CONFORMANCE=FILE writes that table.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Encode qw(encode_utf8);
use JSON::PP ();
use Test::More;

use LiveHelp::Nginx;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $JSON = JSON::PP->new->canonical;

my $ngx = LiveHelp::Nginx->start(config => <<'CONF');
load_module %%MODULE%%;
http {
    # 1000 pings back to back: the frame layer, not the limits, is tested
    live_help_limit_requests off;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
CONF

my $LIMIT = 64 * 1024;

# frames
sub F { LiveHelp::WS::frame(@_) }
sub text  { F(opcode => 1, payload => $_[0], @_[1 .. $#_]) }
sub cont  { F(opcode => 0, payload => $_[0], @_[1 .. $#_]) }
sub ping  { F(opcode => 9, payload => $_[0] // '') }
sub pong  { F(opcode => 10, payload => $_[0] // '') }
sub close_frame { F(opcode => 8, payload => $_[0] // '') }

# an app ping of exactly $len bytes, answered with its id
sub ping_of_size {
    my ($len, $id) = @_;
    my $head = qq({"type":"ping","id":"$id","pad":");
    my $pad = $len - length($head) - 2;
    return $head . ('x' x $pad) . '"}';
}

# expectations
sub pong_id   { my $id = shift; [ 'json', { type => 'pong', id => $id } ] }
sub ctl_pong  { [ 'frame', 10, $_[0] // '' ] }
sub closes    { [ 'close', $_[0] ] }
sub error     { [ 'error', $_[0] ] }
sub silence   { [ 'silence' ] }

my @cases = (
    # 1 framing: text and binary messages of every length class
    [ '1.1.1', 'text message of 0 bytes (not JSON: error event)',
      [ text('') ], error('bad_json') ],
    map({ my $n = $_;
          [ "1.1.len$n", "text message of $n bytes",
            [ text(ping_of_size($n, "l$n")) ], pong_id("l$n") ] }
        125, 126, 127, 128, 65535, 65536),
    [ '1.2.1', 'binary message (the protocol is text): close 1003',
      [ F(opcode => 2, payload => "\x00\x01") ], closes(1003) ],

    # 2 pings and pongs
    [ '2.1', 'ping without payload', [ ping('') ], ctl_pong('') ],
    [ '2.2', 'ping with text payload', [ ping('Hello, world!') ],
      ctl_pong('Hello, world!') ],
    [ '2.3', 'ping with binary payload', [ ping("\x00\xff\xfe\xfd\xfc") ],
      ctl_pong("\x00\xff\xfe\xfd\xfc") ],
    [ '2.4', 'ping with 125 bytes', [ ping('*' x 125) ], ctl_pong('*' x 125) ],
    [ '2.5', 'ping with 126 bytes: close 1002', [ ping('*' x 126) ],
      closes(1002) ],
    [ '2.6', 'unsolicited pong is ignored',
      [ pong('unasked'), text('{"type":"ping","id":"after-pong"}') ],
      pong_id('after-pong') ],
    [ '2.7', 'ten pings in a row get ten pongs',
      [ map { ping("p$_") } 1 .. 10 ], [ 'pongs', map { "p$_" } 1 .. 10 ] ],
    [ '2.8', 'ping sent a byte at a time', [ [ split //, ping('slow') ] ],
      ctl_pong('slow') ],

    # 3 reserved bits
    map({ my $rsv = $_;
          [ "3.$rsv", "text frame with RSV=$rsv: close 1002",
            [ text('{"type":"ping"}', rsv => $rsv) ], closes(1002) ] }
        1 .. 7),
    [ '3.8', 'ping with RSV=4: close 1002',
      [ F(opcode => 9, payload => 'x', rsv => 4) ], closes(1002) ],

    # 4 opcodes
    map({ my $op = $_;
          [ sprintf('4.%X', $op), "reserved opcode 0x" . sprintf('%X', $op)
              . ": close 1002", [ F(opcode => $op, payload => 'x') ],
            closes(1002) ] }
        3 .. 7, 0xB .. 0xF),

    # 5 fragmentation
    [ '5.1', 'fragmented ping: close 1002',
      [ F(opcode => 9, fin => 0, payload => 'fr'), cont('ag') ],
      closes(1002) ],
    [ '5.2', 'fragmented pong: close 1002',
      [ F(opcode => 10, fin => 0, payload => 'fr'), cont('ag') ],
      closes(1002) ],
    [ '5.3', 'text in two fragments',
      [ text('{"type":"ping",', fin => 0), cont('"id":"two"}') ],
      pong_id('two') ],
    [ '5.4', 'text in five fragments, two of them empty',
      [ text('{"type"', fin => 0), cont('', fin => 0),
        cont(':"ping","id"', fin => 0), cont('', fin => 0),
        cont(':"five"}') ], pong_id('five') ],
    [ '5.5', 'ping between two fragments is answered first',
      [ text('{"type":"ping",', fin => 0), ping('mid'),
        cont('"id":"around"}') ], [ 'seq', ctl_pong('mid'),
                                    pong_id('around') ] ],
    [ '5.6', 'continuation with no message started: close 1002',
      [ cont('x') ], closes(1002) ],
    [ '5.7', 'final continuation with no message started: close 1002',
      [ cont('x', fin => 1) ], closes(1002) ],
    [ '5.8', 'a new text frame inside a fragmented message: close 1002',
      [ text('{', fin => 0), text('}') ], closes(1002) ],
    [ '5.9', 'fragments sent a byte at a time',
      [ [ split //, text('{"type":"ping",', fin => 0)
                    . cont('"id":"bytes"}') ] ], pong_id('bytes') ],

    # 6 UTF-8
    [ '6.1', 'valid multi-byte text (kappa, heart, emoji)',
      [ text(encode_utf8(qq({"type":"ping","id":"\x{3ba}\x{2665}\x{1F600}"}))) ],
      pong_id("\x{3ba}\x{2665}\x{1F600}") ],
    [ '6.2', 'a character split across fragments',
      [ text(qq({"type":"ping","id":"\xce), fin => 0), cont(qq(\xba"})) ],
      pong_id("\x{3ba}") ],
    map({ my ($i, $bytes, $what) = @$_;
          [ "6.3.$i", "$what: close 1007",
            [ text(qq("$bytes")) ], closes(1007) ] }
        [ 1, "\xc0\x80", 'overlong NUL' ],
        [ 2, "\xe0\x80\xaf", 'overlong slash' ],
        [ 3, "\xed\xa0\x80", 'surrogate U+D800' ],
        [ 4, "\xf4\x90\x80\x80", 'above U+10FFFF' ],
        [ 5, "\xf8\x88\x80\x80\x80", 'five-byte form' ],
        [ 6, "\xff", 'byte 0xff' ],
        [ 7, "\x80", 'lone continuation byte' ],
        [ 8, "\xce\x41", 'missing continuation byte' ]),
    [ '6.4.1', 'text ending inside a character: close 1007',
      [ text("\"\xe2\x82") ], closes(1007) ],
    [ '6.4.2', 'bad byte in the first fragment, the rest never sent',
      [ text("\"ok\xff", fin => 0) ], closes(1007) ],
    [ '6.4.3', 'bad byte in a frame whose end never comes',
      [ substr(text("\"ok\xff" . 'x' x 200), 0, 8 + 4) ], closes(1007) ],

    # 7 close
    [ '7.1.1', 'close without payload is answered in kind',
      [ close_frame('') ], closes(undef) ],
    [ '7.1.2', 'close 1000 with a reason', [ close_frame(pack 'n a*', 1000,
      'bye') ], closes(1000) ],
    [ '7.1.3', 'text after close is ignored',
      [ close_frame(pack 'n', 1000), text('{"type":"ping","id":"late"}') ],
      closes(1000) ],
    [ '7.3.1', 'close payload of 1 byte: close 1002',
      [ close_frame("\x03") ], closes(1002) ],
    [ '7.3.2', 'close reason of 123 bytes', [ close_frame(pack('n', 1000)
      . ('r' x 123)) ], closes(1000) ],
    [ '7.5.1', 'close reason that is not UTF-8: close 1007',
      [ close_frame(pack('n', 1000) . "\xce\xba\xff") ], closes(1007) ],
    map({ my $code = $_;
          [ "7.7.$code", "close code $code is echoed",
            [ close_frame(pack 'n', $code) ], closes($code) ] }
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999,
        4000, 4999),
    map({ my $code = $_;
          [ "7.9.$code", "close code $code is invalid: close 1002",
            [ close_frame(pack 'n', $code) ], closes(1002) ] }
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535),

    # 9 limits, up to ours (live_help_max_message 64k by default)
    [ '9.1.1', 'text message of exactly the limit',
      [ text(ping_of_size($LIMIT, 'limit')) ], pong_id('limit') ],
    [ '9.1.2', 'text message one byte over the limit: close 1009',
      [ text(ping_of_size($LIMIT + 1, 'over')) ], closes(1009) ],
    [ '9.1.3', 'a 16 MB header is refused before its payload: close 1009',
      [ F(opcode => 1, length => 16 * 1024 * 1024, payload => '') ],
      closes(1009) ],
    [ '9.2.1', 'the limit in 64 fragments of 1 KB',
      [ do { my $m = ping_of_size($LIMIT, 'frags');
             my @p = unpack '(a1024)*', $m;
             (text(shift @p, fin => 0),
              (map { cont($_, fin => 0) } @p[0 .. $#p - 1]),
              cont($p[-1])) } ], pong_id('frags') ],
    [ '9.3.1', '1000 messages sent back to back, answered in order',
      [ map { text(qq({"type":"ping","id":$_})) } 1 .. 1000 ],
      [ 'pongs_json', 1 .. 1000 ] ],

    # 10 misc
    [ '10.1.1', '64 KB message in fragments of 1300 bytes',
      [ do { my $m = ping_of_size(65000, 'auto');
             my @p = unpack '(a1300)*', $m;
             (text(shift @p, fin => 0),
              (map { cont($_, fin => 0) } @p[0 .. $#p - 1]),
              cont($p[-1])) } ], pong_id('auto') ],
);

my @results;

for my $case (@cases) {
    my ($id, $what, $frames, $expect) = @$case;
    my $ok = eval { run_case($frames, $expect) };
    my $err = $@;
    ok($ok, "$id $what") or diag $err;
    push @results, [ $id, $what, $ok ? 'pass' : 'FAIL' ];
}

if (my $file = $ENV{LIVE_HELP_CONFORMANCE}) {
    open my $fh, '>', $file or die "$file: $!\n";
    print $fh "| case | what | result |\n| --- | --- | --- |\n";
    print $fh "| $_->[0] | $_->[1] | $_->[2] |\n" for @results;
    close $fh;
}

sub run_case {
    my ($frames, $expect) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    my $welcome = $ws->recv_json;
    die "no welcome\n" unless $welcome->{type} eq 'welcome';

    for my $f (@$frames) {
        if (ref $f) {
            $ws->send_raw($_) for @$f;       # a byte per write
        } else {
            $ws->send_raw($f);
        }
    }

    my $ok = check($ws, $expect);
    $ws->close;
    return $ok;
}

sub check {
    my ($ws, $e) = @_;
    my ($kind, @arg) = @$e;

    if ($kind eq 'seq') {
        check($ws, $_) or return 0 for @arg;
        return 1;
    }
    if ($kind eq 'json') {
        my $m = $ws->recv_json;
        my $got = $JSON->encode($m);
        my $want = $JSON->encode($arg[0]);
        die "got $got, want $want\n" unless $got eq $want;
        return 1;
    }
    if ($kind eq 'error') {
        my $m = $ws->recv_json;
        die "got " . $JSON->encode($m) . "\n"
            unless $m->{type} eq 'error' && $m->{code} eq $arg[0];
        return 1;
    }
    if ($kind eq 'frame') {
        my $f = $ws->recv_frame;
        die "connection closed\n" unless $f;
        die "got opcode $f->{opcode}, want $arg[0]\n"
            unless $f->{opcode} == $arg[0];
        die "payload differs\n" unless $f->{payload} eq $arg[1];
        return 1;
    }
    if ($kind eq 'pongs') {
        for my $p (@arg) {
            check($ws, ctl_pong($p)) or return 0;
        }
        return 1;
    }
    if ($kind eq 'pongs_json') {
        for my $id (@arg) {
            my $m = $ws->recv_json;
            die "got id $m->{id}, want $id\n" unless $m->{id} == $id;
        }
        return 1;
    }
    if ($kind eq 'close') {
        my ($code) = $ws->expect_close;
        my $want = $arg[0];
        die "closed with " . ($code // 'none') . ", want "
            . ($want // 'none') . "\n"
            unless (defined $code ? $code : -1) == (defined $want ? $want : -1);
        return 1;
    }
    die "unknown expectation $kind\n";
}

$ngx->stop;
done_testing;
