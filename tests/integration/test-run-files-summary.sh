#!/bin/bash
# cwatchd run files ends with what it read and printed, not "0 events": the intervals, the
# (process, file) aggregates read from the kernel map, the evictions, and the rows printed.
#   tests/integration/test-run-files-summary.sh CWATCHD
set -u
CWATCHD=${1:?usage: test-run-files-summary.sh CWATCHD}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d); out=$(mktemp); err=$(mktemp)
trap 'kill $writer 2>/dev/null; rm -rf "$dir" "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -5 "$err")"; exit 1; }

# a file written all the time, so that every interval has rows
(while :; do echo some-bytes-for-the-files-tracer >>"$dir/f"; sleep 0.02; done) &
writer=$!
"$CWATCHD" run files --no-rules --interval 1 --top 2 --duration 4.5 >"$out" 2>"$err" || fail "cwatchd exited with $?"
# at warning level when the kernel lost aggregates (a busy machine)
summary=$(grep -E '\[(info|warning)\] files: [0-9]+ intervals' "$err") || fail "no files summary"
printed=$(grep -E '\[info\] printed ' "$err") || fail "no 'printed' line"
echo "$summary"; echo "$printed"
[[ $summary =~ files:\ ([0-9]+)\ intervals,\ ([0-9]+)\ \(process,\ file\)\ aggregates\ read\ from\ the\ kernel\ map\;\ [0-9]+\ events,\ [0-9]+\ dropped.*,\ [0-9]+\ lost\ in\ the\ kernel ]] ||
        fail "summary: $summary"
intervals=${BASH_REMATCH[1]} read=${BASH_REMATCH[2]}
[ "$intervals" -ge 3 ] && [ "$intervals" -le 5 ] || fail "$intervals intervals in 4.5 s at 1 s"
[ "$read" -ge "$intervals" ] || fail "only $read aggregates read in $intervals intervals of a busy writer"
[[ $printed =~ printed\ ([0-9]+)\ rows\ in\ ([0-9]+)\ intervals\ \(at\ most\ 2\ each\) ]] || fail "printed: $printed"
rows=${BASH_REMATCH[1]}
[ "${BASH_REMATCH[2]}" = "$intervals" ] || fail "printed ${BASH_REMATCH[2]} intervals, the tracer read $intervals"
[ "$rows" -ge "$intervals" ] && [ "$rows" -le $((2 * intervals)) ] || fail "$rows rows for --top 2 in $intervals intervals"
# what the summary says was printed is what stdout has: one header per interval, then the rows
[ "$(grep -vc ' pid container_name ' "$out")" = "$rows" ] || fail "stdout has $(grep -vc ' pid container_name ' "$out") rows"
echo OK
