#!/usr/bin/perl

# The module's own agent login: the agents file checked at nginx -t, every
# hash scheme signing in, the same answer for unknown names and wrong
# passwords, the throttle per address and per name, cookies that must not
# pass (tampered, expired, of another secret, a visitor token), logout, a
# changed agents file closing that agent's sockets at once, the nginx-auth
# way unchanged, display names, and an event loop that keeps serving
# visitors while password guesses hammer it.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(hmac_sha256);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64 encode_base64url);
use POSIX ();
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

# --- hashes, made the ways README.md tells operators ----------------------

sub salt {
    my ($n) = @_;
    my @c = ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z');
    return join '', map { $c[rand @c] } 1 .. $n;
}

sub have { return system("command -v $_[0] >/dev/null 2>&1") == 0 }

# htpasswd -B when apache2-utils is there, else the same through crypt(3)
sub bcrypt {
    my ($pw, $cost) = @_;
    if (have('htpasswd')) {
        my $line = `htpasswd -nbB -C $cost x '$pw'`;
        $line =~ s/^x:|\s+$//g;
        return $line;
    }
    return crypt($pw, sprintf('$2y$%02d$%s.', $cost, salt(21)));
}

sub sha_crypt {
    my ($pw, $bits) = @_;
    if (have('mkpasswd')) {
        my $h = `mkpasswd -m sha-$bits '$pw'`;
        $h =~ s/\s+$//;
        return $h;
    }
    return crypt($pw, ($bits == 512 ? '$6$' : '$5$') . salt(16));
}

my %pw = (slow => 'slow-pw', maria => 'maria-pw', bob => 'bob-pw',
          jonas => 'jonas-pw', ada => 'ada-pw', eve => 'eve-pw');
my %hash = (
    slow  => bcrypt($pw{slow}, 12),
    maria => bcrypt($pw{maria}, 10),
    jonas => sha_crypt($pw{jonas}, 512),
    ada   => sha_crypt($pw{ada}, 256),
    eve   => bcrypt($pw{eve}, 4),
);
# $2b$ is the same bcrypt as $2y$
($hash{bob} = bcrypt($pw{bob}, 5)) =~ s/^\$2y\$/\$2b\$/;

like($hash{maria}, qr/^\$2y\$10\$/, 'bcrypt hash as htpasswd -B makes it');
like($hash{jonas}, qr/^\$6\$/, 'SHA-512-crypt hash');
like($hash{ada}, qr/^\$5\$/, 'SHA-256-crypt hash');

# The first agent's hash is what unknown names are checked against: cost 12,
# so that guessing below is as expensive as it gets.
sub agents_file {
    my (%h) = @_;
    return "# agents of t/050-login.t\n\n"
        . "slow:$h{slow}:Slow Sam\n"
        . "maria:$h{maria}:Maria Virtanen\n"
        . "bob:$h{bob}\n"
        . "jonas:$h{jonas}:Jonas Berg\n"
        . (defined $h{ada} ? "ada:$h{ada}\n" : '')
        . "eve:$h{eve}:Eve\n";
}

# --- nginx -t --------------------------------------------------------------

