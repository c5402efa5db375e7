#!/bin/bash
# cwatchd run shows the built-in detection's alert for a program executed from /tmp: a JSON
# object with "event":"alert", and a "[warning] ALERT" line in the table.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d /tmp/cwatch-run-alert.XXXXXX); out=$(mktemp); err=$(mktemp)
trap 'rm -rf "$dir" "$out" "$err"' EXIT
cp /bin/true "$dir/evil"

run() {
        "$CWATCHD" run process "$@" --duration 3 >"$out" 2>"$err" &
        local daemon=$!
        for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
        grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"
        "$dir/evil"
        /bin/true       # from /usr/bin: no alert
        wait $daemon || fail "cwatchd exited with $?: $(cat "$err")"
}

run --format json
alerts=$(grep '"event":"alert"' "$out")
[ "$(grep -c . <<<"$alerts")" = 1 ] || fail "expected one alert, got: $alerts"
[ "$(jq -r .rule <<<"$alerts")" = exec-from-tmp ] || fail "rule: $alerts"
[ "$(jq -r .exe <<<"$alerts")" = "$dir/evil" ] || fail "exe: $alerts"
[ "$(jq -r .severity <<<"$alerts")" = warning ] || fail "severity: $alerts"
[ "$(jq -r .message_id <<<"$alerts")" = 82c9f644f9624f1ba8737fa05feb6c96 ] || fail "message_id: $alerts"
[[ "$(jq -r .alert_id <<<"$alerts")" =~ ^[0-9a-f]{32}$ ]] || fail "alert_id: $alerts"
pid=$(jq -r .pid <<<"$alerts")
grep '"event":"exec"' "$out" | grep -q "\"pid\":$pid,.*\"exe\":\"$dir/evil\"" || fail "no exec record of pid $pid"

run
grep -Eq "^\[[0-9-]+ [0-9:.]+\] \[warning\] ALERT exec-from-tmp: $dir/evil executed from a temporary directory \(pid [0-9]+, uid 0\)$" "$out" ||
        fail "no alert line in the table: $(grep ALERT "$out")"
echo OK
