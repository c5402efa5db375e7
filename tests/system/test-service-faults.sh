#!/bin/bash
# cwatchd.service under faults and as installed, in a systemd booted as PID 1 of a PID + mount
# namespace (TESTING.md): the hardened unit's security score; a disabled cwatchd is not started by
# bus activation; `enable --now` gives metrics on :9469 and `disable --now` closes them; polkit
# tells status from alert contents; alerts survive a journald restart; dbus restarted or stopped:
# cwatchd says so once, keeps journaling alerts, counts the AlertRaised it could not send and takes
# org.cwatch1 back; a reload while the name is not owned fails at once instead of looping; a bad
# configuration ends the unit failed (status 78, no restarts) with the reason in `systemctl status`.
# Prints the figures docs/FAULTS.md quotes ("figure: ...").
#   tests/system/test-service-faults.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-service-faults.sh BUILDDIR}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
MAX_EXPOSURE=1.6
POLKIT_RULE=/etc/polkit-1/rules.d/50-cwatch-test-$$.rules

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd cwatchd.socket 2>&1 | head -40
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 40 2>&1 | tail -40
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
ns() { timeout 60 nsenter -t "$PID" -p -m "$@"; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}
now_ms() { date +%s%3N; }
# the journal of cwatchd.service since this boot of the namespace, as lines
cwatchd_log() { ns journalctl --no-pager -o cat -u cwatchd.service; }
count_log() { cwatchd_log | grep -c -- "$1"; }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
for t in jq curl ss pkaction; do command -v $t >/dev/null || fail "needs $t (tools/setup installs it)"; done
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"

MARKER=cwatch-fault-$$-$RANDOM
ENABLED_LINKS=(/etc/systemd/system/multi-user.target.wants/cwatchd.service
               /etc/systemd/system/dbus-org.cwatch1.service
               /etc/systemd/system/sockets.target.wants/cwatchd.socket)
