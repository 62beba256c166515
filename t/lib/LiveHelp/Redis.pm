package LiveHelp::Redis;

# A private redis-server on a free loopback port, no persistence, stopped
# by pid.
#
#   my $redis = LiveHelp::Redis->start;
#   $redis->port; $redis->command('PUBLISH', 'ch', 'x'); $redis->stop;
#   $redis->traces($visitor);   # { keys, in, all }: what names them
#
# start returns once PING is answered with PONG; with ready => 'any' once
# it is answered at all (a Redis loading its data answers "-LOADING").
# ping returns what PING got: 'PONG', an error's first word ('LOADING'),
# or undef when nothing answered.

use strict;
use warnings;

use IO::Socket::INET;
use POSIX qw(WNOHANG);

use LiveHelp::Test qw(:all);

my $REDIS = $ENV{REDIS_BIN} || 'redis-server';
my @RUNNING;

sub start {
    my ($class, %args) = @_;
    my $self = bless {
        port => $args{port} // free_port(),
        dir  => temp_dir('redis'),
    }, $class;

    my $log = "$self->{dir}/redis.log";
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        chdir $self->{dir};
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        no warnings 'exec';
        exec $REDIS, '--port', $self->{port}, '--bind', '127.0.0.1',
            '--save', '', '--appendonly', 'no', '--daemonize', 'no',
            '--dir', $self->{dir}, @{ $args{args} || [] };
        POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    push @RUNNING, $self;

    eval {
        wait_until("redis-server to answer PING on port $self->{port}",
            sub {
                die "redis-server exited\n" if waitpid($pid, WNOHANG) == $pid;
                my $r = $self->ping;
                return defined $r
                    && ($r eq 'PONG' || ($args{ready} // '') eq 'any');
            });
        1;
    } or do {
        my $err = $@;
        $self->stop;
        die $err . "--- redis.log ---\n" . (-f $log ? read_file($log) : '');
    };
    return $self;
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub dir  { $_[0]{dir} }

sub _encode {
    my (@args) = @_;
    my $s = '*' . scalar(@args) . "\r\n";
    $s .= '$' . length($_) . "\r\n$_\r\n" for @args;
    return $s;
}

# One command on a new connection; returns the decoded reply (arrays as
# array refs). An error reply dies.
sub command {
    my ($self, @args) = @_;
    return $self->command_sent(@args)->();
}

# The same in two halves: sends the command and returns a sub that waits
# for the reply and returns it, so that a test can act meanwhile.
#
#   my $reply = $redis->command_sent('SCRIPT', 'FLUSH');
#   ...                                  # while Redis runs it
#   is($reply->(), 'OK');
sub command_sent {
    my ($self, @args) = @_;
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $self->{port},
        Proto    => 'tcp',
        Timeout  => timeout_seconds(),
    ) or die "cannot connect to redis on $self->{port}: $!\n";
    $sock->autoflush(1);
    print {$sock} _encode(@args);
    return sub { _reply($sock, @args) };
}

sub _reply {
    my ($sock, @args) = @_;
    $sock->blocking(0);

    my $buf = '';
    my $reply;
    wait_until("redis reply to @args", sub {
        my $n = sysread($sock, $buf, 65536, length $buf);
        die "redis closed the connection\n" if defined $n && $n == 0;
        my $pos = 0;
        my $r = _parse(\$buf, \$pos);
        return 0 unless $r;
        $reply = $r->[0];
        return 1;
    });
    close $sock;
    die "redis error: $reply->{error}\n" if ref $reply eq 'HASH';
    return $reply;
}

sub ping {
    my ($self) = @_;
    my $r = eval { $self->command('PING') };
    return $r if defined $r;
    return $1 if $@ =~ /^redis error: (\S+)/;
    return undef;
}

# Parses one RESP value at $$pos; returns [value] or undef if incomplete.
sub _parse {
    my ($buf, $pos) = @_;
    my $eol = index($$buf, "\r\n", $$pos);
    return if $eol < 0;
    my $type = substr($$buf, $$pos, 1);
    my $line = substr($$buf, $$pos + 1, $eol - $$pos - 1);
    my $next = $eol + 2;

    if ($type eq '+' || $type eq ':') {
        $$pos = $next;
        return [$line];
    }
    if ($type eq '-') {
        $$pos = $next;
        return [{ error => $line }];
    }
    if ($type eq '$') {
        if ($line < 0) {
            $$pos = $next;
            return [undef];
        }
        return if length($$buf) < $next + $line + 2;
        $$pos = $next + $line + 2;
        return [substr($$buf, $next, $line)];
    }
    if ($type eq '*') {
        my @items;
        my $p = $next;
        for (1 .. $line) {
            my $r = _parse($buf, \$p) or return;
            push @items, $r->[0];
        }
        $$pos = $p;
        return [\@items];
    }
    die "unexpected redis reply: $$buf\n";
}

# A SCAN of the whole database: the keys whose name holds $t (keys), the
# sets and sorted sets that hold it (in), both sorted, and how many keys
# there are in all (all).
sub traces {
    my ($self, $t) = @_;
    my (@keys, @in);
    my ($cursor, $all) = ('0', 0);
    do {
        my $r = $self->command('SCAN', $cursor, 'COUNT', 1000);
        $cursor = $r->[0];
        for my $k (@{ $r->[1] }) {
            $all++;
            push @keys, $k if index($k, $t) >= 0;
            my $type = $self->command('TYPE', $k);
            push @in, $k if ($type eq 'zset'
                             && defined $self->command('ZSCORE', $k, $t))
                            || ($type eq 'set'
                                && $self->command('SISMEMBER', $k, $t));
        }
    } while ($cursor ne '0');
    return { keys => [ sort @keys ], in => [ sort @in ], all => $all };
}

sub stop {
    my ($self) = @_;
    return if $self->{stopped}++;
    @RUNNING = grep { $_ != $self } @RUNNING;
    my $pid = $self->{pid} or return;
    kill 'TERM', $pid;
    my $ok = eval {
        wait_until("redis-server $pid to exit", sub {
            my $r = waitpid($pid, WNOHANG);
            return $r == $pid || $r == -1;
        });
        1;
    };
    if (!$ok) {
        kill 'KILL', $pid;
        waitpid($pid, 0);
        die "redis-server $pid did not exit on TERM\n";
    }
    return 1;
}

END {
    my $status = $?;
    # a copy: stop() takes each out of @RUNNING
    my @left = reverse @RUNNING;
    eval { $_->stop } for @left;
    $? = $status;
}

1;
