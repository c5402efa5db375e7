# Sourced by the system tests: a full systemd booted as PID 1 of a new PID + mount namespace with
# a private /run and /tmp (the recipe of TESTING.md).
#
#   systemd_ns_boot [MACHINE_ID_FILE]
#       boots it (with that machine id bound over /etc/machine-id, so its journal lies apart) and
#       waits until it is running or degraded. Sets SYSTEMD_NS_BOOTER (the unshare process) and
#       SYSTEMD_NS_PID (its systemd, as the host sees it: the booter's child, as other tests may
#       boot theirs at the same time). On failure returns 1 with SYSTEMD_NS_ERROR saying why.
#   systemd_ns_metrics_port PORT
#       makes cwatchd.socket of the booted systemd listen on 127.0.0.1:PORT (a drop-in in its private
#       /run, gone with it): cwatchd has no network of its own, its metrics come through that socket.
#   systemd_ns_poweroff
#       powers it off and waits; kills it when it will not go (PID 1 of a namespace survives its
#       parent). Safe to call when nothing was booted, and twice. The behaviour profiles, the
#       whitelist, the service state (restarts) and the snapshots' files (host.key, snapshot,
#       peer-serials, peers/; cwatch-sync's /var/lib/cwatch-sync) a cwatchd of the test saved are
#       removed unless they were there before,
#       and so is the directory (StateDirectory=) when the test made it.
SYSTEMD_NS_BOOTER= SYSTEMD_NS_PID= SYSTEMD_NS_ERROR=
SYSTEMD_NS_PROFILES_BEFORE= SYSTEMD_NS_STATE_DIR_BEFORE= SYSTEMD_NS_WHITELIST_BEFORE=
SYSTEMD_NS_SYNC_BEFORE= SYSTEMD_NS_SYNC_DIR_BEFORE= SYSTEMD_NS_SERVICE_STATE_BEFORE=

systemd_ns_boot() {
        local bind= state=

        [ -e /var/lib/cwatch/profiles ] && SYSTEMD_NS_PROFILES_BEFORE=yes
        [ -e /var/lib/cwatch/whitelist ] && SYSTEMD_NS_WHITELIST_BEFORE=yes
        [ -e /var/lib/cwatch/host.key ] && SYSTEMD_NS_SYNC_BEFORE=yes
        [ -e /var/lib/cwatch/service-state ] && SYSTEMD_NS_SERVICE_STATE_BEFORE=yes
        [ -d /var/lib/cwatch-sync ] && SYSTEMD_NS_SYNC_DIR_BEFORE=yes
        [ -d /var/lib/cwatch ] && SYSTEMD_NS_STATE_DIR_BEFORE=yes

        [ -n "${1:-}" ] && bind="mount --bind $1 /etc/machine-id &&"
        unshare --pid --fork --kill-child --mount --mount-proc --propagation private -- \
                sh -c "$bind mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp &&
                       exec env container=cwatch-test /lib/systemd/systemd --system --log-target=null" \
                </dev/null >/dev/null 2>&1 &
        SYSTEMD_NS_BOOTER=$!
        for _ in $(seq 100); do
                SYSTEMD_NS_PID=$(pgrep -P "$SYSTEMD_NS_BOOTER" -x systemd) && break
                sleep 0.1
        done
        [ -n "$SYSTEMD_NS_PID" ] || { SYSTEMD_NS_ERROR="systemd did not start"; return 1; }
        # systemctl needs the private socket before it can wait for the boot
        for _ in $(seq 150); do
                nsenter -t "$SYSTEMD_NS_PID" -p -m test -S /run/systemd/private 2>/dev/null && break
                sleep 0.2
        done
        # --wait returns when start-up is over; a busy machine may take a while
        for _ in $(seq 90); do
                state=$(timeout 5 nsenter -t "$SYSTEMD_NS_PID" -p -m systemctl is-system-running --wait 2>&1)
                [[ "$state" == running || "$state" == degraded ]] && return 0
                sleep 1
        done
        SYSTEMD_NS_ERROR="system state after 90 s: $state"
        return 1
}

systemd_ns_metrics_port() {
        nsenter -t "$SYSTEMD_NS_PID" -p -m sh -c "mkdir -p /run/systemd/system/cwatchd.socket.d &&
                printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$1\n' \
                        >/run/systemd/system/cwatchd.socket.d/test-port.conf && systemctl daemon-reload"
}

systemd_ns_poweroff() {
        if [ -n "$SYSTEMD_NS_PID" ] && [ -d "/proc/$SYSTEMD_NS_PID" ]; then
                timeout 10 nsenter -t "$SYSTEMD_NS_PID" -p -m systemctl poweroff --no-block >/dev/null 2>&1
                for _ in $(seq 150); do [ -d "/proc/$SYSTEMD_NS_PID" ] || break; sleep 0.2; done
                [ -d "/proc/$SYSTEMD_NS_PID" ] && kill -9 "$SYSTEMD_NS_PID" 2>/dev/null
        fi
        if [ -n "$SYSTEMD_NS_BOOTER" ]; then
                kill "$SYSTEMD_NS_BOOTER" 2>/dev/null
                wait "$SYSTEMD_NS_BOOTER" 2>/dev/null
        fi
        SYSTEMD_NS_PID= SYSTEMD_NS_BOOTER=
        [ -z "$SYSTEMD_NS_PROFILES_BEFORE" ] && rm -f /var/lib/cwatch/profiles /var/lib/cwatch/profiles.*
        [ -z "$SYSTEMD_NS_WHITELIST_BEFORE" ] && rm -f /var/lib/cwatch/whitelist /var/lib/cwatch/whitelist.*
        [ -z "$SYSTEMD_NS_SYNC_BEFORE" ] && rm -rf /var/lib/cwatch/host.key /var/lib/cwatch/snapshot \
                /var/lib/cwatch/peer-serials /var/lib/cwatch/peers
        [ -z "$SYSTEMD_NS_SYNC_DIR_BEFORE" ] && rm -rf /var/lib/cwatch-sync
        [ -z "$SYSTEMD_NS_SERVICE_STATE_BEFORE" ] && rm -f /var/lib/cwatch/service-state /var/lib/cwatch/service-state.*
        [ -z "$SYSTEMD_NS_STATE_DIR_BEFORE" ] && rmdir /var/lib/cwatch 2>/dev/null
        return 0
}
