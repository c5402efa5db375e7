#!/bin/bash
# Hundreds of short `cwatchd run` runs, each with a known number of execs, every one counted
# (issue 16, item 10: about 1 in 20 short runs saw none of their execs). Each run waits for the
# "tracing:" line, execs /bin/true K times with the run's marker, and either lets a --duration of
# 0.15 s end the run (the duration must count from "tracing:", not from the start, which may take
# longer than that on a busy machine) or sends SIGINT right after the last exec (the final drain
# must deliver what the batched wake-ups left in the ring). Both latencies: batched wake-ups with
# the 50 ms timer, and a wake-up per event.
set -u
CWATCHD=$1
RUNS=${2:-200}
K=8
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
out=$dir/out; err=$dir/err
start=$SECONDS
bad=0
for run in $(seq "$RUNS"); do
        latency=$(( run % 2 ? 0 : 1 ))
        [ $latency = 1 ] && latency=0.05
        marker=sh0rt-$$-$run
        if [ $(( run % 4 )) -lt 2 ]; then end=duration; args=(--duration 0.15); else end=sigint; args=(); fi
        : >"$err"      # before the child opens it: no line of the last run may count
        "$CWATCHD" run process --format json --no-rules --no-identity --latency $latency "${args[@]}" \
                >"$out" 2>"$err" &
        daemon=$!
        for _ in $(seq 1000); do grep -q 'tracing: process' "$err" && break; sleep 0.005; done
        grep -q 'tracing: process' "$err" || fail "run $run: cwatchd did not start: $(cat "$err")"
        for i in $(seq $K); do /bin/true "$marker-$i"; done
        [ $end = sigint ] && kill -INT $daemon
        wait $daemon || fail "run $run: cwatchd exited with $?: $(cat "$err")"
        seen=0
        for i in $(seq $K); do
                grep -q "\"args\":\[\"/bin/true\",\"$marker-$i\"\]" "$out" && seen=$((seen + 1))
        done
        if [ $seen != $K ]; then
                bad=$((bad + 1))
                echo "run $run (latency $latency, ended by $end): $seen of $K execs; $(grep 'events,' "$err")"
        fi
done
echo "$RUNS runs of $K execs in $((SECONDS - start)) s, $bad incomplete"
[ $bad = 0 ] || fail "$bad of $RUNS runs lost execs"
echo "PASS"
