#!/bin/bash
# The quick start as a new user meets it: cwatchd run from the build tree, with nothing installed,
# loads the source tree's rules (and says so) and raises exec-from-tmp for a program run from /tmp.
# Whatever the host has in /usr/lib/cwatch and /etc/cwatch is hidden by empty tmpfs mounts in a
# private mount namespace, so the test sees a machine where cwatch was never installed.
#   tests/integration/test-run-uninstalled.sh CWATCHD SOURCE_ROOT
set -u
CWATCHD=$1 SRC=${2:?usage: test-run-uninstalled.sh CWATCHD SOURCE_ROOT}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d /tmp/cwatch-uninstalled.XXXXXX); out=$(mktemp); err=$(mktemp)
trap 'rm -rf "$dir" "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -5 "$err")"; exit 1; }
cp /bin/true "$dir/evil"

# in the namespace: hide the installed rules and configuration, then run as the quick start does
unshare --mount --propagation private -- sh -c '
        for d in /usr/lib/cwatch /etc/cwatch; do [ -d $d ] && mount -t tmpfs -o size=1m tmpfs $d; done
        [ -e /usr/lib/cwatch/rules.d ] || [ -e /etc/cwatch/rules.d ] && exit 3
        exec "$0" run process --format json --duration 4' "$CWATCHD" >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
grep -q 'tracing: process' "$err" || fail "cwatchd did not start"
"$dir/evil"
wait $daemon || fail "cwatchd exited with $?"

grep -qF "Running from the build tree and /usr/lib/cwatch/rules.d does not exist: using the source tree's rules in $SRC/rules" "$err" ||
        fail "no notice of the source tree's rules"
n=$(grep -c '^\[Rule\]' "$SRC"/rules/*.rules | awk -F: '{ s += $2 } END { print s }')
grep -q "Loaded $n rules from $SRC/rules\$" "$err" || fail "expected 'Loaded $n rules from $SRC/rules'"
alert=$(grep '"event":"alert"' "$out" | grep -F "\"exe\":\"$dir/evil\"") || fail "no alert for $dir/evil"
[ "$(jq -r .rule <<<"$alert")" = exec-from-tmp ] || fail "rule: $alert"
grep -E 'Running from|Loaded' "$err"
echo "alert: $(jq -c '{rule, severity, exe}' <<<"$alert")"

# an installed copy of the binary never looks at the source tree
cp "$CWATCHD" "$dir/cwatchd"
unshare --mount --propagation private -- sh -c '
        for d in /usr/lib/cwatch /etc/cwatch; do [ -d $d ] && mount -t tmpfs -o size=1m tmpfs $d; done
        exec "$0" run process --duration 1' "$dir/cwatchd" >/dev/null 2>"$err" || fail "the copy exited with $?"
grep -q "source tree" "$err" && fail "a copy outside the build tree used the source tree's rules"
grep -q "Loaded 0 rules from no directory" "$err" || fail "the copy: expected 'Loaded 0 rules from no directory'"
echo OK
