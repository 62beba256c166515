package LiveHelp::Backend;

# A scripted HTTP/1.1 upstream on a free loopback port, in a forked
# process (one more fork per connection, so nginx may hold several
# connections at once). For each path the test gives the exact bytes to
# send, as a list of parts written one by one, with steps between them:
#
#   my $be = LiveHelp::Backend->start(routes => {
#       '/page'  => [ http_response(200, ['Content-Type' => 'text/html'], $html) ],
#       '/split' => [ response_head(200, 'Content-Type' => 'text/html') . 'abc',
#                     { wait => 'go' },      # until the test calls $be->go('go')
#                     'def',
#                     { drain => 1 },        # until nginx has read all sent bytes
#                     'ghi' ],
#       '/code'  => sub { my ($req) = @_; return [ ... ] },
#   });
#   $be->port; $be->go('go'); $be->requests; $be->stop;
#
# Nothing is added to the bytes: status line, headers, framing (chunked,
# Content-Length or none) are all the test's. The connection is closed
# after the last part. For HEAD only the bytes up to the end of the header
# are sent. Paths without a route get a 404.

use strict;
use warnings;

use Exporter qw(import);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time);

use LiveHelp::Test qw(:all);

our @EXPORT_OK = qw(response_head http_response chunk last_chunk);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my @RUNNING;

my %REASON = (
    200 => 'OK', 201 => 'Created', 204 => 'No Content',
    206 => 'Partial Content', 301 => 'Moved Permanently', 302 => 'Found',
    304 => 'Not Modified', 400 => 'Bad Request', 403 => 'Forbidden',
    404 => 'Not Found', 500 => 'Internal Server Error',
    502 => 'Bad Gateway', 503 => 'Service Unavailable',
);

# Status line and headers, ending with the blank line. "Connection: close"
# is added unless a Connection header is given.
sub response_head {
    my ($status, @headers) = @_;
    my $head = "HTTP/1.1 $status " . ($REASON{$status} // 'Status') . "\r\n";
    my $has_conn = 0;
    while (my ($k, $v) = splice @headers, 0, 2) {
        $has_conn = 1 if lc $k eq 'connection';
        $head .= "$k: $v\r\n";
    }
    $head .= "Connection: close\r\n" unless $has_conn;
    return "$head\r\n";
}

# A whole response; Content-Length is added unless the headers already
# have Content-Length or Transfer-Encoding.
sub http_response {
    my ($status, $headers, $body) = @_;
    my @h = @{ $headers || [] };
    $body //= '';
    my %have;
    $have{ lc $h[$_] } = 1 for grep { $_ % 2 == 0 } 0 .. $#h;
    push @h, 'Content-Length' => length $body
        unless $have{'content-length'} || $have{'transfer-encoding'};
    return response_head($status, @h) . $body;
}

sub chunk {
    my ($data) = @_;
    return sprintf("%x\r\n", length $data) . $data . "\r\n";
}

sub last_chunk {
    return "0\r\n\r\n";
}

sub start {
    my ($class, %args) = @_;
    my $self = bless {
        routes => $args{routes} || {},
        dir    => temp_dir('backend'),
    }, $class;

    my $listen = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => $args{port} // 0,
        Proto     => 'tcp',
        Listen    => 128,
        ReuseAddr => 1,
    ) or die "backend: cannot listen on 127.0.0.1: $!\n";
    $self->{port} = $listen->sockport;

    mkdir "$self->{dir}/go" or die "mkdir: $!\n";

    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        # children of the server share its process group: stop kills them
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDERR, '>>', "$self->{dir}/backend.log";
        open STDOUT, '>&', \*STDERR;
        $SIG{ALRM} = 'DEFAULT';
        alarm 0;
        $self->_serve($listen);
        POSIX::_exit(0);
    }
    close $listen;
    $self->{pid} = $pid;
    push @RUNNING, $self;
    return $self;
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub dir  { $_[0]{dir} }

# Lets the connection waiting at { wait => $token } go on. Each token is
# a file of its own, so a connection left waiting by a failed test cannot
# take the token meant for another one.
sub go {
    my ($self, $token) = @_;
    $token //= 'go';
    die "go token must be a plain word: '$token'\n"
        unless $token =~ /^[\w.-]+$/;
    my $f = "$self->{dir}/go/$token";
    write_file("$f.tmp", '');
    rename "$f.tmp", $f or die "backend go $token: $!\n";
    return $self;
}

sub log {
    my ($self) = @_;
    my $f = "$self->{dir}/backend.log";
    return -f $f ? read_file($f) : '';
}

# The requests received so far, oldest first: hashes with method, uri,
# path, version, headers (lower-case name => [values]) and head (raw).
sub requests {
    my ($self) = @_;
    my $f = "$self->{dir}/requests.log";
    return () unless -f $f;
    my @reqs;
    for my $head (grep { length } split /\0/, read_file($f)) {
        push @reqs, _parse_head($head);
    }
    return @reqs;
}

sub _parse_head {
    my ($head) = @_;
    my ($line, @lines) = split /\r\n/, $head;
    my ($method, $uri, $version) = split / /, $line // '', 3;
    my %h;
    for (@lines) {
        next unless /^([^:]+):\s*(.*?)\s*$/;
        push @{ $h{lc $1} }, $2;
    }
    my ($path) = split /\?/, $uri // '', 2;
    return {
        method  => $method,
        uri     => $uri,
        path    => $path,
        version => $version,
        headers => \%h,
        head    => $head,
    };
}

