package LiveHelp::WS;

# A WebSocket client for tests, built from raw frames so that a test can
# send anything, malformed frames included, and read exactly what the
# server answers. Every wait is bounded and dies with a message.
#
#   my $ws = LiveHelp::WS->connect($port, path => '/live-help/ws');
#   $ws->send_json({ type => 'ping', id => 1 });
#   my $msg = $ws->recv_json;                  # next text message, decoded
#   my $ack = $ws->recv_type('ack');           # the next of that type
#   $ws->send_frame(opcode => 1, payload => 'x', fin => 0, rsv => 0);
#   my $f = $ws->recv_frame;                   # { opcode, fin, payload }
#   my ($code, $reason) = $ws->expect_close;   # close frame, then EOF
#
#   my $res = LiveHelp::WS->handshake($port, %opts);  # refused handshakes
#   (tls => 1: over TLS, for the handshake's answer only)

use strict;
use warnings;

use Digest::SHA qw(sha1_base64);
use IO::Select;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF inet_aton pack_sockaddr_in);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);

use LiveHelp::Test qw(timeout_seconds);

my $GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

# a write to a socket the server closed must fail, not kill the test
$SIG{PIPE} = 'IGNORE';
my $JSON = JSON::PP->new->canonical->utf8;

sub json { $JSON }

