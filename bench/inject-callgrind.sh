#!/usr/bin/env bash
# Injection cost in instructions per request, counted by callgrind: the
# same ~30 KB page served by one nginx process three ways (no filter,
# live_help on, sub_filter). Instruction counts do not depend on what else
# the machine is doing, unlike requests/s.
#
#   bench/inject-callgrind.sh [requests (500)]
set -euo pipefail

. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-500}
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}
dir=$(mktemp -d /tmp/live-help-cg.XXXXXX)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT

command -v valgrind >/dev/null || { echo "bench: apt-get install valgrind" >&2; exit 1; }

mkdir -p "$dir/html" "$dir/tmp"
bench_page "$dir/html/index.html"

p1=$(free_port); p2=$(free_port); p3=$(free_port)

cat > "$dir/nginx.conf" << CONF
load_module $module;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { }
http {
    include /etc/nginx/mime.types;
    access_log off;
$(nginx_temp_paths "$dir")
    root $dir/html;
    server { listen 127.0.0.1:$p1; }
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

# instructions of one nginx process serving $2 requests on port $1
count() {
    local out="$dir/cg.$1.$2"
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        /usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
        2>/dev/null &
    local vg=$!
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break
        sleep 0.1
    done
    perl -MIO::Socket::INET -e '
        my ($port, $n) = @ARGV;
        my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
        for (1 .. $n) {
            print $s "GET / HTTP/1.1\r\nHost: b\r\n\r\n";
            my $buf = "";
            until ($buf =~ m{</html>\n(?:\r\n0\r\n\r\n)?\z}) {
                sysread($s, $buf, 65536, length $buf) or die "read: $!";
            }
        }' "$1" "$2"
    kill -QUIT "$vg"
    wait "$vg" || true
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

echo "page: $(wc -c < "$dir/html/index.html") bytes; $n requests after 100 warm-up ones"
echo
echo "| variant | instructions per request | vs no filter |"
echo "| --- | --- | --- |"
base=
for v in "no filter:$p1" "live_help on:$p2" "sub_filter:$p3"; do
    a=$(count "${v#*:}" 100)
    b=$(count "${v#*:}" $((100 + n)))
    per=$(( (b - a) / n ))
    base=${base:-$per}
    printf '| %s | %d | %.2f |\n' "${v%%:*}" "$per" "$(echo "$per / $base" | bc -l)"
done
