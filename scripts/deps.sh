#!/usr/bin/env bash
# Installs what the demo (scripts/deps.sh demo) or building, the demo and
# every test (scripts/deps.sh, or scripts/deps.sh test) need on Debian 12,
# and only what is missing. Safe to run again.
set -euo pipefail

cd "$(dirname "$0")/.."

what=${1:-test}

packages=(
    # build
    gcc make perl nginx nginx-dev libhiredis-dev libjansson-dev libssl-dev
    libcrypt-dev
    # run: Redis, and openssl for the demo agents' password hashes
    redis-server openssl
)

if [ "$what" = test ]; then
    packages+=(
        # tests
        libcmocka-dev libprotocol-websocket-perl libnginx-mod-nchan chromium
        clang
        # agents' password hashes: htpasswd -B (bcrypt), mkpasswd (SHA-crypt)
        apache2-utils whois
        nodejs npm curl
    )
elif [ "$what" != demo ]; then
    echo "usage: $0 [demo|test]" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

# node and npm may come from elsewhere than Debian's packages
if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}")
    missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

# npm ci only when the lock file changed since the last install
if [ "$what" = test ] && [ -f package-lock.json ]; then
    stamp=node_modules/.live-help-lock
    if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
        npm ci --no-audit --no-fund
        cp package-lock.json "$stamp"
    fi
fi
