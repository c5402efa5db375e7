#!/bin/bash
# cwatchd run with identity, as a user runs it: a process in a docker-<id>.scope cgroup whose
# config.v2.json (under --docker-root) names it shows container_name, runtime, image and unit in
# JSON; --container keeps only that container's records.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then cg=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then cg=/sys/fs/cgroup/unified
else echo "SKIP: no cgroup2"; exit 77; fi

id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
name=web-$$-$RANDOM
root=$(mktemp -d); out=$(mktemp); err=$(mktemp)
scope=$cg/system.slice/docker-$id.scope
made_slice=; [ -d $cg/system.slice ] || made_slice=1
cleanup() { rmdir "$scope" 2>/dev/null; [ -n "$made_slice" ] && rmdir $cg/system.slice 2>/dev/null; rm -rf "$root" "$out" "$err"; }
trap cleanup EXIT
mkdir -p "$root/containers/$id" "$scope"
printf '{"ID":"%s","Name":"/%s","Config":{"Image":"nginx:1.27"},"Image":"sha256:5ef7"}' "$id" "$name" \
        >"$root/containers/$id/config.v2.json"

start() {
        "$CWATCHD" run process --format json --duration 3 --docker-root "$root" "$@" >"$out" 2>"$err" &
        daemon=$!
        for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
        grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"
}
in_container() { sh -c "echo \$\$ > $scope/cgroup.procs && exec /bin/echo $1" >/dev/null; }

marker=m4rk3r-$$-$RANDOM
start
in_container "$marker"
/bin/echo "host-$marker" >/dev/null
wait $daemon || fail "cwatchd exited with $?: $(cat "$err")"
line=$(grep '"event":"exec"' "$out" | grep -F "\"$marker\"") || fail "no exec event with $marker"
[[ "$line" == *"\"container_name\":\"$name\""* ]] || fail "container_name: $line"
[[ "$line" == *'"runtime":"docker"'* ]] || fail "runtime: $line"
[[ "$line" == *"\"container_id\":\"${id:0:12}\""* ]] || fail "container_id: $line"
[[ "$line" == *'"image":"nginx:1.27"'* ]] || fail "image: $line"
[[ "$line" == *"\"unit\":\"docker-$id.scope\""* ]] || fail "unit: $line"
host=$(grep '"event":"exec"' "$out" | grep -F "\"host-$marker\"") || fail "no host exec event"
[[ "$host" != *container_name* ]] || fail "host process has a container: $host"

# --container by name and by id prefix: only the container's records
for sel in "$name" "${id:0:8}"; do
        marker=m4rk3r-$$-$RANDOM
        start --container "$sel"
        in_container "$marker"
        /bin/echo "host-$marker" >/dev/null
        wait $daemon || fail "cwatchd --container exited with $?: $(cat "$err")"
        grep -F "\"$marker\"" "$out" | grep -q "\"container_name\":\"$name\"" || fail "--container $sel: no exec"
        ! grep -qF "host-$marker" "$out" || fail "--container $sel: host process shown"
        [ "$(grep -vc "\"container_name\":\"$name\"" "$out")" = 0 ] || fail "--container $sel: other records"
done
echo "PASS"
