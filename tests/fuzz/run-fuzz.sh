#!/bin/bash
# Builds tests/fuzz/fuzz-rules.c with clang -fsanitize=fuzzer,address,undefined and runs it for a
# short time on a corpus seeded with the default rules. Usage: run-fuzz.sh SOURCE_ROOT BUILD_DIR [SECONDS]
set -euo pipefail
src=$1
out=$2/fuzz
secs=${3:-20}
command -v clang >/dev/null || { echo "SKIP: clang not installed"; exit 77; }
mkdir -p "$out/corpus"
cp "$src"/rules/*.rules "$src"/tests/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$src/src" -I"$src/bpf" $(pkg-config --cflags libsystemd) \
        "$src/tests/fuzz/fuzz-rules.c" \
        "$src"/src/detect/{ast,engine,eval,fields,loader,proctable}.c \
        "$src"/src/shared/{strbuf,log,timeutil}.c "$src/src/sink/format.c" "$src/src/alert/alert.c" \
        -o "$out/fuzz-rules"
# -max_len above a line's limit so the long-line paths are reached
exec "$out/fuzz-rules" -max_total_time="$secs" -max_len=20000 -timeout=10 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus"
