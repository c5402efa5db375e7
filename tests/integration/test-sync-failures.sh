#!/bin/bash
# cwatch-sync when peers fail: a peer that is down (connection refused), a name that does not
# resolve, a server answering HTTP 500, and one too slow for Timeout= are each logged with what
# happened and retried at the next run; the run still ends well and cwatchd is never told (no
# snapshot reaches it, its serials stay empty). When the failing server recovers, the next run
# hands its snapshot over; an unchanged one is not handed over again. Publish= writes into a
# file:// directory and PUTs to an HTTP server. cwatchd runs without tracers, on a private bus.
#   tests/integration/test-sync-failures.sh BUILDDIR SOURCEDIR
set -u
BUILD=$(realpath "${1:?usage: test-sync-failures.sh BUILDDIR SOURCEDIR}")
SRC=$(realpath "${2:?usage: test-sync-failures.sh BUILDDIR SOURCEDIR}")
T=$(mktemp -d /tmp/test-sync-failures.XXXXXX)
DAEMON= BUS= SERVER=
PORT=$((20000 + RANDOM % 20000))
STEP=start
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus

say() { echo "--- $*"; STEP=$*; }
fail() {
        echo "FAIL ($STEP): $*"
        echo "=== cwatchd"; tail -20 "$T/cwatchd.log"
        echo "=== cwatch-sync"; cat "$T/sync.log" 2>/dev/null
        echo "=== server"; tail -20 "$T/server.log" 2>/dev/null
        exit 1
}
cleanup() {
        [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
        [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
        [ -n "$BUS" ] && kill "$BUS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in dbus-daemon python3 curl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done

mkdir -p "$T/state" "$T/trusted" "$T/conf.d" "$T/pub" "$T/uploads" "$T/sync"
# a trusted peer whose snapshot the recovering server will serve
"$BUILD/tests/snapshot-forge" "$T/peer.key" d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4 pub > "$T/trusted/delta.pub"
"$BUILD/tests/snapshot-forge" "$T/peer.key" d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4 7 "$(date +%s)" empty "$T/delta.snapshot"

# /500 fails, /slow answers after 10 s, /flaky fails twice then serves delta's snapshot, PUT stores
cat > "$T/server.py" <<EOF
import http.server, os, sys, time
hits = {"flaky": 0}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path)); sys.stderr.flush()
    def do_GET(self):
        if self.path == "/500":
            self.send_error(500, "broken on purpose")
        elif self.path == "/slow":
            time.sleep(10)
            self.send_error(404)
        elif self.path == "/flaky":
            hits["flaky"] += 1
            if hits["flaky"] <= 2:
                self.send_error(500, "not yet")
                return
            body = open("$T/delta.snapshot", "rb").read()
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)
    def do_PUT(self):
        if not self.path.startswith("/upload/"):
            self.send_error(500, "read-only")
            return
        n = int(self.headers["Content-Length"])
        open("$T/uploads/" + os.path.basename(self.path), "wb").write(self.rfile.read(n))
        self.send_response(201); self.send_header("Content-Length", "0"); self.end_headers()
http.server.ThreadingHTTPServer(("127.0.0.1", $PORT), H).serve_forever()
EOF
python3 "$T/server.py" > "$T/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
curl -s -o /dev/null "http://127.0.0.1:$PORT/ready" || fail "the test's HTTP server did not start"

cat > "$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="root"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>
EOF
BUS=$(dbus-daemon --config-file="$T/bus.conf" --fork --print-pid) || fail "dbus-daemon"

write_config() {
        cat > "$T/cwatchd.conf" <<EOF
[Tracers]
Enable=
[Provenance]
Enable=no
[Profiles]
Enable=no
[Whitelist]
StateDirectory=$T/state
DenyListDirectory=$T/deny
[Sync]
HostId=e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5
StateDirectory=$T/state
TrustedHostsDirectory=$T/trusted
Timeout=2s
Peers=$1
Publish=$2
EOF
}
sync_run() {
        STATE_DIRECTORY=$T/sync timeout 60 "$BUILD/src/cwatch-sync" --config "$T/cwatchd.conf" --config-dir "$T/conf.d" \
                > "$T/sync.log" 2>&1 || fail "cwatch-sync exited with $?"
}

DOWN=http://127.0.0.1:1/whitelist
NXDOMAIN=http://cwatch-test-peer.invalid/whitelist
write_config "$DOWN $NXDOMAIN http://127.0.0.1:$PORT/500 http://127.0.0.1:$PORT/slow http://127.0.0.1:$PORT/flaky" \
        "file://$T/pub"
"$BUILD/src/cwatchd" --config "$T/cwatchd.conf" --config-dir "$T/conf.d" --rules-dir "$SRC/rules" > "$T/cwatchd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do grep -q "cwatchd .* running" "$T/cwatchd.log" && break; sleep 0.2; done
grep -q "cwatchd .* running" "$T/cwatchd.log" || fail "cwatchd did not start"

