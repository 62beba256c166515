package LiveHelp::Chat;

# A chat client that behaves as the widget and the agent page must
# (docs/PROTOCOL.md): every message stays in an outbox until acked and is
# resent after a nack, a reconnect or a status store=true, in the order it
# was first sent, and nothing newer goes out while one waits after a nack;
# after any disconnect it reconnects and resumes. Fault tests use it to
# check that, whatever happens, every message arrives exactly once and in
# order.
#
#   my $v = LiveHelp::Chat->new(port => $p);               # a visitor
#   my $g = LiveHelp::Chat->new(port => $p, agent => $auth_header,
#                               conversations => [ $c1, $c2 ]);
#   $g->send('g1', 'hello', $c1);   # conversation: the first by default
#   $g->pump_until(sub { $g->acked('g1') });
#   $v->pump_until(sub { $v->seen('g1') });
#   $v->events;     # [ { seq, cid, text, from }, ... ] in arrival order
#   $g->agent_events($c1);  # [ { seq, cid, text, from }, ... ] by seq
#   LiveHelp::Chat->pump_all($timeout, $g, $v);   # several at once
#
# Placement: worker => $pid (or not_worker => $pid) connects again until
# the welcome names (or does not name) that worker.
#
# An agent follows the conversations it was given: it takes their live
# events, and asks their history after the last seq it holds once its
# hello is answered, after a resync and after a status store=true (and
# again, page by page, while an answer says there is more). Events are
# merged by seq; one it holds already is counted (repeats), not kept
# twice: live events and a history answer may overlap.

use strict;
use warnings;

use IO::Select;
use Time::HiRes qw(time);

use LiveHelp::Test qw(timeout_seconds);
use LiveHelp::WS;

sub new {
    my ($class, %o) = @_;
    my @convs = @{ $o{conversations} || [] };
    unshift @convs, $o{conversation}
        if defined $o{conversation} && !grep { $_ eq $o{conversation} } @convs;
    my $self = bless {
        port         => $o{port},
        agent        => $o{agent},
        conversation => $o{conversation} // $convs[0],
        token        => $o{token},
        last         => $o{after},
        outbox       => {},      # cid => text, until acked
        order        => [],      # cids in sending order
        to           => {},      # cid => conversation
        acks         => {},      # cid => seq
        events       => [],
        seen         => {},      # seq => 1
        reconnects   => -1,
        duplicates   => 0,
        out_of_order => 0,
        nacks        => 0,
        statuses     => [],      # 'up'/'down' of status messages
        store_log    => [],      # the same, welcome's store included
        pongs        => {},
        # agents
        follow       => [@convs],
        held         => { map { $_ => {} } @convs },   # conv => seq => event
        newest       => {},      # conv => highest seq held
        repeats      => 0,
        repeat_list  => [],
        resyncs      => 0,
        asked        => 0,       # history requests not answered yet
        retry        => {},      # conv => after, of a refused history
    }, $class;
    $self->_connect(worker => $o{worker}, not_worker => $o{not_worker});
    $self->{resend_at} = time + 0.5;
    return $self;
}

sub conversation  { $_[0]{conversation} }
sub conversations { $_[0]{follow} }
sub token         { $_[0]{token} }
sub events        { $_[0]{events} }
sub reconnects    { $_[0]{reconnects} }
sub duplicates    { $_[0]{duplicates} }
sub out_of_order  { $_[0]{out_of_order} }
sub worker        { $_[0]{worker} }
sub ws            { $_[0]{ws} }
sub acked         { exists $_[0]{acks}{ $_[1] } }
sub refused       { $_[0]{refused}{ $_[1] } }
sub agent_id      { $_[0]{agent_id} }
sub ack_seq       { $_[0]{acks}{ $_[1] } }
sub acks          { scalar keys %{ $_[0]{acks} } }
sub nacks         { $_[0]{nacks} }
sub pending       { scalar keys %{ $_[0]{outbox} } }
sub repeats       { $_[0]{repeats} }
sub repeat_list   { $_[0]{repeat_list} }
sub resyncs       { $_[0]{resyncs} }
sub ponged        { exists $_[0]{pongs}{ $_[1] } }

# an agent whose hello is answered and whose history requests all are
sub synced {
    my ($self) = @_;
    return $self->{listed} && $self->{asked} == 0 && !%{ $self->{retry} };
}

