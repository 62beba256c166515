#!/usr/bin/perl

# The visitor's token in an HttpOnly cookie set by the WebSocket handshake:
# set (HttpOnly, SameSite, Path, Max-Age; Secure only over TLS) and renewed
# on every handshake; the same visitor on another connection and worker by
# the cookie alone; a tampered, expired or other secret's cookie makes a new
# visitor; a token offered as the subprotocol "lh.<token>" (a widget moving
# it out of localStorage) becomes the cookie; the session carries the token
# only when the browser does not keep it; a visitor whose generation in
# Redis was raised (revoked) becomes a new visitor, by cookie or by token.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(hmac_sha256_base64);
use IO::Select;
use IO::Socket::SSL;
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $redis = LiveHelp::Redis->start;

my $dir = temp_dir('tls');
my $rc = system("openssl req -x509 -newkey ec -pkeyopt "
    . "ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 -days 1 "
    . "-keyout $dir/key.pem -out $dir/cert.pem 2>/dev/null") >> 8;
is($rc, 0, 'a self-signed certificate made with openssl');

my $TLS_PORT = free_port();

my $config = <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_secret_file %%DIR%%/secret;

    server {
        listen 127.0.0.1:%%PORT%%;
        listen 127.0.0.1:%%TLS_PORT%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /live-help/ {
            live_help_endpoint;
            live_help_origins https://shop.example;
        }
    }
}
CONF

my $secret = join '', map { chr int rand 256 } 1 .. 32;
my $ngx = LiveHelp::Nginx->start(config => $config,
    vars => { REDIS_PORT => $redis->port, TLS_PORT => $TLS_PORT,
              CERT => "$dir/cert.pem", KEY => "$dir/key.pem" },
    files => { secret => $secret });
my $port = $ngx->port;
my $ORIGIN = "http://127.0.0.1:$port";
my @workers = sort { $a <=> $b } $ngx->worker_pids;