for run in 1 2; do
        say "run $run: every peer fails, each logged, retried next time; cwatchd untouched"
        start=$(date +%s%N)
        sync_run
        secs=$(( ($(date +%s%N) - start) / 1000000000 ))
        grep -q "Peer $DOWN: .*\(Connection refused\|Failed to connect\).*; retrying at the next run" "$T/sync.log" ||
                fail "no message for the peer that is down"
        grep -q "Peer $NXDOMAIN: .*\(resolve\|Resolving\).*; retrying at the next run" "$T/sync.log" ||
                fail "no message for the name that does not resolve"
        grep -q "Peer http://127.0.0.1:$PORT/500: HTTP 500; retrying at the next run" "$T/sync.log" ||
                fail "no message for HTTP 500"
        grep -q "Peer http://127.0.0.1:$PORT/slow: timed out after 2.0 s" "$T/sync.log" || fail "no message for the slow peer"
        grep -q "Peer http://127.0.0.1:$PORT/flaky: HTTP 500" "$T/sync.log" || fail "no message for the flaky peer"
        grep -q "0 snapshot(s) accepted, 0 unchanged, 0 rejected, 5 failed; published" "$T/sync.log" || fail "the summary"
        [ "$secs" -lt 30 ] || fail "a run took ${secs}s: the timeouts do not hold"
        ! grep -q "whitelist snapshot:" "$T/cwatchd.log" || fail "cwatchd was handed something"
        [ ! -e "$T/state/peer-serials" ] || fail "cwatchd recorded a serial"
        kill -0 "$DAEMON" || fail "cwatchd is gone"
done
echo "run 2 took ${secs}s; $(grep -c retrying "$T/sync.log") failures logged"

say "the flaky server recovers: its snapshot goes to cwatchd once"
sync_run
grep -q "Peer http://127.0.0.1:$PORT/flaky: host delta's snapshot 7 (0 entries) accepted" "$T/sync.log" ||
        fail "the recovered peer's snapshot was not accepted"
grep -q "1 snapshot(s) accepted, 0 unchanged, 0 rejected, 4 failed" "$T/sync.log" || fail "the summary after recovery"
grep -q "Accepted whitelist snapshot: snapshot from host delta" "$T/cwatchd.log" || fail "cwatchd's log"
sync_run
grep -q "0 snapshot(s) accepted, 1 unchanged, 0 rejected, 4 failed" "$T/sync.log" || fail "an unchanged file went again"
[ "$(grep -c "whitelist snapshot:" "$T/cwatchd.log")" = 1 ] || fail "cwatchd saw the same snapshot twice"

say "publishing: into a file:// directory and by HTTP PUT"
f=$T/pub/e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5.snapshot
[ "$(head -c 6 "$f")" = CWSNAP ] || fail "nothing published into $T/pub"
write_config "" "http://127.0.0.1:$PORT/upload/"
sync_run
grep -q "Published this host's snapshot" "$T/sync.log" || fail "no PUT"
[ "$(head -c 6 "$T/uploads/e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5.snapshot")" = CWSNAP ] || fail "the PUT's body"
write_config "" "http://127.0.0.1:$PORT/500"
sync_run
grep -q "Publishing to http://127.0.0.1:$PORT/500 failed: HTTP 500; retrying at the next run" "$T/sync.log" ||
        fail "a failed PUT is not logged"
say "a shared directory: this host's own file in it is passed over quietly, a peer's is taken"
cp "$T/delta.snapshot" "$T/pub/d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4.snapshot"
"$BUILD/tests/snapshot-forge" "$T/peer.key" d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4 8 "$(date +%s)" empty \
        "$T/pub/d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4.snapshot"
write_config "file://$T/pub" "file://$T/pub"
sync_run
grep -q "host delta's snapshot 8 (0 entries) accepted" "$T/sync.log" || fail "the peer's file in the shared directory"
grep -q "1 snapshot(s) accepted, 0 unchanged, 0 rejected, 0 failed; published" "$T/sync.log" ||
        fail "this host's own file was counted"
! grep -q "warning.*own snapshot" "$T/sync.log" "$T/cwatchd.log" || fail "its own file raised a warning"

say "cwatch-sync.service: no capabilities, exposure at most 2.0"
grep -qx "CapabilityBoundingSet=" "$SRC/units/cwatch-sync.service" || fail "the unit keeps capabilities"
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
        systemd-analyze security --offline=true --threshold=20 "$SRC/units/cwatch-sync.service" > "$T/security" 2>&1 ||
                fail "exposure above 2.0: $(tail -1 "$T/security")"
        tail -1 "$T/security"
fi
echo PASS
