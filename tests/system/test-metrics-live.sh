#!/bin/bash
# The metrics and the connection graph of the whole service, live: a namespace-booted systemd (see
# TESTING.md) runs cwatchd.service (all tracers, the rules, identity with docker names from a
# DockerRoot= of the test); two docker-<id>.scope cgroups named "web" and "db" hold three processes
# that talk TCP over loopback (client and app in web, db in db), write and read files, and exec
# programs a test rule alerts on (db listens dual-stack, so its side of a connection is v4-mapped).
# Then:
#   - cwatchctl graph connections (json) has exactly the edges web -> web (app port) and web -> db
#     (db port) with their counts; the DOT renders with dot -Tpng
#   - a scrape of [Metrics] Listen= has file bytes per container, TCP connections per (source
#     container, destination container, port), alerts per rule and severity, rate-limited alerts,
#     the identity cache size and its evictions, and LRU evictions of the files tracer's kernel map
#   - every metric the Grafana dashboards query exists in that scrape, and the Loki configs ship
#     only journal fields the service wrote in the alerts of this test
#   tests/system/test-metrics-live.sh CWATCHD CWATCHCTL SRCDIR [OUTDIR]
# With OUTDIR (or $CWATCH_GRAPH_OUT), the DOT, PNG and scrape are kept there (docs/).
set -u
. "$(dirname "$0")/systemd-ns.sh"
CWATCHD=$(realpath "$1") CWATCHCTL=$(realpath "$2") SRC=$(realpath "$3") OUT=${4:-${CWATCH_GRAPH_OUT:-}}
STEP=start
say() { echo "--- $*"; STEP=$*; }
fail() {
        echo "FAIL ($STEP): $*"
        [ -s "${dir:-}/scrape" ] && grep -E '^cwatch_(file_bytes|tcp_conn|alerts|identity|lru)' "$dir/scrape"
        if [ -n "${PID:-}" ] && [ -d "/proc/$PID" ]; then
                ns systemctl status --no-pager cwatchd 2>&1 | head -15
                ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
        fi
        exit 1
}
ns() { timeout 60 nsenter -t "$PID" -p -m "$@"; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
for t in python3 curl jq dot busctl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then cg=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then cg=/sys/fs/cgroup/unified
else echo "SKIP: no cgroup2"; exit 77; fi

free_port() {   # the preferred port when nobody listens there, else a random free one
        local p=$1
        for _ in $(seq 50); do
                ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return; }
                p=$((20000 + RANDOM % 20000))
        done
}
MPORT=$(free_port 9469)
[ -n "$MPORT" ] || fail "no free port"
[ -x "$CWATCHCTL" ] || fail "no cwatchctl at '$2'"
# well-known ports make the graph's labels (taken ones, e.g. by a postgres the booted systemd
# starts, fall back to others and then to one the kernel picks: the label is then "ephemeral")
DBPORT=5432,3306,27017,6379 APPPORT=8080,8000,8081
N=3             # requests of the client, each one connection web -> web and one web -> db
NOISY=25        # distinct alerts of one rule: 20 pass the rate limit (20 a minute), 5 are held back
DATA=1048576    # bytes a process in db writes and reads back, over about 6 s
# the files tracer's kernel map holds 8192 (process, file) pairs an interval: on a busy host
# other processes' files evict some of db's counts, so only this much is required
DATA_MIN=65536

