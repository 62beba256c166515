package LiveHelp::Nginx;

# Runs Debian's nginx (or $NGINX_BIN) from a config template in a fresh
# directory: daemon with a master and at least two workers, every path
# (pid, logs, temp files) inside that directory. At stop, and at exit for
# an instance the test forgot to stop, the error log must be free of
# [alert], [crit], [emerg] and sanitizer reports, or a test fails.
#
#   my $ngx = LiveHelp::Nginx->start(config => $template,
#       vars => { BACKEND_PORT => $be->port }, files => { 'html/a.html' => $page });
#   $ngx->port; $ngx->dir; $ngx->pid; $ngx->reload; $ngx->stop;
#   my ($rc, $out) = LiveHelp::Nginx->prepare(config => $bad)->test_config;
#
#   LiveHelp::Nginx::agent_location(%extra)   # README's agent location
# chat_config($http_lines) is the usual template of a chat test: Redis on
# %%REDIS_PORT%%, the endpoint, and the agents' location behind auth_basic
# with the file "agents" (give it in files), the lines given in http {}.
#
# Placeholders in the template: %%PORT%% (a free port, picked here),
# %%MODULE%% (the built module), %%DIR%%, and %%NAME%% for every key of
# vars. A placeholder left unresolved is an error.

use strict;
use warnings;

use POSIX qw(WNOHANG);
use Test::More ();
use Time::HiRes qw(time);

use LiveHelp::Test qw(:all);

my $NGINX = $ENV{NGINX_BIN} || '/usr/sbin/nginx';

# The agent part behind auth_basic as README.md shows it, the users in
# %%DIR%%/htpasswd; each key of %extra is one more directive in it.
sub agent_location {
    my (%extra) = @_;
    my $more = join '', map { "            $_ $extra{$_};\n" } sort keys %extra;
    return <<"LOC";
        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file %%DIR%%/htpasswd;
            live_help_agent_user \$remote_user;
$more        }
LOC
}
my @RUNNING;

# Lines that must never appear in an error log.
my $BAD_LINE = qr{
    \[(?:alert|crit|emerg)\]
  | AddressSanitizer | LeakSanitizer | ThreadSanitizer | MemorySanitizer
  | UndefinedBehaviorSanitizer | \bruntime\ error:
}x;

sub nginx_binary {
    return $NGINX;
}

sub chat_config {
    my ($class, $http) = @_;
    $http //= '';
    return <<"CONF" . <<'CONF';
load_module %%MODULE%%;
http {
    live_help_redis 127.0.0.1:%%REDIS_PORT%%;
    $http
CONF
    server {
        listen 127.0.0.1:%%PORT%%;
        location /live-help/ {
            live_help_endpoint;
        }
        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic "Agents";
            auth_basic_user_file %%DIR%%/agents;
            live_help_agent_user $remote_user;
        }
    }
}
CONF
}

# Writes the config (and files) but starts nothing: for test_config.
sub prepare {
    my ($class, %args) = @_;
    my $self = bless {
        vars    => { %{ $args{vars} || {} } },
        allowed => [],
        workers => 2,
    }, $class;

    die "LiveHelp::Nginx: config is required\n" unless defined $args{config};

    $self->{dir} = temp_dir('nginx');
    $self->{port} = $self->{vars}{PORT} // free_port();
    $self->{vars}{PORT} = $self->{port};
    $self->{vars}{DIR} = $self->{dir};

    if ($args{config} =~ /%%MODULE%%/) {
        my $module = module_path();
        if (!-f $module) {
            Test::More::BAIL_OUT("live_help module not found at $module: "
                . "build it with 'make' or set LIVE_HELP_MODULE");
        }
        $self->{vars}{MODULE} = $module;
    }

    $self->{conf} = $self->_render($args{config});

    my $files = $args{files} || {};
    for my $name (sort keys %$files) {
        write_file("$self->{dir}/$name", $files->{$name});
    }

    write_file("$self->{dir}/nginx.conf", $self->{conf});
    return $self;
}

sub start {
    my ($class, %args) = @_;
    my $self = $class->prepare(%args);
    $self->_launch;
    return $self;
}

sub port { $_[0]{port} }
sub dir  { $_[0]{dir} }
sub pid  { $_[0]{pid} }
sub conf { $_[0]{conf} }
sub worker_processes { $_[0]{workers} }

