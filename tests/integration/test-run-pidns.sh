#!/bin/bash
# cwatchd run in a PID namespace of its own (unshare -p -f --mount-proc): every tracer loads, an
# exec inside reports the pid and parent pid the namespace sees ($$ and $PPID there, pid_scope
# "own"), its alert names the parent's executable (found in the namespace's /proc), and a process
# outside the namespace keeps the host's pid, marked pid_scope "host".
set -u
CWATCHD=$1 RULES=${2:?usage: test-run-pidns.sh CWATCHD RULES_DIR}
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -5 "$dir/err")"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }

dir=$(mktemp -d /tmp/cwatch-run-pidns.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp /bin/true "$dir/inside"
cp /bin/true "$dir/nested"
cp /bin/true "$dir/outside"
export CWATCHD RULES dir

# inside the namespace: cwatchd, then a shell (pid 2 or so) that runs a child which writes its pids
# and becomes the program from /tmp
unshare -p -f --mount-proc bash -c '
        "$CWATCHD" run process files tcp syscalls sockets --rules-dir "$RULES" --format json --duration 6 \
                >"$dir/out" 2>"$dir/err" &
        for _ in $(seq 400); do grep -q "tracing: " "$dir/err" && break; sleep 0.05; done
        sleep 0.5
        sh -c "echo \$\$ \$PPID >\"$dir/pids\"; exec \"$dir/inside\""
        # a file the files tracer watches (read-shadow), opened by a process of the namespace
        cat /etc/shadow >/dev/null
        # a container started inside: a pid namespace nested below the one of cwatchd
        unshare -p -f "$dir/nested" &
        echo $! >"$dir/nested-parent"
        wait $!
        echo $$ >"$dir/shell"
        touch "$dir/ready"
        wait' &
outer=$!
for _ in $(seq 600); do [ -e "$dir/ready" ] && break; sleep 0.05; done
[ -e "$dir/ready" ] || fail "the namespace did not run its commands"
sh -c 'echo $$ >"$1"; exec "$0"' "$dir/outside" "$dir/host-pid"
wait $outer || fail "the namespace exited with $?"
for t in process files tcp syscalls sockets; do grep -q "^.*\] $t: \(.*; \)\?[0-9]* events" "$dir/err" || fail "tracer $t did not run"; done

read -r pid ppid <"$dir/pids"
shell=$(cat "$dir/shell")
host_pid=$(cat "$dir/host-pid")
echo "inside: pid $pid, parent $ppid (the shell, $shell); outside: pid $host_pid"
[ "$pid" -lt 100 ] && [ "$ppid" = "$shell" ] || fail "the namespace's pids look wrong: $pid $ppid $shell"

exec_rec=$(grep '"event":"exec"' "$dir/out" | grep -F "\"exe\":\"$dir/inside\"")
[ "$(jq -r .pid <<<"$exec_rec")" = "$pid" ] || fail "exec pid: $exec_rec"
[ "$(jq -r .ppid <<<"$exec_rec")" = "$ppid" ] || fail "exec ppid: $exec_rec"
[ "$(jq -r .tid <<<"$exec_rec")" = "$pid" ] || fail "exec tid: $exec_rec"
[ "$(jq -r .pid_scope <<<"$exec_rec")" = own ] || fail "exec pid_scope: $exec_rec"
alert=$(grep '"event":"alert"' "$dir/out" | grep '"rule":"exec-from-tmp"' | grep -F "\"exe\":\"$dir/inside\"")
[ "$(jq -r .pid <<<"$alert")" = "$pid" ] && [ "$(jq -r .ppid <<<"$alert")" = "$ppid" ] || fail "alert pids: $alert"
[ "$(jq -r .message <<<"$alert")" = "$dir/inside executed from a temporary directory by /usr/bin/bash (uid 0)" ] ||
        fail "alert message (the parent's exe): $(jq .message <<<"$alert")"
[ "$(jq -r '.pid_scope // "own"' <<<"$alert")" = own ] || fail "alert pid_scope: $alert"

fork=$(grep '"event":"fork"' "$dir/out" | jq -c "select(.pid == $pid)" | head -1)
[ "$(jq -r .ppid <<<"$fork")" = "$shell" ] && [ "$(jq -r .pid_scope <<<"$fork")" = own ] ||
        fail "fork of $pid: $fork"
# the files tracer: the open is for detection only, its alert shows the pids
cat_pid=$(grep '"event":"exec"' "$dir/out" | jq -r 'select(.args == ["cat", "/etc/shadow"]) | .pid' | head -1)
open=$(grep '"rule":"read-shadow"' "$dir/out" | jq -c "select(.pid == ${cat_pid:-0})" | head -1)
[ -n "$open" ] && [ "$cat_pid" -lt 100 ] || fail "no read-shadow alert of cat ($cat_pid)"
[ "$(jq -r .ppid <<<"$open")" = "$shell" ] && [ "$(jq -r '.pid_scope // "own"' <<<"$open")" = own ] &&
        [[ "$(jq -r .message <<<"$open")" == *"parent /usr/bin/bash)" ]] || fail "read-shadow alert: $open"

# the nested namespace's init: its number in cwatchd's namespace (the helper alone answers only for
# tasks whose own namespace is cwatchd's), child of the unshare that made it
nested=$(grep '"event":"exec"' "$dir/out" | grep -F "\"exe\":\"$dir/nested\"")
[ "$(jq -r .ppid <<<"$nested")" = "$(cat "$dir/nested-parent")" ] && [ "$(jq -r .pid <<<"$nested")" -lt 100 ] &&
        [ "$(jq -r .pid_scope <<<"$nested")" = own ] || fail "exec in a nested namespace: $nested"

host=$(grep '"event":"exec"' "$dir/out" | grep -F "\"exe\":\"$dir/outside\"")
[ "$(jq -r .pid <<<"$host")" = "$host_pid" ] && [ "$(jq -r .pid_scope <<<"$host")" = host ] ||
        fail "the host process: $host (its pid $host_pid)"
alert=$(grep '"event":"alert"' "$dir/out" | grep -F "\"exe\":\"$dir/outside\"")
[ "$(jq -r .pid <<<"$alert")" = "$host_pid" ] && [ "$(jq -r .pid_scope <<<"$alert")" = host ] ||
        fail "the host process's alert: $alert"
echo OK
