#!/bin/bash
# Socket activation without a booted systemd: systemd-socket-activate listens, starts cwatchd on the
# first connection and passes the socket (LISTEN_FDS); cwatchd serves /metrics on it instead of
# the --metrics address. (tests/system/test-metrics-socket.sh does the same with the real units.)
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
ACTIVATE=$(command -v systemd-socket-activate) || { echo "SKIP: no systemd-socket-activate"; exit 77; }
dir=$(mktemp -d) act=
trap '[ -n "$act" ] && kill $act 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

port=
for _ in $(seq 50); do
        p=$((20000 + RANDOM % 20000))
        ss -Htln "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || fail "no free port"

# --metrics points elsewhere: the passed socket must win
"$ACTIVATE" -l "127.0.0.1:$port" -- "$CWATCHD" run process --metrics 127.0.0.1:0 >/dev/null 2>"$dir/err" &
act=$!
for _ in $(seq 50); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
{ pgrep -x cwatchd -P $act >/dev/null || [ "$(cat /proc/$act/comm)" = cwatchd ]; } && fail "cwatchd started before the first connection"

body=$(curl -s --max-time 20 "http://127.0.0.1:$port/metrics")
grep -q '^cwatch_events_total{tracer="process"} ' <<<"$body" || fail "no metrics on the activation socket: $body $(cat "$dir/err")"
grep -q 'serving metrics on the socket passed by systemd (port '"$port"')' "$dir/err" || fail "log: $(cat "$dir/err")"
grep -q 'serving metrics on 127.0.0.1:0' "$dir/err" && fail "listened on --metrics as well"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/nope")" = 404 ] || fail "404 on the passed socket"
echo PASS
