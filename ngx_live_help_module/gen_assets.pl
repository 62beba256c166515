#!/usr/bin/perl
#
# Embeds every file below a directory (static/) into a C source file, with
# its MIME type, an ETag, and a gzip-compressed copy when that is smaller.
#
# usage: gen_assets.pl STATIC_DIR OUTPUT.c
#        gen_assets.pl --print FILE      (what is embedded of FILE)
#
# JavaScript and CSS are embedded without their comments and indentation:
# the sources stay readable and need no build step, the shopper downloads
# less.  The output is rewritten only when its content changes, so that
# make does not rebuild the module for nothing.

use strict;
use warnings;

use File::Find;
use Digest::MD5 qw(md5_hex);
use IO::Compress::Gzip qw(gzip $GzipError);

# JavaScript, read token by token: strings, templates, regular
# expressions and comments are told apart, comments dropped, indentation
# and blank lines dropped.  A line break stays wherever one was and the
# language could read it as the end of a statement; it goes only after
# ; { , ( [ and before ) ] }, where it never is.
my $WORD = qr/[A-Za-z0-9_\$\x80-\xff]/;
my %BEFORE_REGEX = map { $_ => 1 } qw(return typeof case do else in of new
    delete void throw instanceof yield await);

sub quoted {
    my ($src, $i, $q) = @_;
    my $j = $i + 1;
    while ($j < length $src) {
        my $c = substr($src, $j, 1);
        return $j + 1 if $c eq $q;
        die "gen_assets.pl: line break in a string\n"
            if $c eq "\n" && $q ne '`';
        $j += $c eq '\\' ? 2 : 1;
    }
    die "gen_assets.pl: a string does not end\n";
}

sub regex_end {
    my ($src, $i) = @_;
    my ($j, $class) = ($i + 1, 0);
    while ($j < length $src) {
        my $c = substr($src, $j, 1);
        die "gen_assets.pl: line break in a regular expression\n"
            if $c eq "\n";
        if ($c eq '\\') {
            $j += 2;
            next;
        }
        $class = 1 if $c eq '[';
        $class = 0 if $c eq ']';
        $j++;
        last if $c eq '/' && !$class;
    }
    $j++ while substr($src, $j, 1) =~ /^[a-z]$/;
    return $j;
}

sub minify_js {
    my ($src) = @_;
    my ($out, $i, $n) = ('', 0, length $src);
    my $prev = '';          # the last token's kind: regex may follow or not
    my $gap = '';           # white space (or a comment) before the next token
    while ($i < $n) {
        my $c = substr($src, $i, 1);
        my $two = substr($src, $i, 2);
        if ($two eq '//') {
            my $j = index($src, "\n", $i);
            $i = $j < 0 ? $n : $j;
            next;
        }
        if ($two eq '/*' || $c =~ /\s/) {
            my $j = $c =~ /\s/ ? $i + length((substr($src, $i)
                                              =~ /^(\s+)/)[0])
                               : index($src, '*/', $i + 2);
            if ($c eq '/') {
                die "gen_assets.pl: a comment does not end\n" if $j < 0;
                $j += 2;
            }
            $gap = "\n" if substr($src, $i, $j - $i) =~ /\n/;
            $gap ||= ' ';
            $i = $j;
            next;
        }
        my $j;
        if ($c eq '"' || $c eq "'" || $c eq '`') {
            $j = quoted($src, $i, $c);
            $prev = 'value';
        } elsif ($c eq '/' && ($prev eq 'op' || $prev eq ''
                               || $BEFORE_REGEX{$prev})) {
            $j = regex_end($src, $i);
            $prev = 'value';
        } elsif ($c =~ $WORD) {
            my ($w) = substr($src, $i) =~ /^(${WORD}+)/;
            $j = $i + length $w;
            $prev = $BEFORE_REGEX{$w} ? $w : 'value';
        } else {
            $j = $i + 1;
            $prev = $c =~ /[)\]}]/ ? 'value' : 'op';
        }
        if ($gap ne '' && length $out) {
            my $a = substr($out, -1);
            if ($gap eq "\n") {
                $out .= "\n" unless $a =~ /[;{,(\[]/ || $c =~ /[)\]}]/;
            } elsif (($a =~ $WORD && $c =~ $WORD)
                     || ($a =~ /[+-]/ && $a eq $c))
            {
                $out .= ' ';
            }
        }
        $gap = '';
        $out .= substr($src, $i, $j - $i);
        $i = $j;
    }
    return "$out\n";
}

