#!/usr/bin/perl

# Who answers whom, through nginx and Redis: claims racing from sockets on
# both workers of two hosts (exactly one wins, every time), automatic
# assignment spread over agents, chats released when their owner is gone
# past the grace, and the visitors' context (pages, profile, online) as
# agents see it, hostile values kept as data.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use JSON::PP ();
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
    live_help_secret_file %%SECRET%%;
    live_help_assign %%ASSIGN%%;
    live_help_agent_grace 1s;

    server {
        listen 127.0.0.1:%%PORT%%;

        live_help_departments sales support=Customer_support;
        live_help_max_chats 2;
        live_help_hours always UTC;
        live_help_hours never UTC support;

        location /live-help/ {
            live_help_endpoint;
        }

        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file %%DIR%%/agents;
            live_help_agent_user $remote_user;
        }
    }
}
CONF

my $secret_dir = temp_dir('secret');
write_file("$secret_dir/key", join '', map { chr int rand 256 } 1 .. 32);

my @AGENTS = map { "agent$_" } 1 .. 25;
my %files = (agents => join '', map { "$_:{PLAIN}pw\n" } @AGENTS,
                                    'maria', 'jonas');
my %vars = (REDIS_PORT => $redis->port, SECRET => "$secret_dir/key",
            ASSIGN => 'manual');

my $a = LiveHelp::Nginx->start(config => $config, vars => \%vars,
    files => \%files);
my $b = LiveHelp::Nginx->start(config => $config, vars => \%vars,
    files => \%files);

sub next_of {
    my ($ws, $type, %o) = @_;
    for (;;) {
        my $m = $ws->recv_json(%o);
        return $m if $m->{type} eq $type;
    }
}

# an agent socket past hello and its list: (ws, session, worker)
sub agent {
    my ($ngx, $login, %hello) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port,
        path => '/live-help/agent/ws',
        headers => [ 'Authorization: Basic '
                     . encode_base64("$login:pw", '') ]);
    my $welcome = $ws->recv_json;
    $ws->send_json({ type => 'hello', %hello });
    my $session = next_of($ws, 'session');
    next_of($ws, 'conversations');
    return ($ws, $session, $welcome->{worker});
}

sub visitor {
    my ($ngx, %o) = @_;
    my $ws = LiveHelp::WS->connect($ngx->port);
    $ws->recv_json;
    $ws->send_json({ type => 'hello', %o });
    my $session = next_of($ws, 'session');
    next_of($ws, 'live');
    return ($ws, $session);
}

sub kinds {
    my ($conv) = @_;
    return [ map { LiveHelp::WS->json->decode($_->[1][1])->{kind} }
             @{ $redis->command('XRANGE', "lh:c:$conv:log", '-', '+') } ];
}

subtest 'visitor_session_says_departments_hours_and_prechat' => sub {
    my ($v, $s) = visitor($a);
    is_deeply([ map { [ @$_{qw(id name)} ] } @{ $s->{departments} } ],
        [ [ 'sales', 'Sales' ], [ 'support', 'Customer support' ] ],
        'the departments, with names for people');
    ok($s->{open}, 'open now (live_help_hours always)');
    ok($s->{departments}[0]{open}, 'sales is open');
    ok(!$s->{departments}[1]{open},
        'support is closed (its own live_help_hours never)');
    is($s->{departments}[1]{next}, 0, 'and does not open within 8 days');
    ok(!$s->{prechat}, 'no pre-chat form unless asked for');
    $v->close;
};

