#!/bin/bash
# An external tracer as an operator meets it (cwatch.tracer(5)): the contrib example, compiled here,
# dropped into /etc/cwatch/tracers.d beside a group-writable one and one the verifier refuses; the
# installed cwatchd.service in a systemd booted as PID 1 of a PID + mount namespace lists it and
# runs it with the built-in tracers, a rule on its fields raises into the journal, its counters are
# on /metrics; `cwatchctl stop` / `start` of it leave the other tracers running; the refused ones
# are named in the journal with their reasons. Cleans up whatever happens.
#   tests/system/test-ext-tracer.sh BUILDDIR SOURCE_ROOT
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-ext-tracer.sh BUILDDIR SOURCE_ROOT}")
SRC=$(realpath "${2:?usage: test-ext-tracer.sh BUILDDIR SOURCE_ROOT}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
TRACERS=/etc/cwatch/tracers.d
RULE=/etc/cwatch/rules.d/90-test-ext-tracer.rules
WORK=/var/tmp/cwext-$$
METRICS_PORT=$((20000 + RANDOM % 20000))

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -20
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
        echo "=== tracers"; ns cwatchctl list-tracers --no-pager 2>&1
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
ns() { timeout 30 nsenter -t "$PID" -p -m "$@"; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
for t in jq curl clang; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

cleanup() {
        [ -n "$PID" ] && [ -d "/proc/$PID" ] && ns systemctl stop cwatchd >/dev/null 2>&1
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch "$WORK"
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install cwatchd, and the contrib example as its comment says"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
mkdir -p "$TRACERS" "$(dirname "$RULE")" "$WORK"
clang -g -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$SRC/contrib/tracers/opensnoop.bpf.c" \
        -o "$WORK/opensnoop.bpf.o" || fail "the example does not build"
install -m 0644 "$WORK/opensnoop.bpf.o" "$SRC/contrib/tracers/opensnoop.tracer" "$TRACERS/"
# a group-writable copy, and a program the verifier refuses (a ring-buffer record used unchecked)
install -m 0664 "$WORK/opensnoop.bpf.o" "$TRACERS/gw.bpf.o"
sed 's/^Object=.*/Object=gw.bpf.o/' "$SRC/contrib/tracers/opensnoop.tracer" >"$TRACERS/gw.tracer"
sed 's|^        if (!e)$|        if (e->pid == 12345)|' "$SRC/contrib/tracers/opensnoop.bpf.c" >"$WORK/bad.bpf.c"
grep -q 'e->pid == 12345' "$WORK/bad.bpf.c" || fail "could not make the refused program"
clang -g -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$WORK/bad.bpf.c" -o "$TRACERS/refused.bpf.o" ||
        fail "the refused program does not build"
sed 's/^Object=.*/Object=refused.bpf.o/' "$SRC/contrib/tracers/opensnoop.tracer" >"$TRACERS/refused.tracer"
chmod 0644 "$TRACERS"/*.tracer "$TRACERS/refused.bpf.o"
MARKER=$WORK/ext-marker
echo hello >"$MARKER"
cat >"$RULE" <<EOF
[Rule]
Name=test-ext-marker
Description=The marker file is opened, as the external tracer opensnoop sees it.
Event=opensnoop
Condition=event.filename startswith "$MARKER" and event.kind = "OPEN_READ"
Message=%event.comm opened %event.filename
Severity=warning
EOF
"$BUILD/src/cwatchctl" rules check "$RULE" >"$LOG" 2>&1 || fail "rules check: $(cat "$LOG")"
grep -q "1 rules in 1 files: OK" "$LOG" || fail "rules check: $(cat "$LOG")"
grep -q "warning: no tracer" "$LOG" && fail "rules check did not know opensnoop's event: $(cat "$LOG")"

say "boot systemd in a namespace, start cwatchd"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID
systemd_ns_metrics_port "$METRICS_PORT" || fail "no metrics socket on port $METRICS_PORT"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
tracer() { ns cwatchctl list-tracers --json | jq -c --arg n "$1" '.[] | select(.name == $n)'; }
running() { [ "$(tracer "$1" | jq -r .running)" = true ]; }
wait_for 20 "opensnoop running" running opensnoop
ns cwatchctl list-tracers --no-pager

say "the refused ones: named in the journal with their reasons, not listed"
journal() { ns journalctl --no-pager -u cwatchd -o cat; }
journal | grep -F "$TRACERS/gw.tracer" | grep -qF "gw.bpf.o: writable by its group (mode 0664): refusing to load it" ||
        fail "no message for gw"
[ -z "$(tracer gw)" ] || fail "gw is listed: $(tracer gw)"
journal | grep -F "$TRACERS/refused.tracer" | grep -qF "the kernel refused to load it" ||
        fail "no verifier message for refused"
tracer refused | jq -e '.running == false' >/dev/null || fail "refused: $(tracer refused)"
for t in process files tcp syscalls sockets; do running $t || fail "built-in tracer $t is not running"; done

say "a rule on opensnoop's fields raises into the journal"
alerts() { ns journalctl --no-pager -t cwatch -o json CWATCH_RULE=test-ext-marker 2>/dev/null; }
ns cat "$MARKER" >/dev/null
wait_for 20 "the alert of test-ext-marker" sh -c "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json \
        CWATCH_RULE=test-ext-marker | grep -c .) -ge 1 ]"
entry=$(alerts | head -1)
[ "$(jq -r .CWATCH_COMM <<<"$entry")" = cat ] || fail "alert: $entry"
[ "$(jq -r .MESSAGE <<<"$entry")" = "cat opened $MARKER" ] || fail "alert message: $(jq -r .MESSAGE <<<"$entry")"

say "its counters on /metrics"
metrics=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics") || fail "no /metrics"
grep -Eq '^cwatch_events_total\{tracer="opensnoop"\} [1-9]' <<<"$metrics" || fail "no opensnoop events on /metrics"
grep -q '^cwatch_drops_total{tracer="opensnoop"} 0' <<<"$metrics" || fail "no opensnoop drops on /metrics"
grep -q '^cwatch_tracer_running{tracer="opensnoop"} 1' <<<"$metrics" || fail "opensnoop not running on /metrics"

say "polkit: an unprivileged user may not stop it"
ns runuser -u nobody -- cwatchctl stop opensnoop >"$LOG" 2>&1 && fail "nobody stopped it"
running opensnoop || fail "stopped by nobody"

say "cwatchctl stop opensnoop: the others keep running"
before=$(tracer process | jq .events)
ns cwatchctl stop opensnoop || fail "stop"
running opensnoop && fail "still running after stop"
events=$(tracer opensnoop | jq .events)
echo two >"$MARKER-2"; ns cat "$MARKER-2" >/dev/null
ns sh -c 'for i in 1 2 3; do /bin/true; done'
sleep 1
for t in process files tcp syscalls sockets; do running $t || fail "built-in tracer $t stopped with opensnoop"; done
[ "$(tracer process | jq .events)" -gt "$before" ] || fail "process tracer stopped counting"
[ "$(tracer opensnoop | jq .events)" = "$events" ] || fail "a stopped opensnoop still counts"
[ "$(alerts | jq -r .MESSAGE | grep -c "$MARKER-2")" = 0 ] || fail "a stopped opensnoop raised"

say "cwatchctl start opensnoop: it traces again"
ns cwatchctl start opensnoop || fail "start"
running opensnoop || fail "not running after start"
echo again >"$MARKER-3"
ns cat "$MARKER-3" >/dev/null
wait_for 20 "the alert for $MARKER-3" sh -c "nsenter -t $PID -p -m journalctl -t cwatch -o cat \
        CWATCH_RULE=test-ext-marker | grep -qF '$MARKER-3'"
for t in process files tcp syscalls sockets; do running $t || fail "built-in tracer $t stopped"; done
journal | grep -q "Tracer opensnoop stopped" || fail "the journal does not say opensnoop stopped"
echo OK