sub _serve {
    my ($self, $listen) = @_;
    $SIG{CHLD} = 'IGNORE';
    $SIG{TERM} = sub { POSIX::_exit(0) };
    for (;;) {
        my $c = $listen->accept or next;
        my $pid = fork;
        if (!defined $pid) {
            warn "backend: fork: $!\n";
            close $c;
            next;
        }
        if ($pid == 0) {
            close $listen;
            my $ok = eval { $self->_handle($c); 1 };
            warn "backend: $@" unless $ok;
            POSIX::_exit($ok ? 0 : 1);
        }
        close $c;
    }
}

sub _handle {
    my ($self, $c) = @_;
    my $timeout = timeout_seconds();
    my $sel = IO::Select->new($c);
    my $buf = '';
    my $deadline = time + $timeout;

    my $read_more = sub {
        my ($what) = @_;
        my $left = $deadline - time;
        die "timed out reading $what\n" if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($c, $buf, 65536, length $buf);
        die "connection closed while reading $what\n" unless $n;
    };

    $read_more->('request head') while index($buf, "\r\n\r\n") < 0;
    my $end = index($buf, "\r\n\r\n") + 4;
    my $head = substr($buf, 0, $end);
    my $req = _parse_head(substr($head, 0, -4));
    my $len = $req->{headers}{'content-length'}[0] // 0;
    $read_more->('request body') while length($buf) - $end < $len;
    $req->{body} = substr($buf, $end, $len);

    if (open my $log, '>>:raw', "$self->{dir}/requests.log") {
        flock $log, 2;
        print {$log} $req->{head}, "\0";
        close $log;
    }

    my $route = $self->{routes}{ $req->{uri} } // $self->{routes}{ $req->{path} };
    $route = $route->($req) if ref $route eq 'CODE';
    $route //= [ http_response(404, ['Content-Type' => 'text/plain'],
        "no route for $req->{uri}\n") ];
    my @parts = ref $route eq 'ARRAY' ? @$route : ($route);

    if ($req->{method} eq 'HEAD') {
        my $all = join '', grep { !ref } @parts;
        my $i = index($all, "\r\n\r\n");
        @parts = ($i < 0 ? $all : substr($all, 0, $i + 4));
    }

    for my $part (@parts) {
        if (!ref $part) {
            _write_all($c, $part);
        } elsif (defined $part->{wait}) {
            $self->_await_go($part->{wait});
        } elsif ($part->{drain}) {
            _await_drained($c);
        } else {
            die "backend: unknown step in route $req->{uri}\n";
        }
    }
    shutdown($c, 1);
    # let nginx see the end of the response before the socket goes away
    my $rest = '';
    $sel->can_read(1) and sysread($c, $rest, 65536);
    close $c;
}

sub _write_all {
    my ($c, $data) = @_;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite($c, $data, length($data) - $off, $off);
        die "write to nginx failed: $!\n" unless defined $n;
        $off += $n;
    }
}

sub _await_go {
    my ($self, $token) = @_;
    my $f = "$self->{dir}/go/$token";
    wait_until("go token '$token'", sub { unlink $f }, undef, 0.002);
}

# Send and receive queues of a loopback TCP connection, from /proc/net/tcp.
sub tcp_queues {
    my ($local_port, $remote_port) = @_;
    open my $fh, '<', '/proc/net/tcp' or die "/proc/net/tcp: $!\n";
    my $lp = sprintf '%04X', $local_port;
    my $rp = sprintf '%04X', $remote_port;
    while (my $line = <$fh>) {
        my @f = split ' ', $line;
        next unless @f > 4 && $f[1] =~ /:$lp$/ && $f[2] =~ /:$rp$/;
        my ($tx, $rx) = split /:/, $f[4];
        close $fh;
        return (hex $tx, hex $rx);
    }
    close $fh;
    return;
}

# Until every byte written so far has been read by the peer (nginx):
# nothing unacknowledged on our side, nothing unread on its side. The next
# part then reaches nginx in a read of its own.
sub _await_drained {
    my ($c) = @_;
    my ($me, $peer) = ($c->sockport, $c->peerport);
    wait_until("nginx to read everything sent on port $peer", sub {
        my ($tx) = tcp_queues($me, $peer);
        my (undef, $rx) = tcp_queues($peer, $me);
        return defined $tx && defined $rx && $tx == 0 && $rx == 0;
    });
}

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++;
    @RUNNING = grep { $_ != $self } @RUNNING;
    my $pid = $self->{pid} or return;
    kill 'TERM', -$pid;
    kill 'TERM', $pid;
    my $ok = eval {
        wait_until("backend $pid to exit", sub {
            my $r = waitpid($pid, WNOHANG);
            return $r == $pid || $r == -1;
        });
        1;
    };
    if (!$ok) {
        kill 'KILL', -$pid;
        waitpid($pid, 0);
    }
    return 1;
}

END {
    my $status = $?;
    eval { $_->stop } for reverse @RUNNING;
    $? = $status;
}

1;
