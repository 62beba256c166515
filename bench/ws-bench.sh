#!/usr/bin/env bash
# WebSocket benchmark: ngx_http_live_help_module next to Debian's
# libnginx-mod-nchan, both with Redis, the same load client (bench/wsload.c),
# the same ~100-byte message, on this machine, in one run:
#
#   1. idle sockets: 10k on 2 workers, 50k on 4 workers (reuseport): nginx
#      memory per socket, idle CPU of nginx + Redis, time to connect them
#   2. delivery latency across workers through Redis: 500 sender/receiver
#      pairs, sender and receiver on different workers, 1000 and 2000 msg/s
#   3. most messages/s on 1000 pairs (closed loop) and server CPU per message
#
#   bench/ws-bench.sh            # the full run, 7-10 minutes
#   QUICK=1 bench/ws-bench.sh    # small counts, 1-2 minutes
#
# Environment (full / QUICK=1 values): SERVERS ("lh nchan"), IDLE_SMALL
# (10000), IDLE_LARGE (50000), IDLE_SECS (30, one ping interval of ours),
# LAT_PAIRS (500), LAT_RATES ("1000 2000"), LAT_SECS (10), LAT_ROUNDS (2),
# MAX_PAIRS (1000), MAX_WINDOW (2 messages in flight per pair), MAX_SECS
# (10), MAX_ROUNDS (2), PAYLOAD (100 bytes of text), NCHAN_BUFFER (1000,
# nchan_message_buffer_length), QUIET_WAIT (120 s to wait for an idle
# machine first), PHASE_QUIET_WAIT (30 s, the same before each phase),
# KEEP=1 (keep the temporary directory), RESULTS=FILE (copy the raw
# result lines there), PHASES ("idle latency max large": which to run).
#
# Before and after a change, in one run: BASELINE_MODULE=old.so with
# SERVERS="lh lh-base" runs the built module as "lh" and old.so as
# "lh-base", with the same configuration; the table then compares the two.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=$repo/bench
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}
nchan_module=/usr/lib/nginx/modules/ngx_nchan_module.so

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
    d_idle_secs=3 d_small=1000 d_large=3000 d_lat_pairs=50 d_lat_secs=2
    d_max_pairs=100 d_max_secs=2 d_max_rounds=1 d_quiet=0
else
    d_idle_secs=30 d_small=10000 d_large=50000 d_lat_pairs=500 d_lat_secs=10
    d_max_pairs=1000 d_max_secs=10 d_max_rounds=2 d_quiet=120
fi
SERVERS=${SERVERS:-lh nchan}
IDLE_SECS=${IDLE_SECS:-$d_idle_secs}
IDLE_SMALL=${IDLE_SMALL:-$d_small}
IDLE_LARGE=${IDLE_LARGE:-$d_large}
LAT_PAIRS=${LAT_PAIRS:-$d_lat_pairs}
LAT_RATES=${LAT_RATES:-1000 2000}
LAT_SECS=${LAT_SECS:-$d_lat_secs}
MAX_PAIRS=${MAX_PAIRS:-$d_max_pairs}
MAX_WINDOW=${MAX_WINDOW:-2}
MAX_SECS=${MAX_SECS:-$d_max_secs}
MAX_ROUNDS=${MAX_ROUNDS:-$d_max_rounds}
LAT_ROUNDS=${LAT_ROUNDS:-$d_max_rounds}
QUIET_WAIT=${QUIET_WAIT:-$d_quiet}
PHASE_QUIET_WAIT=${PHASE_QUIET_WAIT:-$((d_quiet / 4))}
PAYLOAD=${PAYLOAD:-100}
PHASES=${PHASES:-idle latency max large}
BASELINE_MODULE=${BASELINE_MODULE:-}
PER_CLIENT=12500            # sockets per client process (open-file limit)

say() { echo "ws-bench: $*" >&2; }
fail() { say "$*"; exit 1; }

# ------------------------------------------------------------ prerequisites

. "$bench/lib.sh"

[ -f "$nchan_module" ] || fail "apt-get install libnginx-mod-nchan"
ws_prerequisites
[ "$nofile" -gt $((PER_CLIENT + 100)) ] \
    || PER_CLIENT=$((nofile - 100))
