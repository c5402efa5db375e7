#!/bin/bash
# Builds and runs the behaviour profiles' microbenchmark (gcc -O2, as cwatchd is built): per-record
# cost, memory and state-file size for 5,000 profiles of 256 features, with a shared vocabulary of
# 50,000 features and with every feature distinct (the worst case for the file).
# Usage: bench/profiles/run.sh   (from anywhere; not part of the test run)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BUILD_DIR:-build}/bench-profiles
mkdir -p "$(dirname "$out")"
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Isrc -Ibpf bench/profiles/bench-profiles.c src/profile/*.c \
        src/metrics/addr-class.c src/shared/{strbuf,u64map,log,timeutil}.c src/sink/record.c -lz -lm -o "$out"
echo "== shared vocabulary (50,000 distinct features)"
"$out" 50000
echo "== every feature distinct (1,280,000)"
"$out" 1280000
