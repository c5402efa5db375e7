#!/bin/bash
# Builds and runs the whitelist snapshots' benchmark (gcc -O2, as cwatchd is built): a 100,000-entry
# snapshot's compressed size, export, sign, verify, import and the merge of three hosts' snapshots
# (the vote, then its result put into a whitelist table).
# Usage: bench/snapshot/run.sh [ENTRIES] [ROUNDS]   (from anywhere; not part of the test run)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BUILD_DIR:-build}/bench-snapshot
mkdir -p "$(dirname "$out")"
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc bench/snapshot/bench-snapshot.c \
        src/snapshot/*.c src/whitelist/{whitelist,whitelist-score}.c \
        src/shared/{base64,fileio,ini-reader,array,strbuf,log,timeutil,u64map}.c -lgcrypt -lz -lm -o "$out"
"$out" "${1:-100000}" "${2:-5}"