# an nginx worker holds at most nofile sockets: 50k needs several
large_workers=$(( (IDLE_LARGE * 5 / 4 + wlimit - 1) / wlimit ))
[ "$large_workers" -ge 2 ] || large_workers=2

make_dir ws-bench

# stopped by pid at exit: our background jobs not yet reaped (clients,
# redis-server) and the daemonized nginx master while it runs
nginx_master=
redis_pid=

cleanup() {
    local p
    for p in $(jobs -p); do
        kill "$p" 2>/dev/null || true
    done
    [ -n "$nginx_master" ] && kill -TERM "$nginx_master" 2>/dev/null || true
    remove_dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fds_below() {   # N PID...: the processes hold fewer than N descriptors
    local n=$1 p t=0
    shift
    for p in "$@"; do
        t=$((t + $(ls "/proc/$p/fd" 2>/dev/null | wc -l)))
    done
    [ "$t" -lt "$n" ]
}

count_ready() { # N FILE...: N "ready" lines
    local n=$1
    shift
    [ "$(cat "$@" 2>/dev/null | grep -c '^ready')" -eq "$n" ]
}

redis_used() {
    redis-cli -p "$redis_port" info memory | awk -F: '/^used_memory:/ { print $2 + 0 }'
}

record() { echo "$*" >> "$results"; }

# wait (60 s at most) until nginx + Redis use under 2 % of a core over a
# second: a server may still be busy with sockets of the previous phase
wait_quiet() {
    local ws t0 c0 c1 i
    ws=$(workers)
    t0=$(date +%s)
    for i in $(seq 60); do
        c0=$(cpu_ticks $ws "$redis_pid")
        sleep 1
        c1=$(cpu_ticks $ws "$redis_pid")
        [ $(( (c1 - c0) * 100 / $(getconf CLK_TCK) )) -lt 2 ] && break
    done
    quiet_wait_s=$(( $(date +%s) - t0 ))
}

# ----------------------------------------------------------------- servers

start_redis() {
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize no --logfile "$dir/redis-$1-$redis_port.log" &
    redis_pid=$!
    wait_for redis 10 redis-cli -p "$redis_port" ping >/dev/null 2>&1
}

# start_nginx SERVER WORKERS REUSEPORT
start_nginx() {
    local server=$1 nworkers=$2 reuse=$3 d listen load loc http
    nstart=$((${nstart:-0} + 1))
    d=$dir/$server-$nworkers-$nstart
    mkdir -p "$d/tmp"
    port=$(free_port)
    listen="listen 127.0.0.1:$port backlog=4096${reuse:+ reuseport};"

    if [ "$server" = lh ] || [ "$server" = lh-base ]; then
        head -c 32 /dev/urandom > "$d/secret"
        if [ "$server" = lh-base ]; then
            load="load_module $BASELINE_MODULE;"
        else
            load="load_module $module;"
        fi
        http="live_help_redis 127.0.0.1:$redis_port;
    live_help_secret_file $d/secret;"
        if [ "$server" = lh ]; then
            # the limits are checked, but a load client is not a shopper
            http="$http
    live_help_limit_messages 100000/1s 100000/1s;"
        fi
        loc="location /live-help/ { live_help_endpoint; }"
        ws_path=/live-help/ws
    else
        load="load_module $nchan_module;"
        # every message is stored in Redis (storage mode "distributed", the
        # default with nchan_redis_pass); X-Worker names the worker so that
        # the client can put a pair's two sockets on different workers
        http="upstream redis_up { nchan_redis_server 127.0.0.1:$redis_port; }"
        loc="location /pubsub {
            nchan_pubsub websocket;
            nchan_channel_id \$arg_id;
            nchan_redis_pass redis_up;
            nchan_redis_storage_mode distributed;
            nchan_message_buffer_length ${NCHAN_BUFFER:-1000};
            nchan_message_timeout 1h;
            add_header X-Worker \$pid always;
        }"
        ws_path=/pubsub
    fi

    nginx_start "$d" "$nworkers" "$load" "$http" "$listen
        $loc"
}