dir=$(mktemp -d)
chmod 755 "$dir"
ID_WEB=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ID_DB=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SCOPE_WEB=$cg/system.slice/docker-$ID_WEB.scope SCOPE_DB=$cg/system.slice/docker-$ID_DB.scope
made_slice=; [ -d $cg/system.slice ] || made_slice=1
PID= dbus_conf= workers=()
cleanup() {
        for w in "${workers[@]}"; do kill "$w" 2>/dev/null; done
        systemd_ns_poweroff
        for s in "$SCOPE_WEB" "$SCOPE_DB"; do
                [ -d "$s" ] && { cat "$s/cgroup.procs" | xargs -r kill 2>/dev/null; sleep 0.2; rmdir "$s"; }
        done
        [ -n "$made_slice" ] && rmdir $cg/system.slice 2>/dev/null
        [ -n "$dbus_conf" ] && rm -f "$dbus_conf"
        rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

say "boot systemd in a namespace"
systemd_ns_boot || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "configure and start cwatchd.service"
# what the namespace needs from the tree, copied in from outside: the tree may be under /tmp,
# which the namespace hides behind its own
stage=/proc/$PID/root/run/cwatch-src
mkdir -p "$stage/conf" "$stage/rules" "$stage/units"
cp "$SRC/conf/cwatchd.conf" "$stage/conf/" && cp "$SRC"/rules/*.rules "$stage/rules/" &&
        cp "$SRC/units/cwatchd.service" "$SRC/units/cwatchd.socket" "$stage/units/" && cp "$CWATCHD" "$CWATCHCTL" "$stage/" ||
        fail "cannot copy the tree into the namespace"
NSSRC=/run/cwatch-src
# the service sees the namespace's /run (its /tmp is private twice over): docker's files, the
# configuration and the test's rules live there
DROOT=/run/cwatch-test/docker
ns mkdir -p "$DROOT/containers/$ID_WEB" "$DROOT/containers/$ID_DB" /run/cwatch-test/conf.d /run/cwatch/rules.d
ns sh -c "printf '{\"ID\":\"%s\",\"Name\":\"/web\",\"Config\":{\"Image\":\"nginx:1.27\"}}' $ID_WEB >$DROOT/containers/$ID_WEB/config.v2.json"
ns sh -c "printf '{\"ID\":\"%s\",\"Name\":\"/db\",\"Config\":{\"Image\":\"postgres:17\"}}' $ID_DB >$DROOT/containers/$ID_DB/config.v2.json"
# the shipped configuration (all tracers), with the test's docker root and listen address
ns sh -c "cat $NSSRC/conf/cwatchd.conf >/run/cwatch-test/cwatchd.conf &&
          printf '[Identity]\nDockerRoot=$DROOT\n' >/run/cwatch-test/conf.d/50-test.conf"
# the shipped rules, and two of the test's: a noisy exec rule and one on web's connections to db
ns sh -c "cp $NSSRC/rules/*.rules /run/cwatch/rules.d/"
ns sh -c "cat >/run/cwatch/rules.d/90-metrics-test.rules" <<EOF
[Rule]
Name=test-noisy-exec
Description=Programs of the metrics test.
Event=exec
Condition=proc.exe startswith "$dir/bin/"
Severity=notice
Message=%proc.exe ran

[Rule]
Name=test-web-connect
Description=A process in web connects somewhere.
Event=connect
Condition=container.name = "web"
Severity=error
Message=web connects to %net.daddr:%net.dport
EOF
ns mkdir -p /run/systemd/system/cwatchd.service.d /run/systemd/system/cwatchd.socket.d
ns cp "$NSSRC/units/cwatchd.service" "$NSSRC/units/cwatchd.socket" /run/systemd/system/
# cwatchd has no network of its own: cwatchd.socket listens for it, on the test's port
ns sh -c "printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$MPORT\n' >/run/systemd/system/cwatchd.socket.d/test.conf"
ns sh -c "printf '[Service]\nExecStart=\nExecStart=$NSSRC/cwatchd --config /run/cwatch-test/cwatchd.conf --config-dir /run/cwatch-test/conf.d\n' >/run/systemd/system/cwatchd.service.d/test.conf"
if [ ! -f /etc/dbus-1/system.d/org.cwatch1.conf ] && [ ! -f /usr/share/dbus-1/system.d/org.cwatch1.conf ]; then
        dbus_conf=/etc/dbus-1/system.d/org.cwatch1.conf
        cp "$SRC/dbus/org.cwatch1.conf" "$dbus_conf"
fi
ns busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
ns systemctl daemon-reload
ns systemctl start cwatchd.service || fail "systemctl start cwatchd"
URL=http://127.0.0.1:$MPORT/metrics
scrape() { curl -s --max-time 10 "$URL"; }
wait_for 30 "metrics on $URL" sh -c "curl -s --max-time 3 $URL | grep -q '^cwatch_tracer_running{tracer=\"files\"} 1'"
for t in process files tcp syscalls; do
        scrape | grep -qx "cwatch_tracer_running{tracer=\"$t\"} 1" || fail "tracer $t is not running"
done
ctl() { ns "$NSSRC/cwatchctl" "$@"; }
ctl status --no-pager | grep -q "Tracers: .* running" || fail "cwatchctl status: $(ctl status --no-pager 2>&1)"

say "three processes in two containers talk TCP over loopback"
mkdir -p "$SCOPE_WEB" "$SCOPE_DB" "$dir/bin" "$dir/files"
W=$SRC/tests/system/metrics-workload.py
in_scope() { local scope=$1; shift; sh -c "echo \$\$ >$scope/cgroup.procs && exec \"\$@\"" sh "$@"; }
in_scope "$SCOPE_DB" python3 "$W" io "$dir/db-data" "$DATA" &
io=$!
workers+=($io)
in_scope "$SCOPE_DB" python3 "$W" db "$DBPORT" "$N" "$dir/db-ready" &
workers+=($!)
wait_for 10 "db listening" test -e "$dir/db-ready"
DBPORT=$(cat "$dir/db-ready")
in_scope "$SCOPE_WEB" python3 "$W" app "$APPPORT" "$DBPORT" "$N" "$dir/app-ready" &
workers+=($!)
wait_for 10 "app listening" test -e "$dir/app-ready"
APPPORT=$(cat "$dir/app-ready")
echo "db listens on $DBPORT, app on $APPPORT"
in_scope "$SCOPE_WEB" python3 "$W" client "$APPPORT" "$N" || fail "the client failed"
for w in "${workers[@]}"; do wait "$w" || fail "a server exited $?"; done
workers=()

say "exec $NOISY distinct programs a rule alerts on; overflow the files tracer's kernel map"
for i in $(seq $NOISY); do cp /bin/true "$dir/bin/noisy-$i"; done
in_scope "$SCOPE_DB" sh -c "for i in \$(seq $NOISY); do $dir/bin/noisy-\$i; done" || fail "noisy execs"
in_scope "$SCOPE_DB" python3 "$W" files "$dir/files" 12000 || fail "files workload"

say "cwatchctl graph connections"
has_edges() {
        local j; j=$(ns "$NSSRC/cwatchctl" graph connections --format json --since 10min) || return 1
        jq -e --arg app "$APPPORT" --arg db "$DBPORT" --argjson n "$N" '
                [.edges[] | select(.source == "container:web" and .target == "container:web" and (.port | tostring) == $app and .count == $n)] | length == 1' <<<"$j" >/dev/null &&
        jq -e --arg db "$DBPORT" --argjson n "$N" '
                [.edges[] | select(.source == "container:web" and .target == "container:db" and (.port | tostring) == $db and .count == $n)] | length == 1' <<<"$j" >/dev/null
}
for _ in $(seq 50); do has_edges && break; sleep 0.2; done
ctl graph connections --format json --since 10min >"$dir/graph.json" || fail "cwatchctl graph exited $?"
has_edges || fail "edges: $(cat "$dir/graph.json")"
jq -c '.edges[] | select(.source | startswith("container:")) | {source, target, port, count}' "$dir/graph.json"
# the containers' edges are these two only, and both containers are nodes of kind container
[ "$(jq '[.edges[] | select(.source == "container:web" or .source == "container:db" or .target == "container:web" or .target == "container:db")] | length' "$dir/graph.json")" = 2 ] ||
        fail "other edges of web or db: $(cat "$dir/graph.json")"
for c in web db; do
        jq -e --arg c "$c" '.nodes[] | select(.id == "container:" + $c and .name == $c and .kind == "container")' "$dir/graph.json" >/dev/null ||
                fail "no node for container $c: $(cat "$dir/graph.json")"
done
# the DOT says the same, and graphviz draws it
ctl graph connections --format dot --since 10min >"$dir/graph.dot" || fail "cwatchctl graph --format dot"
grep -qF "\"container:web\" -> \"container:db\" [label=\"$DBPORT ($N)\"];" "$dir/graph.dot" || fail "DOT: $(cat "$dir/graph.dot")"
grep -qF "\"container:web\" -> \"container:web\" [label=\"$APPPORT ($N)\"];" "$dir/graph.dot" || fail "DOT: $(cat "$dir/graph.dot")"
dot -Tpng "$dir/graph.dot" >"$dir/graph.png" || fail "dot -Tpng"
[ "$(head -c 8 "$dir/graph.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "dot did not write a PNG"

say "a live scrape"
# the files tracer reports every interval (3 s by default) and the pipeline counts as it goes
sample() { grep -F "$1 " "$dir/scrape" | tail -1 | awk '{ print $NF }'; }
num_ge() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
ready() {
        curl -s --max-time 5 "$URL" >"$dir/scrape" &&
        num_ge "$(sample 'cwatch_file_bytes_total{container="db",direction="read"}')" $DATA &&
        num_ge "$(sample 'cwatch_lru_evictions_total{tracer="files"}')" 1
}
for _ in $(seq 20); do ready && break; sleep 0.5; done
ready || true
check_ge() { local v; v=$(sample "$1"); num_ge "$v" "$2" || fail "$1 is '$v', expected >= $2"; }
check_eq() { local v; v=$(sample "$1"); [ "$v" = "$2" ] || fail "$1 is '$v', expected $2"; }
check_ge 'cwatch_file_bytes_total{container="db",direction="write"}' $DATA_MIN
check_ge 'cwatch_file_bytes_total{container="db",direction="read"}' $DATA_MIN
# the port label: the ports the workload prefers are well-known ones; the kernel's are not
port_label() { case $1 in 5432|3306|27017|6379|8080|8000|8081) echo "$1" ;; *) echo ephemeral ;; esac; }
check_eq "cwatch_tcp_connections_total{src_container=\"web\",dst=\"db\",port=\"$(port_label "$DBPORT")\"}" $N
check_eq "cwatch_tcp_connections_total{src_container=\"web\",dst=\"web\",port=\"$(port_label "$APPPORT")\"}" $N
check_eq 'cwatch_alerts_total{rule="test-noisy-exec",severity="notice"}' 20
check_eq 'cwatch_alerts_rate_limited_total{rule="test-noisy-exec"}' $((NOISY - 20))
check_ge 'cwatch_alerts_total{rule="test-web-connect",severity="error"}' 1
check_ge 'cwatch_identity_cache_entries' 2
check_eq 'cwatch_identity_evictions_total' 0
check_ge 'cwatch_lru_evictions_total{tracer="files"}' 1
for t in process files tcp syscalls; do check_ge "cwatch_events_total{tracer=\"$t\"}" 1; done
grep -E '^cwatch_(file_bytes|tcp_connections|alerts|alerts_rate_limited|identity_[a-z_]*|lru_evictions)_?[a-z_]*[{ ]' "$dir/scrape" |
        grep -E 'container="(web|db)"|src_container="web"|test-|identity|lru'

say "dashboards and Loki configs against this scrape and this journal"
python3 - "$SRC/contrib/grafana" "$dir/scrape" <<'EOF' || fail "dashboards use metrics the service does not export"
import json, re, sys, glob
live = set(re.findall(r'^# TYPE (\S+) ', open(sys.argv[2]).read(), re.M))
used = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("expr", "query", "definition") and isinstance(v, str):
                used.update(re.findall(r'\bcwatch_[a-z_]+', v))
            walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
for f in glob.glob(sys.argv[1] + "/*.json"):
    walk(json.load(open(f)))
missing = sorted(used - live)
print(f"dashboards use {len(used)} cwatch metrics, all in the scrape" if not missing else f"missing: {missing}")
sys.exit(1 if missing or not used else 0)
EOF
# the CWATCH_* fields the service wrote for this test's alerts; the configs ship no other
ns journalctl -t cwatch -o json --no-pager CWATCH_RULE=test-noisy-exec CWATCH_RULE=test-web-connect >"$dir/journal.json"
[ -s "$dir/journal.json" ] || fail "no alerts of the test in the journal"
jq -r 'keys[] | select(startswith("CWATCH_"))' "$dir/journal.json" | sort -u >"$dir/written"
grep -qx CWATCH_CONTAINER_NAME "$dir/written" || fail "the alerts carry no container name: $(cat "$dir/written")"
jq -r 'select(.CWATCH_RULE == "test-web-connect") | .CWATCH_CONTAINER_NAME' "$dir/journal.json" | grep -qx web ||
        fail "test-web-connect alert not from container web"
for f in "$SRC/contrib/loki/promtail-cwatch.yaml" "$SRC/contrib/loki/cwatch.alloy"; do
        for used in $(grep -o 'CWATCH_[A-Z][A-Z0-9_]*' "$f" | sort -u); do
                # fields an alert of a pod or a host process would carry are in the writer's table
                grep -qx "$used" "$dir/written" || grep -q "\"$used\"" "$SRC/src/alert/alert-fields.c" ||
                        fail "$f uses $used, which the service does not write"
        done
done

say "the must-show"
echo "\$ curl -s localhost:$MPORT/metrics | grep cwatch_events_total"
curl -s "localhost:$MPORT/metrics" | grep cwatch_events_total || fail "no cwatch_events_total"
if [ -n "$OUT" ]; then
        mkdir -p "$OUT"
        cp "$dir/graph.dot" "$dir/graph.json" "$dir/graph.png" "$dir/scrape" "$OUT/"
        echo "kept the graph and the scrape in $OUT"
fi
ns systemctl stop cwatchd.service
echo PASS
