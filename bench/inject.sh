#!/usr/bin/env bash
# Injection benchmark: the same ~30 KB HTML page served by one nginx
# (2 workers) three ways, measured with wrk in alternating rounds:
#   plain      no filter
#   live_help  live_help on
#   sub_filter sub_filter '</body>' '<script ...></body>'
#
#   bench/inject.sh [seconds per run (10)] [rounds (3)] [connections (50)]
set -euo pipefail

. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
rounds=${2:-3}
conns=${3:-50}
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}
dir=$(mktemp -d /tmp/live-help-bench.XXXXXX)
chmod 755 "$dir"

command -v wrk >/dev/null || { echo "bench: apt-get install wrk" >&2; exit 1; }
[ -f "$module" ] || { echo "bench: run make first" >&2; exit 1; }

mkdir -p "$dir/html" "$dir/tmp"
bench_page "$dir/html/index.html"

p1=$(free_port); p2=$(free_port); p3=$(free_port)

cat > "$dir/nginx.conf" << CONF
load_module $module;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off;
$(nginx_temp_paths "$dir")
    root $dir/html;
    server {
        listen 127.0.0.1:$p1;
    }
    server {
        listen 127.0.0.1:$p2;
        location / { live_help on; }
        location /live-help/ { live_help_endpoint; }
    }
    server {
        listen 127.0.0.1:$p3;
        location / {
            $SUB_FILTER
        }
    }
}
CONF

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
trap 'kill -QUIT $(cat "$dir/nginx.pid") 2>/dev/null; rm -rf "$dir"' EXIT

for p in $p1 $p2 $p3; do
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$p/" && break
        sleep 0.1
    done
done

# every variant must answer what it is supposed to
page() { curl -s "http://127.0.0.1:$1/"; }
[[ $(page "$p2") == *'loader.js?v='* ]] \
    || { echo "bench: live_help did not inject" >&2; exit 1; }
[[ $(page "$p3") == *'loader.js?v=0'* ]] \
    || { echo "bench: sub_filter did not inject" >&2; exit 1; }
[[ $(page "$p1") != *'loader.js'* ]] \
    || { echo "bench: the plain server injected" >&2; exit 1; }

echo "page: $(wc -c < "$dir/html/index.html") bytes; wrk -t1 -c$conns -d${secs}s;" \
     "$rounds rounds; nginx $(nginx -v 2>&1 | sed 's/.*\///'), 2 workers"

declare -A results
for r in $(seq "$rounds"); do
    for v in plain:$p1 live_help:$p2 sub_filter:$p3; do
        name=${v%%:*}; port=${v#*:}
        rps=$(wrk -t1 -c"$conns" -d"${secs}s" "http://127.0.0.1:$port/" \
              | awk '/Requests\/sec/ { print $2 }')
        results[$name]="${results[$name]:-} $rps"
        echo "round $r  $name  $rps req/s"
    done
done

median() {
    tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 }
        END { if (NR % 2) print a[(NR + 1) / 2];
              else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

plain=$(echo "${results[plain]}" | median)
lh=$(echo "${results[live_help]}" | median)
sub=$(echo "${results[sub_filter]}" | median)

echo
echo "| variant | req/s (median) | vs no filter |"
echo "| --- | --- | --- |"
for v in "no filter:$plain" "live_help on:$lh" "sub_filter:$sub"; do
    printf '| %s | %.0f | %.3f |\n' "${v%%:*}" "${v#*:}" \
        "$(echo "${v#*:} / $plain" | bc -l)"
done
printf '\nlive_help / sub_filter = %.3f\n' "$(echo "$lh / $sub" | bc -l)"
