#!/bin/bash
# The response as an operator meets it: the installed cwatchd.service in a systemd booted as PID 1 of
# a PID + mount namespace, [Response] Enable=yes (a drop-in) and test rules with Action= (a rule file
# in /etc/cwatch/rules.d). Shows, each against the live cgroups and units:
#   - a reverse shell (busybox nc -e /bin/sh, stdio a TCP socket to a listener here) in an nspawn
#     container raises reverse-shell, whose Action=freeze freezes the container's scope within a second
#     of the alert (cgroup.events says frozen 1, the shell's ticks stop); cwatchctl thaw resumes them;
#   - Action=kill kills the one process (the unit and its other processes live on);
#   - Action=kill-unit kills every process of the unit; Action=stop stops it (ActionTaken signalled);
#   - a protected unit (Protected=) is refused, DryRun=yes changes nothing, past MaxActionsPerMinute=
#     the action is held back: each only logs why;
#   - nobody's cwatchctl freeze is denied by polkit and changes nothing;
#   - every outcome is a journal entry (MESSAGE_ID, CWATCH_ACTION=, CWATCH_UNIT=, the alert id) and a
#     row of cwatchctl actions.
# Cleans up whatever happens.   tests/system/test-response.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-response.sh BUILDDIR}")
STEP="start"
PID=
TAG=$$-$RANDOM
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
MACHINE=cwresp$RANDOM$RANDOM   # no "-": the scope's name would escape it
ROOT=$(mktemp -d /var/tmp/cwatch-response.XXXXXX)
TICKS=$(mktemp)
DROPIN=/etc/cwatch/cwatchd.conf.d/50-test-response.conf
RULES=/etc/cwatch/rules.d/90-test-response.rules
PORT=$((20000 + RANDOM % 20000))
LISTENER= MONITOR=
TAKEN=3f0c8a51d2b64e0f9a6c17e5b4d2a8c1 NOT_TAKEN=c6e94b2a7f1d4c38b05e9a2d6f3b7e14

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
        echo "=== actions"; ns journalctl --no-pager -t cwatch -o cat MESSAGE_ID=$TAKEN + MESSAGE_ID=$NOT_TAKEN 2>&1 | tail -20
        echo "=== cwatchctl actions"; ns cwatchctl actions --no-pager 2>&1 | tail -20
        echo "=== alerts"; ns journalctl --no-pager -t cwatch -o cat CWATCH_RULE=reverse-shell 2>&1 | tail -5
        [ -s "$ROOT/nspawn.err" ] && { echo "=== nspawn"; tail -5 "$ROOT/nspawn.err"; }
        echo "=== ticks: $(grep -c tick "$TICKS")"
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
for t in jq python3 busybox systemd-nspawn runuser; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CG=/sys/fs/cgroup
else CG=/sys/fs/cgroup/unified; fi