stop_servers() {
    local bad lines shut
    lines=$(wc -l < "$nginx_dir/error.log")
    stop_nginx_redis
    # error lines while serving, and while stopping (QUIT, Redis stopped)
    bad=$(head -n "$lines" "$nginx_dir/error.log" \
          | grep -cE '\[(alert|crit|emerg|error)\]' || true)
    shut=$(tail -n +"$((lines + 1))" "$nginx_dir/error.log" \
           | grep -cE '\[(alert|crit|emerg|error)\]' || true)
    record "log server=$1 workers=$2 bad_lines=$bad bad_lines_at_stop=$shut"
    if [ "$((bad + shut))" -gt 0 ]; then
        say "$1 ($2 workers): $bad error lines in error.log, $shut more while stopping, e.g.:"
        grep -E '\[(alert|crit|emerg|error)\]' "$nginx_dir/error.log" \
            | sed 's/^[0-9/]* [0-9:]* [0-9#]*: //' | sort | uniq -c | sort -rn \
            | head -5 >&2
    fi
}

# ------------------------------------------------------------- the phases

# idle SERVER COUNT WORKERS NET: COUNT sockets from ceil(COUNT/PER_CLIENT)
# client processes (at least 2), each with its own 127.0.NET.x source address
idle_phase() {
    local server=$1 n=$2 nworkers=$3 net=$4 nclients i each rest outs=()
    local cpids=() ws mem0 mem1 r0 r1 cpu0 cpu1 t0 t1 ready failed busy

    wait_quiet
    busy=$(wait_machine_quiet "$PHASE_QUIET_WAIT")

    nclients=$(( (n + PER_CLIENT - 1) / PER_CLIENT ))
    [ "$nclients" -ge 2 ] || nclients=2
    ws=$(workers)
    mem0=$(pss_kb "$nginx_master" $ws)
    r0=$(redis_used)

    say "$server: $n idle sockets, $nworkers workers, $nclients client processes"
    each=$((n / nclients)); rest=$((n - each * nclients))
    for i in $(seq 1 "$nclients"); do
        local cnt=$each
        [ "$i" -le "$rest" ] && cnt=$((cnt + 1))
        "$wsload" idle --proto "$server" --port "$port" --path "$ws_path" \
            --count "$cnt" --src "127.0.$net.$((10 + i))" --conc 256 \
            --tag "${server}i${n}c$i" --setup-timeout 120 \
            > "$dir/idle-$server-$n-$i.out" 2> "$dir/idle-$server-$n-$i.err" &
        cpids+=($!)
        outs+=("$dir/idle-$server-$n-$i.out")
    done

    wait_for "$n sockets" 150 count_ready "$nclients" "${outs[@]}"

    # settle, then measure: memory now, CPU over IDLE_SECS
    sleep 2
    mem1=$(pss_kb "$nginx_master" $ws)
    r1=$(redis_used)
    local b0 b1
    b0=$(machine_busy)
    cpu0=$(cpu_ticks $ws "$redis_pid")
    t0=$(date +%s.%N)
    sleep "$IDLE_SECS"
    cpu1=$(cpu_ticks $ws "$redis_pid")
    t1=$(date +%s.%N)
    b1=$(machine_busy)
    local mem2
    mem2=$(pss_kb "$nginx_master" $ws)

    local per_worker=""
    for i in $ws; do
        per_worker+="$(( $(ls /proc/$i/fd | wc -l) )),"
    done

    for i in "${cpids[@]}"; do
        kill -TERM "$i"
    done
    for i in "${cpids[@]}"; do
        wait "$i" || true
    done

    # connect time: first connect of any client to the last socket ready
    read -r ready failed first last up < <(cat "${outs[@]}" | awk '
        /^ready/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                   r += v["ready"]; f += v["failed"]
                   if (!first || v["t_first_ns"] < first) first = v["t_first_ns"]
                   if (v["t_all_ready_ns"] > last) last = v["t_all_ready_ns"]
                   if (v["t_all_up_ns"] > up) up = v["t_all_up_ns"] }
        END { printf "%d %d %s %s %s\n", r, f, first, last, up }')
    local closed ccpu
    closed=$(cat "${outs[@]}" | awk '/^end/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        s += v["closed_by_server"] + v["io_errors"] } END { print s + 0 }')
    ccpu=$(cat "${outs[@]}" | awk '/^end/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        s += v["idle_client_cpu_ms"] } END { print s + 0 }')
    local pings
    pings=$(cat "${outs[@]}" | awk '/^end/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        s += v["pings"] } END { print s + 0 }')

    record "idle server=$server n=$n workers=$nworkers clients=$nclients" \
        "busy_pct_before=$busy" \
        "ready=$ready failed=$failed lost_while_idle=$closed" \
        "connect_s=$(awk "BEGIN { printf \"%.3f\", ($last - $first) / 1e9 }")" \
        "upgrade_s=$(awk "BEGIN { printf \"%.3f\", ($up - $first) / 1e9 }")" \
        "nginx_pss_kb_before=$mem0 nginx_pss_kb_after=$mem1" \
        "nginx_pss_kb_end=$mem2" \
        "bytes_per_socket=$(( (mem1 - mem0) * 1024 / (ready > 0 ? ready : 1) ))" \
        "redis_bytes_per_socket=$(( (r1 - r0) / (ready > 0 ? ready : 1) ))" \
        "idle_cpu_pct=$(awk "BEGIN { printf \"%.2f\", ($cpu1 - $cpu0) * 100 / $(getconf CLK_TCK) / ($t1 - $t0) }")" \
        "idle_secs=$IDLE_SECS pings_answered=$pings" \
        "machine_busy_pct=$(awk "BEGIN { printf \"%.2f\", ($b1 - $b0) * 100 / $(getconf CLK_TCK) / ($t1 - $t0) }")" \
        "client_idle_cpu_ms=$ccpu worker_fds=${per_worker%,}"
    tail -1 "$results" >&2

    # let the server close them all before the next phase
    wait_for "sockets to close" 60 fds_below $((nworkers * 200)) $ws
    wait_quiet
    record "settle server=$server n=$n quiet_after_s=$quiet_wait_s"
}

