#!/bin/bash
# Runs a libFuzzer binary for SECONDS on copies of the seed corpora (new inputs go to a scratch
# directory, crashes to ARTIFACT_DIR) and fails on any crash, leak or timeout.
#   run-fuzzer.sh FUZZER SECONDS ARTIFACT_DIR MAX_LEN CORPUS...
set -u
fuzzer=$1 secs=$2 artifacts=$3 max_len=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" "$@" 2>&1 | tail -15
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || echo "FAIL: the fuzzer exited with $rc; the input is in $artifacts/"
exit "$rc"
