#!/bin/bash
# The Debian package as an operator meets it: built with dpkg-buildpackage from a copy of the source
# tree, installed with apt-get into a systemd booted as PID 1 of a PID + mount namespace (it shares
# the host's /etc, /usr and /var), where it must enable and start cwatchd and its socket, raise an
# alert into the journal, serve metrics, and show in cwatchctl top the container and the unit this
# test keeps busy; then `apt-get purge cwatch` must leave nothing behind. The package is purged
# whatever happens.
#
# The host is not touched even when the purge fails: the test runs in a mount and network namespace
# of its own, where /etc, /usr and /var are overlays whose upper layers live in a tmpfs (the build
# happens before, on the host's disk, and is removed at the end).
#   tests/system/test-package.sh SOURCE_ROOT
set -u
if [ -z "${CWATCH_PACKAGE_TEST_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
        exec unshare --mount --net --propagation private env CWATCH_PACKAGE_TEST_NS=1 "$0" "$@"
fi
. "$(dirname "$0")/systemd-ns.sh"
SRC=$(realpath "${1:?usage: test-package.sh SOURCE_ROOT}")
STEP=start PID= MACHINE_ID=
WORK=$(mktemp -d /var/tmp/cwatch-package.XXXXXX)      # not /tmp: the booted systemd has its own
LOG=$WORK/log
MACHINE_ID_FILE=$WORK/machine-id
OVERLAY= NSPAWN=
BUSY_UNIT=cwatch-pkg-busy.service
CONTAINER=pkgbusy-$$

say() { echo "--- $*"; STEP=$*; }
ns() { timeout 120 nsenter -t "$PID" -p -m "$@"; }
dump() {
        [ -n "$PID" ] && [ -d "/proc/$PID" ] || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -25
        echo "=== systemctl status cwatchd.socket"; ns systemctl status --no-pager -l cwatchd.socket 2>&1 | head -15
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -u cwatchd.socket -n 30 2>&1 | tail -30
        [ -f "$WORK/apt.log" ] && { echo "=== apt-get"; tail -25 "$WORK/apt.log"; }
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

# What the package may leave on the host after a purge: nothing of these.
LEFTOVERS=(/usr/sbin/cwatchd /usr/bin/cwatchctl /lib/systemd/system/cwatchd.service /lib/systemd/system/cwatchd.socket
           /usr/lib/systemd/system/cwatchd.service /etc/systemd/system/dbus-org.cwatch1.service
           /etc/systemd/system/multi-user.target.wants/cwatchd.service
           /etc/systemd/system/sockets.target.wants/cwatchd.socket
           /usr/share/dbus-1/system.d/org.cwatch1.conf /usr/share/dbus-1/system-services/org.cwatch1.service
           /usr/share/polkit-1/actions/org.cwatch1.policy /usr/lib/systemd/catalog/cwatch.catalog
           /usr/lib/cwatch /etc/cwatch /var/lib/cwatch /usr/share/doc/cwatch
           /var/lib/systemd/deb-systemd-helper-enabled/cwatchd.service.dsh-also
           /var/lib/systemd/deb-systemd-helper-enabled/cwatchd.socket.dsh-also)

cleanup() {
        # before the overlays nothing was installed: the host is left alone
        if [ -z "$OVERLAY" ]; then
                rm -rf "$WORK"
                return
        fi
        if [ -n "$PID" ] && [ -d "/proc/$PID" ]; then
                ns systemctl stop "$BUSY_UNIT" >/dev/null 2>&1
                ns machinectl terminate "$CONTAINER" >/dev/null 2>&1
                dpkg-query -W -f='${Status}' cwatch 2>/dev/null | grep -q installed &&
                        ns env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cwatch >/dev/null 2>&1
        fi
        systemd_ns_poweroff
        [ -n "$NSPAWN" ] && { kill "$NSPAWN" 2>/dev/null; wait "$NSPAWN" 2>/dev/null; }
        # without the booted systemd (it died): purge outside it, where no systemd runs as PID 1
        dpkg-query -W -f='${Status}' cwatch 2>/dev/null | grep -q installed &&
                DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cwatch >/dev/null 2>&1
        rm -rf /var/lib/cwatch
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
        # the overlays go with what the package left in them, then the host's view is back
        umount -l /etc /usr /var 2>/dev/null
        umount -l "$OVERLAY" 2>/dev/null
        rmdir "$OVERLAY"
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
for t in dpkg-buildpackage dh apt-get systemd-nspawn busybox curl jq; do
        command -v $t >/dev/null || fail "$t is missing (tools/setup installs it)"
done
# the host must not have cwatch already (run under the system tests' lock, no other test has it)
dpkg-query -W -f='${Status}' cwatch 2>/dev/null | grep -q installed && fail "the cwatch package is installed on the host"
for f in /usr/sbin/cwatchd /lib/systemd/system/cwatchd.service /usr/share/dbus-1/system.d/org.cwatch1.conf \
         /usr/lib/cwatch /etc/cwatch /var/lib/cwatch; do
        [ -e "$f" ] && fail "$f exists: cwatch is installed on the host (meson install?); remove it first"
done

say "build the package from a copy of the source tree"
mkdir -p "$WORK/src/cwatch"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
        # the files git knows and new ones it does not ignore: the tree as it is, without build dirs
        (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
                xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
                xargs -0 -r cp --parents -t "$WORK/src/cwatch") || fail "copying the source tree"
else
        tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$WORK/src/cwatch" -xf - ||
                fail "copying the source tree"
fi
start=$(date +%s)
(cd "$WORK/src/cwatch" && dpkg-buildpackage -b -us -uc -j2) >"$LOG" 2>&1 || fail "dpkg-buildpackage: $(tail -15 "$LOG")"
DEB=$(ls "$WORK"/src/cwatch_*_"$(dpkg --print-architecture)".deb 2>/dev/null)
[ -f "$DEB" ] || fail "no cwatch_<version>_<arch>.deb: $(ls "$WORK/src")"
echo "built $(basename "$DEB") in $(($(date +%s) - start)) s"
dpkg-deb -c "$DEB" >"$LOG"
for f in ./usr/sbin/cwatchd ./usr/bin/cwatchctl ./lib/systemd/system/cwatchd.service ./lib/systemd/system/cwatchd.socket \
         ./usr/share/dbus-1/system.d/org.cwatch1.conf ./usr/share/dbus-1/system-services/org.cwatch1.service \
         ./usr/share/polkit-1/actions/org.cwatch1.policy ./usr/lib/systemd/catalog/cwatch.catalog \
         ./usr/share/man/man8/cwatchd.8.gz ./usr/share/bash-completion/completions/cwatchctl \
         ./usr/lib/cwatch/rules.d/10-process.rules ./etc/cwatch/cwatchd.conf; do
        grep -q " $f\$" "$LOG" || fail "the package lacks $f"
done
dpkg-deb -f "$DEB" Depends | grep -q libmicrohttpd12 || fail "Depends lacks libmicrohttpd12 (loaded with dlopen)"
dpkg-deb -I "$DEB" conffiles | grep -qx /etc/cwatch/cwatchd.conf || fail "cwatchd.conf is not a conffile"
if command -v lintian >/dev/null; then
        lintian -I --pedantic --fail-on warning,error "$DEB" >"$LOG" 2>&1 || fail "lintian: $(cat "$LOG")"
        grep -v 'running with root privileges' "$LOG"
fi

say "overlays over /etc, /usr and /var"
OVERLAY=$(mktemp -d /run/cwatch-package-overlay.XXXXXX)
mount -t tmpfs -o mode=700 tmpfs "$OVERLAY" || fail "tmpfs on $OVERLAY"
for d in etc usr var; do
        mkdir -p "$OVERLAY/$d/upper" "$OVERLAY/$d/work"
        mount -t overlay overlay -o "lowerdir=/$d,upperdir=$OVERLAY/$d/upper,workdir=$OVERLAY/$d/work" "/$d" ||
                fail "overlay on /$d"
done
ip link set lo up || fail "no loopback in the test's network namespace"

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

# Container images (this CI's among them) ship a policy-rc.d that forbids maintainer scripts to start
# services; a real host has none. Lift it in the namespace only (its mounts are private).
if [ -x /usr/sbin/policy-rc.d ] && ! /usr/sbin/policy-rc.d cwatchd.service start >/dev/null 2>&1; then
        printf '#!/bin/sh\nexit 0\n' >"$WORK/policy-rc.d"
        chmod 755 "$WORK/policy-rc.d"
        ns mount --bind "$WORK/policy-rc.d" /usr/sbin/policy-rc.d || fail "could not lift policy-rc.d in the namespace"
        echo "note: /usr/sbin/policy-rc.d forbids starting services; allowed in the namespace"
fi

say "apt-get install ./$(basename "$DEB")"
ns env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" >"$WORK/apt.log" 2>&1 ||
        fail "apt-get install exited $?"
wait_for 30 "cwatchd active" sh -c "[ \"\$(nsenter -t $PID -p -m systemctl is-active cwatchd)\" = active ]"
[ "$(ns systemctl is-enabled cwatchd)" = enabled ] || fail "cwatchd.service is not enabled"
[ "$(ns systemctl is-enabled cwatchd.socket)" = enabled ] || fail "cwatchd.socket is not enabled"
[ "$(ns systemctl is-active cwatchd.socket)" = active ] || fail "cwatchd.socket is not active"
[ -L /etc/systemd/system/dbus-org.cwatch1.service ] || fail "no D-Bus alias dbus-org.cwatch1.service"
ns systemctl status --no-pager cwatchd | grep -E 'Loaded:|Active:'
wait_for 30 "STATUS= Tracing" sh -c \
        "nsenter -t $PID -p -m systemctl status --no-pager cwatchd | grep -q 'Status: \"Tracing: .*process'"

say "an alert in journalctl -t cwatch"
MARKER=cwatch-pkg-$$-$RANDOM
ns sh -c "cp /bin/true /tmp/$MARKER && /tmp/$MARKER" || fail "could not run /tmp/$MARKER"
wait_for 20 "exec-from-tmp for /tmp/$MARKER" sh -c \
        "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_EXE=/tmp/$MARKER | grep -q exec-from-tmp"
ns journalctl -t cwatch --no-pager -o cat CWATCH_EXE=/tmp/$MARKER | head -1
ns journalctl -t cwatch -x --no-pager CWATCH_EXE=/tmp/$MARKER | grep -q 'cwatch rule exec-from-tmp raised an alert' ||
        fail "journalctl -x does not explain the alert: the catalog was not updated"

say "metrics on the socket"
ns curl -sf --max-time 10 http://127.0.0.1:9469/metrics >"$LOG" || fail "curl 127.0.0.1:9469/metrics failed"
grep -E '^cwatch_events_total\{tracer="process"\} [1-9]' "$LOG" || fail "no process events in the metrics: $(head -5 "$LOG")"
grep -q '^cwatch_alerts_total{rule="exec-from-tmp"' "$LOG" || fail "no exec-from-tmp in cwatch_alerts_total"

say "an upgrade (apt-get install --reinstall) keeps cwatchd and its socket running"
ns env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$DEB" >"$WORK/apt.log" 2>&1 ||
        fail "apt-get install --reinstall exited $?"
wait_for 30 "cwatchd active after the upgrade" sh -c "[ \"\$(nsenter -t $PID -p -m systemctl is-active cwatchd)\" = active ]"
[ "$(ns systemctl is-active cwatchd.socket)" = active ] || fail "cwatchd.socket is not active after the upgrade"
ns curl -sf --max-time 10 http://127.0.0.1:9469/metrics | grep -q '^cwatch_build_info' || fail "no metrics after the upgrade"

say "cwatchctl top shows the busy container and unit"
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS"/{usr,bin,etc,proc,sys,dev,tmp}
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for a in sh cat ls sleep echo true; do ln -s busybox "$ROOTFS/bin/$a"; done
touch "$ROOTFS/etc/os-release"
# as test-nspawn-identity.sh runs it: from the namespace's cgroup, registered with its machined
nsenter -t "$PID" -p -m -C systemd-nspawn -q -D "$ROOTFS" -M "$CONTAINER" /bin/sh -c \
        'while :; do echo payload-of-some-bytes >/tmp/f; cat /tmp/f >/dev/null; ls / >/dev/null; sleep 0.05; done' \
        </dev/null >"$WORK/nspawn.log" 2>&1 &
NSPAWN=$!
ns systemd-run -q --unit="$BUSY_UNIT" /bin/sh -c 'while :; do ls / >/dev/null; sleep 0.05; done' ||
        fail "could not start $BUSY_UNIT"
for _ in $(seq 150); do ns machinectl show "$CONTAINER" >/dev/null 2>&1 && break; sleep 0.2; done
ns machinectl show "$CONTAINER" >/dev/null 2>&1 || fail "machine $CONTAINER did not start: $(cat "$WORK/nspawn.log")"
# a window longer than the files tracer's interval (3 s), so that file bytes are in it
ns cwatchctl top --once --json --delay 4 >"$LOG" || fail "cwatchctl top --once --json exited $?: $(cat "$LOG")"
jq -c '.rows[] | select(.name == "'"$CONTAINER"'" or .name == "'"$BUSY_UNIT"'") |
       {kind, name, runtime, events_per_sec, execs_per_sec, write_bytes_per_sec, read_bytes_per_sec}' "$LOG"
jq -e '.rows[] | select(.kind == "container" and .name == "'"$CONTAINER"'" and .runtime == "nspawn") |
       .events_per_sec > 0 and .execs_per_sec > 0 and .write_bytes_per_sec > 0 and .read_bytes_per_sec > 0' \
        "$LOG" >/dev/null || fail "no busy row for container $CONTAINER: $(head -c 1500 "$LOG")"
jq -e '.rows[] | select(.kind == "unit" and .name == "'"$BUSY_UNIT"'") | .events_per_sec > 0 and .execs_per_sec > 0' \
        "$LOG" >/dev/null || fail "no busy row for unit $BUSY_UNIT: $(head -c 1500 "$LOG")"
jq -e '.interval_usec >= 3500000 and .sort == "events" and (.rows | length) >= 2' "$LOG" >/dev/null ||
        fail "top's header: $(jq -c '{interval_usec, sort, drops}' "$LOG")"
ns cwatchctl top --once --delay 1 --sort execs >"$LOG" || fail "cwatchctl top --once exited $?"
head -4 "$LOG"
grep -Eq "^KIND +NAME +EVENTS/S +EXECS/S +READ/S +WRITE/S +CONNS/S +ALERTS$" "$LOG" || fail "top's header: $(sed -n 3p "$LOG")"
grep -Eq "^(container +$CONTAINER|unit +$BUSY_UNIT) " "$LOG" || fail "top's table lacks the busy rows: $(cat "$LOG")"
# docs/cwatchctl-top.txt is made so: CWATCH_TOP_CAPTURE=FILE, the live view in tmux, captured
if [ -n "${CWATCH_TOP_CAPTURE:-}" ] && command -v tmux >/dev/null; then
        ns tmux new-session -d -s cwatch-top -x 118 -y 16 "cwatchctl top --delay 2" || fail "tmux"
        sleep 7
        { printf '# cwatchctl top in a terminal (tmux capture-pane), made by tests/system/test-package.sh with\n'
          printf '# CWATCH_TOP_CAPTURE=docs/cwatchctl-top.txt: the container and the unit the test keeps busy on top.\n\n'
          ns tmux capture-pane -p -t cwatch-top; } >"$CWATCH_TOP_CAPTURE" || fail "tmux capture-pane"
        ns tmux kill-server
fi
ns runuser -u nobody -- cwatchctl top --once 2>"$LOG"; rc=$?
[ $rc = 4 ] || fail "nobody's cwatchctl top exited $rc, expected 4 (polkit): $(cat "$LOG")"
ns systemctl stop "$BUSY_UNIT"
ns machinectl terminate "$CONTAINER"
wait "$NSPAWN" 2>/dev/null
NSPAWN=

say "apt-get purge cwatch"
ns env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q cwatch >"$LOG" 2>&1 || fail "apt-get purge: $(tail -20 "$LOG")"
dpkg-query -W -f='${Status}' cwatch 2>/dev/null | grep -q installed && fail "cwatch is still installed"
left=()
for f in "${LEFTOVERS[@]}"; do [ -e "$f" ] || [ -L "$f" ] && left+=("$f"); done
[ ${#left[@]} = 0 ] || fail "left after purge: ${left[*]}"
ns systemctl daemon-reload
state=$(ns systemctl show -P LoadState cwatchd.service)
[ "$state" = not-found ] || fail "systemd still knows cwatchd.service (LoadState=$state)"
[ "$(ns systemctl is-active cwatchd)" != active ] || fail "cwatchd still runs"
ns busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ListActivatableNames |
        grep -q org.cwatch1 && fail "org.cwatch1 is still activatable on the bus"
echo "purged: no unit, no bus policy, no state, no configuration"

say "poweroff"
systemd_ns_poweroff
PID=
echo OK
