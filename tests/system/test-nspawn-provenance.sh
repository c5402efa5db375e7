#!/bin/bash
# An attack chain in a real busybox container, told as one story: a namespace-booted systemd (see
# TESTING.md) runs the build's cwatchd as cwatchd.service (process, files and tcp tracers, the
# shipped rules, the provenance graph on by default). A busybox httpd on 127.0.0.1 serves a copy of
# busybox; in an nspawn container (sharing the host's network) a shell fetches it with busybox wget
# into /tmp, makes it executable, runs it, and the program connects out (its nc applet). Then:
#   - exec-downloaded-from-tmp is raised for /tmp/busybox, with its story (CWATCH_STORY=, valid JSON
#     as `journalctl -o json` gives it, within its bound): the program, the file it runs, the file's
#     writer (busybox wget) and the writer's connection to the server, the shell above them; told
#     again by cwatchd (GetAlertStory, what `cwatchctl alerts show` prints) it also has the
#     program's own connection, made after the alert;
#   - every alert of the container carries the same CWATCH_INCIDENT_ID, and an incident entry
#     (MESSAGE_ID of the catalog's "cwatch incident") names it: one incident;
#   - `cwatchctl alerts show ID` prints the chain as a tree, `--graph dot` as a graph,
#     `cwatchctl incidents` lists the incident with the container and `cwatchctl status` counts
#     rule hits, alerts sent and incidents opened.
# The namespace's journal lies apart (a machine id of its own) and is removed at the end, like the
# rootfs; nothing is installed on the host but the D-Bus policy when none is there (removed too).
#   tests/system/test-nspawn-provenance.sh CWATCHD CWATCHCTL SRCDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
CWATCHD=$(realpath "${1:?usage: test-nspawn-provenance.sh CWATCHD CWATCHCTL SRCDIR}")
CWATCHCTL=$(realpath "${2:?usage}") SRC=$(realpath "${3:?usage}")
STEP=start PID= dbus_conf= MACHINE_ID= ROOT=
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
for t in jq busctl systemd-nspawn busybox; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
for a in httpd wget nc chmod; do
        busybox --list | grep -qx $a || { echo "SKIP: busybox has no $a applet"; exit 77; }
done

