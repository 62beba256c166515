package LiveHelp::Chat;

# A chat client that behaves as the widget must (docs/PROTOCOL.md): every
# message stays in an outbox until acked and is resent after a nack or a
# reconnect; after any disconnect it reconnects and resumes with the last
# seq it saw. Fault tests use it to check that, whatever happens, every
# message arrives exactly once and in order.
#
#   my $v = LiveHelp::Chat->new(port => $p);               # a visitor
#   my $g = LiveHelp::Chat->new(port => $p, agent => $auth_header,
#                               conversation => $v->conversation);
#   $g->send('g1', 'hello');
#   $g->pump_until(sub { $g->acked('g1') });
#   $v->pump_until(sub { $v->seen('g1') });
#   $v->events;     # [ { seq, cid, text, from }, ... ] in arrival order

use strict;
use warnings;

use Time::HiRes qw(time);

use LiveHelp::Test qw(timeout_seconds);
use LiveHelp::WS;

sub new {
    my ($class, %o) = @_;
    my $self = bless {
        port         => $o{port},
        agent        => $o{agent},
        conversation => $o{conversation},
        token        => $o{token},
        last         => $o{after},
        outbox       => {},      # cid => text, until acked
        order        => [],      # cids in sending order
        acks         => {},      # cid => seq
        events       => [],
        seen         => {},      # seq => 1
        reconnects   => -1,
        duplicates   => 0,
        out_of_order => 0,
    }, $class;
    $self->_connect;
    return $self;
}

sub conversation { $_[0]{conversation} }
sub token        { $_[0]{token} }
sub events       { $_[0]{events} }
sub reconnects   { $_[0]{reconnects} }
sub duplicates   { $_[0]{duplicates} }
sub out_of_order { $_[0]{out_of_order} }
sub worker       { $_[0]{worker} }
sub ws           { $_[0]{ws} }
sub acked        { exists $_[0]{acks}{ $_[1] } }
sub ack_seq      { $_[0]{acks}{ $_[1] } }
sub pending      { scalar keys %{ $_[0]{outbox} } }

sub seen {
    my ($self, $cid) = @_;
    return scalar grep { ($_->{cid} // '') eq $cid } @{ $self->{events} };
}

sub _connect {
    my ($self) = @_;
    my $deadline = time + timeout_seconds();
    $self->{reconnects}++;
    for (;;) {
        my $ws = eval {
            $self->{agent}
                ? LiveHelp::WS->connect($self->{port},
                      path => '/live-help/agent/ws',
                      headers => [ $self->{agent} ])
                : LiveHelp::WS->connect($self->{port});
        };
        if ($ws) {
            my $welcome = eval { $ws->recv_json };
            if ($welcome && $welcome->{type} eq 'welcome') {
                $self->{ws} = $ws;
                $self->{worker} = $welcome->{worker};
                last;
            }
        }
        die "LiveHelp::Chat: cannot connect: $@" if time > $deadline;
        select(undef, undef, undef, 0.05);   # nginx restarting a worker
    }

    $self->{live} = 0;
    if ($self->{agent}) {
        $self->_send({ type => 'hello' });
        $self->{live} = 1;
    } else {
        $self->_send({ type => 'hello', token => $self->{token},
                       (defined $self->{last} ? (after => $self->{last}) : ()) });
    }

    # everything not acked goes again, in the order it was first sent
    $self->_resend_all;
}

sub _send {
    my ($self, $msg) = @_;
    # a write to a socket that just closed is found out by the next read
    eval { $self->{ws}->send_json($msg) };
}

sub _send_message {
    my ($self, $cid) = @_;
    my %m = (type => 'message', cid => $cid, text => $self->{outbox}{$cid});
    $m{conversation} = $self->{conversation} if $self->{agent};
    $self->_send(\%m);
}

# While a message waits after a nack, later ones wait behind it, so that
# they are stored in the order they were written.
sub send {
    my ($self, $cid, $text) = @_;
    $self->{outbox}{$cid} = $text;
    push @{ $self->{order} }, $cid;
    $self->_send_message($cid) unless $self->{holding};
}

sub _resend_all {
    my ($self) = @_;
    $self->{holding} = 0;
    for my $cid (grep { exists $self->{outbox}{$_} } @{ $self->{order} }) {
        $self->_send_message($cid);
    }
}

sub _cmp_seq {
    my ($a, $b) = @_;
    my ($am, $as) = split /-/, $a;
    my ($bm, $bs) = split /-/, $b;
    return $am <=> $bm || $as <=> $bs;
}

# Handles what one read brings; reconnects when the socket is gone.
sub pump {
    my ($self, %o) = @_;
    my $m = eval { $self->{ws}->recv_json(timeout => $o{timeout} // 1) };
    if (!$m) {
        my $err = $@ // '';
        return 0 if $err =~ /nothing from the server in time/;
        # closed, reset or 1001: come back
        $self->{ws}->close;
        $self->_connect;
        return 1;
    }

    my $t = $m->{type};
    if ($t eq 'session') {
        $self->{token} = $m->{token};
        $self->{conversation} = $m->{conversation};
    } elsif ($t eq 'live') {
        $self->{live} = 1;
    } elsif ($t eq 'ack') {
        delete $self->{outbox}{ $m->{cid} };
        $self->{acks}{ $m->{cid} } //= $m->{seq};
        $self->{ack_conflict}++ if $self->{acks}{ $m->{cid} } ne $m->{seq};
    } elsif ($t eq 'status') {
        push @{ $self->{statuses} }, $m->{store} ? 'up' : 'down';
    } elsif ($t eq 'nack') {
        $self->{nacked}{ $m->{cid} } = 1;
        $self->{holding} = 1;
    } elsif ($t eq 'event' && !$self->{agent}) {
        my $seq = $m->{seq};
        $self->{duplicates}++ if $self->{seen}{$seq}++;
        $self->{out_of_order}++
            if defined $self->{last} && _cmp_seq($seq, $self->{last}) <= 0;
        $self->{last} = $seq;
        push @{ $self->{events} }, { seq => $seq, %{ $m->{event} } };
    }
    return 1;
}

# Pumps until $cond is true; resends nacked messages now and then.
sub pump_until {
    my ($self, $cond, $what, $timeout) = @_;
    my $deadline = time + ($timeout // timeout_seconds() * 2);
    my $resend = time + 0.5;
    until ($cond->()) {
        die "LiveHelp::Chat: timed out waiting for " . ($what // 'condition')
            . "\n" if time > $deadline;
        $self->pump(timeout => 0.2);
        if (time > $resend) {
            if ($self->{holding}) {
                # acks of messages sent after the first nack are dropped
                # by nobody: a resend of an acked cid is acked again
                $self->{nacked} = {};
                $self->_resend_all;
            }
            $resend = time + 0.5;
        }
    }
}

sub ack_conflicts { $_[0]{ack_conflict} // 0 }

# "down" and "up" as the server announced the store going and coming back
sub statuses { $_[0]{statuses} || [] }

sub close {
    my ($self) = @_;
    $self->{ws}->close if $self->{ws};
}

1;
