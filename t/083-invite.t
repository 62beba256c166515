#!/usr/bin/perl

# Invitations and hand-off: live_help_invite and live_help_booking_url are
# checked at nginx -t (naming the directive) and reach the page as the
# script tag's attributes; an agent's "invite" is a note in the visitor's
# log that reaches that visitor's sockets on every worker and nobody
# else's, refused for a visitor who is not on the site or who has a
# conversation going on; a visitor's hand-off (e-mail, booking) is a note
# that opens no conversation and puts the e-mail into their record.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use Test::More;

use LiveHelp::HTTP qw(http_get);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

# nginx -t

sub nginx_t {
    my ($http, $loc) = @_;
    my $conf = <<"CONF";
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:6379;
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            live_help on;
            $loc
            root %%DIR%%;
        }
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
CONF
    return LiveHelp::Nginx->prepare(config => $conf)->test_config;
}

my @bad = (
    [ 'pattern without a slash', 'live_help_invite',
      'live_help_invite cart* 30 "Hi";' ],
    [ 'pattern with a quote', 'live_help_invite',
      q{live_help_invite '/c"art' 30 "Hi";} ],
    [ 'seconds over 3600', 'live_help_invite',
      'live_help_invite /cart* 3601 "Hi";' ],
    [ 'seconds not a number', 'live_help_invite',
      'live_help_invite /cart* 1m "Hi";' ],
    [ 'empty message', 'live_help_invite',
      'live_help_invite /cart* 30 "";' ],
    [ 'message over 200 bytes', 'live_help_invite',
      'live_help_invite /cart* 30 "' . ('x' x 201) . '";' ],
    [ 'message with a control character', 'live_help_invite',
      qq{live_help_invite /cart* 30 "a\tb";} ],
    [ 'two arguments', 'live_help_invite', 'live_help_invite /cart* 30;' ],
    [ 'booking not http', 'live_help_booking_url',
      'live_help_booking_url ftp://example.com/book;' ],
    [ 'booking relative', 'live_help_booking_url',
      'live_help_booking_url /book;' ],
    [ 'booking without a host', 'live_help_booking_url',
      'live_help_booking_url https:///book;' ],
    [ 'booking with a quote', 'live_help_booking_url',
      q{live_help_booking_url 'https://x.example/"a';} ],
);

for my $b (@bad) {
    my ($name, $directive, $line) = @$b;
    subtest "nginx_t_rejects_$name" => sub {
        my ($rc, $out) = nginx_t('', $line);
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\].*\Q$directive\E/, "naming $directive")
            or diag $out;
    };
}

subtest 'nginx_t_accepts_good_rules_at_every_level' => sub {
    my ($rc, $out) = nginx_t(
        'live_help_invite * 0 "Hello"; '
        . 'live_help_booking_url https://cal.example/shop?x=1&y=2;',
        'live_help_invite /cart* 3600 "Fragen zur Bestellung? \"Hilfe\"";');
    is($rc, 0, 'nginx -t passes') or diag $out;
};

# the tag

my $redis = LiveHelp::Redis->start;
my $secret_dir = temp_dir('secret');
write_file("$secret_dir/key", join '', map { chr int rand 256 } 1 .. 32);

my $config = <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    live_help_secret_file %%SECRET%%;
    live_help_limit_requests 6/10s;
    live_help_invite * 60 "Need a hand?";

    server {
        listen 127.0.0.1:%%PORT%%;
        live_help on;
        root %%DIR%%/html;

        location /cart/ {
            live_help_invite /cart* 2 "Questions about <your> order?";
            live_help_invite /cart/pay* 5 "Paying \"safely\"";
            live_help_booking_url https://cal.example/b?a=1&b=2;
        }

        location /plain/ {
            live_help_invite off;
        }

        location /live-help/ {
            live_help_endpoint;
        }
CONF
$config .= LiveHelp::Nginx::agent_location() . "    }\n}\n";

my $page = "<html><head><title>x</title></head><body>shop</body></html>\n";
my $ngx = LiveHelp::Nginx->start(config => $config,
    vars => { REDIS_PORT => $redis->port, SECRET => "$secret_dir/key" },
    files => { htpasswd => "maria:{PLAIN}pw\n",
               'html/index.html' => $page,
               'html/cart/index.html' => $page,
               'html/plain/index.html' => $page });

sub tag_of {
    my ($path) = @_;
    my $r = http_get($ngx->port, $path);
    is($r->status, 200, "$path is served");
    my ($tag) = $r->body =~ /(<script src="[^"]*loader\.js[^>]*>)/;
    return $tag // '';
}

