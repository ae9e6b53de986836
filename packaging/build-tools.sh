#!/bin/sh
# Make sure the Debian packages that build and check gsmgateway's package are installed; install
# them when we can.
#
# On Debian as root they are installed with apt-get (after apt-get update), as the Makefile
# installs python3-venv for the development environment. Anywhere else the script says what is
# missing and how to get it, and fails.
set -eu

# build-essential: dpkg-buildpackage checks for it before any build. python3.11(-venv): the venv
# is made with Debian's own interpreter and its venv module. systemd: systemd-analyze, for the tests.
needed="build-essential debhelper dh-virtualenv dpkg-dev fakeroot lintian python3.11 python3.11-venv systemd"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "make deb builds a Debian package and needs Debian (dpkg, apt-get); this machine has neither." >&2
    echo "Build it on Debian 12 (bookworm): make deb" >&2
    exit 1
fi

missing=""
for package in $needed; do
    status=$(dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $package"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
    echo "make deb needs these Debian packages:$missing" >&2
    echo "Install them once with: sudo apt-get install --no-install-recommends$missing" >&2
    exit 1
fi
echo "installing the package build tools:$missing"
apt-get update -qq
# shellcheck disable=SC2086  # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
