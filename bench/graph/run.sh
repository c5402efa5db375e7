#!/bin/bash
# Builds and runs the provenance graph microbenchmark (gcc -O2, as cwatchd is built): memory of a
# full graph at the default bounds (100,000 edges) and the average cost of an insertion.
# Usage: bench/graph/run.sh [RECORDS]   (from anywhere; RECORDS default 2000000)
# Runs the steady workload, then the worst case (a new file in every row); times are CPU time of
# the benchmark's thread, so a busy machine preempting it does not count (its caches still do).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BUILD_DIR:-build}/bench-graph
mkdir -p "$(dirname "$out")"
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Isrc -Ibpf -Itests $(pkg-config --cflags libsystemd) \
        bench/graph/bench-graph.c src/graph/{graph,incident,mitre,origin,provenance,story}.c \
        src/detect/proctable.c src/alert/{alert,pipeline,normalize}.c \
        src/shared/{array,strbuf,strv,log,timeutil,utf8,u64map,argv}.c src/sink/record.c \
        src/tracers/tracer-info.c src/tracers/*-schema.c $(pkg-config --libs libsystemd) -lm -o "$out"
"$out" "${1:-2000000}" steady
echo
"$out" "${1:-2000000}" churn