subtest 'the_tag_carries_the_rules_only_where_set' => sub {
    my $tag = tag_of('/cart/');
    note "tag: $tag";
    my $q = '&quot;';
    like($tag, qr/ data-live-help-invite="\[\[$q\/cart\*$q,2,${q}Questions about &lt;your&gt; order\?$q\],\[$q\/cart\/pay\*$q,5,${q}Paying \\$q(?:safely)\\$q$q\]\]"/,
        'the location\'s two rules, JSON, HTML-escaped');
    like($tag,
        qr{ data-live-help-booking="https://cal\.example/b\?a=1&amp;b=2"},
        'the booking URL, escaped');

    $tag = tag_of('/');
    like($tag,
        qr/data-live-help-invite="\[\[$q\*$q,60,${q}Need a hand\?$q\]\]"/,
        'the http level rule inherited');
    unlike($tag, qr/data-live-help-booking/, 'no booking URL where unset');

    $tag = tag_of('/plain/');
    unlike($tag, qr/data-live-help-invite/, '"off" drops inherited rules');
    cmp_ok(length $tag, '>', 0, 'the widget is still injected there');
};

# agents' invitations

sub next_of {
    my ($ws, $type, %o) = @_;
    for (;;) {
        my $m = $ws->recv_json(%o);
        return $m if $m->{type} eq $type;
    }
}

# a visitor socket on a given worker (or any): (ws, session)
sub visitor_on {
    my ($worker, %hello) = @_;
    for (1 .. 40) {
        my $ws = LiveHelp::WS->connect($ngx->port);
        my $welcome = $ws->recv_json;
        if (defined $worker && $welcome->{worker} != $worker) {
            $ws->close;
            next;
        }
        $ws->send_json({ type => 'hello', %hello });
        my $s = next_of($ws, 'session');
        next_of($ws, 'live');
        return ($ws, $s, $welcome->{worker});
    }
    die "no visitor socket on worker $worker";
}

