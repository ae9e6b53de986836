#!/bin/sh
# Install, use, remove and purge a gsmgateway package in a fresh Debian 12 chroot, as an operator
# would on a new branch box: `apt install ./gsmgateway_….deb`, then `apt remove`, then `apt purge`.
#
#   packaging/check-install.sh dist/gsmgateway_<version>_<arch>.deb      (make deb-check)
#
# Needs root (debootstrap, chroot, mounts) and Debian's mirror; takes a few minutes the first time
# (the base system is kept in build/deb-check/bookworm and copied for every run). systemd does not
# run in the chroot, so the service is not started there: what is checked is what the package's
# files and maintainer scripts do. Every check prints "ok: …"; the first failure stops the script.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 dist/gsmgateway_<version>_<arch>.deb" >&2
    exit 64
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: needs root (debootstrap, chroot, mounts)" >&2
    exit 1
fi
# Mounts made below vanish with this private mount namespace, whatever happens.
if [ -z "${GSMGATEWAY_CHECK_IN_NAMESPACE:-}" ]; then
    GSMGATEWAY_CHECK_IN_NAMESPACE=1 exec unshare --mount --propagation private "$0" "$@"
fi

deb=$(realpath "$1")
work="$(cd "$(dirname "$0")/.." && pwd)/build/deb-check"
base="$work/bookworm"
target="$work/target"
mirror="http://deb.debian.org/debian"

say() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
in_chroot() { chroot "$target" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }
# in the background, exec'd all the way down: $! is the program's own pid, so a signal reaches it
spawn() { (exec chroot "$target" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@") & }
as_service() {  # run as the service's user and its groups (dialout)
    in_chroot setpriv --reuid=gsmgateway --regid=gsmgateway --init-groups "$@"
}
wait_for_line() {  # wait_for_line FILE REGEX WHAT: a started program announces itself (60 s at most)
    tries=0
    until grep -q "$2" "$1" 2>/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -le 300 ] || { cat "$1" >&2; fail "$3 did not start"; }
        sleep 0.2
    done
}
expect() {  # expect WHAT EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
    ok "$1: $3"
}

command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
}
if [ ! -e "$base/.complete" ]; then
    say "debootstrap a minimal Debian 12 (bookworm) into $base"
    rm -rf "$base"
    debootstrap --variant=minbase bookworm "$base" "$mirror"
    touch "$base/.complete"
fi

say "a fresh copy of the base system"
rm -rf "$target"
cp -a "$base" "$target"
mount -t proc proc "$target/proc"
mount --rbind /dev "$target/dev"
mount -t tmpfs tmpfs "$target/run"
cp /etc/resolv.conf "$target/etc/resolv.conf"
cp "$deb" "$target/tmp/"
package="/tmp/$(basename "$deb")"
in_chroot apt-get update -qq

say "apt install ./$(basename "$deb")  (no questions: stdin is /dev/null)"
in_chroot apt-get install -y --no-install-recommends "$package" </dev/null
expect "installed version" "$(dpkg-deb --field "$deb" Version)" \
    "$(in_chroot dpkg-query --showformat='${Version}' --show gsmgateway)"
expect "gsmgateway --version" "gsmgateway $(dpkg-deb --field "$deb" Version)" "$(in_chroot gsmgateway --version)"
expect "the venv's interpreter" "/usr/bin/python3.11" "$(in_chroot readlink -f /opt/gsmgateway/bin/python)"

say "the system user"
in_chroot getent passwd gsmgateway
expect "gsmgateway's groups" "gsmgateway dialout" "$(in_chroot id -Gn gsmgateway)"
expect "gsmgateway's shell" "/usr/sbin/nologin" "$(in_chroot getent passwd gsmgateway | cut -d: -f7)"

say "modes and owners"
expect "config" "640 root gsmgateway" "$(in_chroot stat -c '%a %U %G' /etc/gsmgateway/gsmgateway.toml)"
expect "state directory" "750 gsmgateway gsmgateway" "$(in_chroot stat -c '%a %U %G' /var/lib/gsmgateway)"
expect "conffile" "/etc/gsmgateway/gsmgateway.toml" \
    "$(in_chroot dpkg-query --showformat='${Conffiles}' --show gsmgateway | awk '{print $1}')"
if in_chroot runuser -u nobody -- cat /etc/gsmgateway/gsmgateway.toml >/dev/null 2>&1; then
    fail "another user can read the config (it holds the Fineract password and SIM PIN)"
fi
ok "another user cannot read the config"

say "the service: enabled, but held back until a modem is named"
expect "enabled for multi-user.target" "/lib/systemd/system/gsmgateway.service" \
    "$(in_chroot readlink /etc/systemd/system/multi-user.target.wants/gsmgateway.service)"
if in_chroot runuser -u gsmgateway -- gsmgateway has-modems --config /etc/gsmgateway/gsmgateway.toml; then
    fail "the fresh config passes the service's ExecCondition"
fi
ok "ExecCondition (has-modems) exits 1 on the fresh config: systemd would skip the start"

say "the operator's first commands, as the service user"
in_chroot runuser -u gsmgateway -- gsmgateway apikey create --name platform --scopes sms:send,sms:read >/dev/null
expect "the database's owner" "gsmgateway gsmgateway" "$(in_chroot stat -c '%U %G' /var/lib/gsmgateway/gsmgateway.db)"
expect "apikey list" "platform" "$(in_chroot runuser -u gsmgateway -- gsmgateway apikey list | cut -f2)"