# "id.expires" signed as the module signs visitor tokens
sub sign {
    my ($payload, $key) = @_;
    (my $sig = hmac_sha256_base64($payload, $key // $secret)) =~ tr{+/}{-_};
    return "$payload.$sig";
}

sub cookie_of {
    my ($res) = @_;
    my $h = $res->{headers}{'set-cookie'} // '';
    return $h =~ /^lh_v=([^;]*)/ ? $1 : undef;
}

sub id_of { my ($t) = @_; return (split /\./, $t // '')[0] }

sub next_of {
    my ($ws, $type) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
    }
}

# A visitor socket past hello: (ws, session, 101, worker). Options: cookie,
# token (in hello), offer (subprotocol), origin (default: this host's),
# worker / not_worker (connect again until it lands there).
sub visitor {
    my (%o) = @_;
    my @h;
    push @h, "Cookie: lh_v=$o{cookie}" if defined $o{cookie};
    push @h, "Sec-WebSocket-Protocol: $o{offer}" if defined $o{offer};
    my ($ws, $welcome);
    for my $try (1 .. 200) {
        $ws = LiveHelp::WS->connect($port, headers => \@h,
            (exists $o{origin} ? (defined $o{origin}
                                  ? (origin => $o{origin}) : ())
                               : (origin => $ORIGIN)));
        $welcome = $ws->recv_json;
        last if (!defined $o{worker} || $welcome->{worker} == $o{worker})
             && (!defined $o{not_worker}
                 || $welcome->{worker} != $o{not_worker});
        $ws->close;
        undef $ws;
    }
    die "no socket where wanted\n" unless $ws;
    $ws->send_json({ type => 'hello',
                     (defined $o{token} ? (token => $o{token}) : ()) });
    my $session = next_of($ws, 'session');
    return ($ws, $session, $ws->handshake_response, $welcome->{worker});
}

subtest 'handshake_without_cookie_sets_an_httponly_samesite_cookie' => sub {
    my $res = LiveHelp::WS->handshake($port, origin => $ORIGIN);
    is($res->{status}, 101, 'switching protocols');
    my $h = $res->{headers}{'set-cookie'};
    note("Set-Cookie: $h");
    like($h, qr/^lh_v=v[A-Za-z0-9_-]{16}\.\d+\.[A-Za-z0-9_-]{43}; /,
         'lh_v holds a signed visitor token');
    like($h, qr/; Path=\/live-help\/(;|$)/, 'Path is the endpoint');
    like($h, qr/; Max-Age=2592000(;|$)/, 'Max-Age 30 days');
    like($h, qr/; HttpOnly(;|$)/, 'HttpOnly');
    like($h, qr/; SameSite=Strict(;|$)/, 'SameSite=Strict');
    unlike($h, qr/Secure/i, 'not Secure on plain http');
    my ($exp) = cookie_of($res) =~ /\.(\d+)\./;
    cmp_ok(abs($exp - time - 2592000), '<', 60,
           'the token expires in 30 days');
    ok(!exists $res->{headers}{'sec-websocket-protocol'},
       'no subprotocol named when none was offered');
    close $res->{socket};
};

my ($first_cookie, $vid);

subtest 'same_visitor_by_cookie_on_another_connection_and_worker' => sub {
    my ($ws, $s, $res, $w) = visitor(worker => $workers[0]);
    $first_cookie = cookie_of($res);
    $vid = id_of($first_cookie);
    is($s->{visitor}, $vid, 'hello without token: the cookie\'s visitor');
    ok(!exists $s->{token},
       'a page of this host: the session carries no token');
    $ws->send_json({ type => 'message', cid => 'c1', text => 'by cookie' });
    my $ack = next_of($ws, 'ack');
    is($ack->{conversation}, $vid, 'stored in the visitor\'s conversation');
    $ws->close;

    my ($ws2, $s2, $res2, $w2) = visitor(cookie => $first_cookie,
                                          not_worker => $w);
    isnt($w2, $w, "on the other worker ($w2, first $w)");
    is($s2->{visitor}, $vid, 'the same visitor');
    ok(!exists $s2->{token}, 'no token in the session');
    my $ev;
    do { $ev = next_of($ws2, 'event') } until $ev->{event}{kind} eq 'message';
    is($ev->{event}{text}, 'by cookie', 'with their conversation');
    my $renewed = cookie_of($res2);
    is(id_of($renewed), $vid, 'the cookie is renewed for the same visitor');
    $ws2->close;
};

subtest 'tampered_expired_or_other_secret_cookie_is_a_new_visitor' => sub {
    my $tampered = $first_cookie;
    substr($tampered, -1, 1) = substr($tampered, -1, 1) eq 'A' ? 'B' : 'A';
    my $other = sign("$vid." . (time + 3600), 'x' x 32);
    my $expired = sign("$vid." . (int(time) - 1));
    my %cases = (tampered => $tampered, 'other secret' => $other,
                 expired => $expired, garbage => 'v1.2.3;x');
    for my $name (sort keys %cases) {
        my ($ws, $s, $res) = visitor(cookie => $cases{$name});
        isnt($s->{visitor}, $vid, "$name: a new visitor");
        is(id_of(cookie_of($res)), $s->{visitor},
           "$name: the new cookie is the new visitor's");
        $ws->close;
    }
    # a valid one that was never stored under that name is fine
    my $own = sign("$vid." . (int(time) + 3600));
    my ($ws, $s) = visitor(cookie => $own);
    is($s->{visitor}, $vid, 'a valid cookie made with the secret: honoured');
    $ws->close;
};

subtest 'session_token_for_clients_without_the_cookie' => sub {
    # no Origin: not a browser, it keeps the token itself (as t/ tests do)
    my ($ws, $s, $res) = visitor(origin => undef);
    like($s->{token}, qr/^\Q$s->{visitor}\E\.\d+\./,
         'no Origin: the session carries the token');
    $ws->close;

    # another site's page (live_help_origins): its cookie is third-party
    ($ws, $s) = visitor(origin => 'https://shop.example');
    like($s->{token}, qr/^\Q$s->{visitor}\E\.\d+\./,
         'a page of another site: the session carries the token');
    $ws->close;

    # hello's token wins over the cookie; the session gives it back
    my $token = sign("vHelloWins." . (int(time) + 3600));
    ($ws, $s, $res) = visitor(cookie => $first_cookie, token => $token);
    is($s->{visitor}, 'vHelloWins', 'the token of hello wins');
    like($s->{token}, qr/^vHelloWins\.\d+\./,
         'and is in the session: the cookie holds another visitor');
    $ws->close;
};

subtest 'token_offered_as_subprotocol_becomes_the_cookie' => sub {
    my $old = sign("vFromStorage." . (int(time) + 3600));
    my ($ws, $s, $res) = visitor(offer => "lh.$old");
    is($res->{headers}{'sec-websocket-protocol'}, "lh.$old",
       'the 101 names the offered subprotocol back');
    is(id_of(cookie_of($res)), 'vFromStorage',
       'the cookie now holds the offered visitor');
    is($s->{visitor}, 'vFromStorage', 'the session is that visitor\'s');
    ok(!exists $s->{token}, 'no token: the widget drops its copy');
    $ws->close;

    # offered over another cookie: the offered one wins
    ($ws, $s, $res) = visitor(offer => "lh.$old", cookie => $first_cookie);
    is($s->{visitor}, 'vFromStorage', 'the offered token wins a cookie');
    $ws->close;

    # a bad offer is named back (or the browser fails) and ignored
    ($ws, $s, $res) = visitor(offer => 'lh.nonsense', cookie => $first_cookie);
    is($res->{headers}{'sec-websocket-protocol'}, 'lh.nonsense',
       'a bad offer is named back');
    is($s->{visitor}, $vid, 'and the cookie decides');
    $ws->close;
};

subtest 'revoked_generation_makes_a_new_visitor' => sub {
    my $token = sign("vRevoked." . (int(time) + 3600));
    my ($ws, $s) = visitor(cookie => $token);
    is($s->{visitor}, 'vRevoked', 'known before');
    $ws->send_json({ type => 'message', cid => 'r1', text => 'before' });
    next_of($ws, 'ack');
    $ws->close;

    is($redis->command('INCR', 'lh:gen:vRevoked'), 1,
       'revoked: INCR lh:gen:vRevoked');

    my $t0 = time;
    ($ws, $s, my $res) = visitor(cookie => $token);
    my $ms = (time - $t0) * 1000;
    isnt($s->{visitor}, 'vRevoked', 'by cookie: a new visitor');
    like($s->{token}, qr/^\Q$s->{visitor}\E\./,
         'whose token the session carries (the widget offers it next)');
    note(sprintf 'handshake to session with the generation check: %.1f ms',
         $ms);
    # the cookie the widget gets next time is the new visitor's
    my ($ws2, $s2, $res2) = visitor(offer => "lh.$s->{token}",
                                     cookie => $token);
    is($s2->{visitor}, $s->{visitor}, 'offered next: the new visitor');
    is(id_of(cookie_of($res2)), $s->{visitor}, 'and it is the cookie now');
    $ws->close;
    $ws2->close;

    ($ws, $s) = visitor(token => $token, origin => undef);
    isnt($s->{visitor}, 'vRevoked', 'by hello token: a new visitor');
    $ws->close;

    # messages right behind the hello wait for the check, in order
    my $live = sign("vPipelined." . (int(time) + 3600));
    my $sock = LiveHelp::WS->connect($port);
    $sock->recv_json;
    $sock->send_json({ type => 'hello', token => $live });
    $sock->send_json({ type => 'message', cid => "p$_", text => "m$_" })
        for 1 .. 5;
    my $session = next_of($sock, 'session');
    is($session->{visitor}, 'vPipelined', 'pipelined: session first');
    my @acks = map { next_of($sock, 'ack')->{cid} } 1 .. 5;
    is_deeply(\@acks, [ map { "p$_" } 1 .. 5 ],
              'then every message behind it, acked in order');
    $sock->close;
};

subtest 'generation_check_costs_one_redis_round_trip' => sub {
    # hello to session: a new visitor (no check) and a known one (one GET)
    my $known = sign("vTimed." . (int(time) + 3600));
    my %ms;
    for my $kind ('new', 'known') {
        for (1 .. 20) {
            my $ws = LiveHelp::WS->connect($port);
            $ws->recv_json;
            my $t0 = time;
            $ws->send_json({ type => 'hello',
                             ($kind eq 'known' ? (token => $known) : ()) });
            my $s = next_of($ws, 'session');
            push @{ $ms{$kind} }, (time - $t0) * 1000;
            $ws->close;
        }
    }
    my %median = map { $_ => (sort { $a <=> $b } @{ $ms{$_} })[10] }
                 keys %ms;
    diag(sprintf 'hello to session, median of 20: new visitor %.2f ms, '
         . 'known visitor (generation read) %.2f ms',
         $median{new}, $median{known});
    cmp_ok($median{known}, '<', 50, 'the check stays cheap');
};

# The handshake over TLS: (the 101's head, a LiveHelp::WS on the socket).
sub tls_visitor {
    my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
        PeerPort => $TLS_PORT, SSL_verify_mode => SSL_VERIFY_NONE,
        Timeout => timeout_seconds())
        or die "TLS connect: $SSL_ERROR\n";
    my $key = encode_base64(join('', map { chr int rand 256 } 1 .. 16), '');
    print $s "GET /live-help/ws HTTP/1.1\r\nHost: 127.0.0.1:$TLS_PORT\r\n"
        . "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        . "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: $key\r\n"
        . "Origin: https://127.0.0.1:$TLS_PORT\r\n\r\n";
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $deadline = time + timeout_seconds();
    while ($buf !~ /\r\n\r\n/) {
        die "TLS: no handshake answer in time\n" if time > $deadline;
        next unless $s->pending || $sel->can_read(0.2);
        my $n = sysread($s, $buf, 16384, length $buf);
        last unless $n;
    }
    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    my $ws = bless { sock => $s, buf => $rest // '' }, 'LiveHelp::WS';
    return ($head, $ws);
}

subtest 'secure_cookie_and_chat_over_tls' => sub {
    my ($head, $ws) = tls_visitor();
    like($head, qr{^HTTP/1\.1 101}, 'switching protocols over TLS');
    my ($h) = $head =~ /^Set-Cookie: (.*?)\r?$/mi;
    note("Set-Cookie over TLS: $h");
    like($h, qr/; HttpOnly; SameSite=Strict; Secure$/,
         'Secure when nginx serves TLS');
    # frames flow both ways over TLS (they were kept in nginx's SSL
    # buffer, never sent, before the socket wrote them unbuffered)
    is($ws->recv_json->{type}, 'welcome', 'the welcome arrives');
    $ws->send_json({ type => 'hello' });
    my $s = next_of($ws, 'session');
    my ($id) = $h =~ /^lh_v=([^.]+)/;
    is($s->{visitor}, $id, 'the cookie\'s visitor');
    $ws->send_json({ type => 'message', cid => 't1', text => 'over TLS' });
    is(next_of($ws, 'ack')->{cid}, 't1', 'a message is acked over TLS');
    close $ws->{sock};
};

is_deeply([ sort { $a <=> $b } $ngx->worker_pids ], \@workers,
          'worker pids unchanged');
$ngx->stop;
$redis->stop;

done_testing;
