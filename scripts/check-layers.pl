#!/usr/bin/perl
#
# The module's files talk downward only: a file may include, and its object
# may use symbols of, files of a lower layer, never of its own layer or one
# above.  Checked over the #include lines of ngx_live_help_module/ and over
# nm of the built objects; prints each edge that goes the wrong way, and
# any cycle.
#
# usage: scripts/check-layers.pl [OBJECT_DIR]
#        (default build/nginx/addon/ngx_live_help_module)

use strict;
use warnings;

use File::Basename qw(basename dirname);

my $root = dirname(dirname(__FILE__));
my $src = "$root/ngx_live_help_module";
my $objdir = $ARGV[0] // "$root/build/nginx/addon/ngx_live_help_module";

# Layers, lowest first.  ngx_http_live_help_module.h is the configuration
# every layer reads ("conf"); ngx_http_live_help_module.c is the top.
my %rank = (
    conf => 0, msg => 0, ws_parse => 0, token => 0, scan => 0,
    assets => 0, scripts => 0,
    hours => 0, faq => 0, theme => 0,
    proto => 1,
    hours_conf => 1, faq_conf => 1, invite_conf => 1, look => 1,
    redis => 2, limit => 2,
    presence => 3, ws => 3, request => 3,
    # who the agents are: a per-worker table with its own timer, like
    # presence; it needs only pure code, and the roles (7) and the login
    # (7) see it.  Not in sessions (5): it knows nothing of the protocol.
    agents => 3, throttle => 3,
    store => 4,
    session => 5, queue => 5,
    # read marks and ratings, for both roles, on the sessions
    marks => 6,
    visitor => 7, agent => 7,
    # the agent's sign-in over HTTP, beside the roles; the endpoint (8)
    # hands it the "agent/" requests
    login => 7,
    endpoint => 8, filter => 8,
    module => 9,
);
my %layer = (
    0 => 'pure code, types, embedded files',
    1 => 'protocol decoder (pure), hours (config)',
    2 => 'Redis adapter, limits per address',
    3 => 'transport (ws), presence, agents file, login throttle',
    4 => 'store and fan-out',
    5 => 'sessions, shared',
    6 => 'sessions: read marks and ratings of both roles',
    7 => 'sessions, per role; the agent login over HTTP',
    8 => 'HTTP: endpoint, filter',
    9 => 'module: directives, process init',
);

# the module object, which every file reads its configuration through
my %conf_symbols = (ngx_http_live_help_module => 1);

sub unit {
    my ($file) = @_;
    my $b = basename($file);
    return 'conf' if $b eq 'ngx_http_live_help_module.h';
    $b =~ s/\.(c|h|o)$//;
    $b =~ s/^ngx_(http_)?live_help_//;
    return $b;
}

my %edges;      # "a b" => why
my %unknown;
my @bad;

sub edge {
    my ($from, $to, $why) = @_;
    return if $from eq $to;
    for my $u ($from, $to) {
        push @bad, "$u: not in any layer (add it to scripts/check-layers.pl)"
            unless defined $rank{$u} || $unknown{$u}++;
    }
    return unless defined $rank{$from} && defined $rank{$to};
    $edges{"$from $to"} //= $why;
}

# 1. #include "..." lines
opendir my $dh, $src or die "$src: $!\n";
for my $f (sort grep { /\.[ch]$/ } readdir $dh) {
    open my $fh, '<', "$src/$f" or die "$src/$f: $!\n";
    while (<$fh>) {
        edge(unit($f), unit($1), "$f includes $1") if /^#include\s+"([^"]+)"/;
    }
}
closedir $dh;

# 2. symbols: who uses what who defines
my (%defines, %uses);
my @objs = glob("$objdir/*.o");
die "no objects in $objdir: build the module first\n" unless @objs;
for my $o (@objs) {
    my $u = unit($o);
    for (`nm $o`) {
        if (/^\s+U (\S+)/) {
            push @{ $uses{$u} }, $1;
        } elsif (/^[0-9a-f]+ [TDBRC] (\S+)/) {
            $defines{$1} = $conf_symbols{$1} ? 'conf' : $u;
        }
    }
}
for my $u (sort keys %uses) {
    for my $sym (@{ $uses{$u} }) {
        my $d = $defines{$sym} // next;
        edge($u, $d, "$u.o uses $sym of $d.o");
    }
}

for my $e (sort keys %edges) {
    my ($from, $to) = split / /, $e;
    next if $rank{$to} < $rank{$from};
    push @bad, "upward or sideways: $edges{$e} ($from is in layer "
        . "$rank{$from}, $to in layer $rank{$to})";
}

# cycles, whatever the ranks say
my %next;
for my $e (keys %edges) {
    my ($from, $to) = split / /, $e;
    push @{ $next{$from} }, $to;
}
my (%state, @path);
sub visit {
    my ($u) = @_;
    $state{$u} = 1;
    push @path, $u;
    for my $v (sort @{ $next{$u} || [] }) {
        if (($state{$v} // 0) == 1) {
            my @cycle = @path[(grep { $path[$_] eq $v } 0 .. $#path)[0]
                              .. $#path];
            push @bad, "cycle: " . join(' -> ', @cycle, $v);
        } elsif (!$state{$v}) {
            visit($v);
        }
    }
    pop @path;
    $state{$u} = 2;
}
visit($_) for sort keys %next;

if (@bad) {
    print "layers: $_\n" for @bad;
    exit 1;
}

my %units;
$units{$_}++ for map { split / / } keys %edges;
printf "layers: ok, %d files, %d edges, all downward, no cycle\n",
    scalar(keys %units), scalar(keys %edges);
for my $r (reverse sort { $a <=> $b } keys %layer) {
    my @in = sort grep { $rank{$_} == $r && $units{$_} } keys %rank;
    printf "  %d %-40s %s\n", $r, $layer{$r}, join(' ', @in);
}