subtest 'fifty_claims_at_once_from_two_hosts_one_wins' => sub {
    # 50 sockets of 25 agents, spread over both workers of both hosts
    my (@socks, %where);
    for my $i (0 .. 49) {
        my $ngx = $i % 2 ? $b : $a;
        my ($ws, $session, $worker) = agent($ngx, $AGENTS[$i % 25]);
        push @socks, { ws => $ws, id => $session->{agent}, name =>
                       $session->{name} };
        $where{ ($i % 2 ? 'B' : 'A') . ":$worker" }++;
    }
    cmp_ok(scalar(keys %where), '>=', 3,
        'claims come from several workers of two hosts ('
        . join(', ', map { "$_ x$where{$_}" } sort keys %where) . ')');

    for my $round (1 .. 5) {
        my ($v, $s) = visitor($round % 2 ? $a : $b);
        my $conv = $s->{conversation};
        $v->send_json({ type => 'message', cid => "q$round",
                        text => "who takes me? ($round)" });
        next_of($v, 'ack');

        # every frame out before any answer is read
        for my $k (0 .. $#socks) {
            $socks[$k]{ws}->send_json({ type => 'claim', cid => "c$round-$k",
                                        conversation => $conv });
        }
        my (@won, @refused, %owner);
        for my $k (0 .. $#socks) {
            my $m;
            do { $m = $socks[$k]{ws}->recv_json }
                until $m->{type} eq 'ack' || $m->{type} eq 'refused';
            if ($m->{type} eq 'ack') {
                push @won, $k;
            } else {
                push @refused, $m;
                $owner{"$m->{code} $m->{owner} $m->{name}"}++;
            }
        }
        is(scalar @won, 1, "round $round: exactly one claim won");
        my $winner = $socks[ $won[0] // 0 ];
        # the winner's other tab says "yours"; the others "owned"
        my @codes = sort keys %owner;
        ok(!grep({ !/^(owned|yours) \Q$winner->{id}\E \Q$winner->{name}\E$/ }
                 @codes),
            "round $round: the others are told who owns it ("
            . join('; ', @codes) . ')');
        is(scalar(grep { $_ eq 'joined' } @{ kinds($conv) }), 1,
            "round $round: one joined in the log");
        is($redis->command('HGET', "lh:c:$conv:state", 'owner'),
            $winner->{id}, "round $round: the state says the winner");
        $v->close;
    }
    $_->{ws}->close for @socks;
};

subtest 'a_reply_to_a_chat_of_another_agent_is_refused' => sub {
    my ($m) = agent($a, 'maria');
    my ($j) = agent($b, 'jonas');
    my ($v, $s) = visitor($a);
    my $conv = $s->{conversation};
    $v->send_json({ type => 'message', cid => 'r0', text => 'hello?' });
    next_of($v, 'ack');
    $m->send_json({ type => 'message', cid => 'm1', conversation => $conv,
                    text => 'Maria here' });
    is(next_of($m, 'ack')->{conversation}, $conv, 'a reply claims it');
    my $ttl = $redis->command('TTL', "lh:c:$conv:log");
    ok($ttl > 90 * 86400 - 60 && $ttl <= 90 * 86400,
        "the log expires 90 days after its last event ($ttl s)");
    $j->send_json({ type => 'message', cid => 'j1', conversation => $conv,
                    text => 'Jonas here' });
    my $r = next_of($j, 'refused');
    is_deeply([ @$r{qw(cid code name)} ], [ 'j1', 'owned', 'Maria' ],
        'the other agent: refused, Maria has it');
    $j->send_json({ type => 'transfer', cid => 'j2', conversation => $conv,
                    department => 'billing' });
    is(next_of($j, 'error')->{code}, 'bad_department',
        'not to a department that does not exist');
    $m->send_json({ type => 'transfer', cid => 'm2', conversation => $conv,
                    department => 'sales' });
    next_of($m, 'ack');
    is_deeply($redis->command('HMGET', "lh:c:$conv:state", 'state', 'dept'),
        [ 'waiting', 'sales' ], 'Maria handed it to sales');
    $j->send_json({ type => 'claim', cid => 'j3', conversation => $conv });
    next_of($j, 'ack');
    $j->send_json({ type => 'close', cid => 'j4', conversation => $conv });
    next_of($j, 'ack');
    is_deeply(kinds($conv),
        [qw(opened message joined message transferred joined closed)],
        'the log says it all, once');
    my @seen;
    do { push @seen, next_of($v, 'event')->{event}{kind} }
        until $seen[-1] eq 'closed';
    is_deeply(\@seen,
        [qw(opened message joined message transferred joined closed)],
        'and the visitor saw each change live, once, in order');
    $_->close for $m, $j, $v;
};

subtest 'visitor_context_reaches_agents_live' => sub {
    my ($g) = agent($b, 'maria');
    my ($v, $s) = visitor($a);
    my $t = $s->{visitor};
    my $ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
           . '(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    $v->send_json({ type => 'page', url => 'https://shop.example/p/42',
                    title => 'Blue kettle', referrer => 'https://search.example/?q=kettle',
                    ua => $ua });
    my $live;
    do { $live = next_of($g, 'visitor') } until $live->{visitor}{visitor} eq $t;
    my $vv = $live->{visitor};
    is($vv->{url}, 'https://shop.example/p/42', 'the agent sees the page');
    is($vv->{title}, 'Blue kettle', 'and its title');
    is($vv->{browser}, 'Chrome 120 on Windows', 'the browser in words');
    is($vv->{referrer}, 'https://search.example/?q=kettle', 'the referrer');
    ok($vv->{online}, 'online');
    like($vv->{name}, qr/^Visitor \d+$/, "named ($vv->{name})");

    $v->send_json({ type => 'page', url => 'https://shop.example/cart',
                    title => 'Cart', referrer => 'https://shop.example/p/42' });
    do { $live = next_of($g, 'visitor') }
        until $live->{visitor}{visitor} eq $t
              && $live->{visitor}{url} =~ /cart/;
    is($live->{visitor}{views}, 2, 'two pages this visit');
    is($live->{visitor}{referrer}, 'https://search.example/?q=kettle',
        'the referrer stays the one the visit came from');
    is_deeply([ map { $_->{title} } @{ $live->{visitor}{pages} } ],
        [ 'Cart', 'Blue kettle' ], 'pages of the visit, newest first');

    $v->send_json({ type => 'profile', name => 'Anna',
                    email => 'anna@example.com' });
    do { $live = next_of($g, 'visitor') }
        until $live->{visitor}{visitor} eq $t
              && $live->{visitor}{name} eq 'Anna';
    is($live->{visitor}{email}, 'anna@example.com', 'the profile too');
    $v->send_json({ type => 'profile', name => 'Bad', email => 'no-at' });
    is(next_of($v, 'error')->{code}, 'bad_profile', 'a bad e-mail refused');

    $g->send_json({ type => 'visitors' });
    my $list = next_of($g, 'visitors');
    ok((grep { $_->{visitor} eq $t } @{ $list->{items} }),
        "listed among $list->{total} online");

    $v->close;
    do { $live = next_of($g, 'visitor') }
        until $live->{visitor}{visitor} eq $t && !$live->{visitor}{online};
    ok(!$live->{visitor}{online}, 'the visitor left: the agent is told');
    $g->send_json({ type => 'visitors' });
    $list = next_of($g, 'visitors');
    ok(!(grep { $_->{visitor} eq $t } @{ $list->{items} }),
        'and no longer listed');
    $g->close;
};

