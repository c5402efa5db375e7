#!/bin/bash
# contrib/: the Grafana dashboards are valid and every metric they query exists in a live scrape of
# cwatchd; their PromQL parses (promtool); the Loki configs are valid YAML / balanced Alloy, ship
# exactly the CWATCH_* journal fields, and produce the labels the alerts dashboard queries.
set -u
CWATCHD=$1 CHECK=$2 SRC=$3
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
for t in promtool yamllint; do
        command -v $t >/dev/null || { echo "SKIP: $t is not installed (tools/setup installs it)"; exit 77; }
done
G=$SRC/contrib/grafana L=$SRC/contrib/loki
dir=$(mktemp -d) daemon=
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

# the journal fields of an alert: the writer's table (src/alert/alert-fields.c), which the journal
# sink writes (tests/system/test-metrics-live.sh checks the configs against a real journal too)
FIELDS=$(grep -o '{ "CWATCH_[A-Z0-9_]*"' "$SRC/src/alert/alert-fields.c" | tr -d '{" ')
[ "$(wc -w <<<"$FIELDS")" -ge 19 ] || fail "found only $(wc -w <<<"$FIELDS") CWATCH_* fields in alert-fields.c"
LABEL_FIELDS="CWATCH_RULE CWATCH_SEVERITY CWATCH_CONTAINER_NAME"

# dashboards: valid, and their queries
"$CHECK" "$G"/cwatch-metrics.json "$G"/cwatch-alerts.json >"$dir/queries" || fail "invalid dashboard"
grep -q '^prometheus	' "$dir/queries" && grep -q '^loki	' "$dir/queries" || fail "no queries found"
# a check that finds nothing proves nothing: a broken dashboard must be refused
echo '{"title":"x","uid":"x","panels":[{"type":"timeseries"}]}' >"$dir/bad.json"
"$CHECK" "$dir/bad.json" 2>/dev/null && fail "contrib-check accepted a panel without title"
echo '{"title": "x",' >"$dir/bad.json"
"$CHECK" "$dir/bad.json" 2>/dev/null && fail "contrib-check accepted invalid JSON"

# PromQL parses: Grafana's variables replaced, each query a recording rule for promtool
{
        echo "groups:"; echo "  - name: dashboards"; echo "    rules:"
        n=0
        grep -E '^prometheus(-variable)?	' "$dir/queries" | cut -f2- | grep -v '^label_values(' |
        sed -e 's/\$__rate_interval/1m/g; s/\$__range/1h/g; s/\$__interval/1m/g; s/\$instance/.*/g' |
        while IFS= read -r q; do
                n=$((n + 1))
                printf '      - record: dashboard:query%d\n        expr: %s\n' $n "'${q//\'/\'\'}'"
        done
} >"$dir/rules.yml"
promtool check rules "$dir/rules.yml" >"$dir/promtool.out" 2>&1 || fail "PromQL: $(cat "$dir/promtool.out")"

# every metric the dashboard uses exists in a live scrape of the whole daemon: all tracers, the
# rules, identity
"$CWATCHD" run process files tcp syscalls --rules-dir "$SRC/rules" --metrics 127.0.0.1:0 >/dev/null 2>"$dir/err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: ' "$dir/err" && break; sleep 0.05; done
port=$(sed -n 's/.*serving metrics on .* (port \([0-9]*\)).*/\1/p' "$dir/err")
[ -n "$port" ] || fail "cwatchd did not start: $(cat "$dir/err")"
for t in process files tcp syscalls; do
        curl -s --max-time 3 "http://127.0.0.1:$port/metrics" | grep -qx "cwatch_tracer_running{tracer=\"$t\"} 1" ||
                fail "tracer $t is not running: $(cat "$dir/err")"
