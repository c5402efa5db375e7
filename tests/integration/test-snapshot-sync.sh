#!/bin/bash
# Whitelist snapshots between three hosts, as operators would run them: three cwatchd services
# (alpha, beta, gamma), each with its own configuration, state directory, host key, deny list,
# D-Bus system bus and HTTP endpoint (GET /whitelist), each in its own network namespace, linked
# by veth pairs; cwatch-sync of each host fetches its peers' snapshots over HTTP and hands them to
# its cwatchd.
#   1. alpha learns two programs (factor and tsort, run by the test with the process tracer on),
#      beta learns one of them (factor); gamma has seen neither.
#   2. in the namespaces, cwatch-sync on gamma: factor, vouched for by two of three, becomes global
#      at Quorum=2 (every host's weight 2: Weight=2, LocalWeight=2; confidences about 0.57, so one
#      host's vote is 1.15, two hosts' 2.3); tsort, vouched for by one, does not. The same holds on
#      alpha and beta after their syncs.
#   3. alpha puts factor on its deny list and reloads: at the next sync factor is revoked on beta
#      and gamma, each raising a whitelist-revoked alert that names alpha.
#   4. rejected by gamma, each with its own reason and message, nothing merged: one byte flipped,
#      an unknown key, an older serial (replay), a future timestamp, a decompression bomb, a
#      truncated file.
# Everything it makes (namespaces, veths, processes, files) is removed, whatever happens.
#   tests/integration/test-snapshot-sync.sh BUILDDIR SOURCEDIR
set -u
BUILD=$(realpath "${1:?usage: test-snapshot-sync.sh BUILDDIR SOURCEDIR}")
SRC=$(realpath "${2:?usage: test-snapshot-sync.sh BUILDDIR SOURCEDIR}")
CWATCHD=$BUILD/src/cwatchd
CTL=$BUILD/src/cwatchctl
SYNC=$BUILD/src/cwatch-sync
FORGE=$BUILD/tests/snapshot-forge
T=$(mktemp -d /tmp/test-snapshot-sync.XXXXXX)
TAG=cws$$
HOSTS="alpha beta gamma"
declare -A ID=([alpha]=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1 [beta]=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
               [gamma]=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3)
declare -A DAEMON BUS_PID MONITOR
# one /30 per pair: alpha-beta 10.231.1.0, alpha-gamma .2.0, beta-gamma .3.0
declare -A ADDR_OF=([alpha,beta]=10.231.1.1 [beta,alpha]=10.231.1.2 [alpha,gamma]=10.231.2.1
                    [gamma,alpha]=10.231.2.2 [beta,gamma]=10.231.3.1 [gamma,beta]=10.231.3.2)
STEP=start