subtest 'visitors_are_listed_the_last_active_first' => sub {
    my ($g) = agent($a, 'maria');
    my @v = map { [ visitor($_ % 2 ? $a : $b) ] } 1 .. 4;
    my @ids = map { $_->[1]{visitor} } @v;
    my $page = sub {
        my ($i, $url) = @_;
        $v[$i][0]->send_json({ type => 'page', url => $url });
        my $m;
        do { $m = next_of($g, 'visitor') }
            until $m->{visitor}{visitor} eq $ids[$i]
                  && $m->{visitor}{url} eq $url;
    };
    $page->($_, "https://shop.example/$_") for 0 .. 3;
    $page->(1, 'https://shop.example/again');
    $g->send_json({ type => 'visitors' });
    my @listed = map { $_->{visitor} } @{ next_of($g, 'visitors')->{items} };
    my %mine = map { $_ => 1 } @ids;
    is_deeply([ grep { $mine{$_} } @listed ],
        [ @ids[1, 3, 2, 0] ], 'by their last page, the newest first');
    $_->[0]->close for @v;
    $g->close;
};

subtest 'hostile_page_values_are_kept_as_data_and_cut' => sub {
    my ($g) = agent($a, 'maria');
    my ($v, $s) = visitor($b);
    my $t = $s->{visitor};
    my $evil = q{"><script>alert(1)</script><img src=x onerror=alert(2)>};
    my $long = "\x{e9}" x 3000;     # 6000 bytes of UTF-8
    $v->send_json({ type => 'page', url => "javascript:alert(3)//$evil",
                    title => $long, referrer => $evil, ua => $evil });
    my $live;
    do { $live = next_of($g, 'visitor') } until $live->{visitor}{visitor} eq $t;
    is($live->{visitor}{url}, "javascript:alert(3)//$evil",
        'a hostile URL comes back as the same text');
    my $title = $live->{visitor}{title};
    ok(length($title) <= 256, 'the title is cut to 256 bytes of UTF-8');
    is($title, "\x{e9}" x length($title), 'at a character boundary');
    is($live->{visitor}{browser}, '', 'an unknown browser: nothing said');
    $_->close for $v, $g;
};

subtest 'auto_assign_spreads_chats_and_releases_after_the_grace' => sub {
    $redis->command('FLUSHALL');
    $vars{ASSIGN} = 'auto';
    my $c = LiveHelp::Nginx->start(config => $config, vars => \%vars,
        files => \%files);
    my $d = LiveHelp::Nginx->start(config => $config, vars => \%vars,
        files => \%files);
    my ($m, $ms) = agent($c, 'maria');
    my ($j, $js) = agent($d, 'jonas');
    my @v;
    for my $i (1 .. 3) {
        my ($v, $s) = visitor($i % 2 ? $c : $d);
        $v->send_json({ type => 'message', cid => "a$i", text => "hi $i" });
        next_of($v, 'ack');
        push @v, [ $v, $s->{conversation} ];
    }
    my %load;
    wait_until('all three given', sub {
        %load = ();
        for (@v) {
            my $o = $redis->command('HGET', "lh:c:$_->[1]:state", 'owner');
            $load{$o}++ if $o;
        }
        keys(%load) == 2 && $load{$ms->{agent}} + $load{$js->{agent}} == 3;
    });
    is_deeply([ sort values %load ], [ 1, 2 ], 'spread 2 + 1 under max 2');

    # Maria's tab closes: after the grace her chats go to Jonas, who has
    # room for one; the rest waits in the queue
    my @hers = grep {
        $redis->command('HGET', "lh:c:$_->[1]:state", 'owner') eq $ms->{agent}
    } @v;
    $m->close;
    wait_until('released after the grace', sub {
        !grep {
            ($redis->command('HGET', "lh:c:$_->[1]:state", 'owner') // '')
                eq $ms->{agent}
        } @hers;
    });
    for (@hers) {
        my $k = kinds($_->[1]);
        ok((grep { $_ eq 'released' } @$k), "$_->[1]: released in the log");
    }
    # the hosts of the subtests before (live_help_assign manual) sweep
    # too: one of them may release without giving; the next sweep of
    # these two gives
    wait_until('Jonas given what he has room for', sub {
        $redis->command('SCARD', "lh:mine:$js->{agent}") == 2;
    });
    is($redis->command('SCARD', "lh:mine:$js->{agent}"), 2,
        'Jonas took what he had room for');
    is($redis->command('ZCARD', 'lh:queue'), 1, 'one waits in the queue');
    $_->[0]->close for @v;
    $j->close;
    $_->stop for $c, $d;
};

subtest 'agents_are_given_chats_of_the_departments_they_serve' => sub {
    $redis->command('FLUSHALL');
    $vars{ASSIGN} = 'auto';
    my $c = LiveHelp::Nginx->start(config => $config, vars => \%vars,
        files => \%files);
    my ($m, $ms) = agent($c, 'maria', departments => ['sales']);
    my ($j, $js) = agent($c, 'jonas', departments => ['support'],
                         away => JSON::PP::true);
    my %conv;
    for my $d (qw(sales support)) {
        my ($v, $s) = visitor($c);
        $v->send_json({ type => 'message', cid => 'd1', text => "for $d",
                        department => $d });
        next_of($v, 'ack');
        $conv{$d} = $s->{conversation};
        $v->close;
    }
    wait_until('the sales chat given', sub {
        ($redis->command('HGET', "lh:c:$conv{sales}:state", 'owner') // '')
            eq $ms->{agent};
    });
    is($redis->command('HGET', "lh:c:$conv{support}:state", 'state'),
        'waiting', 'support waits: its only agent is away');
    $j->send_json({ type => 'away', on => JSON::PP::false });
    wait_until('Jonas back: the support chat is his', sub {
        ($redis->command('HGET', "lh:c:$conv{support}:state", 'owner') // '')
            eq $js->{agent};
    });
    pass('each chat went to the agent of its department');
    $m->send_json({ type => 'serve', departments => ['billing'] });
    is(next_of($m, 'error')->{code}, 'bad_department',
        'serving a department that does not exist is refused');
    $_->close for $m, $j;
    $c->stop;
};

$a->stop;
$b->stop;
$redis->stop;
done_testing;