sub check_file {
    my ($content) = @_;
    my $ngx = LiveHelp::Nginx->prepare(
        files => { agents => $content },
        config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_agents_file %%DIR%%/agents;
    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF
    my ($rc, $out) = $ngx->test_config;
    return ($rc, $out, $ngx->dir . '/agents');
}

subtest 'agents_file_is_checked_at_nginx_t' => sub {
    my $good = "# comment\n\n  # indented comment\nmaria:$hash{maria}:Maria"
        . " Virtanen\r\njonas:$hash{jonas}\n";
    my ($rc, $out) = check_file($good);
    is($rc, 0, 'comments, blank lines, CRLF and both schemes pass')
        or diag $out;

    my $long = 'a' x 65;
    my @bad = (
        [ 'a line without ":"', "maria\n", 1, qr/no ":"/ ],
        [ 'an empty name', "ok:$hash{eve}\n:$hash{maria}\n", 2,
          qr/name is empty/ ],
        [ 'a name with a space', "ma ria:$hash{maria}\n", 1,
          qr/A-Z a-z 0-9/ ],
        [ 'a name of 65 characters', "$long:$hash{maria}\n", 1,
          qr/1 to 64/ ],
        [ 'an MD5 (apr1) hash', "maria:\$apr1\$abc\$def\n", 1,
          qr/unknown password hash scheme/ ],
        [ 'a plain password', "maria:{PLAIN}secret\n", 1,
          qr/unknown password hash scheme/ ],
        [ 'a truncated bcrypt hash', "maria:" . substr($hash{maria}, 0, 40)
          . "\n", 1, qr/bcrypt/ ],
        [ 'a duplicate name', "# x\nmaria:$hash{maria}\n\nmaria:$hash{eve}\n",
          4, qr/duplicate/ ],
        [ 'a display name over 64 bytes', "maria:$hash{maria}:"
          . ('x' x 65) . "\n", 1, qr/longer than 64/ ],
        [ 'a display name with a control character',
          "maria:$hash{maria}:Maria\x01\n", 1, qr/control character/ ],
        [ 'a display name that is not UTF-8',
          "maria:$hash{maria}:Mari\xe4\n", 1, qr/not UTF-8/ ],
    );
    for my $case (@bad) {
        my ($what, $content, $line, $why) = @$case;
        my ($rc, $out, $file) = check_file($content);
        isnt($rc, 0, "$what: nginx -t fails");
        like($out, qr/\[emerg\].*"live_help_agents_file" "\Q$file\E", line $line: .*$why/,
             "$what: names the directive, the file and line $line")
            or diag $out;
    }

    my $ngx = LiveHelp::Nginx->prepare(config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_agents_file %%DIR%%/missing;
    server { listen 127.0.0.1:%%PORT%%; }
}
CONF
    ($rc, $out) = $ngx->test_config;
    isnt($rc, 0, 'an unreadable file fails');
    like($out, qr/\[emerg\].*"live_help_agents_file" ".*missing": cannot open/,
         'naming the directive and the file') or diag $out;

    for my $v ('10s', '31d', 'soon') {
        $ngx = LiveHelp::Nginx->prepare(config => <<"CONF");
load_module %%MODULE%%;
http {
    live_help_agent_session $v;
    server { listen 127.0.0.1:%%PORT%%; }
}
CONF
        ($rc, $out) = $ngx->test_config;
        isnt($rc, 0, "live_help_agent_session $v fails");
        like($out, qr/live_help_agent_session/, 'naming the directive');
    }
};

# --- one nginx: the login (port), nginx's auth (AUTH_PORT) ------------------

my $redis = LiveHelp::Redis->start;
my $secret_dir = temp_dir('secret');
my $secret = join '', map { chr int rand 256 } 1 .. 32;
write_file("$secret_dir/key", $secret);

my $auth_port = free_port();
my $ngx = LiveHelp::Nginx->start(
    vars => { REDIS_PORT => $redis->port, SECRET => "$secret_dir/key",
              AUTH_PORT => $auth_port },
    files => { agents => agents_file(%hash),
               htpasswd => "maria:{PLAIN}nginx-pw\n" },
    config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_secret_file %%SECRET%%;
    live_help_agents_file %%DIR%%/agents;

    # the tests pose as many clients
    # chat round trips are timed, many of them
    live_help_limit_messages off off;

    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ { live_help_endpoint; }
    }

    server {
        listen 127.0.0.1:%%AUTH_PORT%%;
        location /live-help/ { live_help_endpoint; }
        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file %%DIR%%/htpasswd;
            live_help_agent_user $remote_user;
            live_help_agent_name $http_x_display_name;
        }
    }
}
CONF
my $port = $ngx->port;
my $A = '/live-help/agent';
my $ORIGIN = 'http://localhost';    # the harness sends Host: localhost

my $ip = 0;
sub next_ip { $ip++; return sprintf '10.%d.%d.%d', $ip >> 16, ($ip >> 8) & 255,
    $ip & 255 }

sub login {
    my ($name, $password, %o) = @_;
    my $body = 'name=' . uri($name) . '&password=' . uri($password);
    return http_post($port, "$A/login", $body, headers => [
        'Content-Type' => 'application/x-www-form-urlencoded',
        'X-Forwarded-For' => $o{ip} // next_ip(),
        @{ $o{headers} || [] } ]);
}

