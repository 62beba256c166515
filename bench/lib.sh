# Shared by the benchmarks: sourced, not run.  fail() is the caller's.

# free_port: a free 127.0.0.1 port
free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0")->sockport'
}

# bench_page FILE: ~30 KB of ordinary markup, many tags, </body> at the end
bench_page() {
    {
        echo '<!DOCTYPE html><html><head><title>Bench</title></head><body>'
        for i in $(seq 1 400); do
            echo "<div class=\"item\"><a href=\"/p/$i\">Product $i</a> <span>\$$i.99</span></div>"
        done
        echo '</body></html>'
    } > "$1"
}

# the sub_filter line both benchmarks compare against
SUB_FILTER="sub_filter '</body>' '<script src=\"/live-help/widget/loader.js?v=0\" data-live-help-title=\"Live Help\" async></script></body>';"

# ------------------------------------------- processes and the machine

wait_for() {    # what, seconds, command...
    local what=$1 secs=$2 i
    shift 2
    for i in $(seq $((secs * 20))); do
        "$@" && return 0
        sleep 0.05
    done
    fail "timed out waiting for $what"
}

cpu_ticks() {   # utime + stime of the given pids, in clock ticks
    local f=() p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && f+=("/proc/$p/stat")
    done
    awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }' "${f[@]}"
}

pss_kb() {      # proportional set size of the given pids, in kB
    local f=() p
    for p in "$@"; do
        [ -r "/proc/$p/smaps_rollup" ] && f+=("/proc/$p/smaps_rollup")
    done
    awk '/^Pss:/ { s += $2 } END { print s + 0 }' "${f[@]}"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

machine_busy() {    # busy ticks of the whole machine, every namespace
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# other sessions may share this machine: wait (SECS at most) until it is
# nearly idle (under 10 % of a core over 2 s); prints that percentage
wait_machine_quiet() {
    local i b0 b1 pct=100 hz
    hz=$(getconf CLK_TCK)
    for i in $(seq 1 $(( $1 / 2 + 1 ))); do
        b0=$(machine_busy); sleep 2; b1=$(machine_busy)
        pct=$(( (b1 - b0) * 100 / hz / 2 ))
        [ "$pct" -lt 10 ] && break
    done
    echo "$pct"
}

workers() { pgrep -P "$nginx_master" | sort -n | paste -sd' '; }

nworkers_up() { [ "$(pgrep -P "$nginx_master" | wc -l)" -ge "$1" ]; }

# nginx_start DIR WORKERS MAIN HTTP SERVER: Debian's nginx with DIR as its
# prefix, up to $wlimit connections a worker, the given main, http and
# server lines; sets nginx_master and nginx_dir
nginx_start() {
    local d=$1 nworkers=$2
    cat > "$d/nginx.conf" << CONF
$3
worker_processes $nworkers;
worker_rlimit_nofile $wlimit;
pid $d/nginx.pid;
error_log $d/error.log notice;
events { worker_connections $wlimit; }
http {
    access_log off;
    client_body_temp_path $d/tmp;
    proxy_temp_path $d/tmp;
    fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp;
    scgi_temp_path $d/tmp;
    $4
    server {
        $5
    }
}
CONF

    /usr/sbin/nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
        || fail "nginx did not start ($d/error.log)"
    wait_for "nginx pid" 10 test -s "$d/nginx.pid"
    nginx_master=$(cat "$d/nginx.pid")
    wait_for "$nworkers workers" 10 nworkers_up "$nworkers"
    nginx_dir=$d
    # Redis connections of the workers come up
    sleep 1
}

# nginx gracefully (QUIT), then redis-server, both by pid
stop_nginx_redis() {
    kill -QUIT "$nginx_master"
    wait_for "nginx to stop" 30 gone "$nginx_master"
    nginx_master=
    kill "$redis_pid"
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=
}

# a temporary directory $dir for a run, with an empty $results file
make_dir() {
    dir=$(mktemp -d -t "$1.XXXXXX")
    chmod 755 "$dir"
    results=$dir/results.txt
    : > "$results"
}

# the end of a run: the temporary directory $dir goes, unless KEEP=1
remove_dir() {
    sleep 0.5
    if [ "${KEEP:-0}" = 1 ]; then
        say "kept $dir"
    else
        rm -rf "$dir"
    fi
}

# what the WebSocket benchmarks need: the module ($module, built if
# missing), Redis, bench/wsload ($wsload); the open-file limit raised to
# the hard one ($nofile) and what one nginx worker may hold ($wlimit)
ws_prerequisites() {
    [ -f "$module" ] || make -C "$repo" >&2 || fail "cannot build the module"
    command -v redis-server >/dev/null || fail "apt-get install redis-server"
    command -v redis-cli >/dev/null || fail "apt-get install redis-tools"
    make -s -C "$bench" wsload >&2 || fail "cannot build bench/wsload"
    wsload=$bench/wsload

    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    ulimit -n "$nofile"
    wlimit=$((nofile < 65536 ? nofile : 65536))
}

# nginx_temp_paths DIR: an nginx http block's temp paths, all in DIR/tmp
nginx_temp_paths() {
    local k
    for k in client_body proxy fastcgi uwsgi scgi; do
        echo "    ${k}_temp_path $1/tmp;"
    done
}
