#!/bin/bash
# Alerts of the installed cwatchd.service, run by a systemd booted as PID 1 of a PID + mount
# namespace, for hostile strings and for pids of that namespace:
#   - a program whose name holds a newline, an invalid UTF-8 byte, an ESC sequence and a backslash,
#     run with a command line longer than the kernel keeps: every journal field a string (MESSAGE
#     never a blob), escaped one way (\xNN, "\\"), the cut command line marked ("..." and
#     CWATCH_CMDLINE_TRUNCATED=1); the same in cwatchctl alerts (QueryAlerts: JSON and table) and
#     in AlertRaised (cwatchctl alerts --follow);
#   - its pid and parent pid as the namespace sees them ($$ and $PPID inside), its parent's
#     executable resolved; a process outside the namespace keeps the host's pid, marked
#     CWATCH_PID_SCOPE=host.
#   tests/system/test-alert-strings.sh BUILDDIR
set -u
. "$(dirname "$0")/systemd-ns.sh"
BUILD=$(realpath "${1:?usage: test-alert-strings.sh BUILDDIR}")
STEP="start"
PID=
LOG=$(mktemp)
MACHINE_ID_FILE=$(mktemp)
MACHINE_ID=
WORK=

say() { echo "--- $*"; STEP=$*; }
dump() {
        [ -n "$PID" ] && [ -d /proc/$PID ] || return 0
        nsenter -t "$PID" -p -m test -S /run/systemd/private || return 0
        echo "=== systemctl status cwatchd"; ns systemctl status --no-pager -l cwatchd 2>&1 | head -20
        echo "=== journal of cwatchd"; ns journalctl --no-pager -u cwatchd -n 30 2>&1 | tail -30
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
prefix=$(jq -r '.[] | select(.name == "prefix") | .value' "$BUILD/meson-info/intro-buildoptions.json")
[ "$prefix" = /usr ] || fail "the build must be configured with --prefix=/usr (is $prefix)"

cleanup() {
        [ -n "${FOLLOW:-}" ] && kill "$FOLLOW" 2>/dev/null
        systemd_ns_poweroff
        if [ -f "$BUILD/meson-logs/install-log.txt" ]; then
                grep -v '^#' "$BUILD/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || rm -f "$f"; done
        fi
        [ "${USR_LIB_CWATCH_MADE:-}" = yes ] && rm -rf /usr/lib/cwatch
        rm -rf /etc/cwatch
        journalctl --update-catalog >/dev/null 2>&1
        rm -f "$LOG" "$MACHINE_ID_FILE" "${FOLLOW_OUT:-}"
        [ -n "$WORK" ] && rm -rf "$WORK"
        [ -n "$MACHINE_ID" ] && rm -rf "/var/log/journal/$MACHINE_ID"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

[ -d /usr/lib/cwatch ] || USR_LIB_CWATCH_MADE=yes
say "install"
meson install -C "$BUILD" --no-rebuild --quiet >"$LOG" 2>&1 || fail "meson install: $(tail -5 "$LOG")"

# /var/tmp is shared with the namespace and is a temporary directory to exec-from-tmp
WORK=$(mktemp -d /var/tmp/cwatch-alert-strings.XXXXXX)
name=$'ev\nil\xff\e[31m\\x'
escaped='ev\x0ail\xff\x1b[31m\\x'
cp /bin/true "$WORK/$name"
cp /bin/true "$WORK/host-program"
# the inner shell writes its pid and its parent's as its namespace sees them, then becomes the
# program; argv is made here, as systemd-run passes only valid UTF-8
cat >"$WORK/run.sh" <<'SH'
#!/bin/sh
dir=$(dirname "$0")
long=$(printf '%03000d' 0)
for p in "$dir"/ev*; do
        /bin/sh -c 'echo $$ $PPID >"$1"; exec "$0" "$2"' "$p" "$dir/pids" "$long"
done
true
SH
chmod +x "$WORK/run.sh"

say "boot systemd in a namespace"
MACHINE_ID=$(tr -d - </proc/sys/kernel/random/uuid)
echo "$MACHINE_ID" >"$MACHINE_ID_FILE"
systemd_ns_boot "$MACHINE_ID_FILE" || fail "$SYSTEMD_NS_ERROR"
PID=$SYSTEMD_NS_PID

say "systemctl start cwatchd"
ns systemctl start cwatchd >"$LOG" 2>&1 || fail "start: $(cat "$LOG")"
wait_for 20 "cwatchd tracing" sh -c \
        "nsenter -t $PID -p -m systemctl status --no-pager cwatchd | grep -q 'Status: \"Tracing: .*process'"
FOLLOW_OUT=$(mktemp)
nsenter -t "$PID" -p -m timeout 60 cwatchctl alerts --follow --json --rule exec-from-tmp >"$FOLLOW_OUT" 2>&1 &
FOLLOW=$!
sleep 1

say "a hostile name and a long command line, run inside the namespace"
ns systemd-run --wait --quiet --collect -- "$WORK/run.sh" >"$LOG" 2>&1 || fail "systemd-run: $(cat "$LOG")"
read -r inner_pid inner_ppid <"$WORK/pids" || fail "no pids written"
echo "inside the namespace: pid $inner_pid, parent $inner_ppid"
wait_for 20 "the alert in the journal" sh -c \
        "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_RULE=exec-from-tmp CWATCH_CMDLINE_TRUNCATED=1 | grep -q ."
entry=$(ns journalctl -t cwatch -o json CWATCH_RULE=exec-from-tmp CWATCH_CMDLINE_TRUNCATED=1 | tail -1)
# journalctl -o json writes a field that is not printable UTF-8 as an array of bytes
blobs=$(jq -r 'to_entries[] | select(.value | type != "string") | .key' <<<"$entry")
[ -z "$blobs" ] || fail "fields that are blobs: $blobs"
check() { [ "$(jq -r ".$1" <<<"$entry")" = "$2" ] || fail "$1 is '$(jq -r ".$1" <<<"$entry")', expected '$2'"; }
msg="$WORK/$escaped executed from a temporary directory by /usr/bin/dash (uid 0)"
check MESSAGE "$msg"
check CWATCH_EXE "$WORK/$escaped"
check CWATCH_COMM "$escaped"
check CWATCH_CMDLINE "$WORK/$escaped $(printf '%02033d' 0 | cut -c1-$((2048 - ${#WORK} - 1 - ${#name} - 1)))..."
check CWATCH_PID "$inner_pid"
check CWATCH_PPID "$inner_ppid"
check OBJECT_PID "$inner_pid"
[ "$(jq -r '.CWATCH_PID_SCOPE // "own"' <<<"$entry")" = own ] || fail "CWATCH_PID_SCOPE: $entry"
ns journalctl -t cwatch --no-pager CWATCH_RULE=exec-from-tmp CWATCH_CMDLINE_TRUNCATED=1 >"$LOG"
grep -qF -- "$msg" "$LOG" || fail "journalctl does not show the message as text: $(grep -a exec "$LOG")"

say "cwatchctl alerts (QueryAlerts)"
ns cwatchctl alerts --json --rule exec-from-tmp --since -10min >"$LOG" || fail "cwatchctl alerts exited $?"
line=$(grep -F '"cmdline_truncated":1' "$LOG") || fail "no alert with cmdline_truncated: $(cat "$LOG")"
[ "$(jq -r .exe <<<"$line")" = "$WORK/$escaped" ] || fail "cwatchctl alerts --json exe: $(jq .exe <<<"$line")"
[ "$(jq -r .message <<<"$line")" = "$msg" ] || fail "cwatchctl alerts --json message: $(jq .message <<<"$line")"
[ "$(jq -r .pid <<<"$line")" = "$inner_pid" ] || fail "cwatchctl alerts --json pid: $line"
ns cwatchctl alerts --no-pager --rule exec-from-tmp --since -10min >"$LOG" || fail "cwatchctl alerts exited $?"
grep -qF -- "$msg" "$LOG" || fail "the table lacks the escaped message: $(cat "$LOG")"
iconv -f UTF-8 -t UTF-8 "$LOG" >/dev/null 2>&1 || fail "the table is not valid UTF-8"
! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$LOG" || fail "the table holds a raw control byte"

say "cwatchctl alerts --follow (AlertRaised)"
wait_for 15 "the alert in AlertRaised" grep -qF '"cmdline_truncated":1' "$FOLLOW_OUT"
line=$(grep -F '"cmdline_truncated":1' "$FOLLOW_OUT")
[ "$(jq -r .exe <<<"$line")" = "$WORK/$escaped" ] || fail "AlertRaised exe: $(jq .exe <<<"$line")"
[ "$(jq -r .comm <<<"$line")" = "$escaped" ] || fail "AlertRaised comm: $(jq .comm <<<"$line")"
kill "$FOLLOW" 2>/dev/null; wait "$FOLLOW" 2>/dev/null; FOLLOW=

say "a process outside the namespace keeps the host's pid"
sh -c 'echo $$ >"$1"; exec "$0"' "$WORK/host-program" "$WORK/host-pid"
host_pid=$(cat "$WORK/host-pid")
wait_for 20 "the host process's alert" sh -c \
        "nsenter -t $PID -p -m journalctl -t cwatch -o json CWATCH_EXE=$WORK/host-program | grep -q ."
entry=$(ns journalctl -t cwatch -o json CWATCH_EXE="$WORK/host-program" | tail -1)
check CWATCH_PID "$host_pid"
check CWATCH_PID_SCOPE host
echo OK
