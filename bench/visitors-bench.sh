#!/usr/bin/env bash
# "Visitors on the site now" with 10k visitors online: the cost of page
# views riding on the widget's socket, kept in Redis (lua/visitor.lua), and
# how fast agents get the list, one visitor, and the live updates.
#
#   1. connect VISITORS sockets (hello, "live") on 2 workers, without and
#      then with one page view each: connect time, nginx memory per socket
#      (Pss), Redis memory and keys per visitor
#   2. "visitors" (100 items + total) and "visitor" (one with its pages):
#      latency over ASKS requests from an agent socket, Redis time per call
#      (INFO commandstats, and SLOWLOG per script op), answer size
#   3. live updates: AGENTS agent sockets while the visitors view pages at
#      each of RATES page views/s for RATE_SECS s: "visitor" messages per
#      agent per s, their delay, server CPU per page view, agents lost
#   4. the online refresh (one ZADD XX of every visitor of a worker, every
#      30 s per worker): its Redis time, and "visitors" latency around it
#      over REFRESH_SECS s
#
#   bench/visitors-bench.sh            # the full run, about 3 minutes
#   QUICK=1 bench/visitors-bench.sh    # 1,000 visitors, short steps
#
# Environment (full / QUICK=1): VISITORS (10000 / 1000), AGENTS (10), ASKS
# (200 / 50), RATES ("100 1000"), RATE_SECS (10 / 3), REFRESH_SECS (35,
# more than one refresh of each worker / 0: skipped), QUIET_WAIT (120 / 0 s
# to wait for an idle machine), KEEP=1 (keep the temporary directory),
# RESULTS=FILE (copy the raw result lines there).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=$repo/bench
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}

if [ "${QUICK:-0}" = 1 ]; then
    d_visitors=1000 d_asks=50 d_rate_secs=3 d_refresh=0 d_quiet=0
else
    d_visitors=10000 d_asks=200 d_rate_secs=10 d_refresh=35 d_quiet=120
fi
VISITORS=${VISITORS:-$d_visitors}
AGENTS=${AGENTS:-10}
ASKS=${ASKS:-$d_asks}
RATES=${RATES:-100 1000}
RATE_SECS=${RATE_SECS:-$d_rate_secs}
REFRESH_SECS=${REFRESH_SECS:-$d_refresh}
QUIET_WAIT=${QUIET_WAIT:-$d_quiet}
ASK_GAP_MS=5                # between an answer and the next request

say() { echo "visitors-bench: $*" >&2; }
fail() { say "$*"; exit 1; }

. "$bench/lib.sh"

ws_prerequisites

make_dir visitors-bench

nginx_master=
redis_pid=
clients=()

