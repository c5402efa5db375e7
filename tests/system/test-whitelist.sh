#!/bin/bash
# The whitelist as an operator meets it: the installed cwatchd.service in a systemd booted as PID 1 of
# a PID + mount namespace. A deny list (with a bad line, named FILE:LINE in the journal, the rest
# kept) lists a program copied to /var/tmp (which the service's PrivateTmp= hides from it); each run
# of it raises a critical denylisted-program alert with CWATCH_SHA256= and CWATCH_TRUST=0.00, which
# journalctl -x explains. A rule's alert (read-shadow, by cat) carries the program's trust too.
# `cwatchctl whitelist show` explains a score line by line: a Debian package's binary (package,
# root-owned, age, executions, active days, less that alert and its incident), a shell (capped), the
# deny-listed program (deny-list, temporary); `whitelist list` and /metrics have them. The table survives a restart; a corrupt file is set aside;
# a reload without the hash lifts the denial. Cleans up whatever happens.
#   tests/system/test-whitelist.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-whitelist.sh BUILDDIR}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
WORK=/var/tmp/cwwl-$$-$RANDOM
EVIL=$WORK/evil
STATE_PARENT=/var/lib/cwatch
STATE=$STATE_PARENT/test-whitelist-$$
STATE_PARENT_EXISTED=no
[ -d "$STATE_PARENT" ] && STATE_PARENT_EXISTED=yes
DROPIN=/etc/cwatch/cwatchd.conf.d/50-test-whitelist.conf
DENY=/etc/cwatch/denylist.d/50-test.list
METRICS_PORT=$((20000 + RANDOM % 20000))

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -20
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
        echo "=== whitelist"; ns cwatchctl whitelist list --no-pager 2>&1 | tail -20
}
fail() { echo "FAIL ($STEP): $*"; dump; exit 1; }
ns() { timeout 60 nsenter -t "$PID" -p -m "$@"; }
wait_for() {
        local secs=$1 what=$2; shift 2
        for _ in $(seq $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        fail "timed out after ${secs}s waiting for: $what"
}

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "SKIP: needs systemd"; exit 77; }
for t in jq sha256sum dpkg-query curl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"
CAT=$(readlink -f /bin/cat)
CAT_PKG=$(dpkg-query -S "$CAT" 2>/dev/null | cut -d: -f1 | head -1)
[ -z "$CAT_PKG" ] && CAT_PKG=$(dpkg-query -S "/bin/cat" | cut -d: -f1 | head -1)
[ -n "$CAT_PKG" ] || fail "no package owns $CAT"
BASH_BIN=$(readlink -f /bin/bash)

