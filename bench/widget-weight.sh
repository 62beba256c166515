#!/bin/bash
# What a shopper downloads, as nginx serves it: every file of the widget
# fetched from a real nginx with the module (Accept-Encoding: gzip), the
# bytes of each response body counted.  Every page: the loader,
# client.js and notice.js; a page in another language: one lang/ file;
# the first click: the rest.  Budgets: the loader under 5 KB, all of it under 25 KB.
#
# usage: bench/widget-weight.sh

set -euo pipefail

. "$(dirname "$0")/lib.sh"

repo=$(cd "$(dirname "$0")/.." && pwd)
module=${LIVE_HELP_MODULE:-$repo/build/ngx_http_live_help_module.so}
dir=$(mktemp -d /tmp/live-help-bench.XXXXXX)
fail() { echo "bench: $*" >&2; exit 1; }

[ -f "$module" ] || fail "run make first"
mkdir -p "$dir/tmp"
port=$(free_port)

cat > "$dir/nginx.conf" << CONF
load_module $module;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
$(nginx_temp_paths "$dir")
    live_help_redis 127.0.0.1:9;    # none: the files are served without
    server {
        listen 127.0.0.1:$port;
        location /live-help/ { live_help_endpoint; }
    }
}
CONF

/usr/sbin/nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
trap 'kill -QUIT $(cat "$dir/nginx.pid") 2>/dev/null; rm -rf "$dir"' EXIT
wait_for nginx 10 curl -s -o /dev/null "http://127.0.0.1:$port/live-help/widget/loader.js"

served() {      # gzip bytes of one file as served
    curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' \
        "http://127.0.0.1:$port/live-help/widget/$1"
}

cd "$repo/static/widget"
every=0; click=0; lang=0; lang_file=-
printf '%-16s %8s %8s\n' file source served
for f in $(find . -type f \( -name '*.js' -o -name '*.css' \) | sed 's|^\./||' | sort); do
    n=$(served "$f")
    [ "$n" -gt 0 ] || fail "$f: nothing served"
    printf '%-16s %8d %8d\n' "$f" "$(stat -c %s "$f")" "$n"
    case $f in
        loader.js|client.js|notice.js) every=$((every + n)) ;;
        lang/*) [ "$n" -gt "$lang" ] && { lang=$n; lang_file=$f; } ;;
        *) click=$((click + n)) ;;
    esac
done
loader=$(served loader.js)
total=$((every + lang + click))
echo "every page: $every (loader.js $loader); another language: $lang" \
     "($lang_file); first click: $click; total: $total bytes gzipped"
[ "$loader" -lt 5120 ] || fail "loader.js is $loader bytes, over 5 KB"
[ "$total" -lt 25600 ] || fail "the widget is $total bytes, over 25 KB"
