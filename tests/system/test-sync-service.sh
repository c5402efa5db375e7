#!/bin/bash
# cwatch-sync.service as installed, under a systemd booted as PID 1 of a PID + mount namespace: with
# its hardening (no capabilities, read-only system, its state directory) it reads [Sync] Peers= (a
# shared directory), hands a trusted peer's snapshot to the installed cwatchd.service over the
# system bus (polkit lets root), publishes this host's snapshot into a directory a drop-in makes
# writable, and ends with Result=success; the journal has cwatchd's accepted and rejected messages
# with their fields; cwatch-sync.timer is enabled and scheduled. Cleans up whatever happens.
#   tests/system/test-sync-service.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-sync-service.sh BUILDDIR}")
STEP=start
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
# not in /tmp or /var/tmp: both units have PrivateTmp=yes
WORK=/var/lib/cwsync-test-$$-$RANDOM
DROPIN=/etc/cwatch/cwatchd.conf.d/50-test-sync.conf
TRUSTED=/etc/cwatch/trusted-hosts.d/test-sync-delta-$$.pub
UNIT_DROPIN=/etc/systemd/system/cwatch-sync.service.d/50-test-sync.conf
PEER_ID=d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4

say() { echo "--- $*"; STEP=$*; }
ns() { timeout 60 nsenter -t "$PID" -p -m "$@"; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        echo "=== cwatch-sync.service"; ns systemctl status --no-pager -l cwatch-sync.service 2>&1 | head -15
        echo "=== its journal"; ns journalctl --no-pager -u cwatch-sync.service -n 20 2>&1 | tail -20
        echo "=== cwatchd"; ns journalctl --no-pager -u cwatchd -n 20 2>&1 | tail -20
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"

cleanup() {
        [ -n "$PID" ] && [ -d "/proc/$PID" ] && ns systemctl stop cwatch-sync.timer cwatch-sync.service cwatchd \
                >/dev/null 2>&1
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch "$WORK" "$(dirname "$UNIT_DROPIN")"
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install; a trusted peer whose snapshot lies in a shared directory, with a truncated one"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
mkdir -p "$WORK/shared" "$WORK/pub" "$(dirname "$DROPIN")" "$(dirname "$TRUSTED")" "$(dirname "$UNIT_DROPIN")"
"$BUILD/tests/snapshot-forge" "$WORK/peer.key" "$PEER_ID" pub > "$TRUSTED" || fail "forge"
"$BUILD/tests/snapshot-forge" "$WORK/peer.key" "$PEER_ID" 42 "$(date +%s)" empty "$WORK/shared/delta.snapshot" ||
        fail "forge"
head -c 100 "$WORK/shared/delta.snapshot" > "$WORK/shared/broken.snapshot"
cat >"$DROPIN" <<CONF
[Tracers]
Enable=

[Sync]
Peers=file://$WORK/shared
Publish=file://$WORK/pub/
CONF
printf '[Service]\nReadWritePaths=%s/pub\n' "$WORK" > "$UNIT_DROPIN"

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "cwatchd makes its host key at the first start"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
wait_for 20 "cwatchd answering on the bus" nsenter -t "$PID" -p -m cwatchctl keys show
[ "$(stat -c %a /var/lib/cwatch/host.key)" = 600 ] || fail "host.key is not 0600"
ns cwatchctl keys show | grep -q "^HostId=$MACHINE_ID$" || fail "keys show: $(ns cwatchctl keys show)"

say "cwatch-sync.service runs hardened and does its job"
ns systemctl start cwatch-sync.service >"$LOG" 2>&1 || fail "start cwatch-sync.service: $(cat "$LOG")"
[ "$(ns systemctl show -P Result cwatch-sync.service)" = success ] || fail "Result is not success"
[ -z "$(ns systemctl show -P CapabilityBoundingSet cwatch-sync.service)" ] || fail "it has capabilities"
ns journalctl --no-pager -u cwatch-sync.service -o cat > "$LOG"
grep -q "host test-sync-delta-$$'s snapshot 42 (0 entries) accepted" "$LOG" || fail "the peer's snapshot: $(cat "$LOG")"
grep -q "cwatchd rejected it: .*truncated" "$LOG" || fail "the truncated file: $(cat "$LOG")"
grep -q "Published this host's snapshot" "$LOG" || fail "not published: $(cat "$LOG")"
[ "$(head -c 6 "$WORK/pub/$MACHINE_ID.snapshot")" = CWSNAP ] || fail "nothing in $WORK/pub"
cp "$WORK/pub/$MACHINE_ID.snapshot" "$WORK/shared/"     # its own file in the shared directory too
ns systemctl start cwatch-sync.service >"$LOG" 2>&1 || fail "second run: $(cat "$LOG")"
ns journalctl --no-pager -u cwatch-sync.service -o cat | grep "peer URL(s)" | tail -1 |
        grep -q "0 snapshot(s) accepted, 2 unchanged, 0 rejected, 0 failed; published" || fail "the second run"

say "cwatchd's journal messages carry the host and the reason"
ns journalctl --no-pager -o json MESSAGE_ID=173cb20e95be4fb4886c345019167f5a > "$LOG"
# (jq -e answers for the last input only: slurp and ask whether any matches)
jq -s -e "any(.[]; .CWATCH_SNAPSHOT_HOST == \"test-sync-delta-$$\" and .CWATCH_SNAPSHOT_REASON == \"accepted\")" \
        "$LOG" >/dev/null || fail "no accepted message with its fields"
ns journalctl --no-pager -o json MESSAGE_ID=cbf429d9eaa44dea9a964fe4ad8c7552 > "$LOG"
jq -s -e 'any(.[]; .CWATCH_SNAPSHOT_REASON == "truncated" and (.CWATCH_SNAPSHOT_ORIGIN | endswith("broken.snapshot")))' \
        "$LOG" >/dev/null || fail "no rejected message with its reason: $(head -c 3000 "$LOG")"
ns journalctl --no-pager -x MESSAGE_ID=cbf429d9eaa44dea9a964fe4ad8c7552 | grep -q "rejected whole" ||
        fail "no catalog text"

say "the timer"
ns systemctl enable --now cwatch-sync.timer >"$LOG" 2>&1 || fail "enable the timer: $(cat "$LOG")"
[ "$(ns systemctl is-active cwatch-sync.timer)" = active ] || fail "the timer is not active"
ns systemctl list-timers --no-pager cwatch-sync.timer | grep -q cwatch-sync.service || fail "not scheduled"
echo PASS
