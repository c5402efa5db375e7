#!/bin/sh
# cwatchctl rules check knows every event of the default rules: it links the tracers' schemas
# without BPF, and a build that lost them would pass the rules with only a warning.
# Usage: test-ctl-rules-check.sh CWATCHCTL RULES_DIR
set -eu
out=$("$1" rules check "$2"/*.rules 2>&1)
echo "$out"
case "$out" in
*warning*) echo "FAIL: cwatchctl rules check does not know every event" >&2; exit 1 ;;
esac
