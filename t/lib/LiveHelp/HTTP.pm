package LiveHelp::HTTP;

# A small HTTP client over real sockets, for checking exact bytes.
#
#   my $res = http_get($port, '/path', headers => ['Accept-Encoding' => 'gzip']);
#   $res->status; $res->header('etag'); $res->headers('vary'); $res->body;
#   $res->chunked; $res->raw_body;   # raw_body: before chunked decoding
#   http_request($port, 'HEAD', '/x', version => '1.0');
#   http_get($tls_port, '/x', tls => 1);       # over TLS, certificate unchecked
#
#   my $s = http_stream($port, '/big');        # read the body bit by bit
#   $s->read_until('needle');                  # decoded body contains it
#   $s->read_until_length(1 << 20);
#   my $res = $s->finish;                      # rest, until the end
#
# Requests carry "Connection: close" on HTTP/1.1 unless headers say
# otherwise, so a response always ends at the close at the latest. Every
# read is bounded; a response that does not come dies with what was
# received so far.

use strict;
use warnings;

use Exporter qw(import);

use LiveHelp::Test qw(:all);

our @EXPORT_OK = qw(http_get http_head http_post http_request http_stream
    http_raw);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

sub http_request {
    my ($port, $method, $path, %opt) = @_;
    return LiveHelp::HTTP::Stream->open($port, $method, $path, %opt)->finish;
}

sub http_get {
    my ($port, $path, %opt) = @_;
    return http_request($port, 'GET', $path, %opt);
}

sub http_head {
    my ($port, $path, %opt) = @_;
    return http_request($port, 'HEAD', $path, %opt);
}

sub http_post {
    my ($port, $path, $body, %opt) = @_;
    return http_request($port, 'POST', $path, %opt, body => $body);
}

sub http_stream {
    my ($port, $path, %opt) = @_;
    my $method = delete $opt{method} // 'GET';
    return LiveHelp::HTTP::Stream->open($port, $method, $path, %opt);
}

# Sends $bytes as they are, returns everything read until the close.
sub http_raw {
    my ($port, $bytes) = @_;
    my $s = LiveHelp::HTTP::Stream->connect($port);
    $s->_send($bytes);
    $s->_read_until(sub { 0 }, 'the connection to close');
    return $s->{raw};
}


package LiveHelp::HTTP::Stream;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

use LiveHelp::Test qw(:all);

sub connect {
    my ($class, $port, %opt) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $port,
        Proto    => 'tcp',
        Timeout  => timeout_seconds(),
    ) or die "cannot connect to 127.0.0.1:$port: $!\n";
    $sock = LiveHelp::Test::start_tls($sock) if $opt{tls};
    binmode $sock;
    return bless {
        sock  => $sock,
        sel   => IO::Select->new($sock),
        raw   => '',
        eof   => 0,
        state => 'head',
        body  => '',
        rawb  => '',
    }, $class;
}

sub open {
    my ($class, $port, $method, $path, %opt) = @_;
    my $self = $class->connect($port, tls => $opt{tls});
    my $version = $opt{version} // '1.1';
    my @h = @{ $opt{headers} || [] };
    my %have;
    $have{ lc $h[$_] } = 1 for grep { $_ % 2 == 0 } 0 .. $#h;

    my $req = "$method $path HTTP/$version\r\n";
    $req .= "Host: localhost\r\n" unless $have{host};
    $req .= "Connection: close\r\n"
        if $version eq '1.1' && !$have{connection};
    if (defined $opt{body} && !$have{'content-length'}) {
        push @h, 'Content-Length' => length $opt{body};
    }
    while (my ($k, $v) = splice @h, 0, 2) {
        $req .= "$k: $v\r\n";
    }
    $req .= "\r\n" . ($opt{body} // '');

    $self->{method} = $method;
    $self->_send($req);
    return $self;
}

sub _send {
    my ($self, $data) = @_;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite($self->{sock}, $data, length($data) - $off, $off);
        die "send failed: $!\n" unless defined $n;
        $off += $n;
    }
}

# Reads until $done->() is true or the peer closes; dies on timeout.
sub _read_until {
    my ($self, $done, $what, $timeout) = @_;
    $timeout //= timeout_seconds();
    my $deadline = time + $timeout;

    until ($done->()) {
        return 0 if $self->{eof};
        my $left = $deadline - time;
        # TLS: bytes already decrypted are not seen by select
        my $pending = $self->{sock}->can('pending')
                      && $self->{sock}->pending;
        if ($left <= 0 || !($pending || $self->{sel}->can_read($left))) {
            my $got = $self->{raw};
            my $len = length $got;
            $got = substr($got, 0, 300) . ' ... ' . substr($got, -300)
                if $len > 700;
            die "timed out after ${timeout}s waiting for $what; "
                . "received $len bytes: $got\n";
        }
        my $n = sysread($self->{sock}, my $chunk, 262144);
        if (!defined $n) {
            next if $!{EINTR} || $!{EAGAIN};
            $chunk = '';
            $n = 0;
        }
        if ($n == 0) {
            $self->{eof} = 1;
        }
        $self->{raw} .= $chunk;
        $self->_parse($chunk);
    }
    return 1;
}

