#!/bin/bash
# Socket activation in a namespace-booted systemd (see TESTING.md): with cwatchd stopped and only
# cwatchd.socket listening, a scrape starts cwatchd.service, which takes the socket with
# sd_listen_fds() and answers with metrics.
# Needs the service (units/cwatchd.service, cwatchd's service mode); tests/meson.build registers
# this test only when units/cwatchd.service exists.
set -u
. "$(dirname "$0")/systemd-ns.sh"
CWATCHD=$1 SRC=$2
fail() { echo "FAIL: $*"; [ -n "${PID:-}" ] && $NS journalctl -u cwatchd.service -u cwatchd.socket --no-pager | tail -30; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -f "$SRC/units/cwatchd.service" ] || { echo "SKIP: units/cwatchd.service has not landed"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: no systemd"; exit 77; }

port=
for _ in $(seq 50); do
        p=$((20000 + RANDOM % 20000))
        ss -Htln "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || fail "no free port"

dbus_conf=
cleanup() {
        systemd_ns_poweroff
        [ -n "$dbus_conf" ] && rm -f "$dbus_conf"
}
trap cleanup EXIT
systemd_ns_boot || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID
NS="timeout 60 nsenter -t $PID -p -m"   # nothing in the namespace may hang the test

# the units from the source tree and cwatchd from the build tree, copied into the namespace's
# private /run from outside (the tree may be under /tmp, which the namespace hides)
nsroot=/proc/$PID/root
mkdir -p $nsroot/run/systemd/system/cwatchd.service.d $nsroot/run/systemd/system/cwatchd.socket.d \
        $nsroot/run/cwatch-test
cp "$SRC/units/cwatchd.service" "$SRC/units/cwatchd.socket" $nsroot/run/systemd/system/
cp "$CWATCHD" $nsroot/run/cwatch-test/cwatchd
$NS sh -c "printf '[Service]\nExecStart=\nExecStart=/run/cwatch-test/cwatchd\n' > /run/systemd/system/cwatchd.service.d/test.conf"
$NS sh -c "printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$port\n' > /run/systemd/system/cwatchd.socket.d/test.conf"
if [ -f "$SRC/dbus/org.cwatch1.conf" ] && [ ! -f /etc/dbus-1/system.d/org.cwatch1.conf ]; then
        dbus_conf=/etc/dbus-1/system.d/org.cwatch1.conf
        cp "$SRC/dbus/org.cwatch1.conf" "$dbus_conf"
        $NS busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
fi
$NS systemctl daemon-reload
$NS systemctl start cwatchd.socket || fail "cwatchd.socket did not start"
[ "$($NS systemctl is-active cwatchd.service)" != active ] || fail "cwatchd runs before anyone scraped"

body=$($NS curl -s --max-time 30 "http://127.0.0.1:$port/metrics")
grep -q '^cwatch_events_total{tracer="process"} ' <<<"$body" || fail "no metrics from the activated service: $body"
[ "$($NS systemctl is-active cwatchd.service)" = active ] || fail "cwatchd.service not active after the scrape"
$NS journalctl -u cwatchd.service --no-pager | grep -q 'serving metrics on the socket passed by systemd' ||
        fail "cwatchd did not say it took the activation socket"

# the socket outlives a service restart; the next scrape is answered again
$NS systemctl restart cwatchd.service
$NS curl -s --max-time 30 "http://127.0.0.1:$port/metrics" | grep -q '^cwatch_events_total' || fail "after restart"
$NS systemctl stop cwatchd.service cwatchd.socket
echo PASS
