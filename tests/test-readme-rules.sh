#!/bin/bash
# The table of default rules in README.md says what rules/*.rules say: every rule once, with its
# file, event, severity and MITRE technique, and no rule that is not there.
#   tests/test-readme-rules.sh SOURCE_ROOT
set -u
ROOT=${1:?usage: test-readme-rules.sh SOURCE_ROOT}
fail() { echo "FAIL: $*"; exit 1; }

expected=$(for f in "$ROOT"/rules/*.rules; do
        # one line per [Rule]: file, name, event, severity, mitre (continuation lines do not matter here)
        awk -v file="$(basename "$f")" '
                function flush() { if (name != "") printf "| `%s` | `%s` | %s | %s | %s |\n", file, name, event, sev, mitre; name = "" }
                /^\[/ { flush(); rule = ($0 == "[Rule]"); next }
                rule && /^Name=/ { name = substr($0, 6) }
                rule && /^Event=/ { event = substr($0, 7) }
                rule && /^Severity=/ { sev = substr($0, 10) }
                rule && /^Mitre=/ { mitre = substr($0, 7) }
                END { flush() }' "$f"
done)
n=$(grep -c . <<<"$expected")
[ "$n" -ge 25 ] || fail "only $n rules found in $ROOT/rules"
table=$(grep -E '^\| `[0-9a-z-]+\.rules` \| `' "$ROOT/README.md" | cut -d'|' -f1-6 | sed 's/ *$/ |/')
diff <(sort <<<"$expected") <(sort <<<"$table") >&2 || fail "README.md's rule table differs from rules/*.rules (< files, > README)"
grep -q "^$n rules in " "$ROOT/README.md" || fail "README.md does not say there are $n rules"
echo "OK: $n rules"