sub seen {
    my ($self, $cid) = @_;
    return scalar grep { ($_->{cid} // '') eq $cid } @{ $self->{events} };
}

# cids this client sent to a conversation, in the order first sent
sub sent {
    my ($self, $conv) = @_;
    $conv //= $self->{conversation};
    return [ grep { ($self->{to}{$_} // $self->{conversation} // '') eq $conv
                    && !$self->{op}{$_} }
             @{ $self->{order} } ];
}

# an agent's record of a conversation: events by seq, each once
sub agent_events {
    my ($self, $conv) = @_;
    my $held = $self->{held}{$conv} || {};
    return [ map { $held->{$_} } sort { _cmp_seq($a, $b) } keys %$held ];
}

sub holds {
    my ($self, $conv, $seq) = @_;
    return exists $self->{held}{$conv}{$seq};
}

sub _connect {
    my ($self, %place) = @_;
    my $deadline = time + timeout_seconds();
    my $tries = 0;
    $self->{reconnects}++;
    for (;;) {
        my $ws = eval {
            $self->{agent}
                ? LiveHelp::WS->connect($self->{port},
                      path => '/live-help/agent/ws',
                      headers => [ $self->{agent} ])
                : LiveHelp::WS->connect($self->{port});
        };
        my $err = $@;
        if ($ws) {
            my $welcome = eval { $ws->recv_json };
            $err = $@;
            if ($welcome && $welcome->{type} eq 'welcome') {
                my $w = $welcome->{worker};
                $tries++;
                if ((!defined $place{worker} || $w == $place{worker})
                    && (!defined $place{not_worker}
                        || $w != $place{not_worker}))
                {
                    $self->{ws} = $ws;
                    $self->{worker} = $w;
                    push @{ $self->{store_log} },
                        $welcome->{store} ? 'up' : 'down';
                    last;
                }
                $ws->close;
                $err = "landed on worker $w $tries times, not where wanted";
                # the wanted worker may be busy accepting: ask again now
                next if time < $deadline;
            }
        }
        die "LiveHelp::Chat: cannot connect: $err" if time > $deadline;
        select(undef, undef, undef, 0.05);   # nginx restarting a worker
    }

    $self->{live} = 0;
    if ($self->{agent}) {
        # complete up to here: history from there once hello is answered
        $self->{listed} = 0;
        $self->{from} = { map { $_ => $self->{newest}{$_} }
                          @{ $self->{follow} } };
        $self->{asked} = 0;
        $self->{retry} = {};
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
    my $op = $self->{op}{$cid};
    my %m = $op ? (type => $op, cid => $cid)
                : (type => 'message', cid => $cid,
                   text => $self->{outbox}{$cid});
    $m{conversation} = $self->{to}{$cid} if $self->{agent};
    $self->_send(\%m);
}

# While a message waits after a nack, later ones wait behind it, so that
# they are stored in the order they were written. An agent's cids must be
# unique across the conversations it writes to (a nack names no
# conversation).
sub send {
    my ($self, $cid, $text, $conv) = @_;
    $self->{outbox}{$cid} = $text;
    $self->{to}{$cid} = $conv // $self->{conversation};
    push @{ $self->{order} }, $cid;
    $self->_send_message($cid) unless $self->{holding};
}

# A change of who answers (close, claim), in the same outbox and order as
# messages; it may come back refused (say, closed already).
sub act {
    my ($self, $cid, $op, $conv) = @_;
    $self->{op}{$cid} = $op;
    $self->send($cid, '', $conv);
}

sub ping {
    my ($self, $id) = @_;
    $self->_send({ type => 'ping', id => $id });
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

sub _ask_history {
    my ($self, $conv, $after) = @_;
    $self->{asked}++;
    # the id comes back with an error: ask again then
    $self->_send({ type => 'history', conversation => $conv,
                   id => join('|', 'h', $conv, $after // ''),
                   (defined $after ? (after => $after) : ()) });
}

sub _ask_all_history {
    my ($self) = @_;
    $self->_ask_history($_, $self->{newest}{$_}) for @{ $self->{follow} };
}

sub _merge {
    my ($self, $conv, $seq, $event, $how) = @_;
    my $held = $self->{held}{$conv} or return;
    if (exists $held->{$seq}) {
        $self->{repeats}++;
        push @{ $self->{repeat_list} }, "$conv $seq ($how)";
        return;
    }
    $held->{$seq} = { seq => $seq, %$event };
    $self->{newest}{$conv} = $seq
        if !defined $self->{newest}{$conv}
           || _cmp_seq($seq, $self->{newest}{$conv}) > 0;
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
    if ($t eq 'session' && $self->{agent}) {
        $self->{agent_id} = $m->{agent};
    } elsif ($t eq 'session') {
        $self->{token} = $m->{token};
        $self->{conversation} = $m->{conversation};
    } elsif ($t eq 'live') {
        $self->{live} = 1;
    } elsif ($t eq 'ack') {
        delete $self->{outbox}{ $m->{cid} };
        $self->{acks}{ $m->{cid} } //= $m->{seq};
        $self->{ack_conflict}++ if $self->{acks}{ $m->{cid} } ne $m->{seq};
    } elsif ($t eq 'refused') {
        # for good (another agent has it): no resend changes that
        delete $self->{outbox}{ $m->{cid} };
        $self->{refused}{ $m->{cid} } = $m->{code};
    } elsif ($t eq 'status') {
        my $up = $m->{store} ? 'up' : 'down';
        push @{ $self->{statuses} }, $up;
        push @{ $self->{store_log} }, $up;
        if ($m->{store}) {
            # the store is back: the outbox goes again, and agents ask
            # what they may have missed
            $self->_resend_all if $self->pending;
            $self->_ask_all_history if $self->{agent} && $self->{listed};
        }
    } elsif ($t eq 'nack') {
        $self->{nacks}++;
        $self->{nacked}{ $m->{cid} } = 1;
        $self->{holding} = 1;
    } elsif ($t eq 'pong') {
        $self->{pongs}{ $m->{id} // '' } = 1;
    } elsif ($self->{agent}) {
        $self->_agent_message($m);
    } elsif ($t eq 'event') {
        my $seq = $m->{seq};
        $self->{duplicates}++ if $self->{seen}{$seq}++;
        $self->{out_of_order}++
            if defined $self->{last} && _cmp_seq($seq, $self->{last}) <= 0;
        $self->{last} = $seq;
        push @{ $self->{events} }, { seq => $seq, %{ $m->{event} } };
    }
    return 1;
}

sub _agent_message {
    my ($self, $m) = @_;
    my $t = $m->{type};
    if ($t eq 'event') {
        $self->_merge($m->{conversation}, $m->{seq}, $m->{event}, 'live');
    } elsif ($t eq 'conversations' && !$self->{listed}) {
        # the answer to hello
        $self->{listed} = 1;
        $self->_ask_history($_, $self->{from}{$_}) for @{ $self->{follow} };
    } elsif ($t eq 'history') {
        $self->{asked}-- if $self->{asked};
        my $conv = $m->{conversation};
        my @ev = @{ $m->{events} || [] };
        $self->_merge($conv, $_->{seq}, $_->{event}, 'history') for @ev;
        $self->_ask_history($conv, $m->{last}) if $m->{more};
    } elsif ($t eq 'resync') {
        $self->{resyncs}++;
        $self->_ask_all_history if $self->{listed};
    } elsif ($t eq 'error' && ($m->{id} // '') =~ /^h\|([^|]+)\|(.*)$/) {
        # a history request refused (the store unreachable): again soon
        $self->{asked}-- if $self->{asked};
        my ($conv, $after) = ($1, length $2 ? $2 : undef);
        $self->{retry}{$conv} = $after
            if !exists $self->{retry}{$conv}
               || (defined $self->{retry}{$conv}
                   && (!defined $after
                       || _cmp_seq($after, $self->{retry}{$conv}) < 0));
    }
}

# Every half second: after a nack, the whole outbox again; refused
# history requests again.
sub _tick {
    my ($self) = @_;
    return if time < $self->{resend_at};
    if ($self->{holding}) {
        # acks of messages sent after the first nack are dropped
        # by nobody: a resend of an acked cid is acked again
        $self->{nacked} = {};
        $self->_resend_all;
    }
    my $retry = $self->{retry};
    $self->{retry} = {};
    $self->_ask_history($_, $retry->{$_}) for sort keys %$retry;
    $self->{resend_at} = time + 0.5;
}

# Pumps until $cond is true; resends nacked messages now and then.
sub pump_until {
    my ($self, $cond, $what, $timeout) = @_;
    my $deadline = time + ($timeout // timeout_seconds() * 2);
    until ($cond->()) {
        die "LiveHelp::Chat: timed out waiting for " . ($what // 'condition')
            . "\n" if time > $deadline;
        $self->pump(timeout => 0.2);
        $self->_tick;
    }
}

# Handles what the server sent to any of the clients, waiting up to
# $timeout (0: not at all) for something to arrive.
sub pump_all {
    my ($class, $timeout, @clients) = @_;
    my $sel = IO::Select->new(map { $_->{ws}->socket } @clients);
    $sel->can_read($timeout)
        unless grep { $_->{ws}->frame_buffered } @clients;
    for my $c (@clients) {
        # what is buffered and what can be read now, nothing more
        for (1 .. 10000) {
            my $ws = $c->{ws};
            last unless $ws->frame_buffered
                || IO::Select->new($ws->socket)->can_read(0);
            $c->pump(timeout => 0.5);
        }
        $c->_tick;
    }
}

sub ack_conflicts { $_[0]{ack_conflict} // 0 }

# "down" and "up" as the server announced the store going and coming back
sub statuses { $_[0]{statuses} }

# the same, and what each welcome said
sub store_log { $_[0]{store_log} }

sub close {
    my ($self) = @_;
    $self->{ws}->close if $self->{ws};
}

1;
