#!/bin/bash
# cwatchd run shows the alert of the exec-from-tmp rule for a program executed from /tmp: a JSON
# object with "event":"alert", and a "[warning] ALERT" line in the table.
set -u
CWATCHD=$1 RULES=${2:?usage: test-run-alert.sh CWATCHD RULES_DIR}
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -3 "$err")"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d /tmp/cwatch-run-alert.XXXXXX); out=$(mktemp); err=$(mktemp)
trap '[ -n "${KEEP:-}" ] && cp "$out" /tmp/cwt/last-out && cp "$err" /tmp/cwt/last-err; rm -rf "$dir" "$out" "$err"' EXIT
cp /bin/true "$dir/evil"

run() {
        "$CWATCHD" run process --rules-dir "$RULES" "$@" --duration 3 >"$out" 2>"$err" &
        local daemon=$!
        for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
        grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"
        "$dir/evil"
        /bin/true       # from /usr/bin: no alert
        wait $daemon || fail "cwatchd exited with $?: $(cat "$err")"
}

run --format json
alerts=$(grep '"event":"alert"' "$out" | grep -F "\"exe\":\"$dir/evil\"")
[ "$(grep -c . <<<"$alerts")" = 1 ] || fail "expected one alert for $dir/evil, got: $alerts"
[ "$(jq -r .rule <<<"$alerts")" = exec-from-tmp ] || fail "rule: $alerts"
[ "$(jq -r .severity <<<"$alerts")" = warning ] || fail "severity: $alerts"
[[ "$(jq -r .id <<<"$alerts")" =~ ^[0-9a-f]{32}$ ]] || fail "id: $alerts"
pid=$(jq -r .pid <<<"$alerts")
grep '"event":"exec"' "$out" | grep -q "\"pid\":$pid,.*\"exe\":\"$dir/evil\"" || fail "no exec record of pid $pid"
grep '"event":"alert"' "$out" | grep -q '"exe":"/usr/bin/true"' && fail "/usr/bin/true raised an alert"

run
grep -Eq "^\[[0-9-]+ [0-9:.]+\] \[warning\] ALERT exec-from-tmp .*: $dir/evil executed from a temporary directory .*\[pid [0-9]+\]$" "$out" ||
        fail "no alert line in the table: $(grep -E "ALERT|evil" "$out")"
echo OK
