#!/bin/bash
# Hostile strings in alerts and records of cwatchd run: a program whose file name holds a newline, an
# invalid UTF-8 byte, an ESC sequence and a backslash, run from /tmp with a command line longer than
# the kernel keeps, and a cron file of the same name written (write-cron, the files tracer). Every
# output shows them escaped one way (shared/escape.h: \xNN, "\\"), the cut command line is marked
# ("..." and cmdline_truncated), and no output holds a raw control byte or invalid UTF-8.
set -u
CWATCHD=$1 RULES=${2:?usage: test-run-strings.sh CWATCHD RULES_DIR}
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -3 "$err")"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d /tmp/cwatch-run-strings.XXXXXX); out=$(mktemp); err=$(mktemp)
[ -d /var/spool/cron ] || made_spool=yes
mkdir -p /var/spool/cron
cron=$(mktemp -d /var/spool/cron/cwatch-run-strings.XXXXXX)
trap 'rm -rf "$dir" "$out" "$err" "$cron"; [ -n "${made_spool:-}" ] && rmdir /var/spool/cron' EXIT
name=$'ev\nil\xff\e[31m\\x'
escaped='ev\x0ail\xff\x1b[31m\\x'
cp /bin/true "$dir/$name"
long=$(printf 'A%.0s' $(seq 3000))

run() {
        rm -f "$cron/$name"
        "$CWATCHD" run process files --rules-dir "$RULES" "$@" --duration 3 >"$out" 2>"$err" &
        local daemon=$!
        for _ in $(seq 400); do grep -q 'tracing: process' "$err" && break; sleep 0.05; done
        grep -q 'tracing: process' "$err" || fail "cwatchd did not start: $(cat "$err")"
        "$dir/$name" "$long"
        touch "$cron/$name"
        wait $daemon || fail "cwatchd exited with $?: $(cat "$err")"
}
# the whole output is valid UTF-8 without a control byte but the line ends (CSV's CR LF)
clean_text() {
        iconv -f UTF-8 -t UTF-8 "$out" >/dev/null 2>&1 || fail "$1 output is not valid UTF-8"
        ! LC_ALL=C grep -q $'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' "$out" || fail "$1 output holds a raw control byte"
}

run --format json
clean_text JSON
alert=$(grep '"event":"alert"' "$out" | grep '"rule":"exec-from-tmp"' | grep -F "$dir")
[ "$(grep -c . <<<"$alert")" = 1 ] || fail "expected one exec-from-tmp alert, got: $(grep -F "$dir" "$out")"
[ "$(jq -r .exe <<<"$alert")" = "$dir/$escaped" ] || fail "exe: $(jq .exe <<<"$alert")"
[ "$(jq -r .comm <<<"$alert")" = "$escaped" ] || fail "comm: $(jq .comm <<<"$alert")"
msg="$dir/$escaped executed from a temporary directory by $(readlink -f /proc/$$/exe) (uid 0)"
[ "$(jq -r .message <<<"$alert")" = "$msg" ] || fail "message: $(jq .message <<<"$alert"), want $msg"
cmd=$(jq -r .cmdline <<<"$alert")
[ "$(jq -r .cmdline_truncated <<<"$alert")" = true ] || fail "cmdline_truncated: $alert"
[[ "$cmd" == "$dir/$escaped AAAA"*"A..." ]] || fail "cmdline not marked as cut: ${cmd:0:80}...${cmd: -20}"
# the kernel keeps 2048 bytes of argv: the path, a NUL, and the rest of the A's
want=$((2048 - ${#dir} - 1 - ${#name} - 1))
[ "$(grep -o 'A*\.\.\.$' <<<"$cmd" | tr -d .)" = "$(printf 'A%.0s' $(seq $want))" ] ||
        fail "cmdline: ${#cmd} bytes, expected $want A's then ..."
exec=$(grep '"event":"exec"' "$out" | grep -F "$dir")
[ "$(jq -r .exe <<<"$exec")" = "$dir/$escaped" ] || fail "exec record exe: $(jq .exe <<<"$exec")"
[ "$(jq -r '.args[0]' <<<"$exec")" = "$dir/$escaped" ] || fail "exec record args: $(jq '.args[0]' <<<"$exec")"
[ "$(jq -r .args_truncated <<<"$exec")" = true ] || fail "exec record args_truncated: $exec"
cron_msg="Cron file $cron/$escaped written by /usr/bin/touch (uid 0)"
cron_alert=$(grep '"rule":"write-cron"' "$out" | grep -F "$cron")
[ "$(jq -r .message <<<"$cron_alert")" = "$cron_msg" ] || fail "write-cron message: $(jq .message <<<"$cron_alert")"

run
clean_text table
grep -qF "ALERT exec-from-tmp (T1204.002): $msg [pid " "$out" ||
        fail "no escaped alert line in the table: $(grep -a ALERT "$out")"
grep -qF "ALERT write-cron (T1053.003): $cron_msg [pid " "$out" ||
        fail "no escaped write-cron line in the table: $(grep -a write-cron "$out")"
grep -F "$dir/$escaped $dir/$escaped AAAA" "$out" | grep -q 'A\.\.\.$' ||
        fail "no escaped exec line, its arguments marked as cut, in the table: $(grep -aF "$dir" "$out" | cut -c1-200)"

run --format csv
clean_text CSV
grep -F "exec-from-tmp" "$out" | grep -qF ",\"$msg\"" || grep -F "exec-from-tmp" "$out" | grep -qF ",$msg" ||
        fail "no escaped alert in CSV: $(grep -a exec-from-tmp "$out")"
echo OK
