package LiveHelp::Test;

# Shared helpers of the integration tests: where the repository and the
# module are, free loopback ports, bounded waiting, temporary directories
# that are kept when a test fails, and a watchdog so that no test file can
# hang forever.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use Test::More ();
use Time::HiRes qw(time);

our @EXPORT_OK = qw(
    repo_root module_path free_port wait_until timeout_seconds
    temp_dir read_file write_file gunzip_bytes html_escape can_connect
    count_of self_signed_cert
);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $REPO = abs_path(dirname(__FILE__) . '/../../..');
my @TEMP_DIRS;
my $POLL = 0.02;

# Every wait in the harness is bounded by this many seconds; raise it with
# LIVE_HELP_TEST_TIMEOUT for slow builds (sanitizers, valgrind).
sub timeout_seconds {
    return $ENV{LIVE_HELP_TEST_TIMEOUT} || 10;
}

sub repo_root {
    return $REPO;
}

sub module_path {
    return $ENV{LIVE_HELP_MODULE}
        || "$REPO/build/ngx_http_live_help_module.so";
}

# Binds port 0 on the loopback, reads the port the kernel chose and closes
# the socket again, so that a server started next can bind it.
sub free_port {
    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => 0,
        Proto     => 'tcp',
        Listen    => 1,
        ReuseAddr => 1,
    ) or die "free_port: cannot bind 127.0.0.1:0: $!\n";
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

sub can_connect {
    my ($port) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $port,
        Proto    => 'tcp',
        Timeout  => 1,
    );
    return 0 unless $sock;
    close $sock;
    return 1;
}

# Polls $check until it returns true; dies with "timed out waiting for
# $what" after the timeout. Returns what $check returned.
sub wait_until {
    my ($what, $check, $timeout, $poll) = @_;
    $timeout //= timeout_seconds();
    $poll //= $POLL;
    my $deadline = time + $timeout;

    for (;;) {
        my $r = $check->();
        return $r if $r;
        if (time > $deadline) {
            die "timed out after ${timeout}s waiting for $what\n";
        }
        select(undef, undef, undef, $poll);
    }
}

# A fresh directory for one server. It is removed at exit when every test
# passed, and kept (and named) otherwise, or always with LIVE_HELP_KEEP=1.
sub temp_dir {
    my ($tag) = @_;
    my $dir = tempdir("live-help-$tag-XXXXXX", TMPDIR => 1);
    # nginx workers started by root run as nobody and must read the files
    chmod 0755, $dir;
    push @TEMP_DIRS, $dir;
    return $dir;
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "cannot read $path: $!\n";
    local $/;
    my $data = <$fh>;
    close $fh;
    return $data // '';
}

sub write_file {
    my ($path, $data) = @_;
    make_path(dirname($path));
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    print {$fh} $data;
    close $fh or die "cannot write $path: $!\n";
    chmod 0644, $path;
    return $path;
}

# A key and a self-signed certificate for "localhost", made by openssl in
# $dir: returns (certificate path, key path), for ssl_certificate lines.
sub self_signed_cert {
    my ($dir) = @_;
    my ($crt, $key) = ("$dir/localhost.crt", "$dir/localhost.key");
    my @args = ('-x509', '-newkey', 'ec', '-pkeyopt',
                'ec_paramgen_curve:P-256', '-nodes', '-keyout', $key,
                '-out', $crt, '-days', 1, '-subj', '/CN=localhost', '-batch');
    my $out = `openssl req @args 2>&1`;
    die "openssl could not make a certificate in $dir: $out\n" if $?;
    chmod 0644, $crt, $key;
    return ($crt, $key);
}

# The client side of TLS on a connected socket; the certificate is not
# checked (tests make their own).
sub start_tls {
    my ($sock) = @_;
    require IO::Socket::SSL;
    IO::Socket::SSL->start_SSL($sock,
        SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_NONE(),
        SSL_hostname    => 'localhost',
        Timeout         => timeout_seconds(),
    ) or die "TLS handshake failed: " . IO::Socket::SSL::errstr() . "\n";
    return $sock;
}

sub gunzip_bytes {
    my ($gz) = @_;
    my $out;
    gunzip(\$gz => \$out) or die "gunzip failed: $GunzipError\n";
    return $out;
}

sub html_escape {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/"/&quot;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    return $s;
}

# Non-overlapping occurrences of $needle in $haystack.
sub count_of {
    my ($haystack, $needle) = @_;
    my $n = 0;
    my $pos = 0;
    while ((my $i = index($haystack, $needle, $pos)) >= 0) {
        $n++;
        $pos = $i + length $needle;
    }
    return $n;
}

# A test file that hangs somewhere the harness does not bound is killed by
# this watchdog instead of stalling prove.
if (!$ENV{LIVE_HELP_NO_WATCHDOG}) {
    my $limit = $ENV{LIVE_HELP_WATCHDOG} || 300;
    $SIG{ALRM} = sub { die "watchdog: test file ran longer than ${limit}s\n" };
    alarm $limit;
}

END {
    my $passing = Test::More->builder->is_passing && !$?;
    for my $dir (@TEMP_DIRS) {
        next unless -d $dir;
        if ($passing && !$ENV{LIVE_HELP_KEEP}) {
            remove_tree($dir);
        } else {
            print STDERR "# kept $dir\n";
        }
    }
}

1;
