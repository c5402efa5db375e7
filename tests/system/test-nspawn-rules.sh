#!/bin/bash
# The default container rules in a real busybox container: systemd-nspawn on a busybox-static rootfs,
# registered with machined in a systemd booted in its own PID, mount and cgroup namespace. Its shell
# runs nsenter, unshare, nc, wget and dpkg as busybox applets, by name (busybox's shell then execs
# /proc/self/exe with the applet in argv[0]: comm "exe") and by path (a symlink to busybox); cwatchd
# on the host names each by its applet and raises the rule that names it, with the machine's name as
# container name and id and runtime nspawn. No default rule names wget: a test rule on
# proc.name = wget shows its name. Everything is powered off and removed, also on failure.
set -u
CWATCHD=$1 RULES=${2:?usage: test-nspawn-rules.sh CWATCHD RULES_DIR}
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
for t in systemd-nspawn busybox unshare nsenter jq; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }

# the applets and the rule each must raise; one missing from this busybox is left out, and said so
declare -A rule_of=([nsenter]=container-namespace-tool [unshare]=container-namespace-tool
                    [nc]=container-network-tool [dpkg]=container-package-manager
                    [wget]=test-busybox-applet-name)
applets=
for a in nsenter unshare nc wget dpkg; do
        if busybox --list | grep -qx "$a"; then applets="$applets $a"
        else echo "NOTE: this busybox has no $a applet, not tested"; fi
done
[ -n "$applets" ] || { echo "SKIP: busybox has none of the applets"; exit 77; }

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        unified=/sys/fs/cgroup; legacy=
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        unified=/sys/fs/cgroup/unified; legacy=/sys/fs/cgroup/systemd
else
        echo "SKIP: no cgroup2 hierarchy"; exit 77
fi

tag=$$-$RANDOM
name=cw-rules-$RANDOM$RANDOM
sub=/cwatch-systest-$tag
root=$(mktemp -d /var/tmp/cwatch-nspawn.XXXXXX); extra=$(mktemp -d); out=$(mktemp); err=$(mktemp)
# a machine id of its own, so that the booted systemd's journal lies apart and is removed at the end
machine_id=$(tr -d - </proc/sys/kernel/random/uuid); echo "$machine_id" >"$extra/machine-id"
ns_pid=; unshare_pid=; daemon=

cleanup() {
        if [ -n "$ns_pid" ] && kill -0 "$ns_pid" 2>/dev/null; then
                nsenter -t "$ns_pid" -p -m -C systemctl poweroff >/dev/null 2>&1
                for _ in $(seq 300); do kill -0 "$unshare_pid" 2>/dev/null || break; sleep 0.1; done
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
        rm -rf "$root" "$extra" "$out" "$err" "$err.nspawn" "/var/log/journal/$machine_id"
}
trap cleanup EXIT

# a busybox-static rootfs with the applets as symlinks, as Alpine ships them (not in /tmp: the
# booted systemd has its own)
mkdir -p $root/usr $root/bin $root/etc $root/proc $root/sys $root/dev $root/tmp
cp "$(command -v busybox)" $root/bin/busybox
for a in sh true $applets; do ln -s busybox $root/bin/$a; done
touch $root/etc/os-release

cat >"$extra/99-test-applet.rules" <<'EOF'
[Rule]
Name=test-busybox-applet-name
Description=test-nspawn-rules.sh: a busybox applet no default rule names, by its name
Event=exec
Condition=in_container and proc.name = wget and proc.exe endswith "/busybox"
Severity=info
Mitre=T1105
Message=applet %proc.name of %proc.exe in %container.name
EOF

# cwatchd on the host, before the container exists, with the default rules and the test rule
"$CWATCHD" run process --rules-dir "$extra" --rules-dir "$RULES" --format json --duration 120 \
        >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 100); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"

# boot systemd in its own cgroup subtree (a cgroup namespace with the hierarchies mounted again)
for h in $unified $legacy; do mkdir -p "$h$sub" || fail "mkdir $h$sub"; done
mounts="umount -l $unified && mount -t cgroup2 cgroup2 $unified"
[ -n "$legacy" ] && mounts="$mounts && umount -l $legacy && mount -t cgroup -o none,name=systemd cgroup $legacy"
sh -c "for h in $unified $legacy; do echo \$\$ > \$h$sub/cgroup.procs || exit 1; done
       exec unshare --pid --fork --kill-child --mount --mount-proc --cgroup --propagation private -- \
            sh -c 'mount --bind $extra/machine-id /etc/machine-id &&
                   mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp && $mounts &&
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

# each applet by name and by path; --help makes every one of them exit at once
script=
for a in $applets; do script="$script $a --help; /bin/$a --help;"; done
timeout 60 nsenter -t "$ns_pid" -p -m -C systemd-nspawn -q -D "$root" -M "$name" \
        /bin/sh -c "$script true" >/dev/null 2>"$err.nspawn" ||
        fail "systemd-nspawn failed: $(cat "$err.nspawn")"

# the alerts of a command line (a line cwatchd is still writing is skipped)
alerts_of() {
        jq -cR --arg c "$1" 'fromjson? | select(.event == "alert" and .cmdline == $c)' "$out"
}
# the first, once it is in
alert_of() {
        local line=
        for _ in $(seq 50); do
                line=$(alerts_of "$1" | head -1)
                [ -n "$line" ] && break
                sleep 0.1
        done
        echo "$line"
}
via_proc_self_exe=0
for a in $applets; do
        for cmd in "$a --help" "/bin/$a --help"; do
                line=$(alert_of "$cmd")
                [ -n "$line" ] || fail "no alert for '$cmd' in $name: $(grep -F "\"$cmd\"" "$out" | head -3)"
                [ "$(jq -r .rule <<<"$line")" = "${rule_of[$a]}" ] || fail "'$cmd' raised another rule: $line"
                [ "$(jq -r .container_name <<<"$line")" = "$name" ] || fail "container_name of '$cmd': $line"
                [ "$(jq -r .container_id <<<"$line")" = "$name" ] || fail "container_id of '$cmd': $line"
                [ "$(jq -r .runtime <<<"$line")" = nspawn ] || fail "runtime of '$cmd': $line"
                [[ "$(jq -r .exe <<<"$line")" == */busybox ]] || fail "exe of '$cmd' is not busybox: $line"
                [ "$(alerts_of "$cmd" | wc -l)" = 1 ] ||
                        fail "'$cmd' raised more than one alert"
                comm=$(jq -r .comm <<<"$line")
                case "$cmd" in
                /*) [ "$comm" = "$a" ] || fail "'$cmd' did not run through its symlink (comm $comm): $line" ;;
                *) [ "$comm" = exe ] && via_proc_self_exe=$((via_proc_self_exe + 1)) ;;
                esac
        done
done
# Debian's busybox-static runs applets from its shell through /proc/self/exe; another build may
# exec the symlinks by name instead: then that path was not seen, say so
words=($applets)
if [ "$via_proc_self_exe" = "${#words[@]}" ]; then
        echo "PASS: $name:$applets by name (through /proc/self/exe) and by symlink"
else
        echo "PASS: $name:$applets by symlink; by name, $via_proc_self_exe of ${#words[@]}" \
             "went through /proc/self/exe"
fi
