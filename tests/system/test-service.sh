#!/bin/bash
# cwatchd as a user meets it: installed into the host's paths, run by a systemd booted as PID 1 of
# a PID + mount namespace (private /run and /tmp), steered with systemctl, busctl and cwatchctl,
# alerts read back from the journal. Cleans up whatever happens.
#   tests/system/test-service.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-service.sh BUILDDIR}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -30
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 40 2>&1 | tail -40
        echo "=== journal of polkit/dbus"; ns journalctl --no-pager -u polkit -u dbus -n 15 2>&1 | tail -15
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
ns() { timeout 30 nsenter -t "$PID" -p -m "$@"; }
# runs until the command succeeds or the timeout passes: wait_for SECONDS WHAT CMD...
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"

MARKER=cwatch-evil-$$-$RANDOM
WATCHDOG_DROPIN_DIR=/etc/systemd/system/cwatchd.service.d
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
        rm -rf "$WATCHDOG_DROPIN_DIR"
        rm -rf /etc/cwatch /usr/share/doc/cwatch-test
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

# the directory of the shipped rules, removed at the end when this install made it
[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
for f in /usr/sbin/cwatchd /usr/bin/cwatchctl /usr/lib/systemd/system/cwatchd.service \
         /usr/share/dbus-1/system.d/org.cwatch1.conf /usr/share/dbus-1/system-services/org.cwatch1.service \
         /usr/share/polkit-1/actions/org.cwatch1.policy /usr/lib/systemd/catalog/cwatch.catalog \
         /etc/cwatch/cwatchd.conf /usr/share/bash-completion/completions/cwatchctl; do
        [ -e "$f" ] || fail "meson install did not install $f"
done

say "boot systemd in a namespace"
# a machine id of its own, so that its journal lies apart from those of other systemds on the host
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "systemctl enable --now cwatchd"
ns systemctl enable --now cwatchd >"$LOG" 2>&1 || fail "enable --now: $(cat "$LOG")"
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd is not active"
[ -L /etc/systemd/system/dbus-org.cwatch1.service ] || fail "enable did not create the D-Bus alias"
[ "$(ns systemctl is-enabled cwatchd.socket)" = enabled ] || fail "enable did not enable cwatchd.socket (Also=)"
wait_for 15 "STATUS= in systemctl status" sh -c \
        "nsenter -t $PID -p -m systemctl status --no-pager cwatchd | grep -q 'Status: \"Tracing: .*process'"
ns systemctl status --no-pager cwatchd | grep -E 'Active:|Status:'
wait_for 10 "'cwatchd ... running' at priority 6 (info) in the journal" sh -c \
        "nsenter -t $PID -p -m journalctl --no-pager -u cwatchd -o json |
         jq -r 'select(.MESSAGE | test(\"^cwatchd .* running\")) | .PRIORITY' | grep -qx 6"

events() { ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats | jq '.data[0].events.data'; }
tracer_state() { ns cwatchctl list-tracers --no-legend --no-pager | awk -v t="$1" '$1 == t { print $2 }'; }

# on a build with the files tracer, stop it and watch process events keep flowing; before the
# other tracers are merged, stop and restart process itself
TRACERS=$(ns cwatchctl list-tracers --json | jq -r '.[].name')
STOP=process
for t in tcp files; do grep -qx $t <<<"$TRACERS" && STOP=$t; done
say "StopTracer $STOP"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StopTracer s "$STOP" >"$LOG" 2>&1 ||
        fail "busctl StopTracer: $(cat "$LOG")"
[ "$(tracer_state "$STOP")" = stopped ] || fail "list-tracers does not show $STOP stopped"
for t in $TRACERS; do
        [ "$t" = "$STOP" ] || [ "$(tracer_state "$t")" = running ] || echo "note: $t is not running"
done
before=$(events)
for _ in 1 2 3 4 5; do ns /bin/true; done
sleep 1
after=$(events)
if [ "$STOP" = process ]; then
        [ "$after" = "$before" ] || fail "events rose from $before to $after with process stopped"
else
        [ "$after" -gt "$before" ] || fail "process events stopped flowing ($before -> $after) with $STOP stopped"
fi

say "cwatchctl start $STOP"
ns cwatchctl start "$STOP" || fail "cwatchctl start $STOP exited $?"
[ "$(tracer_state "$STOP")" = running ] || fail "list-tracers does not show $STOP running"
before=$(events)
ns /bin/true
wait_for 10 "events rising after start" sh -c "[ \"\$(nsenter -t $PID -p -m busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats | jq '.data[0].events.data')\" -gt $before ]"

say "an exec from /tmp raises an alert in the journal"
ns sh -c "cp /bin/true /tmp/$MARKER && /tmp/$MARKER" || fail "could not run /tmp/$MARKER"
wait_for 20 "the alert in journalctl -t cwatch" sh -c \
        "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_EXE=/tmp/$MARKER | grep -q exec-from-tmp"
entry=$(ns journalctl -t cwatch -o json CWATCH_EXE=/tmp/$MARKER | tail -1)
echo "$entry" | jq -c '{MESSAGE, MESSAGE_ID, PRIORITY, CWATCH_RULE, CWATCH_SEVERITY, CWATCH_PID, OBJECT_PID}'
check() { [ "$(jq -r ".$1" <<<"$entry")" = "$2" ] || fail "$1 is '$(jq -r ".$1" <<<"$entry")', expected '$2'"; }
check CWATCH_RULE exec-from-tmp
check CWATCH_SEVERITY warning
check PRIORITY 4
check MESSAGE_ID 5e2b3c6a0f8d4d1b9a7e63c1f04a2d19
check SYSLOG_IDENTIFIER cwatch
check CWATCH_EXE "/tmp/$MARKER"
check CWATCH_COMM "${MARKER:0:15}"
check CWATCH_UID 0
check CWATCH_COUNT 1
check CWATCH_MITRE T1204.002
pid=$(jq -r .CWATCH_PID <<<"$entry")
[ "$pid" -gt 1 ] || fail "CWATCH_PID is '$pid'"
check OBJECT_PID "$pid"
[[ "$(jq -r .CWATCH_ALERT_ID <<<"$entry")" =~ ^[0-9a-f]{32}$ ]] || fail "CWATCH_ALERT_ID is not 32 hex digits"
[[ "$(jq -r .MESSAGE <<<"$entry")" == "/tmp/$MARKER executed from a temporary directory by "* ]] ||
        fail "MESSAGE: $(jq -r .MESSAGE <<<"$entry")"
ns journalctl -t cwatch -x --no-pager CWATCH_EXE=/tmp/$MARKER | grep -q 'cwatch rule exec-from-tmp raised an alert' ||
        fail "journalctl -x does not explain the alert from the catalog"

say "cwatchctl alerts --json"
ns cwatchctl alerts --json --rule exec-from-tmp --since -10min >"$LOG" || fail "cwatchctl alerts exited $?"
line=$(grep -F "\"exe\":\"/tmp/$MARKER\"" "$LOG") || fail "cwatchctl alerts --json lacks the alert: $(head -3 "$LOG")"
[ "$(jq -r .rule <<<"$line")" = exec-from-tmp ] && [ "$(jq -r .pid <<<"$line")" = "$pid" ] &&
        [ "$(jq -r .severity <<<"$line")" = warning ] || fail "alert fields wrong: $line"
ns cwatchctl alerts --no-pager --severity error --since -10min | grep -qF "/tmp/$MARKER" &&
        fail "--severity error shows a warning"

say "cwatchctl alerts --follow gets AlertRaised"
FOLLOW_OUT=$(mktemp)
nsenter -t "$PID" -p -m timeout 20 cwatchctl alerts --follow --json --rule exec-from-tmp >"$FOLLOW_OUT" 2>&1 &
follow=$!
sleep 1
ns sh -c "cp /bin/true /tmp/$MARKER-2 && /tmp/$MARKER-2" || fail "could not run /tmp/$MARKER-2"
wait_for 15 "the AlertRaised signal in cwatchctl alerts --follow" grep -qF "\"exe\":\"/tmp/$MARKER-2\"" "$FOLLOW_OUT"
kill "$follow" 2>/dev/null; wait "$follow" 2>/dev/null
jq -e "select(.exe == \"/tmp/$MARKER-2\") | .rule == \"exec-from-tmp\" and (.alert_id | test(\"^[0-9a-f]{32}$\"))" \
        "$FOLLOW_OUT" >/dev/null || fail "AlertRaised fields: $(grep -F "$MARKER-2" "$FOLLOW_OUT")"
rm -f "$FOLLOW_OUT"

say "bad arguments get named errors"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StartTracer s nosuch 2>"$LOG" &&
        fail "StartTracer nosuch succeeded"
grep -q "No tracer 'nosuch'" "$LOG" || fail "StartTracer nosuch: $(cat "$LOG")"
ns cwatchctl start nosuch 2>"$LOG"; rc=$?
[ $rc = 5 ] || fail "cwatchctl start nosuch exited $rc, expected 5: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager QueryAlerts 'a{sv}' 1 color s red 2>"$LOG" &&
        fail "QueryAlerts with an unknown filter succeeded"
grep -q "Unknown filter 'color'" "$LOG" || fail "unknown filter: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager QueryAlerts 'a{sv}' 1 limit u 0 2>"$LOG" &&
        fail "QueryAlerts with limit 0 succeeded"
grep -q "between 1 and 10000" "$LOG" || fail "limit 0: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager QueryAlerts 'a{sv}' 1 since s yesterday 2>"$LOG" &&
        fail "QueryAlerts with a string since succeeded"
grep -q "must be a number" "$LOG" || fail "since as string: $(cat "$LOG")"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StartTracer i 3 2>"$LOG" &&
        fail "StartTracer with an integer succeeded"
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd died on bad arguments"

say "an unprivileged user is denied by polkit"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StopTracer s "$STOP" || fail "root StopTracer"
ns runuser -u nobody -- busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StartTracer s "$STOP" 2>"$LOG" &&
        fail "nobody could start a tracer"
grep -q "Access denied" "$LOG" || fail "nobody's busctl StartTracer: $(cat "$LOG")"
for interactive in yes no; do
        ns runuser -u nobody -- env SYSTEMD_LOG_LEVEL=debug busctl --allow-interactive-authorization=$interactive \
                call org.cwatch1 /org/cwatch1 org.cwatch1.Manager StartTracer s "$STOP" >"$LOG" 2>&1 &&
                fail "nobody could start a tracer (interactive $interactive)"
        reply=$(grep -o 'error-name=org.freedesktop.DBus.Error.AccessDenied error-message=Not authorized for org.cwatch1.manage-tracers.*' "$LOG") ||
                fail "nobody's StartTracer (interactive $interactive) was not denied by polkit: $(grep error-name= "$LOG" | tail -1)"
        echo "denied (interactive $interactive): ${reply#*error-message=}"
done
ns runuser -u nobody -- cwatchctl start "$STOP" 2>"$LOG"; rc=$?
[ $rc = 4 ] || fail "nobody's cwatchctl start exited $rc, expected 4: $(cat "$LOG")"
ns runuser -u nobody -- cwatchctl alerts 2>/dev/null; rc=$?
[ $rc = 4 ] || fail "nobody's cwatchctl alerts exited $rc, expected 4"
[ "$(tracer_state "$STOP")" = stopped ] || fail "$STOP is not stopped any more after the denied call"
ns journalctl --no-pager -u polkit | grep -q . || echo "note: polkit wrote nothing to the journal"
ns cwatchctl start "$STOP" || fail "root start after denial"

say "cwatchctl status"
ns cwatchctl status --no-pager >"$LOG" || fail "cwatchctl status exited $?"
grep -q "Tracers: .* running (.*process" "$LOG" || fail "cwatchctl status: $(cat "$LOG")"
grep -Eq "Alerts: [1-9][0-9]* raised" "$LOG" || fail "cwatchctl status counts no alerts: $(cat "$LOG")"
ns cwatchctl status --json | jq -e '.events > 0 and .alerts > 0' >/dev/null || fail "cwatchctl status --json"
[ "$(ns systemctl show -P WatchdogUSec cwatchd)" = 30s ] || fail "no watchdog: $(ns systemctl show -P WatchdogUSec cwatchd)"

say "cwatchctl rules list"
N_RULES=$(cat /usr/lib/cwatch/rules.d/*.rules | grep -c '^\[Rule\]')
[ "$N_RULES" -ge 25 ] || fail "only $N_RULES rules installed"
ns cwatchctl rules list --no-pager >"$LOG" || fail "cwatchctl rules list exited $?"
grep -E '^(RULE|exec-from-tmp|read-shadow) ' "$LOG"; tail -1 "$LOG"
head -1 "$LOG" | grep -Eq '^RULE +EVENT +SEVERITY +MITRE +STATE +MATCHES +FILE$' || fail "rules list header: $(head -1 "$LOG")"
grep -Eq '^exec-from-tmp +exec +warning +T1204\.002 +active +[0-9]+ +/usr/lib/cwatch/rules\.d/10-process\.rules:[0-9]+$' "$LOG" ||
        fail "rules list lacks exec-from-tmp: $(grep exec-from-tmp "$LOG")"
grep -qx "$N_RULES rules listed, [0-9]* active, 0 disabled." "$LOG" || fail "rules list footer: $(tail -1 "$LOG")"
[ "$(ns cwatchctl rules list --no-legend --no-pager | wc -l)" = "$N_RULES" ] || fail "rules list --no-legend is not one line per rule"
[ "$(ns cwatchctl rules list --no-legend --no-pager 'write-*' | awk '{print $1}' | sort -u | grep -vc '^write-')" = 0 ] ||
        fail "rules list 'write-*' shows other rules"
ns cwatchctl rules list --json >"$LOG" || fail "cwatchctl rules list --json exited $?"
jq -e "length == $N_RULES" "$LOG" >/dev/null || fail "rules list --json has $(jq length "$LOG") rules, expected $N_RULES"
# two execs from /tmp above: the rule's condition held at least twice
jq -e '.[] | select(.name == "exec-from-tmp") | .events == ["exec"] and .severity == "warning" and .mitre == "T1204.002"
       and .enabled and .active and .matches >= 2 and (.file | endswith("/10-process.rules"))' "$LOG" >/dev/null ||
        fail "exec-from-tmp in rules list --json: $(jq -c '.[] | select(.name == "exec-from-tmp")' "$LOG")"
ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager ListRules >"$LOG" || fail "root busctl ListRules"
[ "$(jq -r .type "$LOG")" = "a(sasssssubbt)" ] && jq -e ".data[0] | length == $N_RULES" "$LOG" >/dev/null ||
        fail "ListRules reply: $(head -c 300 "$LOG")"
ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats |
        jq -e ".data[0].detection.data == \"rules\" and .data[0].rules.data == $N_RULES and .data[0].rule_matches.data >= 2" >/dev/null ||
        fail "GetStats detection/rules/rule_matches"
for interactive in yes no; do
        ns runuser -u nobody -- env SYSTEMD_LOG_LEVEL=debug busctl --allow-interactive-authorization=$interactive \
                call org.cwatch1 /org/cwatch1 org.cwatch1.Manager ListRules >"$LOG" 2>&1 &&
                fail "nobody could list the rules (interactive $interactive)"
        grep -q 'error-name=org.freedesktop.DBus.Error.AccessDenied error-message=Not authorized for org.cwatch1.query-alerts' "$LOG" ||
                fail "nobody's ListRules (interactive $interactive) was not denied by polkit: $(grep error-name= "$LOG" | tail -1)"
done
ns runuser -u nobody -- cwatchctl rules list 2>"$LOG"; rc=$?
[ $rc = 4 ] || fail "nobody's cwatchctl rules list exited $rc, expected 4: $(cat "$LOG")"

say "the watchdog is fed"
mkdir -p "$WATCHDOG_DROPIN_DIR"
printf '[Service]\nWatchdogSec=2s\n' >"$WATCHDOG_DROPIN_DIR/50-test-watchdog.conf"
ns systemctl daemon-reload || fail "daemon-reload"
ns systemctl restart cwatchd || fail "restart with WatchdogSec=2s"
wd_pid=$(ns systemctl show -P MainPID cwatchd)
sleep 5
[ "$(ns systemctl show -P MainPID cwatchd)" = "$wd_pid" ] && [ "$(ns systemctl show -P NRestarts cwatchd)" = 0 ] ||
        fail "the watchdog killed cwatchd (WatchdogSec=2s): $(ns systemctl show -P Result cwatchd)"
rm -rf "$WATCHDOG_DROPIN_DIR"
ns systemctl daemon-reload || fail "daemon-reload"
ns systemctl restart cwatchd || fail "restart without the watchdog drop-in"

say "systemctl reload"
reloads() { ns busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats | jq '.data[0].reloads.data'; }
mainpid=$(ns systemctl show -P MainPID cwatchd)
r0=$(reloads)
ns systemctl reload cwatchd || fail "systemctl reload failed"
[ "$(reloads)" = $((r0 + 1)) ] || fail "reload count did not rise"
mkdir -p /etc/cwatch/cwatchd.conf.d
printf '[Tracers]\nEnable=process\n\n[Alerts]\nMinSeverity=loud\n' >/etc/cwatch/cwatchd.conf.d/50-bad.conf
ns systemctl reload cwatchd 2>"$LOG" && fail "reload with a bad drop-in succeeded"
wait_for 10 "the journal naming the bad line" sh -c \
        "nsenter -t $PID -p -m journalctl --no-pager -u cwatchd | grep -q '50-bad.conf:5: MinSeverity=loud'"
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd is not active after a bad reload"
[ "$(ns systemctl show -P MainPID cwatchd)" = "$mainpid" ] || fail "cwatchd restarted on a bad reload"
rm -f /etc/cwatch/cwatchd.conf.d/50-bad.conf
ns systemctl reload cwatchd || fail "reload after removing the bad drop-in failed"
mkdir -p /etc/cwatch/rules.d
printf '[Rule]\nName=broken\nEvent=exec\nCondition=proc.nosuchfield = 1\nSeverity=warning\n' >/etc/cwatch/rules.d/99-broken.rules
ns systemctl reload cwatchd 2>"$LOG" && fail "reload with a broken rule file succeeded"
wait_for 10 "the journal naming the broken rule's line" sh -c \
        "nsenter -t $PID -p -m journalctl --no-pager -u cwatchd | grep -q '99-broken.rules:[0-9]*:[0-9]*: '"
rm -f /etc/cwatch/rules.d/99-broken.rules
ns systemctl reload cwatchd || fail "reload after removing the broken rule file failed"
r1=$(reloads)
ns systemctl kill -s HUP cwatchd 2>"$LOG" || fail "systemctl kill -s HUP: $(cat "$LOG")"
wait_for 10 "SIGHUP to reload" sh -c "[ \"\$(nsenter -t $PID -p -m busctl call --json=short org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats | jq '.data[0].reloads.data')\" = $((r1 + 1)) ]"
[ "$(ns systemctl show -P MainPID cwatchd)" = "$mainpid" ] || fail "cwatchd restarted on SIGHUP"
[ "$(tracer_state process)" = running ] || fail "process is not running after the reloads"

say "systemctl restart"
ns systemctl restart cwatchd || fail "systemctl restart failed"
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "cwatchd is not active after restart"
[ "$(ns systemctl show -P MainPID cwatchd)" != "$mainpid" ] || fail "MainPID did not change on restart"

say "bus activation"
ns systemctl stop cwatchd || fail "systemctl stop failed"
[ "$(ns systemctl is-active cwatchd)" != active ] || fail "cwatchd still active after stop"
ns busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetStats >/dev/null || fail "activation call failed"
[ "$(ns systemctl is-active cwatchd)" = active ] || fail "bus activation did not start cwatchd"

say "SIGTERM detaches cleanly"
ns systemctl stop cwatchd || fail "stop"
ns journalctl --no-pager -u cwatchd -n 5 | grep -q 'cwatchd stopped' || fail "no clean stop in the journal"
[ "$(ns systemctl show -P Result cwatchd)" = success ] || fail "stop result: $(ns systemctl show -P Result cwatchd)"

say "cwatchctl rules check, without the daemon"
ns cwatchctl rules check /usr/lib/cwatch/rules.d/*.rules >"$LOG" 2>&1 || fail "rules check of the default rules: $(cat "$LOG")"
grep -qx "$N_RULES rules in [0-9]* files: OK" "$LOG" || fail "rules check said: $(cat "$LOG")"
ns runuser -u nobody -- cwatchctl rules check /usr/lib/cwatch/rules.d/*.rules >/dev/null 2>&1 ||
        fail "rules check needs privileges"
# /tmp is private to the namespace; /etc is shared
BROKEN=/etc/cwatch/broken-$$.rules
printf '[Rule]\nName=broken\nEvent=exec\nCondition=proc.exe = /bin/sh and proc.nosuchfield = 1\nSeverity=warning\nMessage=m\n' >"$BROKEN"
chmod 644 "$BROKEN"
ns cwatchctl rules check /usr/lib/cwatch/rules.d/*.rules "$BROKEN" >/dev/null 2>"$LOG"; rc=$?
[ $rc = 1 ] || fail "rules check of a broken file exited $rc, expected 1: $(cat "$LOG")"
grep -q "^$BROKEN:4:34: unknown field 'proc.nosuchfield'" "$LOG" || fail "rules check error: $(cat "$LOG")"
rm -f "$BROKEN"
ns cwatchctl rules check 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "rules check without files exited $rc, expected 2"
[ "$(ns systemctl is-active cwatchd)" != active ] || fail "rules check started cwatchd"

say "poweroff"
ns systemctl poweroff --no-block >/dev/null 2>&1
for _ in $(seq 150); do [ -d /proc/$PID ] || break; sleep 0.2; done
[ -d /proc/$PID ] && fail "systemd did not power off"
systemd_ns_poweroff
PID=
echo "OK"
