#!/bin/bash
# Measures the cost of syscall hook designs on a 1-byte write()+pread() loop (and an open()+close()
# loop), interleaved, and prints the median CPU ns per iteration and the ratio to no tracing.
#   bench/hooks/run.sh [ROUNDS] [ITERATIONS]
# Needs root, a built tree (build/ with vmlinux.h and cwatchd), tracefs mounted (tools/setup).
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${1:-11}
N=${2:-300000}
ROOT=$(cd ../.. && pwd)
B=$ROOT/build
OUT=${OUT:-$B/bench-hooks}
mkdir -p "$OUT"

clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I "$B/bpf" -c hooks.bpf.c -o "$OUT/hooks.bpf.o"
bpftool gen skeleton "$OUT/hooks.bpf.o" name hooks_bpf > "$OUT/hooks.skel.h"
cc -O2 -Wall -I "$OUT" loader.c -o "$OUT/hookbench-load" -lbpf
cc -O2 -Wall ioloop.c -o "$OUT/hookbench-ioloop"

# name|how to attach: "-" nothing, "load PROG..." hooks.bpf.c programs, "cwatchd ARGS" the daemon
CONFIGS=(
        "none|-"
        "tp_syscalls_empty|load tp_enter_pread tp_exit_pread tp_enter_write tp_exit_write"
        "raw_tp_enter_exit_empty|load raw_enter raw_exit"
        "tp_btf_enter_exit_empty|load btf_enter btf_exit"
        "raw_tp_exit_empty|load raw_exit"
        "tp_btf_exit_empty|load btf_exit"
        "raw_tp_exit_id_filter|load raw_exit_id"
        "tp_btf_exit_id_filter|load btf_exit_id"
        "tp_btf_exit_fd_inode|load btf_exit_fd_inode"
        "tp_btf_exit_fd_lookup|load btf_exit_fd_lookup"
        "files_tracer|cwatchd run files -f json"
        "raw_tp_fallback_filter|load raw_enter_fallback raw_exit_fallback"
        "syscalls_tracer|cwatchd run syscalls -f json --no-rules"
)
[ -n "${CONFIG_FILTER:-}" ] && CONFIGS=($(printf '%s\n' "${CONFIGS[@]}" | grep -E "^($CONFIG_FILTER)\|" | tr ' ' '~'))

start() {
        local how=${1//\~/ }
        case "$how" in
        -) PID= ;;
        load*) "$OUT/hookbench-load" ${how#load } > "$OUT/ready" & PID=$!
               until grep -q ready "$OUT/ready" 2>/dev/null; do sleep 0.05; done ;;
        cwatchd*) "$B/src/cwatchd" ${how#cwatchd } > /dev/null 2> "$OUT/cwatchd.log" & PID=$!
                  until grep -q tracing "$OUT/cwatchd.log" 2>/dev/null; do sleep 0.05; done ;;
        esac
}

stop() {
        [ -n "$PID" ] && kill "$PID" && wait "$PID" 2>/dev/null || true
        rm -f "$OUT/ready" "$OUT/cwatchd.log"
}

for mode in rw open; do
        declare -A res=()
        for ((r = 0; r < ROUNDS; r++)); do
                for c in "${CONFIGS[@]}"; do
                        name=${c%%|*}
                        start "${c#*|}"
                        res[$name]+="$("$OUT/hookbench-ioloop" $mode "$N") "
                        stop
                done
        done
        echo "## $mode loop: median CPU ns/iteration over $ROUNDS interleaved rounds, $N iterations each"
        base=$(printf '%s\n' ${res[none]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        for c in "${CONFIGS[@]}"; do
                name=${c%%|*}
                med=$(printf '%s\n' ${res[$name]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
                awk -v n="$name" -v m="$med" -v b="$base" 'BEGIN {printf "%-26s %8.1f ns  %5.2fx\n", n, m, m / b}'
        done
        unset res
done
