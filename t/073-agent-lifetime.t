#!/usr/bin/perl

# Agent sessions end (issue 7, row 4): an agent removed from the htpasswd
# file of auth_basic kept an open socket for ever.  Agent sockets now live
# live_help_agent_socket_lifetime at most, then close with 4002
# ("reauthenticate") and must come back through nginx's auth: a removed
# agent gets 401, and nothing sent after the close is stored.  The
# module's own login ends its sockets the same way.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $LIFETIME = 2;      # s, in the agent location below
my $SLACK = 1.5;       # s a close may come late (timers, a busy machine)

# --- nginx -t -----------------------------------------------------------------

sub lifetime_conf {
    my ($where, $value) = @_;
    my %at = (http => '', server => '', location => '');
    $at{$where} = "live_help_agent_socket_lifetime $value;";
    return <<"EOF";
load_module %%MODULE%%;
http {
    $at{http}
    server {
        listen 127.0.0.1:%%PORT%%;
        $at{server}
        location /live-help/ { live_help_endpoint; $at{location} }
    }
}
EOF
}

subtest 'lifetime_is_checked_by_nginx_t' => sub {
    for my $ok ([http => '1s'], [server => '7d'], [location => '30m']) {
        my ($rc, $out) = LiveHelp::Nginx->prepare(
            config => lifetime_conf(@$ok))->test_config;
        is($rc, 0, "$ok->[1] at $ok->[0] level passes") or diag $out;
    }
    for my $bad ([server => '500ms'], [http => '8d'], [location => 'soon']) {
        my ($rc, $out) = LiveHelp::Nginx->prepare(
            config => lifetime_conf(@$bad))->test_config;
        isnt($rc, 0, "$bad->[1] is refused");
        like($out, qr/\[emerg\].*"live_help_agent_socket_lifetime"/,
             'naming the directive') or diag $out;
    }
};

# --- auth_basic -------------------------------------------------------------

my $redis = LiveHelp::Redis->start;
my $secret_dir = temp_dir('secret');
write_file("$secret_dir/key", join '', map { chr int rand 256 } 1 .. 32);
my %pw = (maria => 's3cret', olli => 'pw');
my $login_port = free_port();
my $htpasswd = join '', map { "$_:{PLAIN}$pw{$_}\n" } sort keys %pw;

my $agent_location = LiveHelp::Nginx::agent_location();
my $ngx = LiveHelp::Nginx->start(
    vars  => { REDIS_PORT => $redis->port, SECRET => "$secret_dir/key",
               LIFETIME => "${LIFETIME}s", LOGIN_PORT => $login_port },
    files => { htpasswd => $htpasswd,
               agents => 'ada:' . crypt('ada-pw', '$6$saltsalt') . "\n" },
    config => <<'CONF' =~ s/%%AGENT_LOCATION%%\n/$agent_location/r);
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_secret_file %%SECRET%%;
    live_help_agents_file %%DIR%%/agents;

    live_help_agent_socket_lifetime %%LIFETIME%%;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /live-help/ { live_help_endpoint; }
