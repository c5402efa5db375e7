#!/bin/bash
# Builds and runs the rule-evaluation microbenchmark (gcc -O2, as cwatchd is built).
# Usage: bench/rules/run.sh   (from the source root; run as root to see every process's files)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${BUILD_DIR:-build}/bench-rules
mkdir -p "$(dirname "$out")"
cc -O2 -g -std=gnu11 -D_GNU_SOURCE -Isrc -Ibpf $(pkg-config --cflags libsystemd) \
        bench/rules/bench-rules.c src/detect/{ast,engine,eval,fields,loader,proctable}.c \
        src/detect/rules-{build,expand,lexer,parser,sections}.c \
        src/shared/{array,ini-reader,strbuf,strv,log,timeutil,utf8}.c src/sink/format.c src/sink/record.c \
        src/alert/alert.c src/tracers/tracer-info.c src/tracers/*-schema.c -o "$out"
exec "$out" rules
