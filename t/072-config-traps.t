#!/usr/bin/perl

# Configuration traps (issue 7, row 6): nginx -t refuses the setups that
# gave a made-up Authorization header the agent role or opened the agent
# socket to the visitors' origins, each with a message naming the
# directive; at run time a forged Basic header never makes an agent, the
# agent socket has origins of its own, and Origin is compared with its
# scheme (over TLS only https is this site).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Test::More;

use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $AGENT_LOCATION = LiveHelp::Nginx::agent_location();

# %at: http, server, endpoint (in /live-help/), agent (the agent location,
# README's by default; '' for none), other (more locations)
sub config {
    my (%at) = @_;
    my $agent = $at{agent} // $AGENT_LOCATION;
    my $http = $at{http} // '';
    my $srv = $at{server} // '';
    my $endpoint = $at{endpoint} // '';
    my $other = $at{other} // '';
    return <<"EOF";
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:6379;
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        $srv
        location / {
            live_help on;
            root %%DIR%%;
        }
        location /live-help/ {
            live_help_endpoint;
            $endpoint
        }
$agent
$other
    }
}
EOF
}

sub nginx_t {
    my (%at) = @_;
    return LiveHelp::Nginx->prepare(config => config(%at),
        files => { htpasswd => "maria:{PLAIN}pw\n" })->test_config;
}

sub refused {
    my ($name, $directive, $why, %at) = @_;
    subtest $name => sub {
        my ($rc, $out) = nginx_t(%at);
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\].*"\Q$directive\E"/, "naming $directive")
            or diag $out;
        like($out, $why, 'saying why') or diag $out;
        unlike($out, qr/test is successful/, 'and no success claim');
        note((grep { /\[emerg\]/ } split /\n/, $out)[0]);
    };
}

sub accepted {
    my ($name, %at) = @_;
    subtest $name => sub {
        my ($rc, $out) = nginx_t(%at);
        is($rc, 0, 'nginx -t passes') or diag $out;
    };
}

# --- nginx -t ---------------------------------------------------------------

accepted('the_readme_agent_location_passes');

# nested in the endpoint's location, with a display name too
accepted('an_agent_location_nested_in_the_endpoint_passes',
    agent => '',
    endpoint => $AGENT_LOCATION
        =~ s/(\$remote_user;)/$1 live_help_agent_name \$http_x_name;/r);

accepted('agent_origins_at_every_level_pass',
    http => 'live_help_agent_origins https://admin.example;',
    endpoint => 'live_help_agent_origins https://a.example http://b.example;');

refused('agent_user_at_http_level_is_refused', 'live_help_agent_user',
    qr/not at http or server level/,
    http => 'live_help_agent_user $remote_user;', agent => '');

refused('agent_user_at_server_level_is_refused', 'live_help_agent_user',
    qr/not at http or server level/,
    server => 'live_help_agent_user $remote_user;', agent => '');

refused('agent_name_at_server_level_is_refused', 'live_help_agent_name',
    qr/not at http or server level/,
    server => 'live_help_agent_name $http_x_name;');

refused('agent_user_where_the_visitor_socket_is_served_is_refused',
    'live_help_agent_user', qr{"/live-help/agent/" or below},
    agent => '',
    endpoint => 'auth_basic "Agents"; '
                . 'auth_basic_user_file %%DIR%%/htpasswd; '
                . 'live_help_agent_user $remote_user;');

refused('agent_user_in_a_location_without_the_endpoint_is_refused',
    'live_help_agent_user', qr/is not used/,
    other => 'location /admin/ { live_help_agent_user $remote_user; }');

refused('agent_name_in_a_location_without_the_endpoint_is_refused',
    'live_help_agent_name', qr/is not used/,
    other => 'location /admin/ { live_help_agent_name $http_x_name; }');

refused('agent_user_in_another_endpoint_tree_is_refused',
    'live_help_agent_user', qr{"/live-help/agent/" or below},
    other => 'location /help/ { live_help_endpoint; auth_basic "A"; '
             . 'auth_basic_user_file %%DIR%%/htpasswd; '
             . 'live_help_agent_user $remote_user; }');