pairs_phase() {     # SERVER PAIRS STEPS NAME NET
    local server=$1 np=$2 steps=$3 name=$4 net=$5 ws out
    wait_quiet
    record "phase $name server=$server busy_pct_before=$(wait_machine_quiet "$PHASE_QUIET_WAIT")"
    ws=$(workers | tr ' ' ,)
    out=$dir/$name-$server.out
    say "$server: $name, $np pairs, steps $steps"
    "$wsload" pairs --proto "$server" --port "$port" --path "$ws_path" \
        --pairs "$np" --cross --steps "$steps" --payload "$PAYLOAD" \
        --src "127.0.$net.2,127.0.$net.3" --conc 128 --tag "$name" \
        --watch "$ws" --redis "$redis_pid" \
        > "$out" 2> "$dir/$name-$server.err" &
    wait $! || fail "wsload failed: $(tail -3 "$dir/$name-$server.err")"
    sed "s/^/$name /; s/\$/ server=$server/" "$out" >> "$results"
    grep -E '^(ready|step)' "$out" | sed "s/^/  /" >&2
    grep -q '^end' "$out" || fail "wsload did not finish: $out"
}

# ------------------------------------------------------------------ run

quiet=$(wait_machine_quiet "$QUIET_WAIT")
say "machine busy before the run: $quiet % of a core"
record "start load=$(cut -d' ' -f1-3 /proc/loadavg) busy_pct_before=$quiet nproc=$(nproc)" \
    "nofile=$nofile nginx=$(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///')" \
    "redis=$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
    "nchan=$(dpkg-query -W -f '${Version}' libnginx-mod-nchan 2>/dev/null)" \
    "module=$(sha256sum "$module" | cut -c1-12)" \
    "commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo none)"
say "$(tail -1 "$results")"

lat_steps=""
for r in $LAT_RATES; do
    lat_steps+="${lat_steps:+,}open:$r:$LAT_SECS"
done

# every phase on a fresh nginx and Redis: a server may still work on the
# sockets of a previous phase long after they closed
phase() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }

net=1
for server in $SERVERS; do
    phase idle || break
    start_redis "$server"
    start_nginx "$server" 2 ""
    idle_phase "$server" "$IDLE_SMALL" 2 "$net"
    stop_servers "$server" 2
    net=$((net + 1))
done

