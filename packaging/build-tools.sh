#!/bin/sh
# Make sure the tools that build and check the Debian package are here; install them when we can.
#
# On Debian as root they are installed with apt-get (after apt-get update), as the Makefile
# installs python3-venv for the development environment. Anywhere else the script says what is
# missing and how to get it, and fails.
set -eu

# tool (a command or a file) and the Debian package that brings it
needs="
dh_virtualenv dh-virtualenv
dh debhelper
dpkg-buildpackage dpkg-dev
fakeroot fakeroot
lintian lintian
systemd-analyze systemd
/usr/bin/python3.11 python3.11
"

missing=""
printf '%s\n' "$needs" | {
    while read -r tool package; do
        [ -n "$tool" ] || continue
        case "$tool" in
            /*) [ -x "$tool" ] && continue ;;
            *) command -v "$tool" >/dev/null 2>&1 && continue ;;
        esac
        missing="$missing $package"
    done
    # The build venv is made with python3.11's own venv module (Debian's python3.11-venv).
    if [ -x /usr/bin/python3.11 ] && ! /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null; then
        missing="$missing python3.11-venv"
    fi
    [ -z "$missing" ] && exit 0

    if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        echo "make deb builds a Debian package and needs Debian (dpkg, apt-get); this machine has neither." >&2
        echo "Build it on Debian 12 (bookworm): make deb" >&2
        exit 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "make deb needs these Debian packages:$missing" >&2
        echo "Install them once with: sudo apt-get install --no-install-recommends$missing" >&2
        exit 1
    fi
    echo "installing the package build tools:$missing"
    apt-get update -qq
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}