say "the daemon as the service user, on a simulated modem (a pty in group dialout)"
spawn /opt/gsmgateway/bin/gsmgateway-sim --pty /run/gsmsim0 --control 127.0.0.1:0 >"$work/sim.out" 2>&1
sim=$!
trap 'kill -TERM "$sim" ${daemon:+"$daemon"} 2>/dev/null || true' EXIT
wait_for_line "$work/sim.out" '^ready$' "the simulator"
# The operator's edit: a free port (this machine's 8080 may be taken) and the modem.
sed -i 's/^# port = 8080$/port = 0/' "$target/etc/gsmgateway/gsmgateway.toml"
cat >>"$target/etc/gsmgateway/gsmgateway.toml" <<'TOML'

[[modems]]
id = "modem-1"
port = "/run/gsmsim0"
TOML
printf 'kind,id,mobile,opted_out,name\nclient,1001,+255700001001,false,Amina\n' >"$target/tmp/directory.csv"
as_service gsmgateway directory import /tmp/directory.csv
in_chroot runuser -u gsmgateway -- gsmgateway has-modems --config /etc/gsmgateway/gsmgateway.toml \
    || fail "has-modems refuses a config that names a modem"
ok "ExecCondition (has-modems) exits 0 once a modem is named"
key=$(as_service gsmgateway apikey create --name check --scopes sms:send,sms:read | tail -n 1)
spawn setpriv --reuid=gsmgateway --regid=gsmgateway --init-groups \
    gsmgateway run --config /etc/gsmgateway/gsmgateway.toml >"$work/daemon.out" 2>"$work/daemon.err"
daemon=$!
wait_for_line "$work/daemon.out" '^gsmgateway: listening on ' "the daemon"
url=$(sed -n 's/^gsmgateway: listening on //p' "$work/daemon.out")
in_chroot /opt/gsmgateway/bin/python - "$url" "$key" <<'PY' || { cat "$work/daemon.err" >&2; fail "no delivery"; }
import json, sys, time, urllib.error, urllib.request

url, key = sys.argv[1:]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


deadline = time.monotonic() + 60
while True:  # /ready: the store answers and the modem is ready
    try:
        call("GET", "/ready")
        break
    except urllib.error.HTTPError:
        if time.monotonic() > deadline:
            sys.exit("the gateway never became ready")
        time.sleep(0.2)
message = call("POST", "/sms", {"clientId": "1001", "message": "Installed from the package."})
while (status := call("GET", f"/sms/{message['id']}")["status"]) != "delivered":
    if time.monotonic() > deadline:
        sys.exit(f"message {message['id']} is still {status}")
    time.sleep(0.2)
print(f"message {message['id']} delivered")
PY
ok "an SMS accepted by the service user's daemon was delivered through the simulated modem"
kill -TERM "$daemon" && wait "$daemon" || fail "the daemon did not exit 0 on SIGTERM"
ok "the daemon stopped cleanly on SIGTERM"
kill -TERM "$sim" && wait "$sim" || true
trap - EXIT

say "apt remove: the program goes, the database and the config stay"
in_chroot apt-get remove -y gsmgateway </dev/null
[ ! -e "$target/opt/gsmgateway" ] || fail "/opt/gsmgateway is left after remove: $(ls -A "$target/opt/gsmgateway")"
ok "/opt/gsmgateway is gone"
[ ! -e "$target/usr/bin/gsmgateway" ] || fail "/usr/bin/gsmgateway is left after remove"
ok "/usr/bin/gsmgateway is gone"
[ -f "$target/var/lib/gsmgateway/gsmgateway.db" ] || fail "the database went with apt remove"
ok "/var/lib/gsmgateway/gsmgateway.db is kept"
[ -f "$target/etc/gsmgateway/gsmgateway.toml" ] || fail "the config went with apt remove"
ok "/etc/gsmgateway/gsmgateway.toml is kept"

say "apt install again: the kept database is used"
in_chroot apt-get install -y --no-install-recommends "$package" </dev/null
expect "apikey list after reinstall" "platform check" \
    "$(in_chroot runuser -u gsmgateway -- gsmgateway apikey list | cut -f2 | paste -sd ' ')"

say "apt purge: no question, and the database and config are gone"
in_chroot apt-get purge -y gsmgateway </dev/null
[ ! -e "$target/var/lib/gsmgateway" ] || fail "/var/lib/gsmgateway is left after purge"
ok "/var/lib/gsmgateway is gone"
[ ! -e "$target/etc/gsmgateway" ] || fail "/etc/gsmgateway is left after purge: $(ls -A "$target/etc/gsmgateway")"
ok "/etc/gsmgateway is gone"
[ ! -e "$target/etc/systemd/system/multi-user.target.wants/gsmgateway.service" ] \
    || fail "the unit is still enabled after purge"
ok "the unit's enablement is gone"
in_chroot getent passwd gsmgateway >/dev/null || fail "the user was removed"
ok "the system user stays (Debian's habit: its uid must not pass to a new user)"

printf '\nall checks passed: install, user, modes, a delivery by the service user, remove, reinstall, purge\n'
