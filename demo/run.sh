#!/usr/bin/env bash
# Runs the demo: a private redis-server and nginx with the module serving
# the shop in demo/shop, on 127.0.0.1. Ctrl-C stops both.
#
#   DEMO_PORT (8080) and DEMO_REDIS_PORT (6390) choose the ports.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
port=${DEMO_PORT:-8080}
redis_port=${DEMO_REDIS_PORT:-6390}
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}
dir=$repo/build/demo

port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

for p in "$port" "$redis_port"; do
    if port_busy "$p"; then
        echo "demo: port $p is in use; choose others, e.g." \
             "DEMO_PORT=8081 DEMO_REDIS_PORT=6391 make demo" >&2
        exit 1
    fi
done

[ -f "$module" ] || { echo "demo: $module is missing: run make" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir/tmp"
chmod 755 "$dir"

# Two agents for the module's own login, with passwords made up for this
# run. In production: htpasswd -B (apache2-utils) or mkpasswd -m sha-512.
sha_crypt() {
    if command -v mkpasswd >/dev/null; then
        printf '%s' "$1" | mkpasswd -m sha-512 -s
    else
        printf '%s' "$1" | openssl passwd -6 -stdin
    fi
}

new_password() {
    tr -dc 'a-km-z2-9' < /dev/urandom | head -c 10 || true
}

maria_password=$(new_password)
jonas_password=$(new_password)
{
    echo "# name:hash:display name (live_help_agents_file)"
    echo "maria:$(sha_crypt "$maria_password"):Maria Virtanen"
    echo "jonas:$(sha_crypt "$jonas_password"):Jonas Berg"
} > "$dir/agents"
# nginx's workers read it again when it changes
chmod 644 "$dir/agents"
head -c 32 /dev/urandom > "$dir/secret"
sed -e "s|@MODULE@|$module|g" -e "s|@DIR@|$dir|g" -e "s|@REPO@|$repo|g" \
    -e "s|@PORT@|$port|g" -e "s|@REDIS_PORT@|$redis_port|g" \
    "$repo/demo/nginx.conf.in" > "$dir/nginx.conf"

redis_pid=
nginx_pid=

stop() {
    trap - INT TERM EXIT
    echo
    echo "demo: stopping"
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
    [ -n "$redis_pid" ] && kill -TERM "$redis_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "demo: stopped"
}
trap stop INT TERM EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$dir" --logfile "$dir/redis.log" &
redis_pid=$!

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
nginx_pid=$!

# ready when both answer
for _ in $(seq 100); do
    if port_busy "$port" && port_busy "$redis_port"; then
        break
    fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "demo: nginx did not start; see $dir/error.log:" >&2
        tail -5 "$dir/error.log" >&2
        exit 1
    fi
    sleep 0.1
done

cat << MSG

  Live Help demo is running (nginx pid $nginx_pid, redis pid $redis_pid)

    Shop:          http://127.0.0.1:$port/
    Product page:  http://127.0.0.1:$port/product.html
    Cart:          http://127.0.0.1:$port/cart.html
    Agent page:    http://127.0.0.1:$port/live-help/agent/
                   user maria, password $maria_password (Maria Virtanen)
                   user jonas, password $jonas_password (Jonas Berg)

    Logs: $dir/error.log
    Press Ctrl-C to stop.

MSG

wait "$nginx_pid"