say() { echo "--- $*"; STEP=$*; }
dump() {
        for h in $HOSTS; do
                [ -f "$T/$h/cwatchd.log" ] && { echo "=== cwatchd $h"; tail -25 "$T/$h/cwatchd.log"; }
                [ -f "$T/$h/sync.log" ] && { echo "=== cwatch-sync $h"; tail -10 "$T/$h/sync.log"; }
        done
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
for t in ip dbus-daemon dbus-monitor busctl curl sha256sum factor tsort; do
        command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

cleanup() {
        for h in $HOSTS; do
                [ -n "${MONITOR[$h]:-}" ] && kill "${MONITOR[$h]}" 2>/dev/null
                [ -n "${DAEMON[$h]:-}" ] && kill "${DAEMON[$h]}" 2>/dev/null && wait "${DAEMON[$h]}" 2>/dev/null
                [ -n "${BUS_PID[$h]:-}" ] && kill "${BUS_PID[$h]}" 2>/dev/null
                ip netns del "$TAG-$h" 2>/dev/null
        done
        # the veths go with their namespaces; one left in the root namespace by a failed setup:
        for v in $(ip -o link show 2>/dev/null | grep -o "$TAG[a-z]*" | sort -u); do ip link del "$v" 2>/dev/null; done
        rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

bus_of() { echo "unix:path=$T/$1/bus"; }
# runs a command as host h: its network namespace (when it has one yet) and its system bus
on() {
        local h=$1; shift
        if ip netns list | grep -qw "$TAG-$h"; then
                DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") timeout 60 ip netns exec "$TAG-$h" "$@"
        else
                DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") timeout 60 "$@"
        fi
}
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

# ---- each host's files: configuration, private system bus, trusted peers
write_config() {        # host tracers listen peers
        cat > "$T/$1/cwatchd.conf" <<EOF
[Tracers]
Enable=$2
[Provenance]
Enable=no
[Profiles]
Enable=no
[Metrics]
Listen=$3
[Whitelist]
StateDirectory=$T/$1/state
DenyListDirectory=$T/$1/deny
[Sync]
HostId=${ID[$1]}
StateDirectory=$T/$1/state
TrustedHostsDirectory=$T/$1/trusted
Quorum=2
LocalWeight=2
Timeout=5s
Peers=$4
EOF
}

start_bus() {
        cat > "$T/$1/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/$1/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
        BUS_PID[$1]=$(dbus-daemon --config-file="$T/$1/bus.conf" --fork --print-pid) || fail "dbus-daemon for $1"
}

start_daemon() {
        local h=$1
        : > "$T/$h/cwatchd.log"
        if ip netns list | grep -qw "$TAG-$h"; then
                DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") ip netns exec "$TAG-$h" "$CWATCHD" --config "$T/$h/cwatchd.conf" \
                        --config-dir "$T/$h/conf.d" --rules-dir "$SRC/rules" >> "$T/$h/cwatchd.log" 2>&1 &
        else
                DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") "$CWATCHD" --config "$T/$h/cwatchd.conf" --config-dir "$T/$h/conf.d" \
                        --rules-dir "$SRC/rules" >> "$T/$h/cwatchd.log" 2>&1 &
        fi
        DAEMON[$h]=$!
        wait_for 30 "cwatchd of $h on its bus" grep -q "cwatchd .* running" "$T/$h/cwatchd.log"
}

stop_daemon() {
        kill "${DAEMON[$1]}" && wait "${DAEMON[$1]}"
        DAEMON[$1]=
}

# the state of a program on a host: local, global, revoked, denied; "absent" when unknown there
state_of() {
        local out
        out=$(on "$1" busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetWhitelistEntry s "$2" 2>/dev/null) ||
                { echo absent; return; }
        # (ssdtuttuus)a(sds): the state is the last string of the entry
        echo "$out" | grep -o '"[a-z]*" [0-9]* "' | head -1 | cut -d'"' -f2
}
entry_of() { on "$1" busctl call org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetWhitelistEntry s "$2" 2>&1; }

FACTOR=$(sha256sum "$(readlink -f /usr/bin/factor)" | cut -d' ' -f1)
TSORT=$(sha256sum "$(readlink -f /usr/bin/tsort)" | cut -d' ' -f1)

say "keys, trusted hosts and private buses"
for h in $HOSTS; do
        mkdir -p "$T/$h/state" "$T/$h/deny" "$T/$h/trusted" "$T/$h/conf.d"
        # the host key cwatchd makes at its first start, made here so the peers can trust it first
        "$FORGE" "$T/$h/state/host.key" "${ID[$h]}" pub | sed 's/^Weight=1$/Weight=2/' > "$T/$h.pub" || fail "key of $h"
done
for h in $HOSTS; do
        for p in $HOSTS; do [ "$p" = "$h" ] || cp "$T/$p.pub" "$T/$h/trusted/$p.pub"; done
        start_bus "$h"
done
[ "$(stat -c %a "$T/alpha/state/host.key")" = 600 ] || fail "host.key is not 0600"

say "alpha learns factor and tsort, beta learns factor (process tracer, one host at a time)"
learn() {       # host programs...
        local h=$1; shift
        write_config "$h" process "" ""
        start_daemon "$h"
        for i in 1 2 3; do for p in "$@"; do sleep 0.3 | "/usr/bin/$p" >/dev/null; done; done
        for p in "$@"; do
                local sha; sha=$(sha256sum "$(readlink -f /usr/bin/$p)" | cut -d' ' -f1)
                wait_for 30 "$h to identify $p" sh -c "[ \"\$(DBUS_SYSTEM_BUS_ADDRESS=$(bus_of "$h") busctl call \
                        org.cwatch1 /org/cwatch1 org.cwatch1.Manager GetWhitelistEntry s $sha 2>/dev/null |
                        grep -c '\"local\"')\" = 1 ]"
        done
        stop_daemon "$h"
}
learn alpha factor tsort
learn beta factor
[ -s "$T/alpha/state/whitelist" ] || ls "$T/alpha/state" | grep -q . || fail "alpha kept no state"

say "three hosts in three network namespaces, linked by veth pairs"
for h in $HOSTS; do ip netns add "$TAG-$h" || fail "ip netns add"; ip -n "$TAG-$h" link set lo up; done
n=0
for pair in alpha,beta alpha,gamma beta,gamma; do
        a=${pair%,*} b=${pair#*,} n=$((n + 1))
        ip link add "${TAG}x$n" type veth peer name "${TAG}y$n" || fail "veth"
        ip link set "${TAG}x$n" netns "$TAG-$a"; ip link set "${TAG}y$n" netns "$TAG-$b"
        ip -n "$TAG-$a" addr add "${ADDR_OF[$a,$b]}/30" dev "${TAG}x$n"; ip -n "$TAG-$a" link set "${TAG}x$n" up
        ip -n "$TAG-$b" addr add "${ADDR_OF[$b,$a]}/30" dev "${TAG}y$n"; ip -n "$TAG-$b" link set "${TAG}y$n" up
done
for h in $HOSTS; do
        peers=
        for p in $HOSTS; do [ "$p" = "$h" ] || peers="$peers http://${ADDR_OF[$p,$h]}:9469/whitelist"; done
        # no tracers now: what each host knows is what it learned above
        write_config "$h" "" "0.0.0.0:9469" "$peers"
        start_daemon "$h"
done
for h in $HOSTS; do
        on "$h" "$CTL" keys show > "$T/$h.shown" || fail "cwatchctl keys show on $h"
        grep -qF "$(grep PublicKey "$T/$h.pub")" "$T/$h.shown" || fail "keys show of $h: $(cat "$T/$h.shown")"
        # the other hosts reach its endpoint over their veth
        for p in $HOSTS; do
                [ "$p" = "$h" ] && continue
                on "$p" curl -sf -o "$T/$h.from-$p" "http://${ADDR_OF[$h,$p]}:9469/whitelist" ||
                        fail "$p cannot fetch $h's /whitelist"
        done
        cmp -s "$T/$h.from-$(echo $HOSTS | tr ' ' '\n' | grep -v "^$h$" | head -1)" "$T/$h/state/snapshot" ||
                fail "$h's /whitelist is not its latest snapshot"
done
[ "$(state_of gamma "$FACTOR")" = absent ] || fail "gamma knows factor before any sync"

say "gamma syncs: factor (two of three) becomes global at quorum 2, tsort (one) does not"
on gamma env STATE_DIRECTORY="$T/gamma/sync" "$SYNC" --config "$T/gamma/cwatchd.conf" --config-dir "$T/gamma/conf.d" \
        > "$T/gamma/sync.log" 2>&1 || fail "cwatch-sync on gamma failed"
grep -q "2 snapshot(s) accepted, 0 unchanged, 0 rejected, 0 failed" "$T/gamma/sync.log" || fail "gamma did not take both"
[ "$(state_of gamma "$FACTOR")" = global ] || fail "factor is not global on gamma: $(entry_of gamma "$FACTOR")"
entry_of gamma "$FACTOR" | grep -q "vouched for by 2 hosts: alpha, beta" || fail "the votes: $(entry_of gamma "$FACTOR")"
[ "$(state_of gamma "$TSORT")" != global ] || fail "tsort, vouched for by alpha alone, is global on gamma"
echo "gamma: factor global (alpha, beta), tsort $(state_of gamma "$TSORT")"
for h in alpha beta; do
        on "$h" env STATE_DIRECTORY="$T/$h/sync" "$SYNC" --config "$T/$h/cwatchd.conf" --config-dir "$T/$h/conf.d" \
                > "$T/$h/sync.log" 2>&1 || fail "cwatch-sync on $h"
        [ "$(state_of "$h" "$FACTOR")" = global ] || fail "factor is not global on $h: $(entry_of "$h" "$FACTOR")"
done
on gamma env STATE_DIRECTORY="$T/gamma/sync" "$SYNC" --config "$T/gamma/cwatchd.conf" --config-dir "$T/gamma/conf.d" \
        > "$T/gamma/sync.log" 2>&1 || fail "second cwatch-sync on gamma"
grep -q "0 snapshot(s) accepted, 2 unchanged" "$T/gamma/sync.log" || fail "an unchanged snapshot was handed over again"

say "alpha reports factor malicious: revoked everywhere at the next sync, with an alert naming alpha"
for h in beta gamma; do
        dbus-monitor --address "$(bus_of "$h")" "type='signal',member='AlertRaised'" > "$T/$h/alerts" 2>&1 &
        MONITOR[$h]=$!
done
echo "$FACTOR" > "$T/alpha/deny/test.list"
on alpha "$CTL" reload || fail "reload of alpha"
[ "$(state_of alpha "$FACTOR")" = denied ] || fail "factor is not denied on alpha: $(entry_of alpha "$FACTOR")"
sleep 0.5
for h in beta gamma; do
        on "$h" env STATE_DIRECTORY="$T/$h/sync" "$SYNC" --config "$T/$h/cwatchd.conf" --config-dir "$T/$h/conf.d" \
                > "$T/$h/sync.log" 2>&1 || fail "cwatch-sync on $h"
        grep -q "host alpha's snapshot .* accepted" "$T/$h/sync.log" || fail "$h did not take alpha's new snapshot"
        [ "$(state_of "$h" "$FACTOR")" = revoked ] || fail "factor is not revoked on $h: $(entry_of "$h" "$FACTOR")"
        entry_of "$h" "$FACTOR" | grep -q "reported malicious by alpha" || fail "the revocation on $h: $(entry_of "$h" "$FACTOR")"
        wait_for 10 "the whitelist-revoked alert on $h" grep -q "whitelist-revoked" "$T/$h/alerts"
        wait_for 10 "the alert on $h to name alpha" grep -q "trusted host alpha reports it malicious" "$T/$h/alerts"
        echo "$h: factor revoked, alert: $(grep -o 'Program [0-9a-f]* .* malicious' "$T/$h/alerts" | head -1)"
done

say "gamma rejects bad snapshots, each with its own reason, and merges nothing"
good=$T/alpha.from-gamma
old=$T/alpha-old.snapshot
cp "$good" "$old"                       # alpha's snapshot from before its reload: older than the one accepted
on gamma curl -sf -o "$good" "http://${ADDR_OF[alpha,gamma]}:9469/whitelist" || fail "fetch alpha"
size=$(stat -c %s "$good")
now=$(date +%s)
big_serial=$(( $(date +%s%N) / 1000 + 1000000000 ))
cp "$good" "$T/flipped"; printf '\x55' | dd of="$T/flipped" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$good" "$T/flipped" && { printf '\xaa' | dd of="$T/flipped" bs=1 seek=$((size / 2)) conv=notrunc status=none; }
head -c $((size - 10)) "$good" > "$T/truncated"
"$FORGE" "$T/stranger.key" "${ID[alpha]}" "$big_serial" "$now" empty "$T/unknown-key" || fail forge
"$FORGE" "$T/alpha/state/host.key" "${ID[alpha]}" "$big_serial" $((now + 3600)) empty "$T/future" || fail forge
"$FORGE" "$T/alpha/state/host.key" "${ID[alpha]}" "$big_serial" "$now" bomb "$T/bomb" || fail forge
[ "$(stat -c %s "$T/bomb")" -lt 200000 ] || fail "the bomb is not small"
serials_before=$(cat "$T/gamma/state/peer-serials")
factor_before=$(entry_of gamma "$FACTOR")
for c in "flipped:bad-signature:the signature does not verify" "unknown-key:unknown-key:signed by an unknown key" \
         "old:replay:is not newer than the last one accepted" "future:future-timestamp:s in the future" \
         "bomb:decompression-bomb:decompression bomb" "truncated:truncated:truncated: $((size - 10)) of the $size bytes"; do
        file=${c%%:*} rest=${c#*:} reason=${c#*:}; reason=${reason%%:*} words=${rest#*:}
        [ "$file" = old ] && path=$old || path=$T/$file
        out=$(on gamma "$CTL" whitelist import "$path" 2>&1) && fail "$file was accepted: $out"
        echo "$out" | grep -qF "($reason)" || fail "$file: expected reason $reason: $out"
        echo "$out" | grep -qF "$words" || fail "$file: expected \"$words\": $out"
        grep -F "Rejected whitelist snapshot" "$T/gamma/cwatchd.log" | tail -1 | grep -qF "$words" ||
                fail "$file: cwatchd's log does not say why"
        echo "$file -> $(echo "$out" | sed 's/^Failed to import the snapshot: //')"
done
[ "$(cat "$T/gamma/state/peer-serials")" = "$serials_before" ] || fail "a rejected snapshot changed the serials"
[ "$(entry_of gamma "$FACTOR")" = "$factor_before" ] || fail "a rejected snapshot changed the vote"
grep -q "signed by an unknown key" "$T/gamma/cwatchd.log" || fail "no journal line for the unknown key"
# a good file still goes in after all that, by hand too (air-gapped hosts)
on alpha "$CTL" whitelist export "$T/by-hand.snapshot" 2>/dev/null || fail "whitelist export on alpha"
on gamma "$CTL" whitelist import "$T/by-hand.snapshot" | grep -q "Accepted the snapshot of host alpha" ||
        fail "gamma refused alpha's exported snapshot"
on alpha "$CTL" whitelist export - 2>/dev/null | on gamma "$CTL" whitelist import - |
        grep -q "Accepted the snapshot of host alpha" || fail "export to stdout, import from stdin"

say "cleaning up leaves nothing behind"
pids="${DAEMON[*]} ${BUS_PID[*]} ${MONITOR[*]}"
cleanup
trap - EXIT
for p in $pids; do
        for _ in $(seq 25); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        ! kill -0 "$p" 2>/dev/null || fail "process $p ($(cat /proc/$p/comm 2>/dev/null)) is still there"
done
! ip netns list | grep -q "$TAG-" || fail "a network namespace is left"
! ip -o link show | grep -q "$TAG" || fail "a veth is left"
[ ! -e "$T" ] || fail "$T is left"
echo "PASS"
