#!/bin/bash
# A real Prometheus scrapes cwatchd: cwatch_events_total must appear in its query API and rise as
# processes run.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; [ -n "${dir:-}" ] && tail -20 "$dir/prom.log" 2>/dev/null; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
PROMETHEUS=$(command -v prometheus) || { echo "SKIP: prometheus is not installed (tools/setup installs it)"; exit 77; }

dir=$(mktemp -d)
daemon= prom=
cleanup() {
        [ -n "$prom" ] && kill "$prom" 2>/dev/null && wait "$prom" 2>/dev/null
        [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
        rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
        local p
        for _ in $(seq 50); do
                p=$((20000 + RANDOM % 20000))
                ss -Htln "sport = :$p" | grep -q . || { echo $p; return; }
        done
        return 1
}

"$CWATCHD" run process --metrics 127.0.0.1:0 >/dev/null 2>"$dir/err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$dir/err" && break; sleep 0.05; done
port=$(sed -n 's/.*serving metrics on .* (port \([0-9]*\)).*/\1/p' "$dir/err")
[ -n "$port" ] || fail "cwatchd did not start: $(cat "$dir/err")"

prom_port=$(free_port) || fail "no free port for prometheus"
cat >"$dir/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: cwatchd
    static_configs:
      - targets: ['127.0.0.1:$port']
EOT
"$PROMETHEUS" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --web.listen-address="127.0.0.1:$prom_port" >"$dir/prom.log" 2>&1 &
prom=$!

api=http://127.0.0.1:$prom_port/api/v1
query() {
        curl -s --max-time 3 --get "$api/query" --data-urlencode "query=$1" |
                sed -n 's/.*"value":\[[0-9.]*,"\([0-9.e+]*\)"\].*/\1/p'
}

first=
for _ in $(seq 60); do
        first=$(query 'cwatch_events_total{job="cwatchd",tracer="process"}')
        [ -n "$first" ] && break
        sleep 0.5
done
[ -n "$first" ] || fail "prometheus never saw cwatch_events_total"
up=$(query 'up{job="cwatchd"}')
[ "$up" = 1 ] || fail "target not up: $up"

for i in $(seq 20); do /bin/true; sh -c 'exit 0'; done
rose=
for _ in $(seq 40); do
        now=$(query 'cwatch_events_total{job="cwatchd",tracer="process"}')
        if [ -n "$now" ] && awk -v a="$now" -v b="$first" 'BEGIN { exit !(a > b) }'; then rose=$now; break; fi
        sleep 0.5
done
[ -n "$rose" ] || fail "cwatch_events_total did not rise from $first"
echo "cwatch_events_total in prometheus: $first -> $rose"

# the scrape is clean: no parse errors, and the daemon's own gauges are there
curl -s --max-time 3 "$api/targets" | grep -q '"lastError":""' || fail "scrape error: $(curl -s "$api/targets")"
[ -n "$(query 'cwatch_process_resident_memory_bytes{job="cwatchd"}')" ] || fail "no resident memory gauge"
[ -n "$(query 'cwatch_tracer_running{job="cwatchd",tracer="process"} == 1')" ] || fail "tracer not running"
echo PASS