sub _render {
    my ($self, $tmpl) = @_;
    my $dir = $self->{dir};
    my $vars = $self->{vars};

    $tmpl =~ s{%%([A-Z_][A-Z0-9_]*)%%}{
        defined $vars->{$1} ? $vars->{$1} : "%%$1%%"
    }ge;
    if ($tmpl =~ /(%%[A-Z_][A-Z0-9_]*%%)/) {
        die "LiveHelp::Nginx: unresolved placeholder $1 in config\n";
    }

    if ($tmpl =~ /^\s*worker_processes\s+(\d+)\s*;/m) {
        die "LiveHelp::Nginx: tests need at least 2 workers, got $1\n"
            if $1 < 2;
        $self->{workers} = $1;
    }

    # Plain core directives first: load_module lines of the template must
    # still come before any block that makes nginx count its modules.
    my $main = "daemon on;\nmaster_process on;\n"
        . "pid $dir/nginx.pid;\nerror_log $dir/error.log info;\n";
    $main .= "worker_processes 2;\n"
        unless $tmpl =~ /^\s*worker_processes\b/m;

    my $http = "\n    access_log $dir/access.log;\n"
        . "    client_body_temp_path $dir/client_body_temp;\n"
        . "    proxy_temp_path $dir/proxy_temp;\n"
        . "    fastcgi_temp_path $dir/fastcgi_temp;\n"
        . "    uwsgi_temp_path $dir/uwsgi_temp;\n"
        . "    scgi_temp_path $dir/scgi_temp;\n";
    $tmpl =~ s/^(\s*http\s*\{)/$1$http/m;

    $tmpl .= "\nevents {\n    worker_connections 1024;\n}\n"
        unless $tmpl =~ /^\s*events\s*\{/m;

    return $main . $tmpl;
}

# Runs nginx with the given extra arguments, returns (exit code, output).
sub _run_nginx {
    my ($self, @extra) = @_;
    my $dir = $self->{dir};
    my $out = "$dir/nginx-cmd.out";

    local $ENV{ASAN_OPTIONS} = $self->_asan_options;
    local $ENV{UBSAN_OPTIONS} = $self->_asan_options('UBSAN_OPTIONS', 'ubsan');
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        no warnings 'exec';
        exec $NGINX, '-p', "$dir/", '-c', "$dir/nginx.conf",
            '-e', "$dir/error.log", @extra;
        POSIX::_exit(127);
    }

    my $status;
    wait_until("'$NGINX @extra' to exit", sub {
        my $r = waitpid($pid, WNOHANG);
        $status = $? if $r == $pid;
        return $r == $pid || $r == -1;
    });
    my $rc = defined $status ? $status >> 8 : 255;
    $rc = 128 + ($status & 127) if defined $status && ($status & 127);
    my $output = -f $out ? read_file($out) : '';
    return ($rc, $output);
}

# Sanitizer reports go to DIR/sanitizer, which workers running as nobody
# can write to.
sub _sanitizer_dir {
    my ($self) = @_;
    my $d = "$self->{dir}/sanitizer";
    mkdir $d unless -d $d;
    chmod 01777, $d;
    return $d;
}

sub _asan_options {
    my ($self, $var, $name) = @_;
    $var //= 'ASAN_OPTIONS';
    $name //= 'asan';
    my $opts = $ENV{$var} // '';
    return $opts if $opts =~ /\blog_path=/;
    return join ':', grep { length } $opts,
        "log_path=" . $self->_sanitizer_dir . "/$name";
}

# nginx -t on the written config: (exit code, everything nginx printed).
sub test_config {
    my ($self) = @_;
    return $self->_run_nginx('-t');
}

sub _launch {
    my ($self) = @_;
    my $dir = $self->{dir};

    my ($rc, $out) = $self->_run_nginx;
    if ($rc != 0) {
        die "nginx failed to start (exit $rc) in $dir:\n$out\n"
            . "--- error.log ---\n" . $self->error_log;
    }

    my $pidfile = "$dir/nginx.pid";
    my $pid = wait_until("nginx pid file $pidfile", sub {
        return 0 unless -s $pidfile;
        my $p = read_file($pidfile);
        return $p =~ /^(\d+)\s*$/ ? $1 : 0;
    });
    $self->{pid} = $pid;
    push @RUNNING, $self;

    eval {
        wait_until("nginx to accept connections on 127.0.0.1:$self->{port}",
            sub { can_connect($self->{port}) });
        wait_until("$self->{workers} nginx workers", sub {
            $self->worker_pids >= $self->{workers};
        });
        $self->_wait_store;
        1;
    } or die $@ . "--- error.log ---\n" . $self->error_log;
    return $self;
}

# A worker answers a message with nack "unavailable" until its Redis
# connection is ready; with a Redis that is up, a test starts once every
# worker said so in the error log, as a slow (sanitizer) build may take a
# while.  A Redis down on purpose is not waited for.
sub _wait_store {
    my ($self) = @_;
    my ($port) = $self->{conf} =~ /^\s*live_help_redis\s+127\.0\.0\.1:(\d+)/m
        or return;
    return unless can_connect($port);
    wait_until("every worker's Redis connection ready", sub {
        my %ready = map { $_ => 1 } $self->error_log
            =~ /\] (\d+)#\d+: live_help: redis command connection to .* is ready/g;
        return !grep { !$ready{$_} } $self->worker_pids;
    });
}

