#!/bin/bash
# cwatchd run as a user runs it: JSON lines for a real process, exit codes for bad usage.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT
marker=m4rk3r-$$-$RANDOM

"$CWATCHD" run process --format json --duration 3 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"
sh -c 'exit 7' "$marker"
wait $daemon || fail "cwatchd exited with $?: $(cat "$err")"

exec_line=$(grep '"event":"exec"' "$out" | grep -F "\"$marker\"") || fail "no exec event with $marker"
pid=$(sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' <<<"$exec_line")
[[ "$exec_line" == *'"args":["sh","-c","exit 7","'"$marker"'"]'* ]] || fail "args wrong: $exec_line"
grep '"event":"exit"' "$out" | grep -q "\"pid\":$pid,.*\"exit_code\":7" || fail "no exit event with exit_code 7 for $pid"
grep -q 'process: [0-9]* events, 0 dropped' "$err" || fail "no drop report: $(cat "$err")"

# table output has the header and the level prefix
"$CWATCHD" run process --duration 2 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
/bin/true
wait $daemon || fail "table run failed"
grep -Eq '^\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]{12}\] \[info\] event +pid +container_name +ppid' "$out" || fail "no table header"

# bad usage exits 2 with the valid choices
"$CWATCHD" run nosuch 2>"$err"; [ $? = 2 ] || fail "unknown tracer did not exit 2"
grep -q 'valid tracers: process' "$err" || fail "unknown tracer message: $(cat "$err")"
"$CWATCHD" --bogus 2>"$err"; [ $? = 2 ] || fail "unknown option did not exit 2"
"$CWATCHD" --help >"$out" || fail "--help failed"
grep -q 'cwatchd run TRACER' "$out" || fail "--help text"
"$CWATCHD" --version | grep -q '^cwatchd [0-9]' || fail "--version"

# syscalls: calls without trace events on this kernel (the module calls on a kernel without
# modules) are named at start and seen through the raw_tp fallback
case $(uname -m) in x86_64) nr=176 ;; aarch64) nr=106 ;; *) nr= ;; esac
if [ -n "$nr" ] && [ ! -e /sys/kernel/tracing/events/syscalls/sys_enter_delete_module ] && command -v python3 >/dev/null; then
        "$CWATCHD" run syscalls --format json --no-rules --duration 3 >"$out" 2>"$err" &
        daemon=$!
        for _ in $(seq 100); do grep -q 'tracing: syscalls' "$err" && break; sleep 0.05; done
        grep -q 'no trace events for.* delete_module.* traced through raw_tp/sys_enter' "$err" ||
                fail "the fallback's calls are not named at start: $(cat "$err")"
        python3 -c "import ctypes; ctypes.CDLL(None).syscall($nr, b'$marker', 0)"
        wait $daemon || fail "syscalls run failed: $(cat "$err")"
        grep '"syscall":"delete_module"' "$out" | grep -F "\"name\":\"$marker\"" | grep -q '"hook":"raw_tp"' ||
                fail "no delete_module record through raw_tp: $(grep delete_module "$out")"
fi

# SIGINT: clean exit with the drop report
"$CWATCHD" run process >/dev/null 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
kill -INT $daemon
wait $daemon || fail "SIGINT exit status $?"
grep -q 'process: [0-9]* events, 0 dropped' "$err" || fail "no report after SIGINT"
echo "PASS"