# latency suffers most from other work on the machine: alternate the servers
# LAT_ROUNDS times and keep, per server and rate, the round with the lowest
# p99 (the least disturbed one)
for round in $(seq "$LAT_ROUNDS"); do
    phase latency || break
    for server in $SERVERS; do
        start_redis "$server"
        start_nginx "$server" 2 ""
        pairs_phase "$server" "$LAT_PAIRS" "$lat_steps" latency "$net"
        stop_servers "$server" 2
        net=$((net + 1))
    done
done

# the most messages/s depends on how much CPU is free: alternate the
# servers MAX_ROUNDS times and keep each one's best round
for round in $(seq "$MAX_ROUNDS"); do
    phase max || break
    for server in $SERVERS; do
        start_redis "$server"
        start_nginx "$server" 2 ""
        pairs_phase "$server" "$MAX_PAIRS" "closed:$MAX_WINDOW:$MAX_SECS" max "$net"
        stop_servers "$server" 2
        net=$((net + 1))
    done
done

for server in $SERVERS; do
    phase large || break
    start_redis "$server"
    start_nginx "$server" "$large_workers" reuseport
    idle_phase "$server" "$IDLE_LARGE" "$large_workers" "$net"
    stop_servers "$server" "$large_workers"
    net=$((net + 1))
done

record "end load=$(cut -d' ' -f1-3 /proc/loadavg)"

[ -n "${RESULTS:-}" ] && cp "$results" "$RESULTS"

# ----------------------------------------------------------------- table

