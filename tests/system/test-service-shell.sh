#!/bin/bash
# Services that start shells, and a service that scans, live: a namespace-booted systemd (see
# TESTING.md) runs the build's cwatchd as cwatchd.service with the shipped rules (process and tcp
# tracers, [Detection] ScanThreshold=50 from the test's configuration). Transient services of
# systemd-run, each a python3 that starts `sh -c 'id; cat /etc/passwd'`:
#   - cwatch-test-webapp-PID.service: exactly one service-spawned-shell in `journalctl -t cwatch`,
#     naming the shell (CWATCH_COMM=sh), its parent python3, the unit (CWATCH_UNIT=), T1505.003;
#     then, in a network namespace of its own (PrivateNetwork=yes: nothing listens there), it
#     connects to 120 ports of 127.0.0.1: exactly one port-scan (T1046) with its pid and the
#     count the configuration asks for
#   - near misses, quiet: run-cwatch-test-PID.service (a systemd-run transient, as systemd-run
#     names them) and cwatch-test-ci-PID.service (a unit the operator allows in a rules file of
#     its own through service_shell_local_units)
# The namespace's journal lies apart (a machine id of its own) and is removed at the end; nothing
# is installed on the host but the D-Bus policy when none is there (removed at the end).
#   tests/system/test-service-shell.sh CWATCHD SRCDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
CWATCHD=$(realpath "${1:?usage: test-service-shell.sh CWATCHD SRCDIR}") SRC=$(realpath "${2:?usage}")
STEP=start PID= dbus_conf= MACHINE_ID=
MACHINE_ID_FILE=$(mktemp)
say() { echo "--- $*"; STEP=$*; }
fail() {
        echo "FAIL ($STEP): $*"
        if [ -n "$PID" ] && [ -d "/proc/$PID" ]; then
                ns systemctl status --no-pager cwatchd 2>&1 | head -15
                ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
                ns journalctl --no-pager -t cwatch -n 10 2>&1 | tail -10
        fi
        exit 1
}
ns() { timeout 60 nsenter -t "$PID" -p -m "$@"; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
# the system's python3 (a python3 earlier in PATH may be a shell script, e.g. a pyenv shim)
[ -x /usr/bin/python3 ] || { echo "SKIP: needs /usr/bin/python3"; exit 77; }
for t in jq busctl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done

cleanup() {
        systemd_ns_poweroff
        [ -n "$dbus_conf" ] && rm -f "$dbus_conf"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
        rm -f "$MACHINE_ID_FILE"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

say "boot systemd in a namespace"
# a machine id of its own, so that its journal lies apart from those of other systemds on the host
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "configure and start cwatchd.service"
# what the namespace needs from the tree, copied in from outside: the tree may be under /tmp,
# which the namespace hides behind its own
stage=/proc/$PID/root/run/cwatch-test
mkdir -p "$stage/rules" "$stage/conf.d" || fail "cannot make $stage"
cp "$SRC"/rules/*.rules "$stage/rules/" && cp "$SRC/conf/cwatchd.conf" "$stage/" && cp "$CWATCHD" "$stage/" ||
        fail "cannot copy the tree into the namespace"
printf '[Tracers]\nEnable=process tcp\n\n[Detection]\nScanThreshold=50\nScanWindow=10s\n' >"$stage/conf.d/50-test.conf"
# the operator's own units, allowed without copying the default list
printf '[List]\nName=service_shell_local_units\nItems=cwatch-test-ci-*.service\n' >"$stage/rules/50-local.rules"
T=/run/cwatch-test
mkdir -p "/proc/$PID/root/run/systemd/system/cwatchd.service.d" &&
        cp "$SRC/units/cwatchd.service" "/proc/$PID/root/run/systemd/system/" || fail "cannot install the unit"
printf '[Service]\nExecStart=\nExecStart=%s/cwatchd --config %s/cwatchd.conf --config-dir %s/conf.d --rules-dir %s/rules\n' \
        $T $T $T $T >"/proc/$PID/root/run/systemd/system/cwatchd.service.d/test.conf"
if [ ! -f /etc/dbus-1/system.d/org.cwatch1.conf ] && [ ! -f /usr/share/dbus-1/system.d/org.cwatch1.conf ]; then
        dbus_conf=/etc/dbus-1/system.d/org.cwatch1.conf
        cp "$SRC/dbus/org.cwatch1.conf" "$dbus_conf"
fi
ns busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
ns systemctl daemon-reload
ns systemctl start cwatchd.service || fail "systemctl start cwatchd"
wait_for 30 "cwatchd tracing process and tcp" sh -c \
        "nsenter -t $PID -p -m systemctl status --no-pager cwatchd | grep -q 'Status: \"Tracing: process tcp'"

alerts() {      # alerts() UNIT: the alerts of that unit, one JSON object a line
        ns journalctl --no-pager -t cwatch -o json 2>/dev/null | jq -c --arg u "$1" 'select(.CWATCH_UNIT == $u)'
}
# a transient service: python3 starts a shell that runs commands, then (with "scan") tries 120
# ports of 127.0.0.1 in its private network namespace and exits
webapp() {      # webapp UNIT [scan]
        ns systemd-run --quiet --wait --unit="$1" -p PrivateNetwork=yes -p Type=exec \
                /usr/bin/python3 -c '
import socket, subprocess, sys, time
time.sleep(0.5)
subprocess.run("id; cat /etc/passwd >/dev/null", shell=True, check=True)
if len(sys.argv) > 1:
        for port in range(20000, 20120):
                s = socket.socket()
                try:
                        s.connect(("127.0.0.1", port))
                        sys.exit("port %d is open" % port)
                except ConnectionRefusedError:
                        pass
                finally:
                        s.close()
' "${@:2}"
}

say "near misses: a systemd-run transient and a unit the operator allows"
NEAR1=run-cwatch-test-$$.service NEAR2=cwatch-test-ci-$$.service
webapp "$NEAR1" || fail "$NEAR1 failed"
webapp "$NEAR2" || fail "$NEAR2 failed"

say "a service that starts a shell and then scans"
UNIT=cwatch-test-webapp-$$.service
webapp "$UNIT" scan || fail "$UNIT failed"
has_both() { [ "$(alerts "$UNIT" | jq -s '[.[] | select(.CWATCH_RULE == "service-spawned-shell" or .CWATCH_RULE == "port-scan")] | length')" -ge 2 ]; }
wait_for 15 "the alerts of $UNIT" has_both
alerts "$UNIT" >"$stage/alerts.json"
jq -c '{CWATCH_RULE, CWATCH_COMM, CWATCH_PID, CWATCH_PPID, CWATCH_EXE, CWATCH_UNIT, CWATCH_MITRE, MESSAGE}' "$stage/alerts.json"

shell=$(jq -s '[.[] | select(.CWATCH_RULE == "service-spawned-shell")]' "$stage/alerts.json")
[ "$(jq length <<<"$shell")" = 1 ] || fail "not exactly one service-spawned-shell: $shell"
jq -e '.[0] | .CWATCH_UNIT as $unit | .CWATCH_COMM == "sh" and .CWATCH_MITRE == "T1505.003" and .CWATCH_SEVERITY == "warning"
        and .PRIORITY == "4" and (.CWATCH_CMDLINE | startswith("/bin/sh -c id; cat /etc/passwd"))
        and (.MESSAGE | test("^Service " + $unit + ": /usr/bin/python3[.0-9]* \\(pid [0-9]+\\) started shell /bin/sh -c id"))' \
        <<<"$shell" >/dev/null || fail "service-spawned-shell: $shell"
python_pid=$(jq -r '.[0].CWATCH_PPID' <<<"$shell")

scan=$(jq -s '[.[] | select(.CWATCH_RULE == "port-scan")]' "$stage/alerts.json")
[ "$(jq length <<<"$scan")" = 1 ] || fail "not exactly one port-scan: $scan"
jq -e --arg pid "$python_pid" --arg unit "$UNIT" '.[0] | .CWATCH_PID == $pid and .CWATCH_MITRE == "T1046"
        and .CWATCH_SEVERITY == "warning" and (.CWATCH_COMM | startswith("python3"))
        and (.MESSAGE | test("^python3[.0-9]* \\(pid " + $pid + ", unit " + $unit +
                             "\\) connected to 50 distinct ports of 127.0.0.1 in [0-9.]+ s$"))' \
        <<<"$scan" >/dev/null || fail "port-scan (python3 is pid $python_pid): $scan"
# the commands the shell ran are the shell's business, not another alert of the service
[ "$(jq -s '[.[] | select(.CWATCH_RULE)] | length' "$stage/alerts.json")" = 2 ] ||
        fail "other alerts of $UNIT: $(cat "$stage/alerts.json")"

say "the near misses stayed quiet"
for u in "$NEAR1" "$NEAR2"; do
        a=$(alerts "$u")
        [ -z "$a" ] || fail "$u raised: $a"
done
echo "OK"
