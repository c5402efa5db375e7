#!/bin/bash
# Behaviour profiles as an operator meets them: the installed cwatchd.service in a systemd booted as
# PID 1 of a PID + mount namespace, with a short learning period (a drop-in). A transient unit runs a
# benign loop until its profiles detect; more of the same raises nothing; then the same program does
# something new (runs id, cat reads /etc/passwd) and exactly one "anomaly" alert names it, its
# process and its unit; repeats are counted, not re-sent, and not learned. Profiles survive a
# restart and a kill -9 (still detecting, no alert storm); a corrupt profile file is set aside with
# a warning and learning starts afresh. Cleans up whatever happens.
#   tests/system/test-profiles.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-profiles.sh BUILDDIR}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
UNIT=cwprof-$$-$RANDOM.service
WORK=/var/tmp/${UNIT%.service}
STATE_PARENT=/var/lib/cwatch
STATE=$STATE_PARENT/test-profiles-$$
STATE_PARENT_EXISTED=no
[ -d "$STATE_PARENT" ] && STATE_PARENT_EXISTED=yes
DROPIN=/etc/cwatch/cwatchd.conf.d/50-test-profiles.conf
METRICS_PORT=$((20000 + RANDOM % 20000))

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -20
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
        echo "=== anomalies"; ns journalctl --no-pager -t cwatch CWATCH_RULE=anomaly -o cat -n 20 2>&1 | tail -20
        echo "=== profiles of $UNIT"; ns cwatchctl profiles list --no-pager 2>&1 | grep -F "$UNIT"
        ns cwatchctl profiles show --no-pager "$SH@unit:$UNIT" 2>&1 | tail -15
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
for t in jq curl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"
SH=$(readlink -f /bin/sh)