cleanup() {
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -f "${ENABLED_LINKS[@]}"
        rm -rf /etc/cwatch
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE" "$POLKIT_RULE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
for l in "${ENABLED_LINKS[@]}"; do [ -e "$l" ] && fail "$l exists on the host: cwatchd is enabled there"; done
say "install"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID
# the shared network: :9469 is the documented port; another listener there would be someone else's
if ss -Htln 'sport = :9469' | grep -q .; then
        PORT=$(for _ in $(seq 50); do p=$((20000 + RANDOM % 20000)); ss -Htln "sport = :$p" | grep -q . || { echo $p; break; }; done)
        echo "note: :9469 is taken on this machine, the test's cwatchd.socket listens on :$PORT"
        ns mkdir -p /run/systemd/system/cwatchd.socket.d
        ns sh -c "printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$PORT\n' >/run/systemd/system/cwatchd.socket.d/port.conf"
        ns systemctl daemon-reload
else
        PORT=9469
fi
URL=http://127.0.0.1:$PORT/metrics

say "systemd-analyze security cwatchd.service <= $MAX_EXPOSURE"
ns systemd-analyze security --no-pager cwatchd.service >"$LOG" 2>&1 || fail "systemd-analyze security: $(tail -3 "$LOG")"
exposure=$(sed -n 's/.*Overall exposure level for cwatchd.service: \([0-9.]*\).*/\1/p' "$LOG")
[ -n "$exposure" ] || fail "no exposure level in: $(tail -3 "$LOG")"
echo "figure: systemd-analyze security cwatchd.service: $exposure"
awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
        fail "exposure $exposure is above $MAX_EXPOSURE: $(grep '✗' "$LOG")"

say "a disabled cwatchd is not started by bus activation"
[ "$(ns systemctl is-enabled cwatchd)" = disabled ] || fail "cwatchd is $(ns systemctl is-enabled cwatchd) before enable"
ns runuser -u nobody -- busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager ListTracers >"$LOG" 2>&1 &&
        fail "nobody's ListTracers to a disabled cwatchd succeeded"
echo "nobody's call: $(cat "$LOG")"
grep -q 'dbus-org.cwatch1.service not found' "$LOG" || fail "the call did not fail for the missing alias: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats >"$LOG" 2>&1 &&
        fail "root's GetStats to a disabled cwatchd succeeded"
sleep 2
[ "$(ns systemctl show -P ActiveEnterTimestampMonotonic cwatchd)" = 0 ] &&
        [ "$(ns systemctl is-active cwatchd)" = inactive ] || fail "the calls started cwatchd"

say "systemctl enable --now cwatchd gives metrics on :$PORT"
ns systemctl enable --now cwatchd >"$LOG" 2>&1 || fail "enable --now: $(cat "$LOG")"
[ "$(ns systemctl is-active cwatchd.socket)" = active ] || fail "cwatchd.socket is $(ns systemctl is-active cwatchd.socket)"
wait_for 20 "cwatchd answering on the bus" nsenter -t "$PID" -p -m cwatchctl status --no-pager
curl -s --max-time 20 "$URL" >"$LOG" || fail "curl $URL failed"
grep -q '^cwatch_events_total{tracer="process"} ' "$LOG" || fail "no metrics on $URL: $(head -3 "$LOG")"
grep -qx 'cwatch_dbus_connected 1' "$LOG" || fail "cwatch_dbus_connected: $(grep cwatch_dbus "$LOG")"
cwatchd_log | grep -q 'serving metrics on the socket passed by systemd' || fail "cwatchd did not take the socket"
MAINPID=$(ns systemctl show -P MainPID cwatchd)
links=$(ns nsenter -t "$MAINPID" -n ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
[ "$links" = "lo " ] || fail "cwatchd's network has links '$links', expected lo only (PrivateNetwork=yes)"
ns systemctl start cwatchd.socket || fail "starting cwatchd.socket while cwatchd runs"
ns systemctl restart cwatchd || fail "restart"
curl -s --max-time 20 "$URL" | grep -q '^cwatch_events_total' || fail "no metrics after a restart"
[ "$(ns systemctl is-active cwatchd.socket)" = active ] || fail "the restart stopped cwatchd.socket"
ns systemctl stop cwatchd.socket
ns systemctl restart cwatchd || fail "restart with cwatchd.socket stopped"
[ "$(ns systemctl is-active cwatchd.socket)" = active ] || fail "restarting cwatchd did not start cwatchd.socket again"
curl -s --max-time 20 "$URL" | grep -q '^cwatch_events_total' || fail "no metrics after the socket was stopped alone"
# under the hardened unit the rules still see execs and the journal gets the alert
ns sh -c "cp /bin/true /tmp/$MARKER-0 && /tmp/$MARKER-0" || fail "could not run /tmp/$MARKER-0"
wait_for 20 "the alert of /tmp/$MARKER-0" sh -c \
        "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_EXE=/tmp/$MARKER-0 | grep -q exec-from-tmp"
ns journalctl -t cwatch -o json CWATCH_EXE=/tmp/$MARKER-0 | jq -e 'has("CWATCH_SCORE") | not' >/dev/null ||
        fail "a rule alert carries CWATCH_SCORE"

say "polkit: status is not alert contents"
ns pkaction --verbose --action-id org.cwatch1.read-status | grep -q 'implicit active: *yes' ||
        fail "read-status: $(ns pkaction --verbose --action-id org.cwatch1.read-status)"
ns pkaction --verbose --action-id org.cwatch1.query-alerts | grep -q 'implicit active: *auth_admin_keep' ||
        fail "query-alerts: $(ns pkaction --verbose --action-id org.cwatch1.query-alerts)"
ns pkaction --verbose --action-id org.cwatch1.manage-tracers | grep -q 'implicit active: *auth_admin$' ||
        fail "manage-tracers: $(ns pkaction --verbose --action-id org.cwatch1.manage-tracers)"
# polkit counts a session as local only on a seat, which a namespace's logind does not give: a
# rule grants nobody what read-status grants an active local session, as an admin's rule would
as_nobody() { ns runuser -u nobody -- "$@"; }
# busctl says only "Access denied"; its debug log has the error's message
as_nobody_call() {
        ns runuser -u nobody -- env SYSTEMD_LOG_LEVEL=debug busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager "$@"
}
for m in GetStats ListTracers; do
        as_nobody_call $m >"$LOG" 2>&1 && fail "nobody's $m succeeded"
        grep -q 'Not authorized for org.cwatch1.read-status' "$LOG" || fail "nobody's $m: $(cat "$LOG")"
done
for m in ListRules "QueryAlerts a{sv} 0" "QueryIncidents a{sv} 0" "GetConnections t 0"; do
        as_nobody_call $m >"$LOG" 2>&1 && fail "nobody's $m succeeded"
        grep -q 'Not authorized for org.cwatch1.query-alerts' "$LOG" || fail "nobody's $m: $(cat "$LOG")"
done
mkdir -p /etc/polkit-1/rules.d
cat >"$POLKIT_RULE" <<'JS'
polkit.addRule(function(action, subject) {
        if (action.id == "org.cwatch1.read-status" && subject.user == "nobody")
                return polkit.Result.YES;
});
JS
ns systemctl restart polkit
as_nobody_call GetStats >"$LOG" 2>&1 ||
        fail "nobody, granted read-status, may not read the status: $(grep error-message "$LOG")"
as_nobody cwatchctl status --no-pager >"$LOG" 2>&1 || fail "nobody's cwatchctl status: $(cat "$LOG")"
grep -q 'Tracers: .* running' "$LOG" || fail "nobody's cwatchctl status: $(cat "$LOG")"
as_nobody_call QueryAlerts 'a{sv}' 0 >"$LOG" 2>&1 &&
        fail "nobody, granted read-status, could query alerts"
grep -q 'Not authorized for org.cwatch1.query-alerts' "$LOG" || fail "nobody's QueryAlerts: $(cat "$LOG")"
as_nobody cwatchctl alerts --no-pager >/dev/null 2>&1; rc=$?
[ $rc = 4 ] || fail "nobody's cwatchctl alerts exited $rc, expected 4"
# a denied caller learns nothing about its arguments
as_nobody_call StartTracer s nosuch >"$LOG" 2>&1 &&
        fail "nobody started a tracer"
grep -q 'Not authorized for org.cwatch1.manage-tracers' "$LOG" && ! grep -q 'No tracer' "$LOG" ||
        fail "nobody's StartTracer nosuch: $(cat "$LOG")"
as_nobody_call QueryAlerts 'a{sv}' 1 color s red \
        >"$LOG" 2>&1
grep -q 'Not authorized' "$LOG" && ! grep -q 'Unknown filter' "$LOG" || fail "nobody's bad QueryAlerts: $(cat "$LOG")"
as_nobody_call ResetProfile s /usr/bin/nosuch@host >"$LOG" 2>&1
grep -q 'Not authorized for org.cwatch1.manage-profiles' "$LOG" && ! grep -q 'No profile' "$LOG" ||
        fail "nobody's ResetProfile: $(grep error-message "$LOG")"

say "journald restarts while alerts are raised"
N_JOURNALD=12
MAINPID=$(ns systemctl show -P MainPID cwatchd)
for i in $(seq $N_JOURNALD); do
        ns sh -c "cp /bin/true /tmp/$MARKER-j$i && /tmp/$MARKER-j$i"
        [ "$i" = 4 ] && ns systemctl restart systemd-journald
        [ "$i" = 8 ] && ns systemctl kill -s KILL systemd-journald
        sleep 0.3
done
count_journald() { ns journalctl -t cwatch -o json CWATCH_RULE=exec-from-tmp | grep -c "/tmp/$MARKER-j"; }
wait_for 30 "$N_JOURNALD alerts across journald restarts" sh -c "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_RULE=exec-from-tmp | grep -c /tmp/$MARKER-j) -ge $N_JOURNALD ]"
echo "figure: journald restarted and killed: $(count_journald) of $N_JOURNALD alerts in the journal"
[ "$(ns systemctl show -P MainPID cwatchd)" = "$MAINPID" ] || fail "cwatchd was restarted with journald"

say "systemctl restart dbus"
# a fresh rate limit for the alerts below
ns systemctl restart cwatchd || fail "restart cwatchd"
MAINPID=$(ns systemctl show -P MainPID cwatchd)
t0=$(now_ms)
ns systemctl restart dbus || fail "restart dbus"
wait_for 30 "cwatchctl status after the dbus restart" nsenter -t "$PID" -p -m cwatchctl status --no-pager
echo "figure: dbus restart: cwatchctl answers again $(( $(now_ms) - t0 )) ms after 'systemctl restart dbus' began"
[ "$(ns systemctl show -P MainPID cwatchd)" = "$MAINPID" ] || fail "cwatchd was restarted"
wait_for 10 "the loss in the journal" sh -c "nsenter -t $PID -p -m journalctl -o cat -u cwatchd | grep -q 'Lost the system bus'"
[ "$(count_log 'Lost the system bus')" = 1 ] || fail "the loss was logged $(count_log 'Lost the system bus') times"
cwatchd_log | grep 'Connected to the system bus again' || fail "no reconnection in the journal"

say "a reload while org.cwatch1 has no owner fails at once and does not loop"
# the shipped ExecReload=, after a line that counts its runs
ns mkdir -p /run/systemd/system/cwatchd.service.d
{ printf '[Service]\nExecReload=\nExecReload=/bin/sh -c "echo run >>/run/cwatch-test-reloads"\n'
  grep '^ExecReload=' /usr/lib/systemd/system/cwatchd.service; } >"/proc/$PID/root/run/systemd/system/cwatchd.service.d/count-reloads.conf"
ns systemctl daemon-reload
ns systemctl kill -s STOP cwatchd
ns systemctl restart dbus || fail "restart dbus with cwatchd stopped"
t0=$(now_ms)
ns timeout 20 systemctl reload cwatchd >"$LOG" 2>&1 && fail "reload succeeded while cwatchd is frozen"
reload_ms=$(( $(now_ms) - t0 ))
sleep 5
reloads=$(ns cat /run/cwatch-test-reloads | wc -l)
echo "figure: reload with the name unowned: failed after $reload_ms ms, $reloads ExecReload run(s) in 5 s"
[ "$reload_ms" -lt 15000 ] || fail "the reload took $reload_ms ms"
[ "$reloads" = 1 ] || fail "$reloads reload runs"
[ -z "$(ns systemctl list-jobs --no-legend cwatchd.service)" ] || fail "jobs left: $(ns systemctl list-jobs --no-legend)"
ns systemctl kill -s CONT cwatchd
wait_for 30 "cwatchctl status after thawing" nsenter -t "$PID" -p -m cwatchctl status --no-pager
ns systemctl reload cwatchd || fail "reload after the name is back"
ns rm -f /run/systemd/system/cwatchd.service.d/count-reloads.conf
ns systemctl daemon-reload

say "dbus stopped for a while: alerts still reach the journal, AlertRaised failures are counted"
failed_before=$(ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats | jq '.data[0].alert_signals_failed.data')
lost_before=$(count_log 'Lost the system bus')
ns systemctl stop dbus.socket dbus.service || fail "stop dbus"
N_OUTAGE=3
for i in $(seq $N_OUTAGE); do ns sh -c "cp /bin/true /tmp/$MARKER-d$i && /tmp/$MARKER-d$i"; done
wait_for 20 "the alerts raised without dbus in the journal" sh -c \
        "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_RULE=exec-from-tmp | grep -c /tmp/$MARKER-d) -ge $N_OUTAGE ]"
sleep 3
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd is not active without dbus"
# STATUS= is sent again every 5 s (StatusInterval=)
wait_for 12 "STATUS= saying the bus is gone and counting" sh -c \
        "nsenter -t $PID -p -m systemctl show -P StatusText cwatchd | grep -q 'no D-Bus (connecting again), [1-9][0-9]* AlertRaised not sent'"
ns systemctl show -P StatusText cwatchd
t0=$(now_ms)
ns systemctl start dbus.socket dbus.service || fail "start dbus"
wait_for 60 "cwatchctl status after dbus is back" nsenter -t "$PID" -p -m cwatchctl status --no-pager
echo "figure: dbus stopped: cwatchctl answers again $(( $(now_ms) - t0 )) ms after dbus started"
ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats >"$LOG"
failed=$(( $(jq '.data[0].alert_signals_failed.data' "$LOG") - failed_before ))
echo "figure: dbus stopped: $N_OUTAGE alerts in the journal, $failed AlertRaised counted as not sent"
[ "$failed" -ge $N_OUTAGE ] || fail "alert_signals_failed rose by $failed, expected >= $N_OUTAGE"
[ "$(( $(count_log 'Lost the system bus') - lost_before ))" = 1 ] || fail "the loss was not logged exactly once"
cwatchd_log | grep -q 'Alert sink dbus failed' && fail "AlertRaised failures were logged per alert"
curl -s --max-time 20 "$URL" | grep -E '^cwatch_(alert_signals_failed_total|dbus_disconnects_total) ' || fail "no D-Bus metrics"

say "a bad configuration ends the unit failed, without restarts, the reason in systemctl status"
mkdir -p /etc/cwatch/cwatchd.conf.d
printf '[Alerts]\nMinSeverity=loud\n' >/etc/cwatch/cwatchd.conf.d/50-bad.conf
t0=$(now_ms)
ns systemctl restart cwatchd >"$LOG" 2>&1 && fail "restart with a bad configuration succeeded"
wait_for 10 "cwatchd failed" sh -c "[ \"\$(nsenter -t $PID -p -m systemctl is-active cwatchd)\" = failed ]"
sleep 6
[ "$(ns systemctl is-active cwatchd)" = failed ] || fail "cwatchd is $(ns systemctl is-active cwatchd), not failed"
[ "$(ns systemctl show -P ExecMainStatus cwatchd)" = 78 ] || fail "exit status $(ns systemctl show -P ExecMainStatus cwatchd)"
[ "$(ns systemctl show -P NRestarts cwatchd)" = 0 ] || fail "$(ns systemctl show -P NRestarts cwatchd) restarts"
ns systemctl status --no-pager -l cwatchd >"$LOG" 2>&1
grep -q 'code=exited, status=78' "$LOG" || fail "systemctl status lacks the exit status: $(cat "$LOG")"
grep -q '50-bad.conf:2: MinSeverity=loud' "$LOG" || fail "systemctl status lacks the reason: $(cat "$LOG")"
echo "figure: bad configuration: 1 start, failed with status 78, NRestarts 0 after $(( ($(now_ms) - t0) / 1000 )) s"
grep -E 'Active:|Process:|Main PID:|MinSeverity' "$LOG" | head -5
rm -f /etc/cwatch/cwatchd.conf.d/50-bad.conf
ns systemctl start cwatchd || fail "start after the fix"
wait_for 20 "metrics after the fix" sh -c "curl -s --max-time 5 $URL | grep -q cwatch_events_total"

say "systemctl disable --now cwatchd leaves nothing listening and nothing to activate"
ns systemctl disable --now cwatchd >"$LOG" 2>&1 || fail "disable --now: $(cat "$LOG")"
[ "$(ns systemctl is-active cwatchd)" = inactive ] || fail "cwatchd is $(ns systemctl is-active cwatchd)"
[ "$(ns systemctl is-active cwatchd.socket)" = inactive ] || fail "cwatchd.socket is $(ns systemctl is-active cwatchd.socket)"
[ "$(ns systemctl is-enabled cwatchd.socket)" = disabled ] || fail "cwatchd.socket is $(ns systemctl is-enabled cwatchd.socket)"
ss -Htln "sport = :$PORT" | grep -q . && fail "something still listens on :$PORT: $(ss -Htlnp "sport = :$PORT")"
curl -s --max-time 5 "$URL" >/dev/null && fail "a scrape got an answer"
ns runuser -u nobody -- busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager ListTracers >/dev/null 2>&1 &&
        fail "nobody's ListTracers to the disabled cwatchd succeeded"
sleep 2
[ "$(ns systemctl is-active cwatchd)" = inactive ] || fail "the call or the scrape started cwatchd again"

say "poweroff"
systemd_ns_poweroff
PID=
echo "OK"