sub uri {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

sub cookie_of {
    my ($res) = @_;
    my ($c) = ($res->header('set-cookie') // '') =~ /^(lh_agent=[^;]*)/;
    return $c;
}

sub signed_in {
    my ($name) = @_;
    my $res = login($name, $pw{$name});
    is($res->status, 303, "$name signs in: 303");
    my $c = cookie_of($res);
    ok($c, "$name gets the cookie") or diag $res->raw;
    return $c;
}

sub socket_status {
    my ($cookie, %o) = @_;
    my $res = LiveHelp::WS->handshake($o{port} // $port,
        path => "$A/ws", headers => [ $cookie ? "Cookie: $cookie" : () ]);
    close $res->{socket};
    return $res->{status};
}

sub panel_status {
    my ($cookie) = @_;
    return http_get($port, "$A/",
        headers => [ $cookie ? (Cookie => $cookie) : () ])->status;
}

sub agent_socket {
    my ($cookie, %o) = @_;
    my $ws = LiveHelp::WS->connect($o{port} // $port, path => "$A/ws",
        headers => [ $cookie ? "Cookie: $cookie" : (), @{ $o{headers} || [] } ]);
    is($ws->recv_json->{role}, 'agent', 'welcomed as an agent');
    return $ws;
}

# The close frame, skipping the messages before it; (code, reason, seconds)
sub closed_with {
    my ($ws, $timeout) = @_;
    my $t0 = time;
    for (;;) {
        my $f = $ws->recv_frame(timeout => $timeout);
        return (undef, 'EOF', time - $t0) unless $f;
        next unless $f->{opcode} == 8;
        my ($code, $reason) = unpack 'n a*', $f->{payload};
        return ($code, $reason, time - $t0);
    }
}

sub alive {
    my ($ws, $id) = @_;
    $ws->send_json({ type => 'ping', id => $id });
    for (;;) {
        my $m = $ws->recv_json(timeout => 3);
        return 1 if $m->{type} eq 'pong' && $m->{id} eq $id;
    }
}

# The cookie as README.md documents it, made here with the secret.
sub b64u { my $s = encode_base64url($_[0]); $s =~ s/=+$//; return $s }

sub craft_cookie {
    my (%c) = @_;
    my $key = $c{secret} // $secret;
    my $digest = substr(b64u(hmac_sha256("lh-agent-hash\n" . $c{hash}, $key)),
                        0, 16);
    my $data = "$c{login}|$c{expires}|$digest";
    return "lh_agent=$data|" . b64u(hmac_sha256("lh-agent\n$data", $key));
}

sub median {
    my @s = sort { $a <=> $b } @_;
    return $s[$#s / 2];
}

subtest 'every_hash_scheme_signs_in' => sub {
    for my $name (qw(maria bob jonas ada)) {
        my ($scheme) = $hash{$name} =~ /^(\$\w+\$)/;
        my $res = login($name, $pw{$name});
        is($res->status, 303, "$name ($scheme): 303");
        like($res->header('location'), qr{\Q$A\E/$}, 'to the panel');
        my $set = $res->header('set-cookie') // '';
        like($set, qr/^lh_agent=\Q$name\E\|\d+\|[\w-]{16}\|[\w-]{43}; /,
             'lh_agent=login|expires|digest|signature');
        like($set, qr{; Path=/live-help/agent/;}, 'Path is the agent part');
        like($set, qr/; Max-Age=43200;/, '12 hours by default');
        like($set, qr/; HttpOnly; SameSite=Strict$/,
             'HttpOnly, SameSite=Strict, not Secure over http');
        is($res->header('cache-control'), 'no-store', 'not stored');
        my $c = cookie_of($res);
        is(panel_status($c), 200, 'the cookie opens the panel');
        is(socket_status($c), 101, 'and the agent socket');
    }
};

subtest 'login_page_and_panel_headers' => sub {
    my $res = http_get($port, "$A/login");
    is($res->status, 200, 'the login page');
    like($res->body, qr/<form[^>]+method="post"/, 'with its form');
    like($res->body, qr/<body data-error="">/, 'showing no error');
    is($res->header('cache-control'), 'no-store', 'not stored');
    like($res->header('content-security-policy'),
         qr/default-src 'self'; connect-src 'self' ws:\/\/localhost wss:\/\/localhost;.*frame-ancestors 'none'/,
         'CSP: self, its sockets, no frames');
    is($res->header('x-frame-options'), 'DENY', 'X-Frame-Options');
    is($res->header('referrer-policy'), 'same-origin', 'Referrer-Policy');
    is(http_get($port, "$A/login.css")->status, 200,
       'its CSS needs no sign-in');
    is(http_get($port, "$A/login.html")->status, 404,
       'the template is not served as it is');

    $res = http_get($port, "$A/");
    is($res->status, 302, 'the panel sends strangers to the login');
    like($res->header('location'), qr{\Q$A\E/login$}, 'to agent/login');
    is(http_get($port, "$A/agent.js")->status, 403,
       'the panel script needs a sign-in');

    my $c = signed_in('maria');
    $res = http_get($port, "$A/", headers => [Cookie => $c]);
    like($res->header('content-security-policy'), qr/frame-ancestors 'none'/,
         'the panel has the CSP too');
    is($res->header('x-frame-options'), 'DENY', 'and X-Frame-Options');
};

subtest 'wrong_password_and_unknown_name_answer_alike' => sub {
    my (@wrong, @unknown);
    my ($w, $u);
    for my $i (1 .. 3) {
        my $t0 = time;
        $w = login('slow', "not-it-$i");
        push @wrong, time - $t0;
        $t0 = time;
        $u = login("nobody$i", "not-it-$i");
        push @unknown, time - $t0;
    }
    is($w->status, 303, 'wrong password: 303');
    is($u->status, $w->status, 'unknown name: the same status');
    is($u->header('location'), $w->header('location'), 'the same Location');
    like($w->header('location'), qr{\Q$A\E/login\?error=bad$},
         'back to the login page, with the error');
    ok(!$w->has_header('set-cookie') && !$u->has_header('set-cookie'),
       'no cookie for either');
    is($u->body, $w->body, 'the same body');

    my ($mw, $mu) = (median(@wrong), median(@unknown));
    diag(sprintf 'bcrypt cost 12: wrong password %.0f ms, unknown name '
         . '%.0f ms (medians of 3)', $mw * 1000, $mu * 1000);
    cmp_ok($mu, '>', $mw / 2, 'an unknown name costs about as much');
    cmp_ok($mu, '<', $mw * 2, 'and not more');

    my $page = http_get($port, "$A/login?error=bad");
    like($page->body, qr/<body data-error="bad">/,
         'the page then shows the error');
    like($page->body, qr/Wrong name or password/, 'in words');

    my @ok;
    for (1 .. 3) {
        my $t0 = time;
        is(login('maria', $pw{maria})->status, 303, 'maria (cost 10)');
        push @ok, time - $t0;
    }
    diag(sprintf 'a login with bcrypt cost 10: %.0f ms, cost 12: %.0f ms '
         . '(medians)', median(@ok) * 1000, $mw * 1000);
};

subtest 'throttle_per_address' => sub {
    my $addr = next_ip();
    for my $i (1 .. 5) {
        is(login("guess$i", 'x', ip => $addr)->status, 303,
           "failure $i from one address: 303");
    }
    my $res = login('maria', $pw{maria}, ip => $addr);
    is($res->status, 429, 'the 6th try from that address: 429, even right');
    cmp_ok($res->header('retry-after'), '>=', 55, 'Retry-After about 60');
    cmp_ok($res->header('retry-after'), '<=', 60, 'and not more');
    like($res->body, qr/<body data-error="throttled">/, 'the page says so');
    like($res->body, qr/Too many attempts, try\s+again in 1 minutes/,
         'in minutes');
    ok(!$res->has_header('set-cookie'), 'no cookie');
    is(login('maria', $pw{maria})->status, 303,
       'another address still signs in');
};

subtest 'throttle_per_name' => sub {
    for my $i (1 .. 5) {
        is(login('eve', "wrong$i")->status, 303,
           "failure $i for eve, each from a new address");
    }
    my $res = login('eve', $pw{eve});
    is($res->status, 429, 'eve waits, from a new address too');
    ok($res->header('retry-after'), 'with Retry-After');
    is(login('bob', $pw{bob})->status, 303, 'another name signs in');

    # a right password starts the name afresh
    for my $i (1 .. 4) {
        is(login('ada', "wrong$i")->status, 303, "ada failure $i");
    }
    is(login('ada', $pw{ada})->status, 303, 'ada signs in');
    for my $i (5 .. 8) {
        is(login('ada', "wrong$i")->status, 303, "ada failure $i");
    }
    is(login('ada', $pw{ada})->status, 303,
       'ada signs in again: the success reset her count');
};

subtest 'cookies_that_must_not_pass' => sub {
    my $c = signed_in('maria');
    my ($name, $login, $expires, $digest, $mac) =
        $c =~ /^(lh_agent)=([^|]+)\|(\d+)\|([^|]+)\|(.+)$/;
    ok($mac, 'the cookie has four fields');

    my $now = time;
    my %bad = (
        'another login'   => "$name=jonas|$expires|$digest|$mac",
        'a later expiry'  => "$name=$login|" . ($expires + 1) . "|$digest|$mac",
        'another digest'  => "$name=$login|$expires|" . reverse($digest)
                             . "|$mac",
        'another signature' => "$name=$login|$expires|$digest|"
                             . ($mac =~ tr/A-Za-z/B-ZAb-za/r),
        'expired' => craft_cookie(login => 'maria', hash => $hash{maria},
                                  expires => int($now) - 1),
        'of another secret' => craft_cookie(login => 'maria',
            hash => $hash{maria}, expires => int($now) + 600,
            secret => 'x' x 32),
        'longer than live_help_agent_session' => craft_cookie(
            login => 'maria', hash => $hash{maria},
            expires => int($now) + 40 * 86400),
        'of an unknown agent' => craft_cookie(login => 'nobody',
            hash => $hash{maria}, expires => int($now) + 600),
    );

    # a visitor's token, signed with the same secret
    my $v = LiveHelp::WS->connect($port, path => '/live-help/ws');
    $v->recv_json;
    $v->send_json({ type => 'hello' });
    my $session;
    do { $session = $v->recv_json } until $session->{type} eq 'session';
    $v->close;
    $bad{'a visitor token'} = "$name=$session->{token}";

    my $crafted = craft_cookie(login => 'maria', hash => $hash{maria},
                               expires => int($now) + 600);
    is(socket_status($crafted), 101,
       'a cookie made as README.md says passes (so the ones below are '
       . 'refused for what they are)');
    is(socket_status($c), 101, 'the real one passes');

    for my $what (sort keys %bad) {
        is(socket_status($bad{$what}), 403, "$what: socket 403");
        is(panel_status($bad{$what}), 302, "$what: panel 302");
    }
};

subtest 'logout_clears_the_cookie' => sub {
    my $c = signed_in('maria');
    my $res = http_post($port, "$A/logout", '', headers => [
        Cookie => $c, Origin => $ORIGIN,
        'Content-Type' => 'application/x-www-form-urlencoded']);
    is($res->status, 303, 'logout: 303');
    like($res->header('location'), qr{\Q$A\E/login$}, 'to the login page');
    like($res->header('set-cookie'),
         qr{^lh_agent=; Path=/live-help/agent/; Max-Age=0; HttpOnly},
         'the cookie is cleared');

    for my $o ([], [Origin => 'http://evil.example'],
               [Referer => 'http://evil.example/live-help/agent/'])
    {
        is(http_post($port, "$A/logout", '', headers => [Cookie => $c, @$o])
           ->status, 403, 'logout without this site as Origin or Referer: '
           . '403 (' . (join(' ', @$o) || 'neither') . ')');
    }
    is(http_post($port, "$A/logout", '', headers => [Cookie => $c,
       Referer => "$ORIGIN/live-help/agent/"])->status, 303,
       'this site as Referer will do');

    is(login('maria', $pw{maria},
             headers => [Origin => 'http://evil.example'])->status, 403,
       'a login posted from another site: 403');
};

subtest 'changed_hash_closes_that_agents_sockets' => sub {
    my %c = map { $_ => signed_in($_) } qw(maria jonas ada);
    my %ws = map { $_ => agent_socket($c{$_}) } keys %c;
    ok(alive($ws{$_}, "before-$_"), "$_ connected") for sort keys %ws;

    # maria's password changes, ada goes, jonas stays
    my %new = (%hash, maria => bcrypt('maria-new', 10), ada => undef);
    my $mark = $ngx->log_mark;
    write_file($ngx->dir . '/agents', agents_file(%new));

    my ($code, $reason, $took) = closed_with($ws{maria}, 5);
    is($code, 4001, 'maria\'s socket closes with 4001');
    is($reason, 'session ended', '"session ended"');
    cmp_ok($took, '<', 2.5, 'within about 2 s') or diag "took $took s";
    diag(sprintf 'socket closed %.2f s after the file changed', $took);
    ($code) = closed_with($ws{ada}, 5);
    is($code, 4001, 'the removed agent\'s socket closes too');
    ok(alive($ws{jonas}, 'after'), 'jonas stays connected');

    is(socket_status($c{maria}), 403, 'maria\'s old cookie: socket 403');
    is(panel_status($c{maria}), 302, 'panel 302');
    is(socket_status($c{ada}), 403, 'ada\'s cookie: 403');
    is(socket_status($c{jonas}), 101, 'jonas\'s cookie still works');
    is(login('maria', 'maria-new')->status, 303, 'the new password works');
    like($ngx->log_since($mark), qr/read ".*agents" again: 5 agents/,
         'each worker logged the new file');

    # a broken file is refused, and the agents before stay
    $mark = $ngx->log_mark;
    write_file($ngx->dir . '/agents', agents_file(%new) . "broken line\n");
    wait_until('both workers to refuse the broken file', sub {
        my $log = $ngx->log_since($mark);
        my $n = () = $log =~ /\[error\].*"live_help_agents_file" ".*agents", line 8: no ":"/g;
        my $kept = () = $log =~ /\[error\].*the agents read before stay in force/g;
        return $n >= 2 && $kept >= 2;
    });
    ok(alive($ws{jonas}, 'broken'), 'jonas still connected');
    is(socket_status($c{jonas}), 101, 'and his cookie still works');
    $ws{$_}->close for keys %ws;

    # back as it was, for the tests below
    $mark = $ngx->log_mark;
    write_file($ngx->dir . '/agents', agents_file(%hash));
    wait_until('both workers to read the file again', sub {
        my $n = () = $ngx->log_since($mark) =~ /read ".*agents" again: 6/g;
        return $n >= 2;
    });
};

subtest 'a_sign_in_ends_on_time' => sub {
    my $c = craft_cookie(login => 'eve', hash => $hash{eve},
                         expires => int(time) + 3);
    my $ws = agent_socket($c);
    my ($code, undef, $took) = closed_with($ws, 8);
    is($code, 4001, 'an open socket closes when its sign-in ends');
    diag(sprintf 'closed %.1f s after connecting, 3 s before the end', $took);
    is(socket_status($c), 403, 'and the cookie opens no other');
};

subtest 'display_names_reach_the_socket' => sub {
    my $mark = $ngx->log_mark;
    my $ws = agent_socket(signed_in('maria'));
    wait_until('the handshake logged', sub {
        $ngx->log_since($mark) =~ /agent socket of "maria", shown as "([^"]*)"/
            && $1 eq 'Maria Virtanen';
    });
    pass('from the agents file');
    $ws->close;

    $mark = $ngx->log_mark;
    $ws = agent_socket(undef, port => $auth_port, headers => [
        'Authorization: Basic ' . encode_base64('maria:nginx-pw', ''),
        'X-Display-Name: Maria V.']);
    wait_until('the handshake logged', sub {
        $ngx->log_since($mark)
            =~ /agent socket of "maria", shown as "Maria V\.", known to nginx/;
    });
    pass('from live_help_agent_name');
    $ws->close;
};

subtest 'nginx_auth_way_still_works' => sub {
    my $auth = 'Authorization: Basic ' . encode_base64('maria:nginx-pw', '');
    my $res = LiveHelp::WS->handshake($auth_port, path => "$A/ws");
    is($res->{status}, 401, 'no credentials: 401 from auth_basic');
    close $res->{socket};
    my $ws = agent_socket(undef, port => $auth_port, headers => [$auth]);
    ok(alive($ws, 'nginx'), 'credentials: an agent socket');
    $ws->close;
    is(socket_status(signed_in('maria'), port => $auth_port), 401,
       'a cookie does not replace live_help_agent_user there');
    is(http_get($auth_port, "$A/login")->status, 401,
       'nor does the login page appear behind auth_basic');
};

# --- guessing must not take the event loop from visitors --------------------

sub visitor_round_trip {
    my ($v, $n) = @_;
    my @t;
    for my $i (1 .. $n) {
        my $cid = "rt" . int(rand 1e9);
        my $t0 = time;
        $v->send_json({ type => 'message', cid => $cid, text => "hello $i" });
        for (;;) {
            my $m = $v->recv_json;
            last if $m->{type} eq 'ack' && $m->{cid} eq $cid;
        }
        push @t, time - $t0;
    }
    return @t;
}

sub hammer {
    my ($out) = @_;
    my %n;
    local $SIG{TERM} = sub {
        write_file($out, join ',', map { "$_=$n{$_}" } sort keys %n);
        POSIX::_exit(0);
    };
    for (my $i = 0; ; $i++) {
        my $body = "name=guess$$-$i&password=wrong$i";
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Proto => 'tcp') or next;
        print $s "POST $A/login HTTP/1.1\r\nHost: localhost\r\n"
            . "X-Forwarded-For: 10.99." . ($$ % 250) . "." . ($i % 250)
            . "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            . "Content-Length: " . length($body) . "\r\nConnection: close"
            . "\r\n\r\n$body";
        my $head = <$s> // '';
        $n{$1}++ if $head =~ m{^HTTP/1\.1 (\d+)};
        close $s;
    }
}

subtest 'guessing_does_not_block_the_event_loop' => sub {
    my $v = LiveHelp::WS->connect($port, path => '/live-help/ws');
    $v->recv_json;
    $v->send_json({ type => 'hello' });
    1 until $v->recv_json->{type} eq 'live';

    my @quiet = visitor_round_trip($v, 20);

    my $dir = temp_dir('hammer');
    my @kids;
    for my $k (1 .. 16) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            hammer("$dir/$k");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }

    # the load is on once bcrypt checks run in both workers
    my $mark = $ngx->log_mark;
    wait_until('password checks under way', sub {
        my $n = () = $ngx->log_since($mark) =~ /login of "guess/g;
        return $n >= 8;
    });
    # round trips until a good number of checks ran meanwhile
    $mark = $ngx->log_mark;
    my @busy;
    my $checks = 0;
    until ($checks >= 24) {
        push @busy, visitor_round_trip($v, 5);
        $checks = () = $ngx->log_since($mark) =~ /login of "guess/g;
    }

    kill 'TERM', @kids;
    waitpid($_, 0) for @kids;
    my %n;
    for my $k (1 .. 16) {
        next unless -f "$dir/$k";
        for (split /,/, read_file("$dir/$k")) {
            my ($s, $c) = split /=/;
            $n{$s} += $c;
        }
    }

    diag(sprintf 'visitor message round trip: median %.1f ms quiet, '
         . '%.1f ms (max %.1f ms, %d trips) while 16 connections guessed '
         . 'passwords (cost 12): %s; %d checks ran meanwhile',
         median(@quiet) * 1000, median(@busy) * 1000,
         (sort { $b <=> $a } @busy)[0] * 1000, scalar(@busy),
         join(', ', map { "$n{$_} x $_" } sort keys %n), $checks);
    cmp_ok(median(@busy), '<', 0.2, 'median round trip under 200 ms');
    ok($n{503}, 'checks beyond 4 a worker were turned away with 503');
    ok($n{303}, 'while others were checked');
    $v->close;
};

$ngx->stop;
$redis->stop;

done_testing;