cleanup() {
        [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
        [ -n "$MONITOR" ] && kill "$MONITOR" 2>/dev/null
        if [ -n "$PID" ] && [ -d "/proc/$PID" ]; then
                # a frozen scope cannot be stopped: thaw first
                for f in "$CG/machine.slice/machine-$MACHINE.scope/cgroup.freeze"; do
                        [ -e "$f" ] && echo 0 >"$f" 2>/dev/null
                done
                ns machinectl terminate "$MACHINE" >/dev/null 2>&1
                ns systemctl stop "cwresp-*-$TAG.service" cwatchd >/dev/null 2>&1
        fi
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch "$ROOT"
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE" "$TICKS"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
        wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install, with the response on and test rules that act"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
mkdir -p "$(dirname "$DROPIN")" "$(dirname "$RULES")"
write_conf() {
        cat >"$DROPIN" <<CONF
[Response]
Enable=yes
DryRun=$1
MaxActionsPerMinute=$2
Protected=cwresp-prot-*.service
CONF
}
write_conf no 5
cat >"$RULES" <<'EOF2'
# the default reverse-shell rule, amended: freeze what runs it
[Rule]
Name=reverse-shell
Action=freeze

[Rule]
Name=test-response-kill
Event=exec
Condition=proc.cmdline contains "cwresp-kill-one" and unit glob "cwresp-*"
Severity=notice
Message=test-response.sh: kill %proc.pid
Action=kill

[Rule]
Name=test-response-stop
Event=exec
Condition=proc.cmdline contains "cwresp-stop" and unit glob "cwresp-*"
Severity=notice
Message=test-response.sh: stop the unit of %proc.pid
Action=stop

[Rule]
Name=test-response-kill-unit
Event=exec
Condition=proc.cmdline contains "cwresp-kill-all" and unit glob "cwresp-*"
Severity=notice
Message=test-response.sh: kill the unit of %proc.pid
Action=kill-unit
EOF2
"$BUILD/src/cwatchctl" rules check /usr/lib/cwatch/rules.d/*.rules "$RULES" >"$LOG" 2>&1 ||
        fail "rules check: $(cat "$LOG")"
grep -qx "rule reverse-shell: Action=freeze .*" "$LOG" || fail "rules check does not show the action: $(cat "$LOG")"
printf '[Rule]\nName=x\nEvent=exec\nCondition=proc.pid = 1\nSeverity=info\nMessage=m\nAction=explode\n' >"$ROOT/bad.rules"
"$BUILD/src/cwatchctl" rules check "$ROOT/bad.rules" >"$LOG" 2>&1 && fail "rules check took Action=explode"
grep -q "unknown action 'explode'" "$LOG" || fail "rules check did not say why: $(cat "$LOG")"

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "start cwatchd"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
wait_for 20 "cwatchd answering on the bus" nsenter -t "$PID" -p -m cwatchctl actions --no-pager
wait_for 10 "cwatchd saying the response is on" sh -c \
        "nsenter -t $PID -p -m journalctl --no-pager -u cwatchd -o cat | grep -q 'Response on'"

# the response's journal entries, as JSON lines; $1: a jq filter on top
actions() { ns journalctl --no-pager -t cwatch -o json MESSAGE_ID=$TAKEN + MESSAGE_ID=$NOT_TAKEN 2>/dev/null |
        jq -c "${1:-.}"; }
action_of_unit() { actions "select(.CWATCH_UNIT == \"$1\")" | tail -1; }

say "a reverse shell in an nspawn container is frozen within a second of its alert"
mkdir -p $ROOT/usr $ROOT/bin $ROOT/etc $ROOT/proc $ROOT/sys $ROOT/dev $ROOT/tmp
cp "$(command -v busybox)" $ROOT/bin/busybox
for a in sh nc sleep echo; do ln -s busybox $ROOT/bin/$a; done
touch $ROOT/etc/os-release
# the listener: sends a loop that prints a tick every 0.1 s and keeps every tick line it receives
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept()
c.sendall(b"while :; do echo tick; sleep 0.1; done\n")
out = open(sys.argv[2], "a")
for line in c.makefile():
    out.write(line); out.flush()
' "$PORT" "$TICKS" &
LISTENER=$!
sleep 0.5
ns systemd-nspawn -q -D "$ROOT" -M "$MACHINE" /bin/nc 127.0.0.1 "$PORT" -e /bin/sh >/dev/null 2>"$ROOT/nspawn.err" &
SCOPE=machine-$MACHINE.scope
wait_for 20 "a freeze of $SCOPE" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json \
        MESSAGE_ID=$TAKEN CWATCH_UNIT=$SCOPE | grep -q '\"CWATCH_ACTION\":\"freeze\"'"
entry=$(action_of_unit "$SCOPE")
[ "$(jq -r .CWATCH_ACTION_RESULT <<<"$entry")" = done ] || fail "the freeze did not happen: $entry"
[ "$(jq -r .CWATCH_RULE <<<"$entry")" = reverse-shell ] || fail "the freeze names another rule: $entry"
alert_id=$(jq -r .CWATCH_ALERT_ID <<<"$entry")
alert=$(ns journalctl --no-pager -t cwatch -o json CWATCH_ALERT_ID="$alert_id" CWATCH_RULE=reverse-shell | head -1)
[ -n "$alert" ] || fail "no reverse-shell alert $alert_id in the journal"
delay=$(( $(jq -r .__REALTIME_TIMESTAMP <<<"$entry") - $(jq -r .__REALTIME_TIMESTAMP <<<"$alert") ))
[ "$delay" -lt 1000000 ] || fail "frozen ${delay} µs after the alert"
echo "frozen $delay µs after the alert: $(jq -r .CWATCH_ACTION_REASON <<<"$entry")"
grep -qx "frozen 1" "$CG/machine.slice/$SCOPE/cgroup.events" ||
        fail "$CG/machine.slice/$SCOPE/cgroup.events: $(cat "$CG/machine.slice/$SCOPE/cgroup.events")"
sleep 0.5
before=$(grep -c tick "$TICKS")
sleep 2
after=$(grep -c tick "$TICKS")
[ "$before" = "$after" ] || fail "the frozen shell still ticks ($before, then $after)"
ns cwatchctl actions --no-pager | grep -q "Frozen by cwatch: $SCOPE" || fail "actions does not list $SCOPE as frozen"

say "nobody's thaw is denied by polkit, and nothing changes"
n_before=$(actions | grep -c .)
ns runuser -u nobody -- cwatchctl thaw container "$MACHINE" >"$LOG" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "nobody's thaw: exit $rc, $(cat "$LOG")"
grep -qx "frozen 1" "$CG/machine.slice/$SCOPE/cgroup.events" || fail "nobody's thaw thawed"
[ "$(actions | grep -c .)" = "$n_before" ] || fail "nobody's thaw made an entry"

say "cwatchctl thaw resumes it"
ns cwatchctl thaw container "$MACHINE" >"$LOG" 2>&1 || fail "thaw: $(cat "$LOG")"
grep -qx "frozen 0" "$CG/machine.slice/$SCOPE/cgroup.events" || fail "still frozen after thaw"
sleep 1
[ "$(grep -c tick "$TICKS")" -gt "$after" ] || fail "the thawed shell does not tick"
ns cwatchctl actions --no-pager | grep -q "Frozen by cwatch: *$" || fail "actions still lists a frozen unit"
thaw=$(action_of_unit "$SCOPE")
[ "$(jq -r '.CWATCH_ACTION + " " + .CWATCH_ACTION_ORIGIN + " " + .CWATCH_ACTION_CALLER' <<<"$thaw")" = "thaw manual uid 0" ] ||
        fail "the thaw's entry: $thaw"
say "nobody's freeze and actions are denied too"
n_before=$(actions | grep -c .)
ns runuser -u nobody -- cwatchctl freeze container "$MACHINE" >"$LOG" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "nobody's freeze: exit $rc, $(cat "$LOG")"
grep -qx "frozen 0" "$CG/machine.slice/$SCOPE/cgroup.events" || fail "nobody's freeze froze"
[ "$(actions | grep -c .)" = "$n_before" ] || fail "nobody's freeze made an entry"
ns runuser -u nobody -- cwatchctl actions >"$LOG" 2>&1
[ $? = 4 ] || fail "nobody may list the actions: $(cat "$LOG")"

kill "$LISTENER" 2>/dev/null; LISTENER=
ns machinectl terminate "$MACHINE" >/dev/null 2>&1

say "Action=kill kills only the offending process"
# the marker is quoted apart in each unit's own command line: only the inner shell's names it
U=cwresp-one-$TAG.service
ns systemd-run --quiet --unit="$U" /bin/sh -c \
        'sleep 300 & sleep 1; sh -c "sleep 301; : cwresp-kill-""one"; echo survived; sleep 300' ||
        fail "systemd-run $U"
wait_for 15 "a kill in $U" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json MESSAGE_ID=$TAKEN \
        CWATCH_UNIT=$U | grep -q '\"CWATCH_ACTION\":\"kill\"'"
entry=$(action_of_unit "$U")
[ "$(jq -r .CWATCH_ACTION_RESULT <<<"$entry")" = done ] || fail "kill: $entry"
[ "$(jq -r .CWATCH_PID <<<"$entry")" != 0 ] || fail "kill names no process: $entry"
sleep 0.5
ns systemctl is-active -q "$U" || fail "$U died with its process"
procs=$(ns systemctl show -P ControlGroup "$U")
cmds=$(for p in $(cat "$CG$procs/cgroup.procs"); do tr '\0' ' ' </proc/$p/cmdline 2>/dev/null; echo; done)
grep -q "cwresp-kill-one" <<<"$cmds" && fail "the offending process lives: $cmds"
grep -q "sleep 300" <<<"$cmds" || fail "the unit's other processes died: $cmds"
ns journalctl --no-pager -u "$U" -o cat | grep -q survived || fail "the unit's shell did not go on"

say "Action=kill-unit kills every process of the unit"
U=cwresp-all-$TAG.service
ns systemd-run --quiet --unit="$U" /bin/sh -c 'sleep 300 & sleep 1; sh -c "sleep 301; : cwresp-kill-""all whole"; sleep 300' ||
        fail "systemd-run $U"
wait_for 15 "a kill-unit of $U" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json MESSAGE_ID=$TAKEN \
        CWATCH_UNIT=$U | grep -q '\"CWATCH_ACTION\":\"kill-unit\"'"
wait_for 10 "$U gone" sh -c "! nsenter -t $PID -p -m systemctl is-active -q $U"

say "Action=stop stops the unit, and ActionTaken is signalled"
U=cwresp-stop-$TAG.service
ns busctl monitor --system --match "type='signal',interface='org.cwatch1.Manager',member='ActionTaken'" \
        >"$ROOT/signals" 2>&1 &
MONITOR=$!
sleep 0.5
ns systemd-run --quiet --unit="$U" /bin/sh -c 'sleep 1; sh -c "sleep 304; : cwresp-st""op"; sleep 300' ||
        fail "systemd-run $U"
wait_for 15 "a stop of $U" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json MESSAGE_ID=$TAKEN \
        CWATCH_UNIT=$U | grep -q '\"CWATCH_ACTION\":\"stop\"'"
wait_for 10 "$U stopped" sh -c "! nsenter -t $PID -p -m systemctl is-active -q $U"
wait_for 5 "ActionTaken for $U" grep -q "$U" "$ROOT/signals"
kill "$MONITOR" 2>/dev/null

say "a protected unit is refused, and only logged"
U=cwresp-prot-$TAG.service
ns systemd-run --quiet --unit="$U" /bin/sh -c 'sleep 1; sh -c "sleep 301; : cwresp-kill-""all protected"; sleep 300' ||
        fail "systemd-run $U"
wait_for 15 "a refusal for $U" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json \
        MESSAGE_ID=$NOT_TAKEN CWATCH_UNIT=$U | grep -q refused"
entry=$(action_of_unit "$U")
jq -r .CWATCH_ACTION_REASON <<<"$entry" | grep -q "protected" || fail "the refusal does not say why: $entry"
sleep 0.5
ns systemctl is-active -q "$U" || fail "the protected unit was acted on"

say "DryRun=yes changes nothing and logs what it would have done"
write_conf yes 5
ns cwatchctl reload >"$LOG" 2>&1 || fail "reload: $(cat "$LOG")"
U=cwresp-dry-$TAG.service
ns systemd-run --quiet --unit="$U" /bin/sh -c 'sleep 1; sh -c "sleep 302; : cwresp-kill-""all dryrun"; sleep 300' ||
        fail "systemd-run $U"
wait_for 15 "a dry run for $U" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json \
        MESSAGE_ID=$TAKEN CWATCH_UNIT=$U | grep -q dry-run"
sleep 0.5
ns systemctl is-active -q "$U" || fail "the dry run acted"
# a new limit starts counting afresh: one action a minute, then held back
write_conf no 1
ns cwatchctl reload >"$LOG" 2>&1 || fail "reload: $(cat "$LOG")"

say "past MaxActionsPerMinute= actions are held back, and only logged"
for i in one two; do
        ns systemd-run --quiet --unit="cwresp-rate$i-$TAG.service" /bin/sh -c \
                "sleep 1; sh -c 'sleep 303; : cwresp-kill-''all rate$i'; sleep 300" || fail "systemd-run rate$i"
        wait_for 15 "an action for rate$i" sh -c "nsenter -t $PID -p -m journalctl --no-pager -t cwatch -o json \
                CWATCH_UNIT=cwresp-rate$i-$TAG.service MESSAGE_ID=$TAKEN + CWATCH_UNIT=cwresp-rate$i-$TAG.service \
                MESSAGE_ID=$NOT_TAKEN | grep -q CWATCH_ACTION_RESULT"
done
r1=$(action_of_unit "cwresp-rateone-$TAG.service" | jq -r .CWATCH_ACTION_RESULT)
r2=$(action_of_unit "cwresp-ratetwo-$TAG.service" | jq -r .CWATCH_ACTION_RESULT)
[ "$r1 $r2" = "done held-back" ] || fail "rate limit: rateone $r1, ratetwo $r2 (expected done, held-back)"
sleep 0.5
ns systemctl is-active -q "cwresp-ratetwo-$TAG.service" || fail "the held-back action happened"

say "every outcome is in cwatchctl actions"
ns cwatchctl actions --no-pager
for res in done refused dry-run held-back; do
        ns cwatchctl actions --json | jq -s -e --arg r "$res" 'any(.[]; .result == $r)' >/dev/null ||
                fail "no $res row in cwatchctl actions"
done
echo "PASS: freeze within ${delay} µs, thaw, kill, kill-unit, stop, protected, dry run, rate limit, polkit"