perl -e '
    my ($file, $small, $large, $maxpairs, $servers, @rates) = @ARGV;
    my ($other) = grep { $_ ne "lh" } split " ", $servers;
    $other //= "nchan";
    my (%v, $start, $end);
    open my $fh, "<", $file or die "$file: $!";
    while (<$fh>) {
        chomp;
        $start = $_ if /^start/;
        $end = $_ if /^end load/;
        my @f = split / /;
        my $kind = shift @f;
        my %h = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @f;
        my $s = $h{server} or next;
        if ($kind eq "idle") {
            my $k = "idle$h{n}";
            $v{$s}{"$k.$_"} = $h{$_} for keys %h;
        } elsif ($kind eq "latency" && $f[0] eq "step") {
            my $k = "lat$h{arg}";
            $v{$s}{"${k}rounds"} .= ($v{$s}{"${k}rounds"} ? ", " : "")
                . "$h{p50_ms}/$h{p99_ms}";
            next if defined $v{$s}{"$k.p99_ms"}
                    && $v{$s}{"$k.p99_ms"} <= $h{p99_ms};
            $v{$s}{"$k.$_"} = $h{$_} for keys %h;
        } elsif ($kind eq "latency" && $f[0] eq "ready") {
            $v{$s}{"latpairs.$_"} = $h{$_} for keys %h;
        } elsif ($kind eq "max" && $f[0] eq "step") {
            $v{$s}{maxrounds} .= ($v{$s}{maxrounds} ? ", " : "")
                . "$h{delivered_per_s} msg/s at $h{server_cpu_us_per_msg} us";
            next if defined $v{$s}{"max.delivered_per_s"}
                    && $v{$s}{"max.delivered_per_s"} >= $h{delivered_per_s};
            $v{$s}{"max.$_"} = $h{$_} for keys %h;
        } elsif ($kind eq "max" && $f[0] eq "ready") {
            $v{$s}{"maxpairs.$_"} = $h{$_} for keys %h;
        } elsif ($kind eq "log") {
            $v{$s}{logbad} += $h{bad_lines};
            $v{$s}{logstop} += $h{bad_lines_at_stop};
        }
    }
    my @rows = (
        ["memory per idle socket, $small sockets (bytes)", "idle$small.bytes_per_socket", "< 2048", 0],
        ["memory per idle socket, $large sockets (bytes)", "idle$large.bytes_per_socket", "< 2048", 0],
        ["Redis memory per idle socket, $small (bytes)", "idle$small.redis_bytes_per_socket", "", 0],
        ["idle CPU, $small sockets (% of a core)", "idle$small.idle_cpu_pct", "< 0.5", 2],
        ["idle CPU, $large sockets (% of a core)", "idle$large.idle_cpu_pct", "", 2],
        ["whole machine busy meanwhile, $small / $large (% of a core, /proc/stat)", "idle$small.machine_busy_pct", "", 1, "idle$large.machine_busy_pct"],
        ["connect $small sockets (s)", "idle$small.connect_s", "< 2", 3],
        ["connect $large sockets (s)", "idle$large.connect_s", "", 3],
    );
    for my $r (@rates) {
        push @rows,
          ["p50 latency, $r msg/s (ms)", "lat$r.p50_ms", $r == 2000 ? "< 0.3" : "", 3],
          ["p99 latency, $r msg/s (ms)", "lat$r.p99_ms", $r == 2000 ? "< 1" : "", 3],
          ["server CPU per msg at $r msg/s (us)", "lat$r.server_cpu_us_per_msg", "", 1],
          ["of which Redis (us)", "lat$r.redis_cpu_us_per_msg", "", 1],
          ["lost at $r msg/s", "lat$r.lost", "0", 0];
    }
    push @rows,
      ["max delivered msg/s, $maxpairs pairs (best round)", "max.delivered_per_s", "", 0],
      ["server CPU per msg at max (us)", "max.server_cpu_us_per_msg", "< 35", 1],
      ["of which Redis (us)", "max.redis_cpu_us_per_msg", "", 1],
      ["p50 / p99 latency at max (ms)", "max.p50_ms", "", 3, "max.p99_ms"],
      ["client CPU per msg at max (us)", "max.client_cpu_us_per_msg", "", 1],
      ["lost at max", "max.lost", "0", 0];
    my @s = sort keys %v;
    my ($a, $b) = ("lh", $other);
    print "\n$start\n$end\n\n";
    print "| metric | target | live_help | $b | $b / live_help |\n";
    print "| --- | --- | --- | --- | --- |\n";
    for my $row (@rows) {
        my ($name, $k, $t, $d, $k2) = @$row;
        my $fmt = sub { my $x = shift; defined $x ? sprintf("%.${d}f", $x) : "-" };
        my ($x, $y) = ($v{$a}{$k}, $b ? $v{$b}{$k} : undef);
        my ($xs, $ys) = ($fmt->($x), $fmt->($y));
        if ($k2) {
            $xs .= " / " . $fmt->($v{$a}{$k2});
            $ys .= " / " . $fmt->($b ? $v{$b}{$k2} : undef);
        }
        my $ratio = (defined $x && defined $y && $x > 0 && !$k2 && $k !~ /lost/)
                    ? sprintf("%.2f", $y / $x) : "";
        print "| $name | $t | $xs | $ys | $ratio |\n";
    }
    print "\n";
    for my $r (@rates) {
        print "every round at $r msg/s, p50/p99 ms (the one with the lowest p99 in the table): ",
            join("; ", map { "$_: " . ($v{$_}{"lat${r}rounds"} // "-") } @s), "\n";
    }
    print "every max round (best one in the table): ", join("; ", map { "$_: $v{$_}{maxrounds}" } @s), "\n";
    print "sockets that failed to connect / were lost while idle: ";
    print join("; ", map { my $s = $_; "$s: " . join(", ", map {
        "$_ " . ($v{$s}{"idle$_.failed"} // "-") . "/" . ($v{$s}{"idle$_.lost_while_idle"} // "-") } ($small, $large)) } @s), "\n";
    print "pairs on different workers (latency / max): ", join("; ", map {
        "$_: " . ($v{$_}{"latpairs.pairs_cross"} // "-") . "/" . ($v{$_}{"latpairs.conns"} // 0) / 2
        . ", " . ($v{$_}{"maxpairs.pairs_cross"} // "-") . "/" . ($v{$_}{"maxpairs.conns"} // 0) / 2 } @s), "\n";
    print "[error]/[crit]/[alert] lines in the error logs: ", join("; ", map {
        "$_: " . ($v{$_}{logbad} // 0) . " while serving, " . ($v{$_}{logstop} // 0) . " while stopping" } @s), "\n";
' "$results" "$IDLE_SMALL" "$IDLE_LARGE" "$MAX_PAIRS" "$SERVERS" $LAT_RATES

echo
echo "raw results:"
cat "$results"
