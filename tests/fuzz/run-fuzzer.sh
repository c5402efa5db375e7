#!/bin/bash
# Runs a libFuzzer binary for SECONDS on a copy of the seed corpus (new inputs go to a scratch
# directory, crashes to the build directory) and fails on any crash, leak or timeout.
#   run-fuzzer.sh FUZZER CORPUS SECONDS ARTIFACT_DIR
set -u
fuzzer=$1 corpus=$2 secs=$3 artifacts=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" "$corpus" 2>&1 | tail -15
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "FAIL: the fuzzer exited with $rc; the input is in $artifacts/"
exit "$rc"