sub on_site {
    my ($ws, $id) = @_;
    $ws->send_json({ type => 'page', url => 'http://shop.example/cart/',
                     title => 'Cart' });
    wait_until("$id online", sub {
        ($redis->command('ZSCORE', 'lh:online', $id) // 0) > 0 });
}

sub agent {
    my $ws = LiveHelp::WS->connect($ngx->port, path => '/live-help/agent/ws',
        headers => [ 'Authorization: Basic '
                     . encode_base64('maria:pw', '') ]);
    $ws->recv_json;
    $ws->send_json({ type => 'hello' });
    my $s = next_of($ws, 'session');
    next_of($ws, 'conversations');
    return ($ws, $s);
}

# nothing but a pong comes next: no event was sent to this socket
sub quiet {
    my ($ws, $what) = @_;
    $ws->send_json({ type => 'ping', id => 'q' });
    my $m = $ws->recv_json;
    is($m->{type}, 'pong', "$what: nothing came before the pong")
        or diag explain $m;
}

sub kinds {
    my ($conv) = @_;
    return [ map { LiveHelp::WS->json->decode($_->[1][1])->{kind} }
             @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') } ];
}

my ($agent, $me) = agent();
my @workers = sort { $a <=> $b } $ngx->worker_pids;

subtest 'an_invite_reaches_that_visitors_sockets_on_both_workers_only' => sub {
    my ($v1, $s1) = visitor_on($workers[0]);
    my $id = $s1->{visitor};
    # the same visitor on the other worker, by its token
    my ($v2, $s2) = visitor_on($workers[1], token => $s1->{token});
    is($s2->{visitor}, $id, 'one visitor, a socket on each worker');
    my ($other, $so) = visitor_on($workers[1]);
    isnt($so->{visitor}, $id, 'and another visitor');
    on_site($v1, $id);
    on_site($other, $so->{visitor});

    my $t0 = time;
    $agent->send_json({ type => 'invite', cid => 'inv1', visitor => $id,
                        text => 'Hi! Can I help you with anything?' });
    my $ack = next_of($agent, 'ack');
    is($ack->{cid}, 'inv1', 'the agent gets an ack');
    is($ack->{conversation}, $id, 'for the visitor\'s log');

    for my $ws ($v1, $v2) {
        my $ev = next_of($ws, 'event');
        is($ev->{event}{kind}, 'invited', 'the visitor\'s socket gets it');
        is($ev->{event}{text}, 'Hi! Can I help you with anything?',
            'with the text');
        is($ev->{event}{name}, $me->{name}, 'and the agent\'s name');
        is($ev->{seq}, $ack->{seq}, 'as the event acked');
    }
    note sprintf 'invite on both sockets %.1f ms after it was sent',
        (time - $t0) * 1000;
    quiet($other, 'the other visitor');
    is_deeply(kinds($id), ['invited'], 'a note in the log, no conversation');
    is($redis->command('HGET', "lh:c:$id:state", 'state'), 'none',
        'no conversation: nothing waits in the queue');
    ok(!defined $redis->command('ZSCORE', 'lh:queue', $id),
        'not in the queue');

    # a page opened later finds it in the log
    my ($v3) = visitor_on(undef, token => $s1->{token});
    $v3->close;

    $agent->send_json({ type => 'invite', cid => 'inv1', visitor => $id,
                        text => 'Hi! Can I help you with anything?' });
    is(next_of($agent, 'ack')->{seq}, $ack->{seq},
        'a resend of the cid is the same event');
    quiet($v1, 'no second event for a resend');

    # the visitor answers: a conversation opens as always
    $v1->send_json({ type => 'message', cid => 'a1', text => 'yes please' });
    is(next_of($v1, 'ack')->{cid}, 'a1', 'the answer is stored');
    # (and maria, online, is given it at once)
    is_deeply([ @{ kinds($id) }[0 .. 2] ], [qw(invited opened message)],
        'and opens a conversation after the invitation');

    $agent->send_json({ type => 'invite', cid => 'inv2', visitor => $id,
                        text => 'Still there?' });
    my $r = next_of($agent, 'refused');
    is($r->{code}, 'busy', 'refused while a conversation goes on');
    is($r->{cid}, 'inv2', 'naming the invitation');

    $_->close for $v1, $v2, $other;
};

subtest 'an_invite_to_a_visitor_not_online_is_refused' => sub {
    my ($v, $s) = visitor_on(undef);
    my $id = $s->{visitor};
    # hello, but no page: never counted online
    $agent->send_json({ type => 'invite', cid => 'inv3', visitor => $id,
                        text => 'Hello?' });
    is(next_of($agent, 'refused')->{code}, 'offline',
        'a socket without a page is not on the site');
    $agent->send_json({ type => 'invite', cid => 'inv4',
                        visitor => 'vNoSuchVisitor00', text => 'Hello?' });
    is(next_of($agent, 'refused')->{code}, 'offline', 'nor is a stranger');
    is_deeply(kinds($id), [], 'nothing stored');
    $v->close;
};

subtest 'bad_invites_are_errors' => sub {
    $agent->send_json({ type => 'invite', cid => 'b1', visitor => 'v1',
                        text => '' });
    is(next_of($agent, 'error')->{code}, 'bad_text', 'empty text');
    $agent->send_json({ type => 'invite', cid => 'b2', visitor => 'v1',
                        text => 'x' x 501 });
    is(next_of($agent, 'error')->{code}, 'bad_text', 'over 500 bytes');
    $agent->send_json({ type => 'invite', cid => 'b3', text => 'hi' });
    is(next_of($agent, 'error')->{code}, 'bad_visitor', 'no visitor');
};

subtest 'agent_invites_count_in_live_help_limit_requests' => sub {
    my ($ws) = agent();
    my ($limited, $n) = (0, 0);
    for my $i (1 .. 10) {
        $ws->send_json({ type => 'invite', cid => "rl$i",
                         visitor => 'vNoSuchVisitor00', text => 'Hi' });
        my $m = $ws->recv_json;
        $m = $ws->recv_json while $m->{type} !~ /^(refused|error|ack)$/;
        if ($m->{type} eq 'error') {
            is($m->{code}, 'rate_limited', 'over it: rate_limited');
            ok($m->{retry} > 0, 'with a retry');
            $limited = $i;
            last;
        }
        $n++;
    }
    note "$n invitations went through before the limit (6/10s)";
    ok($limited && $n <= 6, 'the 6/10s allowance stops the 7th at the latest');
    $ws->close;
};

# hand-off

subtest 'handoff_notes_open_no_conversation' => sub {
    my ($v, $s) = visitor_on(undef);
    my $id = $s->{visitor};
    $v->send_json({ type => 'handoff', cid => 'h1', via => 'email',
                    email => 'ann@shop.example', text => 'after 5 pm' });
    my %got;
    until ($got{event} && $got{ack}) {
        my $m = $v->recv_json;
        $got{ $m->{type} } //= $m;
    }
    my $ev = $got{event};
    is($ev->{event}{kind}, 'handoff', 'stored as a handoff note');
    is($ev->{event}{via}, 'email', 'by e-mail');
    is($ev->{event}{email}, 'ann@shop.example', 'with the address');
    is($ev->{event}{text}, 'after 5 pm', 'and the note');
    is($got{ack}{cid}, 'h1', 'acked');
    my $seen = next_of($agent, 'event');
    is($seen->{event}{kind}, 'handoff', 'the agent sees it live');

    $v->send_json({ type => 'handoff', cid => 'h2', via => 'booking' });
    is(next_of($v, 'ack')->{cid}, 'h2', 'a booking is acked too');
    is_deeply(kinds($id), [qw(handoff handoff)], 'two notes');
    is($redis->command('HGET', "lh:c:$id:state", 'state'), 'none',
        'and no conversation');
    $v->send_json({ type => 'message', cid => 'm1', text => 'and now?' });
    is(next_of($v, 'ack')->{cid}, 'm1', 'a message after them');
    is_deeply([ @{ kinds($id) }[0 .. 3] ],
        [qw(handoff handoff opened message)],
        'opens conversation 1 as always');
    is($redis->command('HGET', "lh:c:$id:state", 'n'), 1, 'numbered 1');
    wait_until('the e-mail in the record', sub {
        ($redis->command('HGET', "lh:v:$id", 'email') // '')
            eq 'ann@shop.example' });
    ok($redis->command('ZSCORE', 'lh:e:ann@shop.example', $id),
        'indexed for live-help-erase');

    $v->send_json({ type => 'handoff', cid => 'h3', via => 'email' });
    is(next_of($v, 'error')->{code}, 'bad_profile', 'e-mail without one');
    $v->send_json({ type => 'handoff', cid => 'h4', via => 'fax' });
    is(next_of($v, 'error')->{code}, 'bad_message', 'an unknown way');
    $v->send_json({ type => 'handoff', cid => 'h5', via => 'email',
                    email => 'a b@c' });
    is(next_of($v, 'error')->{code}, 'bad_profile', 'a bad address');
    $v->send_json({ type => 'invite', cid => 'h6', visitor => $id,
                    text => 'x' });
    is(next_of($v, 'error')->{code}, 'unknown_type',
        'visitors cannot invite');
    $v->close;
};

$agent->close;
$ngx->stop;

done_testing;
