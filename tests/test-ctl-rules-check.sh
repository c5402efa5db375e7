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

# a bad Severity= is reported beside a missing key (issue 16, item 7), and every error in line order
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '[Rule]\nName=loud\nEvent=exec\nSeverity=loud\n' >"$dir/loud.rules"
if out=$("$1" rules check "$dir/loud.rules" 2>&1); then
        echo "FAIL: rules check passed a rule with Severity=loud and no Condition=: $out" >&2; exit 1
fi
want="$dir/loud.rules:1:1: [Rule] needs Message=
$dir/loud.rules:1:1: [Rule] needs Condition=
$dir/loud.rules:4:10: unknown severity 'loud'; expected critical, error, warning, notice or info"
case "$out" in
*"$want"*) ;;
*) echo "FAIL: rules check did not report every error in order: $out" >&2; exit 1 ;;
esac
echo PASS
