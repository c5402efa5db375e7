#!/bin/bash
# The /metrics endpoint under bad requests: a malformed request line, an oversized header, an unknown
# path and method, and slow clients that send half a request and wait. None of them may stall the
# event loop: process events keep arriving and /metrics keeps answering meanwhile.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d)
daemon=
cleanup() {
        [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
        exec 3>&- 4>&- 5>&- 2>/dev/null
        rm -rf "$dir"
}
trap cleanup EXIT

# port 0: the kernel picks a free port; cwatchd logs which
"$CWATCHD" run process --format json --metrics 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$dir/err" && break; sleep 0.05; done
port=$(sed -n 's/.*serving metrics on .* (port \([0-9]*\)).*/\1/p' "$dir/err")
[ -n "$port" ] && [ "$port" != 0 ] || fail "no metrics port: $(cat "$dir/err")"
url=http://127.0.0.1:$port/metrics

code() { curl -s -o /dev/null --max-time 3 -w '%{http_code}' "$@"; }
events() { curl -s --max-time 3 "$url" | sed -n 's/^cwatch_events_total{tracer="process"} //p'; }

[ "$(code "$url")" = 200 ] || fail "GET /metrics"
curl -s -D "$dir/headers" -o "$dir/body" "$url"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$dir/headers" || fail "content type: $(cat "$dir/headers")"
grep -q '^# TYPE cwatch_events_total counter$' "$dir/body" || fail "no TYPE line"
[ "$(code -I "$url")" = 200 ] || fail "HEAD /metrics"
[ "$(code "http://127.0.0.1:$port/")" = 404 ] || fail "GET / not 404"
[ "$(code "http://127.0.0.1:$port/metrics/x")" = 404 ] || fail "GET /metrics/x not 404"
[ "$(code -X POST -d x=1 "$url")" = 405 ] || fail "POST not 405"
[ "$(code -X DELETE "$url")" = 405 ] || fail "DELETE not 405"
curl -s -o /dev/null -D "$dir/h405" -X PUT "$url"
grep -qi '^Allow: GET, HEAD' "$dir/h405" || fail "405 without Allow"

# an oversized header: refused with 431 Request Header Fields Too Large
big=$(head -c 40000 /dev/zero | tr '\0' a)
c=$(code -H "X-Big: $big" "$url")
[ "$c" = 431 ] || fail "oversized header got $c, not 431"

# a malformed request line gets an HTTP error
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'THIS IS NOT HTTP\r\n\r\n' >&3
IFS= read -r -t 3 line <&3 || true
exec 3>&-
[[ "$line" == HTTP/1.1\ 4* ]] || fail "malformed request answered with '$line'"

# slow clients: half a request line, and complete headers of a request whose body never comes
exec 4<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /metr' >&4
exec 5<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab' >&5

# meanwhile events flow and /metrics answers, again and again
before=$(events)
[ -n "$before" ] || fail "no events metric"
marker=sl0w-$$-$RANDOM
for i in 1 2 3; do
        sh -c 'exit 0' "$marker-$i"
        start=$(date +%s%N)
        [ "$(code "$url")" = 200 ] || fail "/metrics did not answer while slow clients wait"
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        [ "$ms" -lt 2000 ] || fail "/metrics took ${ms} ms while slow clients wait"
done
for _ in $(seq 50); do grep -q "$marker-3" "$dir/out" && break; sleep 0.1; done
for i in 1 2 3; do grep -q "\"$marker-$i\"" "$dir/out" || fail "exec $i not seen while slow clients wait"; done
after=$(events)
[ "$after" -gt "$before" ] || fail "events did not rise: $before -> $after"

# many connections at once: above the limit they are refused, the loop goes on
pids=()
for i in $(seq 40); do exec {fd}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null && pids+=("$fd"); done
sh -c 'exit 0' "$marker-many"
for fd in "${pids[@]}"; do exec {fd}>&-; done
[ "$(code "$url")" = 200 ] || fail "/metrics after a connection flood"
for _ in $(seq 50); do grep -q "$marker-many" "$dir/out" && break; sleep 0.1; done
grep -q "\"$marker-many\"" "$dir/out" || fail "exec not seen during a connection flood"

# a bad listen address is a clear error
"$CWATCHD" run process --metrics nonsense:1 2>"$dir/err2"; [ $? = 2 ] || fail "bad --metrics did not exit 2"
grep -q -- '--metrics takes ADDRESS:PORT' "$dir/err2" || fail "bad --metrics message: $(cat "$dir/err2")"
# a port in use is reported, not ignored
"$CWATCHD" run process --metrics "127.0.0.1:$port" --duration 1 2>"$dir/err3"; [ $? = 1 ] || fail "busy port did not fail"
grep -q 'Failed to bind the metrics socket' "$dir/err3" || fail "busy port message: $(cat "$dir/err3")"

kill -INT $daemon; wait $daemon || fail "cwatchd exit status $?"
daemon=
echo PASS