cleanup() {
        [ -n "$PID" ] && [ -d "/proc/$PID" ] && ns systemctl stop "$UNIT" cwatchd >/dev/null 2>&1
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch "$WORK" "$STATE"
        if [ "$STATE_PARENT_EXISTED" = no ]; then rm -rf "$STATE_PARENT"; fi
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

# the directory of the shipped rules, removed at the end when this install made it
[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install, with a short learning period"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
mkdir -p "$(dirname "$DROPIN")" "$WORK"
cat >"$DROPIN" <<CONF
[Tracers]
Interval=1s

[Profiles]
LearningPeriod=5s
QuietPeriod=4s
MinInstances=15
SaveInterval=2s
StateDirectory=$STATE
CONF

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "start cwatchd"
systemd_ns_metrics_port "$METRICS_PORT" || fail "no metrics socket on port $METRICS_PORT"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
wait_for 20 "cwatchd answering on the bus" nsenter -t "$PID" -p -m cwatchctl profiles list --no-pager

# the profile of the shell that runs each round, in the unit
PROFILE="$SH@unit:$UNIT"
profile_mode() { ns cwatchctl profiles list --json | jq -r --arg e "$SH" --arg s "unit:$UNIT" \
        '.[] | select(.exe == $e and .scope == $s) | .mode'; }
anomalies() { ns journalctl --no-pager -t cwatch -o json CWATCH_RULE=anomaly CWATCH_UNIT="$UNIT" 2>/dev/null; }
count_anomalies() { anomalies | grep -c . ; }
# first occurrences only: the pipeline's summaries of repeats (a count above 1) are not new alerts
count_new_anomalies() { anomalies | jq -r 'select(.CWATCH_COUNT == "1") | .CWATCH_ALERT_ID' | grep -c . ; }

say "a transient unit runs a benign loop"
# every 0.2 s a shell reads /etc/hostname with cat and writes a file; with /run/cwprof-trigger it
# also runs id and reads /etc/passwd
ns systemd-run --quiet --unit="$UNIT" /bin/sh -c "
        while :; do
                if [ -e /run/cwprof-trigger ]; then
                        sh -c 'cat /etc/hostname >/dev/null; echo x >$WORK/out; id >/dev/null; cat /etc/passwd >/dev/null'
                else
                        sh -c 'cat /etc/hostname >/dev/null; echo x >$WORK/out'
                fi
                sleep 0.2
        done" || fail "systemd-run failed"

say "the profile learns, then detects"
wait_for 60 "$PROFILE detecting" sh -c "[ \"\$(nsenter -t $PID -p -m cwatchctl profiles list --json |
        jq -r --arg e '$SH' --arg s 'unit:$UNIT' '.[] | select(.exe == \$e and .scope == \$s) | .mode')\" = detecting ]"
ns cwatchctl profiles list --no-pager | grep -F "$UNIT"
ns cwatchctl profiles show "$PROFILE" --no-pager | head -20

say "more of the same raises nothing"
sleep 8
[ "$(count_anomalies)" = 0 ] || fail "benign behaviour raised: $(anomalies | jq -r .CWATCH_ANOMALY)"

say "something new: the shell runs id and cat reads /etc/passwd"
ns touch /run/cwprof-trigger
wait_for 30 "an anomaly alert for $UNIT" sh -c "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json \
        CWATCH_RULE=anomaly CWATCH_UNIT=$UNIT | grep -c .) -ge 1 ]"
sleep 6         # the repeats of the next rounds
[ "$(count_anomalies)" = 1 ] || fail "expected exactly one alert, got $(count_anomalies): $(anomalies | jq -r .CWATCH_ANOMALY)"
entry=$(anomalies | head -1)
echo "$entry" | jq -c '{MESSAGE_ID, CWATCH_RULE, CWATCH_SCORE, CWATCH_UNIT, CWATCH_EXE, CWATCH_PID, CWATCH_ANOMALY}'
check() { [ "$(jq -r ".$1" <<<"$entry")" = "$2" ] || fail "$1 is '$(jq -r ".$1" <<<"$entry")', expected '$2'"; }
check CWATCH_RULE anomaly
check MESSAGE_ID b920b11ce0144ca6884cd7532fde725e
check CWATCH_UNIT "$UNIT"
check CWATCH_EXE "$SH"
check CWATCH_COUNT 1
text=$(jq -r .CWATCH_ANOMALY <<<"$entry")
[[ "$text" == *"ran /usr/bin/id for the first time"* ]] || fail "CWATCH_ANOMALY does not name id: $text"
[[ "$text" == *"cat read /etc/passwd for the first time"* ]] || fail "CWATCH_ANOMALY does not name /etc/passwd: $text"
[[ "$text" == *"(unit $UNIT)"* ]] || fail "CWATCH_ANOMALY does not name the unit: $text"
score=$(jq -r .CWATCH_SCORE <<<"$entry")
awk -v s="$score" 'BEGIN { exit !(s >= 4.0) }' || fail "CWATCH_SCORE $score is below the threshold 4"
[ "$(jq -r .CWATCH_PID <<<"$entry")" -gt 1 ] || fail "no CWATCH_PID"
ns journalctl -t cwatch -x --no-pager CWATCH_RULE=anomaly CWATCH_UNIT="$UNIT" | grep -q 'new behaviour' ||
        fail "journalctl -x does not explain the anomaly from the catalog"

say "repeats are counted, not re-sent, and not learned"
dedup=$(ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats |
        jq '.data[0].alerts_deduplicated.data')
[ "$dedup" -ge 1 ] || fail "no deduplicated alerts after repeats ($dedup)"
state=$(ns cwatchctl profiles show "$PROFILE" --json |
        jq -r '.feature_list[] | select(.feature == "EXEC_CHILD /usr/bin/id") | .state')
[ "$state" = candidate ] || fail "the new child is '$state', expected candidate while it keeps alerting"
wait_for 75 "a summary with a count" sh -c "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_RULE=anomaly \
        CWATCH_UNIT=$UNIT | jq -e 'select((.CWATCH_COUNT | tonumber) > 1)'"
ns rm -f /run/cwprof-trigger

say "metrics: profiles by mode, anomalies"
ns curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$LOG" || fail "no /metrics on port $METRICS_PORT"
grep -E '^cwatch_profiles\{mode="detecting"\} [1-9]' "$LOG" >/dev/null || fail "no detecting profiles in /metrics"
grep -E '^cwatch_profile_anomalies_total [1-9]' "$LOG" >/dev/null || fail "no anomalies in /metrics"
grep -E '^cwatch_profile_evictions_total\{what="profile"\} [0-9]+' "$LOG" >/dev/null || fail "no evictions in /metrics"
grep -E '^cwatch_profile_saves_total [1-9]' "$LOG" >/dev/null || fail "no saves in /metrics"

say "restart: profiles kept, still detecting, no storm"
sleep 3         # a save interval
before=$(count_new_anomalies)
[ "$before" = 1 ] || fail "expected one new alert before the restart, got $before"
loaded() { ns journalctl --no-pager -u cwatchd -o cat | grep -c "Loaded .* behaviour profiles"; }
loads=$(loaded)
ns systemctl restart cwatchd || fail "restart failed"
wait_for 20 "cwatchd back on the bus" nsenter -t "$PID" -p -m cwatchctl profiles list --no-pager
[ "$(profile_mode)" = detecting ] || fail "after restart $PROFILE is '$(profile_mode)'"
[ "$(loaded)" -gt "$loads" ] || fail "no 'Loaded ... behaviour profiles' at start"
ns journalctl --no-pager -u cwatchd -o cat | grep "Loaded .* behaviour profiles" | tail -1
sleep 8
[ "$(count_new_anomalies)" = "$before" ] || fail "alerts after restart: $(count_new_anomalies) (was $before)"

say "kill -9: the last save is kept"
sleep 3
old_pid=$(ns systemctl show -P MainPID cwatchd)
ns systemctl kill -s KILL cwatchd
# the dying cwatchd may answer one last call; and a cwatchd that is not enabled is not activated
wait_for 30 "cwatchd restarted by systemd" sh -c \
        "p=\$(nsenter -t $PID -p -m systemctl show -P MainPID cwatchd); [ \"\$p\" != 0 ] && [ \"\$p\" != $old_pid ]"
wait_for 30 "cwatchd back on the bus" sh -c "nsenter -t $PID -p -m cwatchctl profiles list --json | jq -e 'length > 0'"
# detecting within 6 s: a profile learned afresh could not be (LearningPeriod=5s, QuietPeriod=4s)
for _ in $(seq 30); do [ "$(profile_mode)" = detecting ] && break; sleep 0.2; done
[ "$(profile_mode)" = detecting ] ||
        fail "after kill -9 $PROFILE is '$(profile_mode)': $(ns cwatchctl profiles list --no-pager 2>&1 | grep -F "$UNIT")"
sleep 8
[ "$(count_new_anomalies)" = "$before" ] || fail "alerts after kill -9: $(count_new_anomalies) (was $before)"

say "a corrupt profile file: a warning, set aside, learning afresh"
ns systemctl stop cwatchd || fail "stop failed"
[ -s "$STATE/profiles" ] || fail "no profile file in $STATE"
head -c 4096 /dev/urandom >"$STATE/profiles"
ns systemctl start cwatchd || fail "start with a corrupt file failed"
wait_for 20 "cwatchd back on the bus" nsenter -t "$PID" -p -m cwatchctl profiles list --no-pager
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd is not active"
ns journalctl --no-pager -u cwatchd -p warning -o cat | grep "cannot be used.*set aside" ||
        fail "no warning about the corrupt file"
ls "$STATE"/profiles.bad-* >/dev/null 2>&1 || fail "the corrupt file was not set aside"
mode=$(profile_mode)
[ "$mode" != detecting ] || fail "the profile still detects after a corrupt file"

say "bad arguments change nothing"
ns cwatchctl profiles detect "/nonexistent@unit:x.service" >"$LOG" 2>&1; r=$?
[ $r = 5 ] || fail "detect of a missing profile exited $r: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager SetProfileMode ss "$PROFILE" sideways >"$LOG" 2>&1 &&
        fail "SetProfileMode accepted mode 'sideways'"
grep -q "InvalidArgument\|is not" "$LOG" || fail "no named error for a bad mode: $(cat "$LOG")"
ns cwatchctl profiles show "not-a-profile" >"$LOG" 2>&1; r=$?
[ $r = 2 ] || fail "show of a bad name exited $r: $(cat "$LOG")"
echo "PASS"