sub _parse {
    my ($self, $chunk) = @_;

    if ($self->{state} eq 'head') {
        my $i = index($self->{raw}, "\r\n\r\n");
        return if $i < 0;
        my $head = substr($self->{raw}, 0, $i);
        my ($line, @lines) = split /\r\n/, $head;
        my ($version, $status, $reason) = split / /, $line, 3;
        my (%h, @order);
        for (@lines) {
            next unless /^([^:]+):[ \t]*(.*?)[ \t]*$/;
            push @{ $h{lc $1} }, $2;
            push @order, [$1, $2];
        }
        $self->{version} = $version;
        $self->{status} = $status;
        $self->{reason} = $reason;
        $self->{headers} = \%h;
        $self->{order} = \@order;
        $self->{head} = $head;

        my $te = join ',', @{ $h{'transfer-encoding'} || [] };
        my $cl = $h{'content-length'} ? $h{'content-length'}[0] : undef;
        if ($self->{method} eq 'HEAD' || $status =~ /^(1\d\d|204|304)$/) {
            $self->{state} = 'done';
        } elsif ($te =~ /chunked/i) {
            $self->{state} = 'chunked';
            $self->{chunked} = 1;
        } elsif (defined $cl) {
            $self->{state} = 'length';
            $self->{length} = $cl;
        } else {
            $self->{state} = 'close';
        }
        $chunk = substr($self->{raw}, $i + 4);
        $self->{pending} = '';
    }

    return if $self->{state} eq 'done';
    $self->{rawb} .= $chunk;

    if ($self->{state} eq 'length' || $self->{state} eq 'close') {
        $self->{body} .= $chunk;
        $self->{state} = 'done' if $self->{state} eq 'length'
            && length $self->{body} >= $self->{length};
        return;
    }

    # chunked: decode what is complete, keep the rest pending
    $self->{pending} .= $chunk;
    for (;;) {
        my $p = \$self->{pending};
        if ($self->{trailer}) {
            my $i = index($$p, "\r\n");
            return if $i < 0;
            substr($$p, 0, $i + 2, '');
            if ($i == 0) {
                $self->{state} = 'done';
                return;
            }
            next;
        }
        my $i = index($$p, "\r\n");
        return if $i < 0;
        my ($hex) = substr($$p, 0, $i) =~ /^([0-9a-fA-F]+)/;
        die "bad chunk size line: " . substr($$p, 0, $i) . "\n"
            unless defined $hex;
        my $size = hex $hex;
        push @{ $self->{chunk_sizes} }, $size;
        if ($size == 0) {
            substr($$p, 0, $i + 2, '');
            $self->{trailer} = 1;
            next;
        }
        return if length($$p) < $i + 2 + $size + 2;
        $self->{body} .= substr($$p, $i + 2, $size);
        substr($$p, 0, $i + 2 + $size + 2, '');
    }
}

sub _complete {
    my ($self) = @_;
    return $self->{state} eq 'done';
}

# Reads until the response head is in; returns the stream.
sub read_head {
    my ($self, $timeout) = @_;
    $self->_read_until(sub { $self->{state} ne 'head' },
        'the response head', $timeout)
        or die "connection closed before the response head; got: "
            . $self->{raw} . "\n";
    return $self;
}

# Reads until the decoded body contains $needle; returns the body so far.
sub read_until {
    my ($self, $needle, $timeout) = @_;
    my $shown = length $needle > 60 ? substr($needle, 0, 60) . '...' : $needle;
    $self->_read_until(
        sub { $self->{state} ne 'head' && index($self->{body}, $needle) >= 0 },
        "body to contain '$shown'", $timeout)
        or die "connection closed before the body contained '$shown'\n";
    return $self->{body};
}

# Reads until the decoded body has at least $n bytes; returns the body.
sub read_until_length {
    my ($self, $n, $timeout) = @_;
    $self->_read_until(
        sub { $self->{state} ne 'head' && length $self->{body} >= $n },
        "$n bytes of body", $timeout)
        or die "connection closed after " . length($self->{body})
            . " of $n body bytes\n";
    return $self->{body};
}

sub body_so_far {
    return $_[0]{body};
}

# Reads the rest: until the response is complete and the peer closes.
sub finish {
    my ($self, $timeout) = @_;
    $self->_read_until(sub { 0 }, 'the response to end', $timeout);
    die "connection closed before a response head; got: '$self->{raw}'\n"
        if $self->{state} eq 'head';
    close $self->{sock};
    return LiveHelp::HTTP::Response->new($self);
}


package LiveHelp::HTTP::Response;

sub new {
    my ($class, $s) = @_;
    return bless {
        status   => $s->{status},
        reason   => $s->{reason},
        version  => $s->{version},
        headers  => $s->{headers},
        order    => $s->{order},
        head     => $s->{head},
        body     => $s->{body},
        raw_body => $s->{rawb},
        raw      => $s->{raw},
        chunked  => $s->{chunked} ? 1 : 0,
        complete => $s->{state} eq 'done' || $s->{state} eq 'close' ? 1 : 0,
        chunk_sizes => $s->{chunk_sizes} || [],
    }, $class;
}

sub status   { $_[0]{status} }
sub reason   { $_[0]{reason} }
sub version  { $_[0]{version} }
sub body     { $_[0]{body} }
sub raw_body { $_[0]{raw_body} }
sub raw      { $_[0]{raw} }
sub head     { $_[0]{head} }
sub chunked  { $_[0]{chunked} }
# For chunked and Content-Length responses: whether the framing ended
# properly before the close (close-delimited ones are always complete).
sub complete { $_[0]{complete} }

# All values of a header, in order.
sub headers {
    my ($self, $name) = @_;
    return @{ $self->{headers}{ lc $name } || [] };
}

# The value of a header (several joined with ", "), undef if absent.
sub header {
    my ($self, $name) = @_;
    my @v = $self->headers($name);
    return @v ? join(', ', @v) : undef;
}

sub has_header {
    my ($self, $name) = @_;
    return exists $self->{headers}{ lc $name };
}

1;
