#!/usr/bin/perl

# make install lays the module out as Debian's libnginx-mod-* packages do,
# and what it installs loads into Debian's nginx.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use LiveHelp::Nginx;
use LiveHelp::Test qw(:all);

my $root = temp_dir('install');
my $repo = repo_root();

my $out = `make -s -C '$repo' install DESTDIR='$root' 2>&1`;
is($?, 0, 'make install DESTDIR=... succeeds') or diag $out;

my $so = "$root/usr/lib/nginx/modules/ngx_http_live_help_module.so";
ok(-f $so, 'module in /usr/lib/nginx/modules');

my $snippet = "$root/usr/share/nginx/modules-available/mod-http-live-help.conf";
ok(-f $snippet, 'snippet in modules-available');
is(-f $snippet ? read_file($snippet) : '',
    "load_module modules/ngx_http_live_help_module.so;\n",
    'the snippet loads the module from nginx\'s modules directory');

my $link = "$root/etc/nginx/modules-enabled/50-mod-http-live-help.conf";
is(readlink($link) // '',
    '/usr/share/nginx/modules-available/mod-http-live-help.conf',
    'enabled by a link in modules-enabled, like Debian\'s modules');

# the operator's erase command finds its script where it was installed
my $erase = "$root/usr/sbin/live-help-erase";
ok(-x $erase, 'live-help-erase in /usr/sbin');
ok(-f "$root/usr/share/nginx/live-help/erase.lua",
    'its script in /usr/share/nginx/live-help');
my $usage = `'$erase' 2>&1`;
is($? >> 8, 2, 'live-help-erase without a visitor is a usage error');
like($usage, qr/usage: live-help-erase/, 'and says how to call it');
like(`'$erase' -p 1 nobody\@shop.example 2>&1`,
    qr/live-help-erase: (?!erase\.lua not found)/,
    'it found erase.lua (and then no Redis on port 1)');

my $ngx = LiveHelp::Nginx->start(vars => { SO => $so }, config => <<'CONF');
load_module %%SO%%;
http {
    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF
ok($ngx->is_running, 'the installed module loads into Debian\'s nginx');
$ngx->stop;

$out = `make -s -C '$repo' uninstall DESTDIR='$root' 2>&1`;
is($?, 0, 'make uninstall succeeds') or diag $out;
ok(!-e $so && !-e $snippet && !-l $link && !-e $erase,
    'and removes them all');

done_testing;