cleanup() {
    local p
    for p in "${clients[@]}" $(jobs -p); do
        kill "$p" 2>/dev/null || true
    done
    [ -n "$nginx_master" ] && kill -TERM "$nginx_master" 2>/dev/null || true
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
    remove_dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() { echo "$*" >> "$results"; say "$*"; }

rcli() { redis-cli -p "$redis_port" "$@"; }

redis_info() {  # FIELD [SECTION]: one number of INFO
    rcli info "${2:-all}" | tr -d '\r' | awk -F: -v k="$1" '$1 == k { print $2 + 0 }'
}

# usec_per_call and calls of one command since the last CONFIG RESETSTAT
cmdstat() {
    rcli info commandstats | tr -d '\r' | awk -F'[:,=]' -v k="cmdstat_$1" '
        $1 == k { for (i = 2; i < NF; i += 2) v[$i] = $(i + 1) }
        END { printf "%s_calls=%d %s_usec_per_call=%.2f", k, v["calls"], k, v["usec_per_call"] }' \
        | sed 's/cmdstat_//g'
}

# every command since slowlog_on, by script op ("evalsha:list") or by
# command and key ("ZADD lh:online"): count, mean, p99, max in us
slowlog_on() {      # [US]: only commands slower than that
    rcli config set slowlog-max-len 100000 >/dev/null
    rcli slowlog reset >/dev/null
    rcli config set slowlog-log-slower-than "${1:-0}" >/dev/null
}

slowlog_report() {  # PREFIX
    rcli config set slowlog-log-slower-than 10000 >/dev/null
    rcli -2 --json slowlog get 100000 | perl -MJSON::PP -e '
        my $prefix = shift;
        my $log = decode_json(join "", <STDIN>);
        my %by;
        for my $e (@$log) {
            my ($us, $args) = @$e[2, 3];
            my $cmd = uc $args->[0];
            next if $cmd =~ /^(SLOWLOG|CONFIG|INFO|PING)$/;
            # one line per script op, or per command and kind of key
            my $key = $args->[1] // "";
            $key =~ s/^(lh:(?:v|c|mine|ag)):[^:]+/$1:*/;
            my $k = $cmd eq "EVALSHA" ? "evalsha:" . ($args->[3] // "?")
                  : $cmd . ($key =~ /^lh:/ ? ":$key" : "");
            push @{ $by{$k}{us} }, $us;
            $by{$k}{argc} = @$args if @$args > ($by{$k}{argc} // 0);
        }
        for my $k (sort keys %by) {
            my @u = sort { $a <=> $b } @{ $by{$k}{us} };
            my $sum = 0; $sum += $_ for @u;
            printf "%s op=%s calls=%d us_mean=%.1f us_p99=%d us_max=%d\n",
                $prefix, $k, scalar @u, $sum / @u,
                $u[int(0.99 * $#u + 0.5)], $u[-1];
        }' "$1" >> "$results"
    grep "^$1 " "$results" | grep -E 'evalsha|ZADD' | sed 's/^/  /' >&2
}

lines_of() {    # N KIND FILE...: N lines starting with KIND
    local n=$1 kind=$2
    shift 2
    [ "$(cat "$@" 2>/dev/null | grep -c "^$kind ")" -ge "$n" ]
}

online_is() { [ "$(rcli zcard lh:online)" -ge "$1" ]; }

field() {       # KEY LINE...: the value of KEY= in the line
    local k=$1
    shift
    echo "$*" | tr ' ' '\n' | sed -n "s/^$k=//p" | head -1
}

start_servers() {
    local d
    nstart=$((${nstart:-0} + 1))
    d=$dir/run$nstart
    mkdir -p "$d/tmp"
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize no --logfile "$d/redis.log" &
    redis_pid=$!
    wait_for redis 10 rcli ping >/dev/null 2>&1

    port=$(free_port)
    head -c 32 /dev/urandom > "$d/secret"
    echo "maria:{PLAIN}pw" > "$d/agents"
    nginx_start "$d" 2 "load_module $module;" \
        "live_help_redis 127.0.0.1:$redis_port;
    live_help_secret_file $d/secret;
    # the limits are checked, but a load client is not a shopper
    live_help_limit_pages 100000/1s 100000/1s;
    live_help_limit_requests 100000/1s;" \
        "listen 127.0.0.1:$port backlog=4096;
        location /live-help/ { live_help_endpoint; }
        location /live-help/agent/ {
            live_help_endpoint;
            auth_basic \"Agents\";
            auth_basic_user_file $d/agents;
            live_help_agent_user \$remote_user;
        }"
}

stop_servers() {    # NAME
    local p bad slow
    for p in "${clients[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${clients[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    clients=()
    stop_nginx_redis
    bad=$(grep -cE '\[(alert|crit|emerg|error)\]' "$nginx_dir/error.log" || true)
    slow=$(grep -ci 'slow' "$nginx_dir/error.log" || true)
    record "log run=$1 bad_lines=$bad slow_lines=$slow"
    [ "$bad" = 0 ] || grep -E '\[(alert|crit|emerg|error)\]' "$nginx_dir/error.log" \
        | sed 's/^[0-9/]* [0-9:]* [0-9#]*: //' | sort | uniq -c | sort -rn | head -5 >&2
}

# connect RUN PAGE_ARGS...: VISITORS sockets from 2 client processes (own
# source addresses), each saying hello; with --page each views a page
connect_visitors() {
    local run=$1 i outs=() ws mem0 mem1 r0 r1 k0 k1 t0 t_stored ready failed
    shift
    ws=$(workers)
    mem0=$(pss_kb "$nginx_master" $ws)
    r0=$(redis_info used_memory memory)
    k0=$(rcli dbsize)
    t0=$(date +%s.%N)
    for i in 1 2; do
        "$wsload" idle --port "$port" --count $((VISITORS / 2)) \
            --src "127.0.$nstart.$((10 + i))" --conc 256 --tag "$run$i" \
            --setup-timeout 120 "$@" \
            > "$dir/$run-$i.out" 2> "$dir/$run-$i.err" &
        clients+=($!)
        outs+=("$dir/$run-$i.out")
    done
    wait_for "$VISITORS sockets" 150 lines_of 2 ready "${outs[@]}"
    t_stored=-
    if [ "$run" = pages ]; then
        wait_for "$VISITORS visitors online" 60 online_is "$VISITORS"
        t_stored=$(awk "BEGIN { printf \"%.3f\", $(date +%s.%N) - $t0 }")
    fi
    sleep 2
    mem1=$(pss_kb "$nginx_master" $ws)
    r1=$(redis_info used_memory memory)
    k1=$(rcli dbsize)
    read -r ready failed connect < <(cat "${outs[@]}" | awk '/^ready/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        r += v["ready"]; f += v["failed"]; if (v["ready_s"] > s) s = v["ready_s"] }
        END { printf "%d %d %.3f\n", r, f, s }')
    record "connect run=$run visitors=$VISITORS ready=$ready failed=$failed" \
        "connect_s=$connect online_stored_s=$t_stored" \
        "nginx_bytes_per_socket=$(( (mem1 - mem0) * 1024 / (ready > 0 ? ready : 1) ))" \
        "redis_bytes_per_visitor=$(( (r1 - r0) / (ready > 0 ? ready : 1) ))" \
        "redis_keys_per_visitor=$(awk "BEGIN { printf \"%.2f\", ($k1 - $k0) / ($ready > 0 ? $ready : 1) }")" \
        "online=$(rcli zcard lh:online) redis_used_mb=$(( r1 / 1048576 ))"
}

# go AGENTS_OUT KIND N: start the agents' next step, wait for its line
agents_step() {
    local kind=$1 n
    n=$(( $(grep -c "^$kind " "$dir/agents.out" || true) + 1 ))
    kill -USR1 "$agents_pid"
    wait_for "agents' $kind line" 300 lines_of "$n" "$kind" "$dir/agents.out"
    grep "^$kind " "$dir/agents.out" | tail -1
}

# ------------------------------------------------------------------ run

quiet=$(wait_machine_quiet "$QUIET_WAIT")
record "start load=$(cut -d' ' -f1-3 /proc/loadavg) busy_pct_before=$quiet" \
    "nproc=$(nproc) nofile=$nofile visitors=$VISITORS agents=$AGENTS" \
    "nginx=$(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///')" \
    "redis=$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
    "module=$(sha256sum "$module" | cut -c1-12)" \
    "commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo none)"

# 1. sockets without pages, for comparison, on their own servers
start_servers
connect_visitors idle
stop_servers idle

# 1'. with a page each; these servers and visitors serve the rest
start_servers
steps=""
for r in $RATES; do
    steps+="${steps:+,}$((r / 2)):$RATE_SECS"    # from each of 2 processes
done
connect_visitors pages --page --page-steps "$steps"
vpids=("${clients[@]}")

asks="go,ask:visitors:$ASKS:$ASK_GAP_MS,go,ask:visitor:$ASKS:$ASK_GAP_MS"
for r in $RATES; do
    asks+=",listen:$RATE_SECS"
done
[ "$REFRESH_SECS" -gt 0 ] \
    && asks+=",go,ask:visitors:$((REFRESH_SECS * 1000 / (ASK_GAP_MS + 3))):$ASK_GAP_MS"
asks+=",go,ask:visitor:$ASKS:$ASK_GAP_MS"
"$wsload" agents --port "$port" --path /live-help/agent/ws \
    --count "$AGENTS" --auth maria:pw --src "127.0.$nstart.20" \
    --tag agents --steps "$asks" \
    > "$dir/agents.out" 2> "$dir/agents.err" &
agents_pid=$!
clients+=("$agents_pid")
wait_for "$AGENTS agents" 30 lines_of 1 ready "$dir/agents.out"
record "agents $(grep '^ready' "$dir/agents.out")"
grep -q "^ready .* ready=$AGENTS " "$dir/agents.out" \
    || fail "agents not ready: $(head -3 "$dir/agents.err")"

# 2. the list and one visitor, with nothing else going on
for what in visitors visitor; do
    wait_quiet_servers=$(wait_machine_quiet 30)
    rcli config resetstat >/dev/null
    slowlog_on
    rc0=$(cpu_ticks "$redis_pid")
    line=$(agents_step ask)
    rc1=$(cpu_ticks "$redis_pid")
    record "$line busy_pct_before=$wait_quiet_servers $(cmdstat evalsha)" \
        "redis_cpu_us_per_call=$(( (rc1 - rc0) * 1000000 / $(getconf CLK_TCK) / ASKS ))"
    slowlog_report "redis-$what"
done

# 3. live updates at each rate: the agents listen while the visitors browse
for r in $RATES; do
    busy=$(wait_machine_quiet 30)
    ws=$(workers)
    rcli config resetstat >/dev/null
    c0=$(cpu_ticks $ws "$redis_pid"); rc0=$(cpu_ticks "$redis_pid")
    t0=$(date +%s.%N)
    n=$(( $(cat "$dir"/pages-*.out | grep -c '^pages ' || true) + 2 ))
    l=$(( $(grep -c '^listen ' "$dir/agents.out" || true) + 1 ))
    kill -USR1 "$agents_pid" "${vpids[@]}"
    wait_for "page views at $r/s" $((RATE_SECS + 30)) \
        lines_of "$n" pages "$dir"/pages-1.out "$dir"/pages-2.out
    wait_for "agents' listen line" 30 lines_of "$l" listen "$dir/agents.out"
    c1=$(cpu_ticks $ws "$redis_pid"); rc1=$(cpu_ticks "$redis_pid")
    t1=$(date +%s.%N)
    sent=$(cat "$dir"/pages-*.out | grep '^pages ' | grep " rate=$((r / 2)) " \
           | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "sent") s += kv[2] } } END { print s + 0 }')
    listen=$(grep '^listen ' "$dir/agents.out" | tail -1)
    hz=$(getconf CLK_TCK)
    record "live rate=$r secs=$RATE_SECS busy_pct_before=$busy page_views=$sent" \
        "$(echo "$listen" | cut -d' ' -f3-)" \
        "server_cpu_ms=$(( (c1 - c0) * 1000 / hz )) redis_cpu_ms=$(( (rc1 - rc0) * 1000 / hz ))" \
        "server_cpu_us_per_view=$(awk "BEGIN { printf \"%.0f\", ($c1 - $c0) * 1e6 / $hz / ($sent > 0 ? $sent : 1) }")" \
        "redis_cpu_us_per_view=$(awk "BEGIN { printf \"%.0f\", ($rc1 - $rc0) * 1e6 / $hz / ($sent > 0 ? $sent : 1) }")" \
        "window_s=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")" \
        "$(cmdstat evalsha) $(cmdstat publish)"
done

# 4. the online refresh: "visitors" without pause for REFRESH_SECS s,
# which holds at least one refresh of each worker; the SLOWLOG keeps what
# took over 1 ms only, or the list's own commands would push the ZADDs out
if [ "$REFRESH_SECS" -gt 0 ]; then
    busy=$(wait_machine_quiet 30)
    rcli config resetstat >/dev/null
    slowlog_on 1000
    line=$(agents_step ask)
    record "refresh $line busy_pct_before=$busy $(cmdstat zadd)"
    slowlog_report redis-refresh
    grep '^slow ' "$dir/agents.out" | sed 's/^/refresh-/' >> "$results" || true
fi

# 5. one visitor again, now with the pages of the browsing
line=$(agents_step ask)
record "after-browsing $line"
record "agents-end $(kill -TERM "$agents_pid"; wait "$agents_pid" || true; grep '^end' "$dir/agents.out")"
stop_servers pages
record "end load=$(cut -d' ' -f1-3 /proc/loadavg)"

[ -n "${RESULTS:-}" ] && cp "$results" "$RESULTS"

# ----------------------------------------------------------------- table

perl -e '
    my (%v, @order);
    while (<>) {
        chomp;
        my @f = split / /;
        my $kind = shift @f;
        $kind .= "-" . shift @f if $kind =~ /^(refresh|after-browsing)$/;
        my %h = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @f;
        my $k = $kind eq "connect" ? "connect-$h{run}"
              : $kind eq "live" ? "live-$h{rate}"
              : $kind eq "ask" ? "ask-$h{ask}"
              : $kind =~ /^redis-/ ? "$kind-$h{op}" : $kind;
        $v{$k} = \%h;
    }
    my $g = sub { my ($k, $f) = @_; $v{$k} && defined $v{$k}{$f} ? $v{$k}{$f} : "-" };
    my @rows = (
        ["connect visitors, hello only / hello + page (s)",
         $g->("connect-idle", "connect_s") . " / " . $g->("connect-pages", "connect_s")],
        ["all pages stored (lh:online complete) after (s)", $g->("connect-pages", "online_stored_s")],
        ["nginx memory per socket, hello only / + page (bytes)",
         $g->("connect-idle", "nginx_bytes_per_socket") . " / " . $g->("connect-pages", "nginx_bytes_per_socket")],
        ["Redis memory per visitor, hello only / + page (bytes)",
         $g->("connect-idle", "redis_bytes_per_visitor") . " / " . $g->("connect-pages", "redis_bytes_per_visitor")],
        ["Redis keys per visitor, hello only / + page",
         $g->("connect-idle", "redis_keys_per_visitor") . " / " . $g->("connect-pages", "redis_keys_per_visitor")],
        ["visitors: p50 / p99 / max (ms)",
         join(" / ", map { $g->("ask-visitors", $_) } qw(p50_ms p99_ms max_ms))],
        ["visitors: Redis us per call (evalsha usec_per_call; SLOWLOG list mean)",
         $g->("ask-visitors", "evalsha_usec_per_call") . "; " . $g->("redis-visitors-evalsha:list", "us_mean")],
        ["visitors: answer bytes, items, total",
         join(", ", map { $g->("ask-visitors", $_) } qw(bytes_avg items_avg total))],
        ["visitor: p50 / p99 / max (ms)",
         join(" / ", map { $g->("ask-visitor", $_) } qw(p50_ms p99_ms max_ms))],
        ["visitor: Redis us per call (evalsha; SLOWLOG get mean)",
         $g->("ask-visitor", "evalsha_usec_per_call") . "; " . $g->("redis-visitor-evalsha:get", "us_mean")],
        ["visitors / visitor: Redis CPU per call, all its work (us, utime+stime)",
         $g->("ask-visitors", "redis_cpu_us_per_call") . " / " . $g->("ask-visitor", "redis_cpu_us_per_call")],
        ["visitor: answer bytes, pages", join(", ", map { $g->("ask-visitor", $_) } qw(bytes_avg items_avg))],
        ["visitor after browsing: p50 / p99 (ms), bytes, pages",
         join(" / ", map { $g->("after-browsing-ask", $_) } qw(p50_ms p99_ms)) . ", "
         . join(", ", map { $g->("after-browsing-ask", $_) } qw(bytes_avg items_avg))],
    );
    for my $k (sort { ($a =~ /(\d+)/)[0] <=> ($b =~ /(\d+)/)[0] } grep { /^live-/ } keys %v) {
        my $r = $v{$k}{rate};
        push @rows,
          ["$r views/s: page views sent / visitor msgs per agent (min-max)",
           $g->($k, "page_views") . " / " . $g->($k, "per_agent_min") . "-" . $g->($k, "per_agent_max")],
          ["$r views/s: msgs per agent per s; delay p50 / p99 / max (ms)",
           $g->($k, "per_agent_per_s") . "; " . join(" / ", map { $g->($k, $_) } qw(delay_p50_ms delay_p99_ms delay_max_ms))],
          ["$r views/s: server CPU per view (us), of which Redis",
           $g->($k, "server_cpu_us_per_view") . " (" . $g->($k, "redis_cpu_us_per_view") . ")"],
          ["$r views/s: agents still connected", $g->($k, "agents") . " of " . $g->($k, "of")];
    }
    push @rows,
      ["refresh: ZADD lh:online XX of a worker'"'"'s visitors: calls, mean / max (us)",
       $g->("redis-refresh-ZADD:lh:online", "calls") . ", " . $g->("redis-refresh-ZADD:lh:online", "us_mean")
       . " / " . $g->("redis-refresh-ZADD:lh:online", "us_max")],
      ["refresh window: visitors requests, p50 / p99 / max (ms), over 5 ms",
       $g->("refresh-ask", "answered") . ", " . join(" / ", map { $g->("refresh-ask", $_) } qw(p50_ms p99_ms max_ms))
       . ", " . $g->("refresh-ask", "over_5ms")];
    print "\n| metric | value |\n| --- | --- |\n";
    print "| $_->[0] | $_->[1] |\n" for @rows;
' "$results"

echo
echo "raw results:"
cat "$results"