%%AGENT_LOCATION%%
    }

    # the module's own login decides here
    server {
        listen 127.0.0.1:%%LOGIN_PORT%%;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF
my $port = $ngx->port;
my $A = '/live-help/agent';

sub basic { 'Authorization: Basic ' . encode_base64("$_[0]:$pw{$_[0]}", '') }

sub next_of {
    my ($ws, $type) = @_;
    for (;;) {
        my $m = $ws->recv_json;
        return $m if $m->{type} eq $type;
    }
}

# An agent socket past hello, and when it opened.
sub agent {
    my (@headers) = @_;
    my $t0 = time;
    my $ws = LiveHelp::WS->connect($port, path => "$A/ws",
                                   headers => \@headers);
    is($ws->recv_json->{role}, 'agent', 'an agent socket');
    $ws->send_json({ type => 'hello' });
    next_of($ws, 'conversations');
    return ($ws, $t0);
}

# The close frame, skipping what comes before; (code, reason, time).
sub close_of {
    my ($ws, $timeout) = @_;
    for (;;) {
        my $f = $ws->recv_frame(timeout => $timeout);
        return (undef, 'EOF', time) unless $f;
        next unless $f->{opcode} == 8;
        my ($code, $reason) = unpack 'n a*', $f->{payload};
        return ($code, $reason, time);
    }
}

sub handshake_status {
    my (@headers) = @_;
    my $res = LiveHelp::WS->handshake($port, path => "$A/ws",
                                      headers => \@headers);
    close $res->{socket};
    return $res->{status};
}

sub stored_texts {
    my ($conv) = @_;
    return [ map { /"text":"([^"]*)"/ ? $1 : () }
             grep { /"kind":"message"/ } map { $_->[1][1] }
             @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') } ];
}

subtest 'agent_socket_closes_with_4002_when_its_lifetime_passes' => sub {
    my ($ws, $t0) = agent(basic('maria'));
    my $mark = $ngx->log_mark;
    my ($code, $reason, $at) = close_of($ws, $LIFETIME + $SLACK + 2);
    my $took = $at - $t0;
    is($code, 4002, 'closed with 4002');
    is($reason, 'reauthenticate', '"reauthenticate"');
    cmp_ok($took, '>=', $LIFETIME - 0.1, 'not before the lifetime');
    cmp_ok($took, '<=', $LIFETIME + $SLACK, 'nor long after it');
    diag(sprintf 'lifetime %d s: closed %.2f s after the handshake',
                 $LIFETIME, $took);
    like($ngx->log_since($mark),
         qr/agent socket of "maria" reached "live_help_agent_socket_lifetime"/,
         'logged');
    is(handshake_status(basic('maria')), 101,
       'the agent still in the file comes back at once');
};

subtest 'removed_agent_is_refused_and_a_late_reply_is_not_stored' => sub {
    # a visitor waiting, and an agent answering before removal
    my $v = LiveHelp::WS->connect($port);
    next_of($v, 'welcome');
    $v->send_json({ type => 'hello' });
    my $conv = next_of($v, 'session')->{conversation};
    $v->send_json({ type => 'message', cid => 'v1', text => 'hello?' });
    next_of($v, 'ack');

    my ($ws, $t0) = agent(basic('maria'));
    $ws->send_json({ type => 'message', conversation => $conv,
                     cid => 'before', text => 'before-removal' });
    is(next_of($ws, 'ack')->{cid}, 'before', 'a reply before removal');

    # maria leaves the htpasswd file; her open socket is not told
    write_file($ngx->dir . '/htpasswd', "olli:{PLAIN}$pw{olli}\n");
    my $removed = time;

    my ($code, undef, $at) = close_of($ws, $LIFETIME + $SLACK + 2);
    is($code, 4002, 'her socket closes with 4002 within its lifetime');
    diag(sprintf 'closed %.2f s after the removal (lifetime %d s)',
                 $at - $removed, $LIFETIME);
    cmp_ok($at - $t0, '<=', $LIFETIME + $SLACK, 'on time');

    # a reply on the closing socket, before the TCP connection goes
    $ws->send_json({ type => 'message', conversation => $conv,
                     cid => 'after', text => 'after-removal' });
    $ws->close;

    is(handshake_status(basic('maria')), 401,
       'reconnecting after removal: 401 from auth_basic');
    is(handshake_status(basic('olli')), 101, 'another agent still gets in');

    # olli's hello comes after any store of maria's; then the log is read
    my ($olli) = agent(basic('olli'));
    $olli->close;
    my $texts = stored_texts($conv);
    is_deeply($texts, ['hello?', 'before-removal'],
              'the reply after the close is not stored')
        or diag explain $texts;

    # the visitor socket has no such lifetime
    $v->send_json({ type => 'ping', id => 'still' });
    is(next_of($v, 'pong')->{id}, 'still',
       sprintf 'the visitor socket is still open after %.1f s', time - $t0);
    $v->close;
};

subtest 'the_module_login_ends_its_sockets_too' => sub {
    my $res = http_post($login_port, '/live-help/agent/login',
        'name=ada&password=ada-pw', headers => [
            'Content-Type' => 'application/x-www-form-urlencoded']);
    is($res->status, 303, 'ada signs in');
    my ($cookie) = ($res->header('set-cookie') // '') =~ /^(lh_agent=[^;]+)/;
    ok($cookie, 'with a cookie');

    my $t0 = time;
    my $ws = LiveHelp::WS->connect($login_port, path => '/live-help/agent/ws',
        headers => ["Cookie: $cookie"]);
    my ($code, undef, $at) = close_of($ws, $LIFETIME + $SLACK + 2);
    is($code, 4002, 'her socket closes with 4002 too (the sign-in holds)');
    diag(sprintf 'module login: closed %.2f s after the handshake',
                 $at - $t0);
    $ws->close;
    is(LiveHelp::WS->handshake($login_port, path => '/live-help/agent/ws',
       headers => ["Cookie: $cookie"])->{status}, 101,
       'and comes back with the same cookie');
};

$ngx->stop;
$redis->stop;

done_testing;
