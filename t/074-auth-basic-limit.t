#!/usr/bin/perl

# Password guessing against auth_basic (issue 7, row 5): nginx checks the
# password of every request in the worker and counts no failures.  The
# README's agent location limits requests with limit_req; this test runs
# that snippet, read from README.md itself, with a bcrypt htpasswd, fires
# wrong passwords in a bounded loop and checks that most are refused
# (429) without a hash being computed, that an agent elsewhere is not
# slowed, and that the guesser's address gets in again once the burst
# has drained.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(time);

use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Test qw(:all);
use LiveHelp::WS;

my $GUESSES = 80;

# --- the snippet, as README.md has it ---------------------------------------

my $readme = read_file(repo_root() . '/README.md');
my ($block) = grep { /limit_req_zone/ && /location \/live-help\/agent\// }
              $readme =~ /```nginx\n(.*?)```/gs;
ok($block, 'README.md has an nginx block with limit_req_zone and the '
           . 'agent location') or BAIL_OUT('no snippet in README.md');

my ($zone) = $block =~ /^\s*(limit_req_zone\s[^;]*;)/m;
my ($location) = $block =~ /^(\s*location \/live-help\/agent\/ \{.*?^\s*\})/ms;
ok($zone && $location, 'with the zone and the location') or diag $block;
my ($rate) = $zone =~ /rate=(\d+)r\/m/;
my ($burst) = $location =~ /burst=(\d+)/;
ok($rate && $burst, "rate $rate r/m, burst $burst");
like($location, qr/limit_req_status\s+429;/, 'refused with 429');

# the operator's path to the users file is ours here
(my $ours = $location) =~ s{auth_basic_user_file\s+\S+;}
                           {auth_basic_user_file %%DIR%%/htpasswd;};

# bcrypt as "htpasswd -B" makes it, through crypt(3); cost 6 (the README's
# 10 is 16 times slower) keeps the test short and still shows the cost
sub salt { my @c = ('.', '/', 0 .. 9, 'A' .. 'Z', 'a' .. 'z');
           return join '', map { $c[rand @c] } 1 .. 22 }
my $hash = crypt('right-pw', '$2y$06$' . salt());
like($hash, qr/^\$2y\$06\$/, 'a bcrypt hash');

my $ngx = LiveHelp::Nginx->start(
    files => { htpasswd => "maria:$hash\n" },
    config => <<"CONF");
load_module %%MODULE%%;
http {
    $zone

    # the test poses as several clients
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ { live_help_endpoint; }
$ours
    }
}
CONF
$ngx->allow_log(qr/"live_help_redis" is not set/);
my $port = $ngx->port;

sub get {
    my ($from, $password, $path) = @_;
    my $t0 = time;
    my $res = http_get($port, $path // '/live-help/agent/', headers => [
        'X-Forwarded-For' => $from,
        Authorization => 'Basic ' . encode_base64("maria:$password", '')]);
    return ($res->status, time - $t0);
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return @v ? $v[$#v / 2] : 0;
}

subtest 'wrong_passwords_from_one_address_are_mostly_refused' => sub {
    my (%count, %took);
    my $t0 = time;
    for my $i (1 .. $GUESSES) {
        my ($status, $took) = get('10.0.0.1', "guess-$i");
        $count{$status}++;
        push @{ $took{$status} }, $took;
    }
    my $elapsed = time - $t0;
    my ($checked, $refused) = ($count{401} // 0, $count{429} // 0);

    diag(sprintf '%d wrong passwords in %.2f s (%.0f/s): %d checked (401, '
                 . 'median %.1f ms), %d refused (429, median %.1f ms, no '
                 . 'hash); after the burst of %d, %d checks a minute',
                 $GUESSES, $elapsed, $GUESSES / $elapsed, $checked,
                 1000 * median(@{ $took{401} // [] }), $refused,
                 1000 * median(@{ $took{429} // [] }), $burst, $rate);

    is($checked + $refused, $GUESSES, 'every answer is 401 or 429')
        or diag explain \%count;
    cmp_ok($refused, '>=', $GUESSES / 2, 'most are refused');
    cmp_ok($checked, '<=', $burst + 1 + $elapsed * $rate / 60 + 1,
           'no more checked than the burst and the rate allow');
};

subtest 'an_agent_elsewhere_gets_in_at_once' => sub {
    my ($status, $took) = get('10.0.0.2', 'right-pw');
    is($status, 200, 'the panel: 200');

    # the panel's files, as a browser loads it
    my @files = map { "/live-help/agent/$_" }
        qw(agent.css strings.js view.js notify.js visitors.js agent.js);
    my @got = map { (get('10.0.0.2', 'right-pw', $_))[0] } @files;
    is_deeply(\@got, [ (200) x @files ], 'and all its files');

    my $res = LiveHelp::WS->handshake($port, path => '/live-help/agent/ws',
        headers => ['X-Forwarded-For: 10.0.0.2', 'Authorization: Basic '
                    . encode_base64('maria:right-pw', '')]);
    close $res->{socket};
    # no live_help_redis here: the socket opens all the same
    is($res->{status}, 101, 'and its socket');
    diag(sprintf 'an agent at another address: %.1f ms for the page',
                 1000 * $took);
};

subtest 'the_guessers_address_gets_in_again_after_the_burst' => sub {
    my $t0 = time;
    my $tries = 0;
    wait_until('the right password to pass from the guesser\'s address',
        sub { $tries++; return (get('10.0.0.1', 'right-pw'))[0] == 200 },
        timeout_seconds() + 120 / $rate);
    diag(sprintf 'the guesser\'s address got in again %.2f s later '
                 . '(%d tries; one request every %.0f s passes)',
                 time - $t0, $tries, 60 / $rate);
    pass('a legitimate agent gets through');
};

$ngx->stop;

done_testing;
