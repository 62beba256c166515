package LiveHelp::Widget;

# What the injection filter is expected to produce: the oracle the tests
# compare nginx's output with.
#
#   my $v = widget_version($body);                  # from an injected page
#   my $tag = script_tag($v, title => 'Live Help', nonce => 'abc');
#   is($body, inject($page, $tag));                 # before the first </body>

use strict;
use warnings;

use Exporter qw(import);

use LiveHelp::Test qw(html_escape count_of);

our @EXPORT_OK = qw(script_tag inject widget_version script_count
    LOADER_PATH);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

use constant LOADER_PATH => '/live-help/widget/loader.js';

my $TAG_RE = qr{<script src="/live-help/widget/loader\.js\?v=([0-9a-f]+)"};

sub script_tag {
    my ($version, %opt) = @_;
    # the title only when live_help_title is set: else the language's
    my $title = defined $opt{title}
        ? ' data-live-help-title="' . html_escape($opt{title}) . '"' : '';
    my $look = $opt{look} // '';
    my $nonce = defined $opt{nonce} ? qq{ nonce="$opt{nonce}"} : '';
    return qq{<script src="${\ LOADER_PATH}?v=$version"}
        . qq{$title$look$nonce async></script>};
}

# $page with $tag right before its first </body> (any case, blanks before
# the '>'); unchanged when there is none.
sub inject {
    my ($page, $tag) = @_;
    return $page unless $page =~ m{</body\s*>}i;
    my $at = $-[0];
    return substr($page, 0, $at) . $tag . substr($page, $at);
}

# The version in the first injected tag of $body, or undef.
sub widget_version {
    my ($body) = @_;
    return $body =~ $TAG_RE ? $1 : undef;
}

# How many loader script tags $body holds.
sub script_count {
    my ($body) = @_;
    return count_of($body, '<script src="' . LOADER_PATH);
}

1;