done
curl -s --max-time 3 "http://127.0.0.1:$port/metrics" | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' | sort -u >"$dir/live"
[ -s "$dir/live" ] || fail "empty scrape"
grep -E '^prometheus' "$dir/queries" | grep -o 'cwatch_[a-z_]*' | sort -u >"$dir/used"
missing=$(comm -23 "$dir/used" "$dir/live")
[ -z "$missing" ] || fail "dashboard metrics missing from a live scrape: $missing"
[ "$(wc -l <"$dir/used")" -ge 12 ] || fail "only $(wc -l <"$dir/used") metrics used"
grep -qx cwatch_tcp_connections_total "$dir/used" || fail "no connection graph"
grep -q '"type": "nodeGraph"' "$G/cwatch-metrics.json" || fail "no node graph panel"

# Loki configs: valid YAML; balanced Alloy with the components we mean
yamllint -d '{extends: relaxed, rules: {line-length: disable}}' "$L/promtail-cwatch.yaml" || fail "yamllint"
awk '{ gsub(/"[^"]*"/, ""); sub(/\/\/.*/, ""); o += gsub(/\{/, "{"); c += gsub(/\}/, "}"); if (c > o) exit 1 }
     END { exit o != c }' "$L/cwatch.alloy" || fail "unbalanced braces in cwatch.alloy"
for c in 'loki.source.journal "' 'loki.relabel "' 'loki.process "' 'loki.write "'; do
        grep -q "^$c" "$L/cwatch.alloy" || fail "cwatch.alloy lacks $c"
done
grep -q '^ *matches *= *"SYSLOG_IDENTIFIER=cwatch"' "$L/cwatch.alloy" || fail "alloy match"
grep -q '^ *matches: SYSLOG_IDENTIFIER=cwatch' "$L/promtail-cwatch.yaml" || fail "promtail match"

for f in "$L/promtail-cwatch.yaml" "$L/cwatch.alloy"; do
        # only real fields, and all of them: labels from three, structured metadata from the rest
        for used in $(grep -o 'CWATCH_[A-Z][A-Z0-9_]*' "$f" | sort -u); do
                grep -qw "$used" <<<"$FIELDS" || fail "$f uses $used, which cwatch does not write"
        done
        for field in $FIELDS; do
                if grep -qw "$field" <<<"$LABEL_FIELDS"; then
                        lower=$(tr A-Z a-z <<<"$field")
                        grep -q "__journal_$lower" "$f" || fail "$f does not label $field"
                else
                        grep -Eq "[\" ]$field\"?,?\$" "$f" || fail "$f does not ship $field"
                fi
        done
        for label in severity rule container; do
                grep -Eq "target_label:? *=? *\"?$label\"?\$" "$f" || fail "$f does not set label $label"
        done
        for used in $(grep -o '__journal_[a-z_]*' "$f" | sort -u); do
                up=$(sed 's/^__journal_//' <<<"$used" | tr a-z A-Z)
                [ "$up" = _HOSTNAME ] || grep -qw "$up" <<<"$FIELDS" || fail "$f relabels $used, not a cwatch field"
        done
done
# the alerts dashboard queries only labels the configs set
for label in $( (grep -E '^loki' "$dir/queries" | grep -oE '[{,] *[a-z_]+ *(=~|!=|!~|=)'; grep -E '^loki' "$dir/queries" | grep -oE 'by \([a-z_, ]+\)' | tr ',' ' ') | grep -oE '[a-z_]+' | grep -vx by | sort -u); do
        case $label in job|severity|rule|container|hostname) ;; *) fail "alerts dashboard uses label $label" ;; esac
done
grep -q 'job: cwatch-alerts' "$L/promtail-cwatch.yaml" && grep -q 'job = "cwatch-alerts"' "$L/cwatch.alloy" ||
        fail "job label differs from the dashboard's"
# the alert writer, once it exists, writes every field the configs ship
if grep -rqs 'CWATCH_ALERT_ID' "$SRC/src"; then
        for field in $FIELDS; do grep -rqs "$field" "$SRC/src" || fail "src/ never writes $field"; done
fi
echo PASS
