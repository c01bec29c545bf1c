#!/bin/sh
# Install the servers the labs start as local processes, from Debian's packages, when missing:
# redis-server, memcached, nginx (nginx-light), PostgreSQL, and Chromium for the browser test (Playwright
# drives it directly, so no chromedriver is needed).
# Idempotent: packages already installed (or whose programs are already on PATH) are skipped,
# and `apt-get update` runs once, only when something is to be installed. Run as root (CI) or
# with sudo available.
set -eu

missing=""

need() {  # need PACKAGE COMMAND...: install PACKAGE unless one of the commands exists
    package=$1
    shift
    for command in "$@"; do
        if command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ]; then
            echo "install-debian-packages: $package: $command found, skipping"
            return 0
        fi
    done
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        echo "install-debian-packages: $package: already installed, skipping"
        return 0
    fi
    missing="$missing $package"
}

need redis-server redis-server
need memcached memcached
need nginx-light nginx
# Any PostgreSQL will do: Debian's versioned binaries live in /usr/lib/postgresql/N/bin.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    echo "install-debian-packages: postgresql: initdb found, skipping"
else
    missing="$missing postgresql"
fi
need chromium chromium chromium-browser

if [ -z "$missing" ]; then
    echo "install-debian-packages: nothing to install"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-debian-packages: missing:$missing, and this is not a Debian system:" \
        "install them with your package manager (macOS: brew install redis memcached nginx postgresql@16)" >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "install-debian-packages: apt-get update"
$sudo apt-get update -qq
echo "install-debian-packages: apt-get install$missing"
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