cleanup() {
        [ -n "$PID" ] && [ -d "/proc/$PID" ] && ns systemctl stop cwatchd >/dev/null 2>&1
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch "$WORK" "$STATE"
        if [ "$STATE_PARENT_EXISTED" = no ]; then rm -rf "$STATE_PARENT"; fi
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install; a program to deny (sleep with bytes appended: another hash) and a deny list with a bad line"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"
journalctl --update-catalog >/dev/null 2>&1
mkdir -p "$(dirname "$DROPIN")" "$(dirname "$DENY")" "$WORK"
cp /usr/bin/sleep "$EVIL" && printf 'cwatch test %s' "$WORK" >>"$EVIL" && chmod 755 "$EVIL"
HASH=$(sha256sum "$EVIL" | cut -d' ' -f1)
printf '# test deny list\nnot-a-hash\n%s  %s\n' "$HASH" "$EVIL" >"$DENY"
cat >"$DROPIN" <<CONF
[Tracers]
Interval=1s

[Whitelist]
SaveInterval=2s
StateDirectory=$STATE
CONF

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID
systemd_ns_metrics_port "$METRICS_PORT" || fail "no metrics socket on port $METRICS_PORT"

say "start cwatchd: the deny list's bad line is named, its hash kept"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
wait_for 30 "cwatchd answering on the bus" nsenter -t "$PID" -p -m cwatchctl whitelist list --no-pager
ns journalctl --no-pager -u cwatchd -o cat | grep -F "$DENY:2: expected a SHA-256" ||
        fail "no FILE:LINE warning for the bad line"
ns journalctl --no-pager -u cwatchd -o cat | grep -F "Deny list: 1 hashes" || fail "the good line was not kept"

denied() { ns journalctl --no-pager -t cwatch -o json CWATCH_RULE=denylisted-program CWATCH_SHA256="$HASH"; }
say "the deny-listed program runs twice: two critical alerts"
ns "$EVIL" 1 || fail "$EVIL failed"
wait_for 20 "a denylisted-program alert" sh -c "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json \
        CWATCH_RULE=denylisted-program CWATCH_SHA256=$HASH | grep -c .) -ge 1 ]"
entry=$(denied | head -1)
echo "$entry" | jq -c '{MESSAGE, PRIORITY, CWATCH_SEVERITY, CWATCH_TRUST, CWATCH_SHA256, CWATCH_EXE}'
check() { [ "$(jq -r ".$1" <<<"$entry")" = "$2" ] || fail "$1 is '$(jq -r ".$1" <<<"$entry")', expected '$2'"; }
check PRIORITY 2
check CWATCH_SEVERITY critical
check MESSAGE_ID 0c7d5be1a3f44e9a9b6d2f81e4c3a570
check CWATCH_TRUST 0.00
check CWATCH_EXE "$EVIL"
ns journalctl -t cwatch -x --no-pager CWATCH_RULE=denylisted-program | grep -q "deny list" ||
        fail "journalctl -x does not explain the alert from the catalog"
ns "$EVIL" 1 || fail "$EVIL failed"
wait_for 20 "a second alert" sh -c "[ \$(nsenter -t $PID -p -m journalctl -t cwatch -o json \
        CWATCH_RULE=denylisted-program CWATCH_SHA256=$HASH | grep -c .) -ge 2 ]"

say "a rule's alert carries the program's trust: cat reads /etc/shadow"
ns "$CAT" /etc/shadow >/dev/null || fail "cat /etc/shadow failed"
wait_for 20 "a read-shadow alert of cat" sh -c "nsenter -t $PID -p -m journalctl -t cwatch -o json \
        CWATCH_RULE=read-shadow CWATCH_EXE=$CAT | grep -q ."
ns journalctl --no-pager -t cwatch -o json CWATCH_RULE=read-shadow |
        jq -c '{CWATCH_EXE, CWATCH_PID, CWATCH_COUNT, CWATCH_TRUST, CWATCH_SHA256}'
entry=$(ns journalctl --no-pager -t cwatch -o json CWATCH_RULE=read-shadow CWATCH_EXE="$CAT" | head -1)
check CWATCH_SHA256 "$(sha256sum "$CAT" | cut -d' ' -f1)"
awk -v t="$(jq -r .CWATCH_TRUST <<<"$entry")" 'BEGIN { exit !(t >= 0.5 && t <= 1) }' ||
        fail "cat's trust is $(jq -r .CWATCH_TRUST <<<"$entry"), expected a package's (>= 0.5)"

say "whitelist show explains a package's binary line by line"
for _ in 1 2 3; do ns "$CAT" /etc/hostname >/dev/null; done
sleep 1
ns cwatchctl whitelist show "$CAT" --no-pager >"$LOG" 2>&1 || fail "show $CAT: $(cat "$LOG")"
cat "$LOG"
grep -E "^ *\+0\.40 +package +owned by Debian package $CAT_PKG, its md5sum matches" "$LOG" || fail "no package line"
grep -E "^ *\+0\.15 +root-owned " "$LOG" || fail "no root-owned line"
for r in age executions active-days; do grep -E "^ *\+[0-9.]+ +$r " "$LOG" >/dev/null || fail "no $r line"; done
# the read-shadow alert above, and the incident it opened, count against cat
grep -E "^ *-0\.05 +alerts +took part in 1 alerts" "$LOG" || fail "the read-shadow alert is not counted"
grep -E "^ *-0\.15 +incidents +took part in 1 incidents" "$LOG" || fail "its incident is not counted"
grep -E "^ *= +confidence +0\.[34][0-9]" "$LOG" || fail "no confidence line of 0.3-0.5 (0.56 less the alert and incident)"
ns cwatchctl whitelist show "$CAT" --json | jq -e '.executions >= 4 and (.reasons | length) >= 5' >/dev/null ||
        fail "JSON: $(ns cwatchctl whitelist show "$CAT" --json)"

say "a shell is capped"
ns cwatchctl whitelist show "$BASH_BIN" --no-pager >"$LOG" 2>&1 || fail "show bash: $(cat "$LOG")"
grep -E "^ *max +cap +a shell: capped at 0.30" "$LOG" || fail "bash is not capped: $(cat "$LOG")"
grep -E "^ *= +confidence +0\.([0-2][0-9]|30)" "$LOG" || fail "bash above the cap: $(cat "$LOG")"

say "the deny-listed program by its hash: deny-list, temporary"
ns cwatchctl whitelist show "$HASH" --no-pager >"$LOG" 2>&1 || fail "show $HASH: $(cat "$LOG")"
cat "$LOG"
grep -E "deny-list +on the local deny list" "$LOG" || fail "no deny-list line"
grep -E "^ *-0\.30 +temporary " "$LOG" || fail "no temporary line"
grep -E "^ *= +confidence +0\.00" "$LOG" || fail "not 0"
ns cwatchctl whitelist list --json >"$LOG" || fail "list failed"
jq -e --arg h "$HASH" '.[] | select(.sha256 == $h and .state == "denied" and .executions >= 2)' "$LOG" >/dev/null ||
        fail "list: no denied $HASH"
jq -e --arg p "$CAT" '.[] | select(.path == $p and .state == "local")' "$LOG" >/dev/null || fail "list: no $CAT"
ns cwatchctl whitelist list --no-pager | head -5

say "metrics: programs by state, deny hits, hashing"
ns curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" >"$LOG" || fail "no /metrics on port $METRICS_PORT"
grep -E '^cwatch_whitelist_programs\{state="denied"\} 1$' "$LOG" || fail "no denied program in /metrics"
grep -E '^cwatch_whitelist_programs\{state="local"\} [1-9]' "$LOG" >/dev/null || fail "no local programs in /metrics"
grep -E '^cwatch_whitelist_deny_hits_total [2-9]' "$LOG" || fail "no deny hits in /metrics"
grep -E '^cwatch_whitelist_hashed_bytes_total [1-9]' "$LOG" || fail "nothing hashed in /metrics"
grep -E '^cwatch_whitelist_cache_hits_total [1-9]' "$LOG" || fail "no cache hits in /metrics"

say "bad arguments: a named error, nothing changes"
ns cwatchctl whitelist show not-a-hash >"$LOG" 2>&1 && fail "show not-a-hash succeeded"
grep -q "neither a SHA-256" "$LOG" || fail "no clear error: $(cat "$LOG")"
ns cwatchctl whitelist show "$(printf 'ab%.0s' {1..32})" >"$LOG" 2>&1 && fail "show of an unknown hash succeeded"
grep -q "No program with SHA-256" "$LOG" || fail "no clear error: $(cat "$LOG")"

say "restart: the table is kept"
execs=$(ns cwatchctl whitelist show "$CAT" --json | jq .executions)
ns systemctl restart cwatchd || fail "restart failed"
wait_for 30 "cwatchd back on the bus" nsenter -t "$PID" -p -m cwatchctl whitelist list --no-pager
ns journalctl --no-pager -u cwatchd -o cat | grep -E "Loaded [0-9]+ whitelist entries" || fail "not loaded"
after=$(ns cwatchctl whitelist show "$CAT" --json | jq .executions)
[ "$after" -ge "$execs" ] || fail "executions of cat went from $execs to $after over a restart"

say "a reload without the hash lifts the denial"
printf '# emptied\n' >"$DENY"
ns systemctl reload cwatchd || fail "reload failed"
wait_for 20 "the program no longer denied, rescored" sh -c "nsenter -t $PID -p -m cwatchctl whitelist list --json |
        jq -e --arg h $HASH '.[] | select(.sha256 == \$h and .state == \"local\")'"
ns cwatchctl whitelist show "$HASH" --no-pager >"$LOG" 2>&1 || fail "show $HASH: $(cat "$LOG")"
grep -q "deny-list" "$LOG" && fail "still deny-listed: $(cat "$LOG")"
grep -E "^ *-0\.30 +temporary " "$LOG" >/dev/null || fail "no temporary line after the reload"

say "a corrupt state file: a warning, set aside, a fresh table"
ns systemctl stop cwatchd || fail "stop failed"
[ -s "$STATE/whitelist" ] || fail "no whitelist file in $STATE"
head -c 4096 /dev/urandom >"$STATE/whitelist"
ns systemctl start cwatchd || fail "start with a corrupt file failed"
wait_for 30 "cwatchd back on the bus" nsenter -t "$PID" -p -m cwatchctl whitelist list --no-pager
ns journalctl --no-pager -u cwatchd -p warning -o cat | grep "whitelist file .* cannot be used" ||
        fail "no warning about the corrupt file"
ls "$STATE"/whitelist.bad-* >/dev/null 2>&1 || fail "the corrupt file was not set aside"
echo "PASS"
