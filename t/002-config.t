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

subtest 'retention_forms_pass' => sub {
    for my $v ('90d', '1h', 'off', '3650d') {
        my ($rc, $out) = nginx_t(http => "live_help_redis 127.0.0.1:6379;"
                                        . "\n    live_help_retention $v;");
        is($rc, 0, "live_help_retention $v") or diag $out;
    }
};

rejected('retention_under_an_hour_is_rejected', 'live_help_retention',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_retention 10m;");

rejected('retention_not_a_time_is_rejected', 'live_help_retention',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_retention long;");

subtest 'max_events_forms_pass' => sub {
    for my $v (100, 10000, 1000000) {
        my ($rc, $out) = nginx_t(http => "live_help_redis 127.0.0.1:6379;"
                                        . "\n    live_help_max_events $v;");
        is($rc, 0, "live_help_max_events $v") or diag $out;
    }
};

rejected('max_events_under_100_is_rejected', 'live_help_max_events',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_max_events 99;");

rejected('max_events_over_a_million_is_rejected', 'live_help_max_events',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_max_events 2000000;");

rejected('max_events_not_a_number_is_rejected', 'live_help_max_events',
    http => "live_help_redis 127.0.0.1:6379;\n    live_help_max_events many;");

rejected('max_events_in_a_server_is_rejected', 'live_help_max_events',
    server => 'live_help_max_events 500;');

rejected('assign_in_a_server_is_rejected',
    'live_help_assign', server => 'live_help_assign auto;');
subtest 'live_help_hours_forms_pass' => sub {
    my ($rc, $out) = nginx_t(
        http => "live_help_redis 127.0.0.1:6379;\n"
            . "    live_help_hours \"Mon-Fri 09:00-17:00\" Europe/Helsinki;\n"
            . "    live_help_hours \"Mon-Fri 09:00-12:00 13:00-17:00, "
            . "Sat 10:00-14:00\" America/New_York sales;\n"
            . "    live_help_hours \"Fri 22:00-02:00, Sat-Mon 10:00-14:00\" "
            . "Europe/Helsinki night;",
        server => 'live_help_hours always UTC; '
            . 'live_help_hours never +02:00 sales;',
        location => "live_help on;\n"
            . "            live_help_hours \"Sun 00:00-24:00\" UTC-05:30;",
    );
    is($rc, 0, 'zone files, fixed offsets, departments at every level')
        or diag $out;
};

# the message names the directive, the bad part and why
sub hours_rejected {
    my ($name, $value, $part, $why) = @_;
    subtest $name => sub {
        my ($rc, $out) = nginx_t(
            http => "live_help_redis 127.0.0.1:6379;\n    $value");
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\].*"live_help_hours"/, 'naming live_help_hours')
            or diag $out;
        like($out, qr/\Q$part\E/, "quoting $part") or diag $out;
        like($out, $why, 'saying why') or diag $out;
    };
}

hours_rejected('live_help_hours_unknown_day_is_rejected',
    'live_help_hours "Mnd-Fri 09:00-17:00" UTC;',
    '"Mnd"', qr/unknown day/);

hours_rejected('live_help_hours_hour_25_is_rejected',
    'live_help_hours "Mon 09:00-25:00" UTC;',
    '"09:00-25:00"', qr/bad time/);

hours_rejected('live_help_hours_empty_range_is_rejected',
    'live_help_hours "Mon 09:00-09:00" UTC;',
    '"09:00-09:00"', qr/empty hours/);

hours_rejected('live_help_hours_unknown_zone_file_is_rejected',
    'live_help_hours "Mon 09:00-17:00" Europe/Atlantis;',
    '"Europe/Atlantis"', qr/unknown time zone.*cannot open/);

hours_rejected('live_help_hours_zone_outside_zoneinfo_is_rejected',
    'live_help_hours "Mon 09:00-17:00" ../../etc/passwd;',
    '"../../etc/passwd"', qr/invalid time zone/);

hours_rejected('live_help_hours_file_that_is_not_a_zone_is_rejected',
    'live_help_hours "Mon 09:00-17:00" zone1970.tab;',
    '"zone1970.tab"', qr/not a TZif file/);

hours_rejected('live_help_hours_offset_out_of_range_is_rejected',
    'live_help_hours "Mon 09:00-17:00" UTC+19;',
    '"UTC+19"', qr/out of range/);

hours_rejected('live_help_hours_bad_department_is_rejected',
    'live_help_hours "Mon 09:00-17:00" UTC "sales team";',
    '"sales team"', qr/invalid department/);

hours_rejected('live_help_hours_same_department_twice_is_rejected',
    "live_help_hours \"Mon 09:00-17:00\" UTC sales;\n"
    . "    live_help_hours \"Tue 09:00-17:00\" UTC sales;",
    '"sales"', qr/is duplicate/);

hours_rejected('live_help_hours_default_twice_is_rejected',
    "live_help_hours \"Mon 09:00-17:00\" UTC;\n"
    . "    live_help_hours \"Tue 09:00-17:00\" UTC;",
    'live_help_hours', qr/without a department is duplicate/);

rejected('live_help_hours_without_zone_is_rejected',
    'live_help_hours', location => 'live_help_hours "Mon 09:00-17:00";');
# the agents file's own lines: t/050-login.t
rejected('live_help_agents_file_missing_is_rejected',
    'live_help_agents_file', http => 'live_help_redis 127.0.0.1:6379; '
    . 'live_help_agents_file %%DIR%%/no-such-file;');

rejected('live_help_agents_file_in_a_location_is_rejected',
    'live_help_agents_file', location => 'live_help_agents_file x;');

rejected('live_help_agent_session_under_a_minute_is_rejected',
    'live_help_agent_session', http => 'live_help_redis 127.0.0.1:6379; '
    . 'live_help_agent_session 30s;');

done_testing;
