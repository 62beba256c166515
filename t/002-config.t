#!/usr/bin/perl

# nginx -t rejects wrong live_help directives with a message naming the
# directive, and accepts a minimal complete setup.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use LiveHelp::Nginx;

# %s: extra directives at http level; %s: in location /; %s: at server level
sub config {
    my (%at) = @_;
    my $http = $at{http} // 'live_help_redis 127.0.0.1:6379;';
    my $loc = $at{location} // 'live_help on;';
    my $srv = $at{server} // '';
    return <<"EOF";
load_module %%MODULE%%;
http {
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        $srv
        location / {
            $loc
            root %%DIR%%;
        }
        location /live-help/ {
            live_help_endpoint;
        }
    }
}
EOF
}

sub nginx_t {
    my (%at) = @_;
    return LiveHelp::Nginx->prepare(config => config(%at))->test_config;
}

# The directive name as nginx quotes it, not as the prefix of a longer one.
sub names {
    my ($directive) = @_;
    return qr/(?<![\w])\Q$directive\E(?![\w])/;
}

sub rejected {
    my ($name, $directive, %at) = @_;
    subtest $name => sub {
        my ($rc, $out) = nginx_t(%at);
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\]/, 'with an emerg message');
        like($out, names($directive), "naming $directive") or diag $out;
        unlike($out, qr/test is successful/, 'and no success claim');
    };
}

subtest 'minimal_complete_config_passes' => sub {
    my ($rc, $out) = nginx_t();
    is($rc, 0, 'nginx -t exits 0') or diag $out;
    like($out, qr/syntax is ok/, 'syntax is ok');
    like($out, qr/test is successful/, 'test is successful');
};

subtest 'live_help_without_live_help_redis_warns_and_passes' => sub {
    my ($rc, $out) = nginx_t(http => '');
    is($rc, 0, 'nginx -t still succeeds') or diag $out;
    like($out, qr/\[warn\].*"live_help_redis" is not set/,
        'with a warning naming live_help_redis') or diag $out;
    is(() = $out =~ /live_help_redis" is not set/g, 1, 'said once');

    ($rc, $out) = nginx_t();
    unlike($out, qr/is not set/, 'no warning when it is set');
};

subtest 'all_directive_forms_pass' => sub {
    my ($rc, $out) = nginx_t(
        http     => "live_help_redis unix:/run/redis.sock;\n    live_help off;",
        server   => 'live_help on; live_help_title "Shop help";',
        location => "live_help off;\n            live_help_title 'a\"<b';",
    );
    is($rc, 0, 'unix socket, on/off at every level, title') or diag $out;

    ($rc, $out) = nginx_t(http => 'live_help_redis localhost:6380;');
    is($rc, 0, 'host name with port') or diag $out;
};

rejected('live_help_value_other_than_on_off_is_rejected',
    'live_help', location => 'live_help maybe;');

rejected('live_help_without_value_is_rejected',
    'live_help', location => 'live_help;');

rejected('live_help_redis_port_out_of_range_is_rejected',
    'live_help_redis', http => 'live_help_redis 127.0.0.1:99999;');

rejected('live_help_redis_port_zero_is_rejected',
    'live_help_redis', http => 'live_help_redis 127.0.0.1:0;');

rejected('live_help_redis_without_host_is_rejected',
    'live_help_redis', http => 'live_help_redis :6379;');

rejected('live_help_redis_non_numeric_port_is_rejected',
    'live_help_redis', http => 'live_help_redis 127.0.0.1:redis;');

rejected('live_help_redis_empty_unix_path_is_rejected',
    'live_help_redis', http => 'live_help_redis unix:;');

rejected('live_help_redis_empty_value_is_rejected',
    'live_help_redis', http => 'live_help_redis "";');

rejected('live_help_redis_in_location_is_rejected',
    'live_help_redis', location => 'live_help_redis 127.0.0.1:6379;');

rejected('live_help_redis_twice_is_rejected',
    'live_help_redis',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_redis 127.0.0.1:6380;");

rejected('live_help_endpoint_in_http_block_is_rejected',
    'live_help_endpoint',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_endpoint;");

rejected('live_help_endpoint_with_argument_is_rejected',
    'live_help_endpoint', location => 'live_help_endpoint on;');

rejected('live_help_title_without_value_is_rejected',
    'live_help_title', location => 'live_help_title;');

subtest 'who_answers_directives_pass' => sub {
    my ($rc, $out) = nginx_t(
        http => "live_help_redis 127.0.0.1:6379;\n    live_help_assign manual;"
              . "\n    live_help_agent_grace 2m;",
        server => 'live_help_departments sales support=Customer_support; '
                . 'live_help_max_chats 5; live_help_prechat on;');
    is($rc, 0, 'nginx -t passes') or diag $out;
};

rejected('a_department_that_is_not_an_id_is_rejected',
    'live_help_departments', server => 'live_help_departments "sa les";');

rejected('a_department_listed_twice_is_rejected',
    'live_help_departments', server => 'live_help_departments a b a;');

rejected('a_department_with_an_empty_name_is_rejected',
    'live_help_departments', server => 'live_help_departments sales=;');

rejected('departments_twice_in_one_block_are_rejected',
    'live_help_departments',
    server => 'live_help_departments a; live_help_departments b;');

rejected('max_chats_zero_is_rejected',
    'live_help_max_chats', server => 'live_help_max_chats 0;');

rejected('max_chats_not_a_number_is_rejected',
    'live_help_max_chats', server => 'live_help_max_chats many;');

rejected('assign_other_than_auto_or_manual_is_rejected',
    'live_help_assign',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_assign random;");

rejected('agent_grace_not_a_time_is_rejected',
    'live_help_agent_grace',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_agent_grace soon;");

rejected('agent_grace_over_a_day_is_rejected',
    'live_help_agent_grace',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_agent_grace 2d;");

rejected('assign_in_a_server_is_rejected',
    'live_help_assign', server => 'live_help_assign auto;');

done_testing;