# CSS: comments out, runs of white space one space, none beside { } ; , >
# or after :, outside strings
sub minify_css {
    my ($src) = @_;
    my ($out, $run) = ('', '');
    my $flush = sub {
        $run =~ s/\s+/ /g;
        $run =~ s/ *([{};,>]) */$1/g;
        $run =~ s/: /:/g;
        $run =~ s/;}/}/g;
        $out .= $run;
        $run = '';
    };
    while ($src =~ m{\G(?:(/\*.*?\*/)|("(?:[^"\\\n]|\\.)*"
                                         |'(?:[^'\\\n]|\\.)*')
                          |([^"'/]+|/))}gcsx)
    {
        if (defined $1) {
            $run .= ' ';
        } elsif (defined $2) {
            $flush->();
            $out .= $2;
        } else {
            $run .= $3;
        }
    }
    die "gen_assets.pl: CSS not read to its end\n"
        if (pos($src) // 0) != length $src;
    $flush->();
    $out =~ s/^ +| +$//g;
    return "$out\n";
}

sub embedded {
    my ($rel, $data) = @_;
    return minify_js($data) if $rel =~ /\.js$/;
    return minify_css($data) if $rel =~ /\.css$/;
    return $data;
}

if (@ARGV == 2 && $ARGV[0] eq '--print') {
    open my $fh, '<:raw', $ARGV[1] or die "$0: $ARGV[1]: $!\n";
    my $data = do { local $/; <$fh> };
    print embedded($ARGV[1], $data);
    exit 0;
}

my ($dir, $out) = @ARGV;
die "usage: $0 STATIC_DIR OUTPUT.c | --print FILE\n" unless defined $out;
die "$0: $dir is not a directory\n" unless -d $dir;

my %types = (
    js    => 'application/javascript; charset=utf-8',
    mjs   => 'application/javascript; charset=utf-8',
    css   => 'text/css; charset=utf-8',
    html  => 'text/html; charset=utf-8',
    json  => 'application/json',
    svg   => 'image/svg+xml',
    png   => 'image/png',
    ico   => 'image/x-icon',
    txt   => 'text/plain; charset=utf-8',
    mp3   => 'audio/mpeg',
    ogg   => 'audio/ogg',
    wav   => 'audio/wav',
    woff2 => 'font/woff2',
);
my %compressible = map { $_ => 1 } qw(js mjs css html json svg txt ico);

my @files;
find({ no_chdir => 1, wanted => sub {
    return unless -f $_;
    my $rel = substr($_, length($dir) + 1);
    return if $rel =~ m{(^|/)\.};       # editor and VCS leftovers
    push @files, $rel;
} }, $dir);
@files = sort @files;

sub c_string {
    my ($bytes) = @_;
    my $s = '';
    my $line = '    "';
    for my $c (split //, $bytes) {
        my $o = ord $c;
        my $e = ($o >= 0x20 && $o < 0x7f && $c ne '"' && $c ne '\\'
                 && $c ne '?') ? $c : sprintf('\\%03o', $o);
        if (length($line) + length($e) > 76) {
            $s .= "$line\"\n";
            $line = '    "';
        }
        $line .= $e;
    }
    return "$s$line\"";
}

my $c = "/* Generated by gen_assets.pl from static/: do not edit. */\n\n"
      . "#include <ngx_config.h>\n#include <ngx_core.h>\n"
      . "#include \"ngx_http_live_help_module.h\"\n\n\n";
my $all = '';
my @entries;

for my $i (0 .. $#files) {
    my $rel = $files[$i];
    open my $fh, '<:raw', "$dir/$rel" or die "$0: $dir/$rel: $!\n";
    my $data = do { local $/; <$fh> };
    close $fh;
    $data = eval { embedded($rel, $data) } // die "$@ in $dir/$rel\n";

    my ($ext) = $rel =~ /\.([A-Za-z0-9]+)$/;
    $ext = lc($ext // '');
    my $type = $types{$ext} // 'application/octet-stream';
    my $md5 = md5_hex($data);
    $all .= "$rel\0$md5\0";

    my $gz = '';
    if ($compressible{$ext} && length $data > 0) {
        gzip(\$data => \$gz, -Level => 9, Minimal => 1)
            or die "$0: gzip $rel: $GzipError\n";
        $gz = '' if length $gz >= length $data;
    }

    $c .= "static const u_char  ngx_live_help_asset_$i\[] =\n"
        . c_string($data) . ";\n\n";
    if (length $gz) {
        $c .= "static const u_char  ngx_live_help_asset_gz_$i\[] =\n"
            . c_string($gz) . ";\n\n";
    }

    my $gzref = length $gz
        ? "ngx_live_help_asset_gz_$i, " . length($gz)
        : "NULL, 0";
    push @entries, "    { ngx_string(\"$rel\"),\n"
        . "      ngx_string(\"$type\"),\n"
        . "      ngx_string(\"\\\"" . substr($md5, 0, 16) . "\\\"\"),\n"
        . "      ngx_string(\"\\\"" . substr($md5, 0, 16) . "-gz\\\"\"),\n"
        . "      ngx_live_help_asset_$i, " . length($data) . ",\n"
        . "      $gzref },\n";
}

my $version = substr(md5_hex($all), 0, 12);

$c .= "\nngx_live_help_asset_t  ngx_live_help_assets[] = {\n"
    . join('', @entries)
    . "    { ngx_null_string, ngx_null_string, ngx_null_string,"
    . " ngx_null_string,"
    . " NULL, 0, NULL, 0 }\n};\n\n"
    . "ngx_uint_t  ngx_live_help_nassets = " . scalar(@files) . ";\n\n"
    . "ngx_str_t  ngx_live_help_assets_version = ngx_string(\"$version\");\n";

# the lookup, beside the table it reads
$c .= <<'C';


ngx_live_help_asset_t *
ngx_live_help_asset_find(u_char *path, size_t len)
{
    ngx_uint_t  i;

    for (i = 0; i < ngx_live_help_nassets; i++) {
        if (ngx_live_help_assets[i].path.len == len
            && ngx_strncmp(ngx_live_help_assets[i].path.data, path, len) == 0)
        {
            return &ngx_live_help_assets[i];
        }
    }

    return NULL;
}
C

if (open my $old, '<:raw', $out) {
    my $prev = do { local $/; <$old> };
    close $old;
    exit 0 if defined $prev && $prev eq $c;
}

open my $fh, '>:raw', "$out.tmp" or die "$0: $out.tmp: $!\n";
print $fh $c;
close $fh or die "$0: $out.tmp: $!\n";
rename "$out.tmp", $out or die "$0: $out: $!\n";
