#!/bin/bash
# A real container: systemd-nspawn on a busybox rootfs inside a systemd booted in its own PID, mount
# and cgroup namespace; cwatchd on the host attributes a command run in it to machine-<name>.scope
# with the machine's name. The booted systemd gets a private /run and /tmp and its own cgroup
# subtree, so it neither touches the host's nor another test's systemd; it is always powered off and
# everything removed, also on failure.
set -u
CWATCHD=$1
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
for t in systemd-nspawn busybox unshare nsenter; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }

# the cgroup hierarchies systemd will manage: pure cgroup2, or hybrid (cgroup2 + name=systemd)
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        unified=/sys/fs/cgroup; legacy=
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        unified=/sys/fs/cgroup/unified; legacy=/sys/fs/cgroup/systemd
else
        echo "SKIP: no cgroup2 hierarchy"; exit 77
fi

tag=$$-$RANDOM
name=cw-$RANDOM$RANDOM
sub=/cwatch-systest-$tag
root=$(mktemp -d /var/tmp/cwatch-nspawn.XXXXXX); out=$(mktemp); err=$(mktemp)
ns_pid=; unshare_pid=; daemon=

cleanup() {
        if [ -n "$ns_pid" ] && kill -0 "$ns_pid" 2>/dev/null; then
                nsenter -t "$ns_pid" -p -m -C systemctl poweroff >/dev/null 2>&1
                for _ in $(seq 100); do kill -0 "$unshare_pid" 2>/dev/null || break; sleep 0.1; done
        fi
        [ -n "$unshare_pid" ] && kill -KILL "$unshare_pid" 2>/dev/null
        [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
        wait 2>/dev/null
        for h in $unified $legacy; do
                [ -d "$h$sub" ] || continue
                [ -e "$h$sub/cgroup.kill" ] && echo 1 >"$h$sub/cgroup.kill" 2>/dev/null
                for _ in $(seq 50); do
                        find "$h$sub" -depth -type d -exec rmdir {} + 2>/dev/null
                        [ -d "$h$sub" ] || break
                        sleep 0.1
                done
        done
        rm -rf "$root" "$out" "$err"
}
trap cleanup EXIT

# a busybox-static rootfs (not in /tmp: the booted systemd has its own)
mkdir -p $root/usr $root/bin $root/etc $root/proc $root/sys $root/dev $root/tmp
cp "$(command -v busybox)" $root/bin/busybox
for a in sh cat ls sleep echo true; do ln -s busybox $root/bin/$a; done
touch $root/etc/os-release

# cwatchd on the host, before the container exists
"$CWATCHD" run process --format json --duration 120 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"

# boot systemd in its own cgroup subtree (a cgroup namespace with the hierarchies mounted again)
for h in $unified $legacy; do mkdir -p "$h$sub" || fail "mkdir $h$sub"; done
mounts="umount -l $unified && mount -t cgroup2 cgroup2 $unified"
[ -n "$legacy" ] && mounts="$mounts && umount -l $legacy && mount -t cgroup -o none,name=systemd cgroup $legacy"
sh -c "for h in $unified $legacy; do echo \$\$ > \$h$sub/cgroup.procs || exit 1; done
       exec unshare --pid --fork --kill-child --mount --mount-proc --cgroup --propagation private -- \
            sh -c 'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp && $mounts &&
                   exec env container=cwatch-test /lib/systemd/systemd --system --log-target=null'" &
unshare_pid=$!
for _ in $(seq 100); do ns_pid=$(pgrep -P "$unshare_pid" -x systemd) && break; sleep 0.1; done
[ -n "$ns_pid" ] || fail "systemd did not start"
state=
for _ in $(seq 120); do
        kill -0 "$ns_pid" 2>/dev/null || fail "systemd exited"
        state=$(timeout 90 nsenter -t "$ns_pid" -p -m -C systemctl is-system-running --wait 2>&1)
        case "$state" in running|degraded) break ;; esac
        sleep 0.5
done
case "$state" in running|degraded) ;; *) fail "systemd state: $state" ;; esac

marker=m4rk3r-$tag
timeout 60 nsenter -t "$ns_pid" -p -m -C systemd-nspawn -q -D "$root" -M "$name" \
        /bin/sh -c "cat /etc/os-release; /bin/echo $marker" >/dev/null 2>"$err.nspawn" ||
        fail "systemd-nspawn failed: $(cat "$err.nspawn"; rm -f "$err.nspawn")"
rm -f "$err.nspawn"

# the echo of the marker ran in the container
line=
for _ in $(seq 50); do
        line=$(grep '"event":"exec"' "$out" | grep -F "\"$marker\"" | head -1)
        # cwatchd's stdout is a file, written in blocks: a line may not be whole yet
        [ -n "$line" ] && jq -e . <<<"$line" >/dev/null 2>&1 && break
        sleep 0.1
done
[ -n "$line" ] || fail "no exec event with $marker"
unit="machine-${name//-/\\\\x2d}.scope"
[[ "$line" == *"\"container_name\":\"$name\""* ]] || fail "container_name is not $name: $line"
[[ "$line" == *'"runtime":"nspawn"'* ]] ||
        fail "runtime is not nspawn: $(jq -c '{container_name, container_id, runtime, unit, cgroup_id}' <<<"$line")"
[[ "$line" == *"\"unit\":\"$unit\""* ]] || fail "unit is not $unit: $line"
echo "PASS: $name ($unit)"