sub _proc_stat {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return;
    my $line = <$fh>;
    close $fh;
    return unless defined $line && $line =~ /\)\s+(\S)\s+(\d+)/;
    return ($1, $2);
}

sub _cmdline {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return '';
    local $/;
    my $c = <$fh> // '';
    close $fh;
    $c =~ tr/\0/ /;
    return $c;
}

# Live worker processes of this master (those shutting down included).
sub worker_pids {
    my ($self, %opt) = @_;
    my @pids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        my ($state, $ppid) = _proc_stat($p);
        next unless defined $ppid && $ppid == $self->{pid};
        next if $state eq 'Z';
        my $cmd = _cmdline($p);
        next unless $cmd =~ /worker process/;
        next if $opt{active} && $cmd =~ /shutting down/;
        push @pids, $p;
    }
    closedir $dh;
    @pids = sort { $a <=> $b } @pids;
    return @pids;
}

sub _alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    my ($state) = _proc_stat($pid);
    return defined $state && $state ne 'Z';
}

sub is_running {
    my ($self) = @_;
    return $self->{pid} && _alive($self->{pid});
}

# SIGHUP; returns once a full set of new workers runs. A reload nginx
# refuses (bad config) times out and dies with the error log.
sub reload {
    my ($self) = @_;
    my %old = map { $_ => 1 } $self->worker_pids;
    kill 'HUP', $self->{pid} or die "cannot signal nginx $self->{pid}: $!\n";
    eval {
        wait_until("new nginx workers after reload", sub {
            my @new = grep { !$old{$_} } $self->worker_pids(active => 1);
            return @new >= $self->{workers};
        });
        1;
    } or die $@ . "--- error.log ---\n" . $self->error_log;
    return $self;
}

# Lines matching one of these are not reported by the error log check.
sub allow_log {
    my ($self, @re) = @_;
    push @{ $self->{allowed} }, @re;
    return $self;
}

sub error_log {
    my ($self) = @_;
    my $f = "$self->{dir}/error.log";
    return -f $f ? read_file($f) : '';
}

# Mark and read the error log, to look at what one request logged.
sub log_mark {
    my ($self) = @_;
    return -s "$self->{dir}/error.log" || 0;
}

sub log_since {
    my ($self, $mark) = @_;
    return substr($self->error_log, $mark // 0);
}

# Pure: the lines of $text that make a test fail.
sub bad_log_lines {
    my ($text, @allowed) = @_;
    my @bad;
    for my $line (split /\n/, $text) {
        next unless $line =~ $BAD_LINE;
        next if grep { $line =~ $_ } @allowed;
        push @bad, $line;
    }
    return @bad;
}

sub _sanitizer_reports {
    my ($self) = @_;
    my $d = "$self->{dir}/sanitizer";
    opendir my $dh, $d or return '';
    my $text = '';
    for my $f (sort grep { /^(?:asan|ubsan)\./ } readdir $dh) {
        $text .= read_file("$d/$f");
    }
    closedir $dh;
    return $text;
}

# Graceful stop (QUIT, then TERM and KILL after the timeout), then the
# error log check as one test. Returns the check's result.
sub stop {
    my ($self) = @_;
    return 1 if $self->{stopped}++;
    @RUNNING = grep { $_ != $self } @RUNNING;

    my $pid = $self->{pid};
    my @problems;
    if ($pid && _alive($pid)) {
        kill 'QUIT', $pid;
        my $ok = eval {
            wait_until("nginx $pid to exit after QUIT", sub { !_alive($pid) });
            1;
        };
        if (!$ok) {
            push @problems, "nginx did not exit within "
                . timeout_seconds() . "s of QUIT";
            kill 'TERM', $pid;
            eval { wait_until("nginx to exit after TERM",
                sub { !_alive($pid) }, 3) } or kill 'KILL', $pid;
        }
    }

    my @bad = bad_log_lines($self->error_log, @{ $self->{allowed} });
    my $san = $self->_sanitizer_reports;
    push @bad, "sanitizer report:\n$san" if length $san;
    push @problems, @bad;

    my $tb = Test::More->builder;
    my $ok = $tb->ok(!@problems,
        "nginx error log has no alert/crit/emerg or sanitizer reports");
    $tb->diag(join "\n", "in $self->{dir}:", @problems) unless $ok;
    return $ok;
}

END {
    my $status = $?;
    # a copy: stop() takes each out of @RUNNING, which a loop over it
    # (reversed in place) would then walk wrongly
    my @left = reverse @RUNNING;
    $_->stop for @left;
    $? = $status;
}

1;