# the agent location first: it would be the server's endpoint, and its
# "ws" the visitor socket
subtest 'agent_location_listed_before_the_endpoint_is_refused' => sub {
    (my $conf = config(agent => ''))
        =~ s{(        location /live-help/ \{)}{$AGENT_LOCATION$1};
    my ($rc, $out) = LiveHelp::Nginx->prepare(config => $conf,
        files => { htpasswd => "maria:{PLAIN}pw\n" })->test_config;
    isnt($rc, 0, 'nginx -t fails');
    like($out, qr/\[emerg\].*"live_help_agent_user".*is the first with "live_help_endpoint"/,
         'naming live_help_agent_user and the order') or diag $out;
};

refused('agent_origins_star_is_refused', 'live_help_agent_origins',
    qr/does not take "\*"/, server => 'live_help_agent_origins *;');

refused('agent_origins_without_scheme_is_refused', 'live_help_agent_origins',
    qr/expected scheme/, server => 'live_help_agent_origins admin.example;');

# --- at run time ------------------------------------------------------------

my $redis = LiveHelp::Redis->start;
my $cert_dir = temp_dir('cert');
my ($crt, $key) = self_signed_cert($cert_dir);
my %ports = map { $_ => free_port() } qw(LISTED TLS BARE);

# each server: the visitor endpoint and the README's agent location
my $endpoints = "location /live-help/ { live_help_endpoint; }\n"
                . $AGENT_LOCATION;

my $ngx = LiveHelp::Nginx->start(
    vars  => { REDIS_PORT => $redis->port, CRT => $crt, KEY => $key, %ports },
    files => { htpasswd => "maria:{PLAIN}s3cret\n" },
    config => <<"CONF");
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;

    # the shop's other site may open visitor sockets: not agent sockets
    live_help_origins https://shop.example;

    server {
        listen 127.0.0.1:%%PORT%%;
        $endpoints
    }

    server {
        listen 127.0.0.1:%%LISTED%%;
        live_help_agent_origins https://admin.example;
        $endpoints
    }

    server {
        listen 127.0.0.1:%%TLS%% ssl;
        ssl_certificate     %%CRT%%;
        ssl_certificate_key %%KEY%%;
        $endpoints
    }

    # the setup the trap was found in, without the agent_user nginx -t
    # now refuses: one endpoint, no auth, no agents file
    server {
        listen 127.0.0.1:%%BARE%%;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF

my $port = $ngx->port;
my $GOOD = 'Authorization: Basic ' . encode_base64('maria:s3cret', '');
my $FORGED = 'Authorization: Basic ' . encode_base64('maria:guess', '');

sub status_of {
    my ($p, %o) = @_;
    my $res = LiveHelp::WS->handshake($p, %o);
    close $res->{socket};
    return $res->{status};
}

sub agent_status {
    my ($p, %o) = @_;
    return status_of($p, path => '/live-help/agent/ws', %o,
                     headers => [@{ $o{headers} // [$GOOD] }]);
}

subtest 'a_forged_basic_header_never_gets_the_agent_role' => sub {
    my $ws = LiveHelp::WS->connect($port, headers => [$FORGED]);
    my $welcome = $ws->recv_json;
    is($welcome->{role}, 'visitor', 'the visitor socket stays a visitor\'s');
    $ws->close;

    is(agent_status($port, headers => [$FORGED]), 401,
       'the agent socket with a wrong password: 401 from auth_basic');
    is(agent_status($ports{BARE}, headers => [$FORGED]), 403,
       'an endpoint without auth or agents file: 403, whatever the header');
    is(agent_status($ports{BARE}, headers => [$GOOD]), 403,
       'a right password changes nothing there');

    $ws = LiveHelp::WS->connect($port, path => '/live-help/agent/ws',
                                headers => [$GOOD]);
    is($ws->recv_json->{role}, 'agent', 'the agent location makes agents');
    $ws->close;
};

subtest 'visitor_origins_do_not_open_the_agent_socket' => sub {
    my $mark = $ngx->log_mark;
    is(status_of($port, origin => 'https://shop.example'), 101,
       'live_help_origins lets the visitor socket open');
    is(agent_status($port, origin => 'https://shop.example'), 403,
       'not the agent socket: 403');
    like($ngx->log_since($mark),
         qr/origin "https:\/\/shop\.example" refused; allow it with "live_help_agent_origins"/,
         'the log names live_help_agent_origins');
    is(agent_status($port, origin => "http://127.0.0.1:$port"), 101,
       'the same origin opens it');
    is(agent_status($port, origin => 'https://admin.example'), 403,
       'an origin listed nowhere: 403');

    my $listed = $ports{LISTED};
    is(agent_status($listed, origin => 'https://admin.example'), 101,
       'live_help_agent_origins lets it open');
    is(agent_status($listed, origin => 'https://shop.example'), 403,
       'still not the visitors\' origins');
    is(status_of($listed, origin => 'https://admin.example'), 403,
       'and the agents\' origins do not open the visitor socket');
};

subtest 'origin_is_compared_with_its_scheme' => sub {
    my ($p, $t) = ($port, $ports{TLS});
    my %cases = (
        "plain http, http page"    => [$p, "http://127.0.0.1:$p", 101],
        "plain http, https page (a TLS proxy in front)"
                                   => [$p, "https://127.0.0.1:$p", 101],
        "plain http, other scheme" => [$p, "ftp://127.0.0.1:$p", 403],
        "TLS, https page"          => [$t, "https://127.0.0.1:$t", 101],
        "TLS, http page"           => [$t, "http://127.0.0.1:$t", 403],
        "TLS, HTTPS in capitals"   => [$t, "HTTPS://127.0.0.1:$t", 101],
    );
    for my $case (sort keys %cases) {
        my ($port_, $origin, $want) = @{ $cases{$case} };
        my $tls = $port_ == $t;
        is(status_of($port_, origin => $origin, tls => $tls), $want,
           "visitor socket, $case: $want");
        is(agent_status($port_, origin => $origin, tls => $tls), $want,
           "agent socket, $case: $want");
    }
};

subtest 'agent_pages_send_their_security_headers' => sub {
    for my $path ('/live-help/agent/', '/live-help/agent/index.html') {
        my $res = http_get($port, $path,
            headers => [Authorization => 'Basic '
                        . encode_base64('maria:s3cret', '')]);
        is($res->status, 200, "$path: 200");
        like($res->header('content-security-policy') // '',
             qr/frame-ancestors 'none'/, 'CSP with frame-ancestors');
        is($res->header('x-frame-options'), 'DENY', 'X-Frame-Options');
        is($res->header('x-content-type-options'), 'nosniff', 'nosniff');
    }
    my $res = http_get($ports{TLS}, '/live-help/agent/', tls => 1,
        headers => [Authorization => 'Basic '
                    . encode_base64('maria:s3cret', '')]);
    is($res->status, 200, 'over TLS too');
    like($res->header('content-security-policy') // '', qr/wss:\/\//,
         'the CSP allows the socket');
};

# The module's own login: its same-origin POST check follows the same rule.
my $login_ngx = LiveHelp::Nginx->start(
    vars  => { CRT => $crt, KEY => $key },
    files => { agents => 'maria:' . crypt('pw', '$6$' . 'saltsalt') . "\n" },
    config => <<'CONF');
load_module %%MODULE%%;
http {
    live_help_agents_file %%DIR%%/agents;
    server {
        listen 127.0.0.1:%%PORT%% ssl;
        ssl_certificate     %%CRT%%;
        ssl_certificate_key %%KEY%%;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF
$login_ngx->allow_log(qr/"live_help_redis" is not set/);

subtest 'login_posts_need_an_https_origin_over_tls' => sub {
    my $lp = $login_ngx->port;
    my $post = sub {
        my (@h) = @_;
        return http_post($lp, '/live-help/agent/login', 'name=maria&password=x',
            tls => 1, headers => ['Content-Type'
                                  => 'application/x-www-form-urlencoded', @h])
            ->status;
    };
    is($post->(Origin => 'http://localhost'), 403,
       'an http page posting to the TLS login: 403');
    is($post->(Referer => 'http://localhost/live-help/agent/login'), 403,
       'an http Referer: 403');
    is($post->(Origin => 'https://localhost'), 303,
       'an https page: checked (303, wrong password)');
    my $res = http_get($lp, '/live-help/agent/login', tls => 1);
    is($res->header('x-content-type-options'), 'nosniff',
       'the login page says nosniff');
    like($res->header('content-security-policy') // '',
         qr/frame-ancestors 'none'/, 'and has its CSP');
    like($res->header('set-cookie') // 'Secure', qr/Secure/,
         'no insecure cookie is set');
};

$login_ngx->stop;
$ngx->stop;
$redis->stop;

done_testing;
