#!/usr/bin/perl

# Languages and theming: the injected tag carries what the operator set
# (language, colours computed for WCAG AA, position, icon, strings as
# JSON), inherited from http to server to location, and nothing when
# nothing is set; nginx -t refuses a bad colour, a colour no focus ring
# can be seen on, an unknown position, language, icon or string key, and
# over-long or control-character texts, naming the directive.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;

use LiveHelp::HTTP qw(:all);
use LiveHelp::Nginx;
use LiveHelp::Redis;
use LiveHelp::Test qw(:all);
use LiveHelp::Widget qw(:all);

my $page = "<html lang=\"fi\"><body><p>Kauppa</p></body></html>\n";

sub config {
    my (%at) = @_;
    my $http = $at{http} // '';
    my $loc = $at{location} // '';
    return <<"EOF";
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    default_type text/html;
    $http
    server {
        listen 127.0.0.1:%%PORT%%;
        location / {
            live_help on;
            root %%DIR%%/html;
            $loc
        }
        location /plain/ {
            live_help on;
            live_help_lang auto;
            alias %%DIR%%/html/;
        }
        location /bare/ {
            alias %%DIR%%/html/;
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
    return LiveHelp::Nginx->prepare(config => config(%at),
        vars => { REDIS_PORT => 6379 })->test_config;
}

sub refused {
    my ($name, $directive, $why, %at) = @_;
    subtest $name => sub {
        my ($rc, $out) = nginx_t(%at);
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\].*"\Q$directive\E"/, "naming $directive")
            or diag $out;
        like($out, $why, 'saying why') or diag $out;
        note((grep { /\[emerg\]/ } split /\n/, $out)[0]);
    };
}

# --- nginx -t ---------------------------------------------------------------

refused('a_colour_without_hash_is_refused', 'live_help_color',
    qr/not a colour of the form #RRGGBB/,
    location => 'live_help_color "1d4ed8";');
refused('a_short_colour_is_refused', 'live_help_color',
    qr/not a colour of the form #RRGGBB/,
    location => 'live_help_color "#fff";');
refused('a_named_colour_is_refused', 'live_help_color',
    qr/not a colour/, location => 'live_help_color "blue";');
refused('an_unknown_position_is_refused', 'live_help_position',
    qr/unknown value "center", must be right or left/,
    location => 'live_help_position center;');
refused('an_unknown_language_is_refused', 'live_help_lang',
    qr/unknown value "sv", must be auto, en, fi or de/,
    location => 'live_help_lang sv;');
refused('an_unknown_icon_is_refused', 'live_help_launcher_icon',
    qr/unknown value "heart"/, location => 'live_help_launcher_icon heart;');
refused('an_unknown_string_key_is_refused', 'live_help_string',
    qr/unknown string "sendd"/, location => 'live_help_string sendd "x";');
refused('an_over_long_string_is_refused', 'live_help_string',
    qr/1 to 300 bytes/,
    location => 'live_help_string send "' . ('x' x 301) . '";');
refused('an_empty_greeting_is_refused', 'live_help_greeting',
    qr/1 to 300 bytes/, location => 'live_help_greeting "";');
refused('a_control_character_is_refused', 'live_help_greeting',
    qr/control characters/, location => "live_help_greeting \"a\tb\";");
refused('a_foreign_placeholder_is_refused', 'live_help_string',
    qr/"typing" may contain \{name\}/,
    location => 'live_help_string typing "{n} kirjoittaa";');
refused('a_later_features_placeholder_is_checked', 'live_help_string',
    qr/"emailSent" may contain \{email\}/,
    location => 'live_help_string emailSent "Vastaamme: {name}";');
refused('a_rating_takes_no_placeholder', 'live_help_string',
    qr/"rated" takes no placeholder/,
    location => 'live_help_string rated "{good}";');
refused('a_placeholder_in_a_plain_string_is_refused', 'live_help_string',
    qr/"send" takes no placeholder/,
    location => 'live_help_string send "{name}";');
refused('a_string_set_twice_is_refused', 'live_help_greeting',
    qr/string "greeting" is set twice/,
    location => 'live_help_string greeting "a"; live_help_greeting "b";');
refused('a_second_colour_is_refused', 'live_help_color',
    qr/is duplicate/,
    location => 'live_help_color "#000000"; live_help_color "#ffffff";');

# --- the tag ----------------------------------------------------------------

my $redis = LiveHelp::Redis->start;
my $ngx = LiveHelp::Nginx->start(
    vars   => { REDIS_PORT => $redis->port },
    files  => { 'html/index.html' => $page, 'html/x/index.html' => $page,
                'html/grey/index.html' => $page },
    config => config(
        http => 'live_help_color "#FFF59D"; live_help_lang fi;',
        location => <<'EOF'));
            live_help_position left;
            live_help_launcher_icon none;
            live_help_greeting "Moi! Miten voimme <auttaa>?";
            live_help_string unread '{n} uusi|{n} "uutta"';
            live_help_string faqFound "{n} vastaus|{n} vastausta";
            live_help_string rated "Kiva|Ei kiva";
            location /x/ {
                live_help_lang de;
                live_help_color "#0a1f44";
            }
            location /grey/ {
                live_help_color "#555555";
            }
EOF

my $v = widget_version(http_get($ngx->port, '/')->body) // 'unknown';

my %want = (
    '/' => ' data-live-help-lang="fi"'
        . ' data-live-help-colors="#fff59d #000000 #fff6ac #fff8b6 #9c9660"'
        . ' data-live-help-position="left" data-live-help-icon="none"'
        . ' data-live-help-strings="{&quot;greeting&quot;:&quot;Moi! Miten'
        . ' voimme &lt;auttaa&gt;?&quot;,&quot;unread&quot;:&quot;{n}'
        . ' uusi|{n} \&quot;uutta\&quot;&quot;,&quot;faqFound&quot;:'
        . '&quot;{n} vastaus|{n} vastausta&quot;,&quot;rated&quot;:'
        . '&quot;Kiva|Ei kiva&quot;}"',
    '/plain/' => ' data-live-help-colors="#fff59d #000000 #fff6ac #fff8b6'
        . ' #9c9660"',
);

for my $path (sort keys %want) {
    my $res = http_get($ngx->port, $path);
    is($res->body, inject($page, script_tag($v, look => $want{$path})),
        "$path: the tag carries what is set there");
}

my $x = http_get($ngx->port, '/x/')->body;
like($x, qr/data-live-help-lang="de" data-live-help-colors="#0a1f44 #ffffff /,
    'a location overrides the language and the colour');
like($x, qr/data-live-help-position="left".*data-live-help-strings=/,
    'and inherits the rest');
like(http_get($ngx->port, '/grey/')->body,
    qr/data-live-help-colors="#555555 #ffffff #484848 #404040 #555555"/,
    'a mid grey, which no single ring suits, is taken: its ring on white is'
    . ' itself, on it the text colour');
is(http_get($ngx->port, '/bare/')->body, $page, 'live_help off: no tag');

$ngx->stop;
$redis->stop;

done_testing;