cleanup() {
        systemd_ns_poweroff
        [ -n "$dbus_conf" ] && rm -f "$dbus_conf"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
        [ -n "$ROOT" ] && rm -rf "$ROOT"
        rm -f "$MACHINE_ID_FILE"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
# as systemd_ns_boot does, but ready at basic.target: this test needs the journal, the bus and
# machined, not every service the host has installed (one hanging at its start delays
# is-system-running by minutes on a shared machine)
unshare --pid --fork --kill-child --mount --mount-proc --propagation private -- \
        sh -c "mount --bind $MACHINE_ID_FILE /etc/machine-id && mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp &&
               exec env container=cwatch-test /lib/systemd/systemd --system --log-target=null" \
        </dev/null >/dev/null 2>&1 &
SYSTEMD_NS_BOOTER=$!
for _ in $(seq 100); do SYSTEMD_NS_PID=$(pgrep -P "$SYSTEMD_NS_BOOTER" -x systemd) && break; sleep 0.1; done
[ -n "$SYSTEMD_NS_PID" ] || fail "systemd did not start"
PID=$SYSTEMD_NS_PID
wait_for 90 "basic.target in the booted systemd" nsenter -t "$PID" -p -m systemctl is-active basic.target

say "configure and start cwatchd.service"
stage=/proc/$PID/root/run/cwatch-test
T=/run/cwatch-test
mkdir -p "$stage/rules" "$stage/conf.d" "$stage/www" || fail "cannot make $stage"
cp "$SRC"/rules/*.rules "$stage/rules/" && cp "$SRC/conf/cwatchd.conf" "$stage/" && cp "$CWATCHD" "$CWATCHCTL" "$stage/" &&
        cp "$(command -v busybox)" "$stage/www/busybox" || fail "cannot copy the tree into the namespace"
printf '[Tracers]\nEnable=process files tcp\nInterval=1s\n' >"$stage/conf.d/50-test.conf"
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
# restart: a cwatchd.service installed on the host (the namespace shares /etc) may have started
# at boot without this test's drop-in
ns systemctl restart cwatchd.service || fail "systemctl restart cwatchd"
wait_for 30 "cwatchd tracing process files tcp" sh -c \
        "nsenter -t $PID -p -m systemctl status --no-pager cwatchd | grep -q 'Status: \"Tracing: process files tcp;'"

say "serve busybox on 127.0.0.1"
PORT=$((20000 + RANDOM % 20000))
ns systemd-run --quiet --unit=cwatch-test-httpd -p Type=exec "$(command -v busybox)" httpd -f -p 127.0.0.1:$PORT -h $T/www ||
        fail "cannot start busybox httpd"
wait_for 10 "httpd on port $PORT" bash -c "echo >/dev/tcp/127.0.0.1/$PORT"

say "the chain in a container: fetch, chmod, run, connect out"
# the rootfs outside /tmp: the booted systemd has its own
ROOT=$(mktemp -d /var/tmp/cwatch-nspawn-prov.XXXXXX)
mkdir -p $ROOT/usr $ROOT/bin $ROOT/etc $ROOT/proc $ROOT/sys $ROOT/dev $ROOT/tmp
cp "$(command -v busybox)" $ROOT/bin/busybox
for a in sh wget chmod nc sleep; do ln -s busybox $ROOT/bin/$a; done
touch $ROOT/etc/os-release
NAME=cw-prov-$RANDOM$RANDOM
ns systemd-nspawn -q -D "$ROOT" -M "$NAME" /bin/sh -c "
        wget -q -O /tmp/busybox http://127.0.0.1:$PORT/busybox &&
        chmod 755 /tmp/busybox &&
        /tmp/busybox nc -w 1 127.0.0.1 $PORT </dev/null; sleep 1; true" >/dev/null 2>"$stage/nspawn.err" ||
        fail "systemd-nspawn failed: $(cat "$stage/nspawn.err")"

container_alerts() {
        ns journalctl --no-pager -t cwatch -o json 2>/dev/null |
                jq -c --arg n "$NAME" 'select(.CWATCH_CONTAINER_NAME == $n and .CWATCH_ALERT_ID != null)'
}
# (jq -s and any(): jq 1.6 -e fails when the last input is filtered out by select)
has_download() { container_alerts | jq -s -e 'any(.[]; .CWATCH_RULE == "exec-downloaded-from-tmp")' >/dev/null; }
wait_for 20 "exec-downloaded-from-tmp in $NAME" has_download
sleep 2
container_alerts >"$stage/alerts.json"
jq -c '{CWATCH_RULE, CWATCH_EXE, CWATCH_CMDLINE, CWATCH_INCIDENT_ID}' "$stage/alerts.json"

say "the download's alert and its story"
dl=$(jq -s '[.[] | select(.CWATCH_RULE == "exec-downloaded-from-tmp")]' "$stage/alerts.json")
[ "$(jq length <<<"$dl")" = 1 ] || fail "not exactly one exec-downloaded-from-tmp: $dl"
jq -e '.[0] | .CWATCH_EXE == "/tmp/busybox" and .CWATCH_SEVERITY == "error" and .CWATCH_MITRE == "T1105"' \
        <<<"$dl" >/dev/null || fail "exec-downloaded-from-tmp: $dl"
ID=$(jq -r '.[0].CWATCH_ALERT_ID' <<<"$dl")
story=$(jq -r '.[0].CWATCH_STORY' <<<"$dl")
[ -n "$story" ] && [ "$story" != null ] || fail "no CWATCH_STORY"
[ "${#story}" -le 4000 ] || fail "CWATCH_STORY longer than its bound: ${#story}"
jq -e . <<<"$story" >/dev/null || fail "CWATCH_STORY is no JSON: $story"
node() {        # node KIND JQ-CONDITION-ON-LABEL-AND-COMMAND: its index in the story
        jq -r --arg k "$1" "[.nodes[] | select(.k == \$k and ($2))][0].i // empty" <<<"$story"
}
edge() { jq -e --argjson s "$1" --argjson d "$2" --arg r "$3" \
        'any(.edges[]; .s == $s and .d == $d and .r == $r)' <<<"$story" >/dev/null; }
prog=$(node process '.alert == true and .l == "/tmp/busybox"')
file=$(node file '.l == "/tmp/busybox"')
writer=$(node process '(.c // "") | startswith("wget -q -O /tmp/busybox")')
fetch_peer=$(node peer ".l == \"127.0.0.1:$PORT\"")
shell=$(node process '(.c // "") | test("^/bin/sh -c")')
for v in prog file writer fetch_peer shell; do [ -n "${!v}" ] || fail "no $v in the story: $story"; done
edge "$prog" "$file" run || fail "the program does not run the file: $story"
edge "$writer" "$file" write || edge "$writer" "$file" create || fail "the writer did not write the file: $story"
edge "$writer" "$fetch_peer" connect || fail "the writer's download connection is missing: $story"
edge "$shell" "$prog" exec || fail "the shell did not exec into the program: $story"

say "one incident"
ids=$(jq -r '.CWATCH_INCIDENT_ID' "$stage/alerts.json" | sort -u)
[ "$(wc -l <<<"$ids")" = 1 ] && [ ${#ids} = 32 ] || fail "the container's alerts are not one incident: $ids"
ns journalctl --no-pager -o json MESSAGE_ID=b4f1c0e27a9d4c5e8e1f3a6d2c7b9e40 CWATCH_INCIDENT_ID="$ids" |
        jq -s -e --arg n "$NAME" 'any(.[]; .CWATCH_CONTAINER_ID == $n)' >/dev/null || fail "no incident entry for $ids"

say "cwatchctl alerts show and incidents"
tree=$(ns $T/cwatchctl --no-pager alerts show "$ID") || fail "cwatchctl alerts show $ID"
echo "$tree"
grep -q "/tmp/busybox.*<== ALERT" <<<"$tree" || fail "the tree does not mark the alert"
grep -Eq "(created|written) by.*wget -q -O /tmp/busybox" <<<"$tree" || fail "the tree does not show the writer"
grep -q "rule: exec-downloaded-from-tmp" <<<"$tree" || fail "the alert's fields are missing"
grep -q "connect: peer 127.0.0.1:$PORT" <<<"$tree" || fail "the tree does not show the connection"
ns $T/cwatchctl --no-pager alerts show "$ID" --graph dot | grep -q '^digraph story' || fail "--graph dot"
# told from the graph as it is now, the story has the program's own connection after the alert
live=$(ns $T/cwatchctl --no-pager alerts show "$ID" --graph json) || fail "--graph json"
jq -e --arg p "127.0.0.1:$PORT" '[.nodes[] | select(.alert == true)][0].i as $a |
        [.nodes[] | select(.k == "peer" and .l == $p)][0].i as $peer |
        any(.edges[]; .s == $a and .d == $peer and .r == "connect")' <<<"$live" >/dev/null ||
        fail "the program's own connection is not in its story: $live"
ns $T/cwatchctl --no-pager --json incidents | jq -s -e --arg id "$ids" --arg n "$NAME" \
        'any(.[]; .incident_id == $id and .container_id == $n and .alerts >= 1)' >/dev/null ||
        fail "cwatchctl incidents: $(ns $T/cwatchctl --no-pager incidents)"
ns $T/cwatchctl --no-pager incidents show "$ids" | grep -q exec-downloaded-from-tmp || fail "incidents show"
# alert reduction at a glance: rule hits, alerts sent, incidents opened
status=$(ns $T/cwatchctl --no-pager status) || fail "cwatchctl status"
grep -Eq "Alerts: [0-9]+ raised from [0-9]+ raw rule hits, [1-9][0-9]* incidents opened" <<<"$status" ||
        fail "cwatchctl status: $status"
echo "OK"