# Sends a handshake and returns { status, headers (lower-cased), raw,
# accept_ok, socket, rest } without judging it.
sub handshake {
    my ($class, $port, %o) = @_;
    my $path = $o{path} // '/live-help/ws';
    my $key = $o{key} // encode_base64(join('', map { chr int rand 256 }
                                                 1 .. 16), '');
    my @h = (
        "Host: " . ($o{host} // "127.0.0.1:$port"),
        "Upgrade: " . ($o{upgrade} // 'websocket'),
        "Connection: " . ($o{connection} // 'Upgrade'),
        "Sec-WebSocket-Version: " . ($o{version} // 13),
    );
    push @h, "Sec-WebSocket-Key: $key" if defined $key && length $key;
    push @h, "Origin: $o{origin}" if defined $o{origin};
    push @h, @{ $o{headers} || [] };

    my $method = $o{method} // 'GET';
    my $proto = $o{http} // 'HTTP/1.1';
    # 'rcvbuf': a small receive buffer, set before connecting, makes a
    # slow reader whose kernel buffers fill fast
    my $sock = IO::Socket::INET->new(Proto => 'tcp')
        or die "LiveHelp::WS: socket: $!\n";
    if ($o{rcvbuf}) {
        setsockopt($sock, SOL_SOCKET, SO_RCVBUF, $o{rcvbuf})
            or die "LiveHelp::WS: SO_RCVBUF: $!\n";
    }
    $sock->connect(pack_sockaddr_in($port, inet_aton('127.0.0.1')))
        or die "LiveHelp::WS: connect to $port: $!\n";
    $sock = LiveHelp::Test::start_tls($sock) if $o{tls};
    $sock->autoflush(1);
    binmode $sock;
    # 'extra': bytes sent in the same write, right behind the request
    print $sock "$method $path $proto\r\n" . join('', map { "$_\r\n" } @h)
        . "\r\n" . ($o{extra} // '');

    my $buf = '';
    my $deadline = time + timeout_seconds();
    my $sel = IO::Select->new($sock);
    while ($buf !~ /\r\n\r\n/) {
        my $left = $deadline - time;
        die "LiveHelp::WS: no handshake answer in time\n" if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($sock, $buf, 65536, length $buf);
        die "LiveHelp::WS: read: $!\n" unless defined $n;
        last if $n == 0;
    }

    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    $head //= '';
    my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})};
    my %headers;
    for my $line (split /\r\n/, $head) {
        next unless $line =~ /^([^:]+):\s*(.*)$/;
        $headers{lc $1} = $2;
    }

    my $expect = sha1_base64($key . $GUID) . '=';
    return {
        status    => $status // 0,
        headers   => \%headers,
        raw       => $head,
        accept_ok => (($headers{'sec-websocket-accept'} // '') eq $expect),
        socket    => $sock,
        rest      => $rest // '',
    };
}

sub connect {
    my ($class, $port, %o) = @_;
    my $res = $class->handshake($port, %o);
    die "LiveHelp::WS: handshake refused: $res->{raw}\n"
        unless $res->{status} == 101;
    die "LiveHelp::WS: wrong Sec-WebSocket-Accept\n" unless $res->{accept_ok};
    return bless {
        sock      => $res->{socket},
        buf       => $res->{rest},
        handshake => $res,
    }, $class;
}

sub socket { $_[0]{sock} }
sub handshake_response { $_[0]{handshake} }

# A client frame; masked unless told otherwise. 'length' overrides the
# length field (for lying headers), 'rsv' sets the reserved bits (0-7).
sub frame {
    my (%f) = @_;
    my $payload = $f{payload} // '';
    my $fin = $f{fin} // 1;
    my $masked = $f{masked} // 1;
    my $len = $f{length} // length $payload;
    my $b0 = ($fin ? 0x80 : 0) | (($f{rsv} // 0) << 4) | ($f{opcode} // 1);
    my $out = chr $b0;
    my $m = $masked ? 0x80 : 0;
    if ($len < 126) {
        $out .= chr($m | $len);
    } elsif ($len < 65536) {
        $out .= chr($m | 126) . pack('n', $len);
    } else {
        $out .= chr($m | 127) . pack('Q>', $len);
    }
    if ($masked) {
        my $mask = $f{mask} // join('', map { chr int rand 256 } 1 .. 4);
        $out .= $mask;
        my $full = $mask x (int(length($payload) / 4) + 1);
        $payload ^= substr($full, 0, length $payload);
    }
    return $out . $payload;
}

sub send_raw {
    my ($self, $bytes) = @_;
    my $sock = $self->{sock};
    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite($sock, $bytes, length($bytes) - $off, $off);
        die "LiveHelp::WS: write: $!\n" unless defined $n;
        $off += $n;
    }
    return;
}

sub send_frame {
    my ($self, %f) = @_;
    $self->send_raw(frame(%f));
}

sub send_text {
    my ($self, $text) = @_;
    $self->send_frame(opcode => 1, payload => $text);
}

sub send_json {
    my ($self, $data) = @_;
    $self->send_text($JSON->encode($data));
}

# Reads more bytes; returns 0 at EOF. Dies after the timeout.
sub _fill {
    my ($self, $deadline) = @_;
    my $sel = IO::Select->new($self->{sock});
    my $left = $deadline - time;
    die "LiveHelp::WS: nothing from the server in time\n"
        if $left <= 0 || !$sel->can_read($left);
    my $n = sysread($self->{sock}, $self->{buf}, 65536, length $self->{buf});
    return 0 if !defined $n && ($!{ECONNRESET} || $!{EPIPE});
    die "LiveHelp::WS: read: $!\n" unless defined $n;
    return $n;
}

# The next frame from the server, or undef at EOF.
sub recv_frame {
    my ($self, %o) = @_;
    my $deadline = time + ($o{timeout} // timeout_seconds());
    for (;;) {
        my $f = _parse(\$self->{buf});
        return $f if $f;
        return undef unless $self->_fill($deadline);
    }
}

sub _parse {
    my ($buf) = @_;
    return undef if length $$buf < 2;
    my ($b0, $b1) = unpack 'CC', $$buf;
    my $len = $b1 & 0x7f;
    my $off = 2;
    if ($len == 126) {
        return undef if length $$buf < 4;
        $len = unpack 'n', substr($$buf, 2, 2);
        $off = 4;
    } elsif ($len == 127) {
        return undef if length $$buf < 10;
        $len = unpack 'Q>', substr($$buf, 2, 8);
        $off = 10;
    }
    die "LiveHelp::WS: the server masked a frame\n" if $b1 & 0x80;
    return undef if length $$buf < $off + $len;
    my $payload = substr($$buf, $off, $len);
    substr($$buf, 0, $off + $len) = '';
    return {
        fin     => $b0 >> 7,
        rsv     => ($b0 >> 4) & 7,
        opcode  => $b0 & 0x0f,
        payload => $payload,
    };
}

# Whether a whole frame is buffered already (recv_frame returns it without
# reading).
sub frame_buffered {
    my ($self) = @_;
    my $copy = $self->{buf};
    return defined _parse(\$copy);
}

# The next text message (answering pings on the way), decoded.
sub recv_json {
    my ($self, %o) = @_;
    for (;;) {
        my $f = $self->recv_frame(%o);
        die "LiveHelp::WS: connection closed while waiting for a message\n"
            unless $f;
        if ($f->{opcode} == 9) {
            $self->send_frame(opcode => 10, payload => $f->{payload});
            next;
        }
        if ($f->{opcode} == 8) {
            my ($code) = length $f->{payload} >= 2
                ? unpack('n', $f->{payload}) : ('none');
            die "LiveHelp::WS: closed by the server ($code) while waiting "
                . "for a message\n";
        }
        die "LiveHelp::WS: unexpected opcode $f->{opcode}\n"
            unless $f->{opcode} == 1 && $f->{fin};
        return $JSON->decode($f->{payload});
    }
}

# The next message of that type; the others on the way are dropped.
sub recv_type {
    my ($self, $type, %o) = @_;
    for (;;) {
        my $m = $self->recv_json(%o);
        return $m if $m->{type} eq $type;
    }
}

# Waits for the server's close frame and then for the TCP connection to
# end; returns (code, reason), code undef for an empty close frame.
sub expect_close {
    my ($self, %o) = @_;
    my ($code, $reason);
    for (;;) {
        my $f = $self->recv_frame(%o);
        die "LiveHelp::WS: EOF without a close frame\n" unless $f;
        next if $f->{opcode} == 9 || $f->{opcode} == 10;
        die "LiveHelp::WS: expected close, got opcode $f->{opcode}\n"
            unless $f->{opcode} == 8;
        if (length $f->{payload} >= 2) {
            ($code, $reason) = unpack 'n a*', $f->{payload};
        }
        last;
    }
    $self->{close_code} = $code;
    return ($code, $reason) if $o{keep_open};
    $self->expect_eof(%o);
    return ($code, $reason);
}

# Waits until the server ends the TCP connection (frames are discarded).
sub expect_eof {
    my ($self, %o) = @_;
    my $deadline = time + ($o{timeout} // timeout_seconds());
    for (;;) {
        $self->{buf} = '';
        return 1 unless $self->_fill($deadline);
    }
}

sub close {
    my ($self) = @_;
    close $self->{sock} if $self->{sock};
    delete $self->{sock};
}

1;
