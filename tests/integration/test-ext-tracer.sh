#!/bin/bash
# External tracers (cwatch.tracer(5)): a BPF program written without any cwatch header is compiled
# here, dropped into a tracers directory with its .tracer file, and its records come out of
# `cwatchd run NAME --format json` decoded from its BTF with the right names and values (nested
# struct, enum, array, address, port, strings); a rule on one of its fields raises. Broken objects
# (truncated, no BTF, wrong map type, no such struct, a kprobe, group-writable, not root's, refused
# by the verifier) each give their own message and leave the good tracer and a built-in one
# running. Records get the container of their cgroup_id or pid field. A full ring buffer counts
# drops. The contrib example builds and runs as its comment says.
set -u
CWATCHD=$1 SRC=${2:?usage: test-ext-tracer.sh CWATCHD SOURCE_ROOT}
fail() { echo "FAIL: $*"; echo "cwatchd said: $(tail -5 "$err")"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "SKIP: needs BTF"; exit 77; }
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

dir=$(mktemp -d /tmp/cwatch-ext.XXXXXX); out=$(mktemp); err=$(mktemp)
trap 'rm -rf "$dir" "$out" "$err"' EXIT
chmod 755 "$dir"
bpfcc() { clang -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu "$@"; }
tracer() {      # NAME OBJECT RINGBUF STRUCT
        printf '[Tracer]\nDescription=test %s\nObject=%s\nRingBuffer=%s\nEvent=%s\n' "$1" "$2" "$3" "$4" \
                >"$dir/$1.tracer"
}

# A third party's program: its own struct, enum, ring buffer; tp/ hooks only.
cat >"$dir/xtopen.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

enum how { HOW_READ, HOW_WRITE, HOW_RDWR };

struct who {
        u32 pid;
        u32 uid;
        char comm[16];
};

struct xt_open {
        u64 cgroup_id;
        struct who who;
        enum how how;
        int dfd;
        u32 words[3];
        u16 lport;
        u16 pad;
        u32 daddr;
        char path[128];
};

struct xt_open *unused_xt_open __attribute__((unused));

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 4 << 20);
} xt_ring SEC(".maps");

/* records the full ring refused: the tracer's drops */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, u32);
        __type(value, u64);
} drops SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 16);
        __type(key, u32);
        __type(value, u32);
} xt_seen SEC(".maps");

struct enter_openat_args {
        u64 common;
        int nr;
        u32 pad;
        u64 dfd;
        const char *filename;
        u64 flags;
        u64 mode;
};

SEC("tp/syscalls/sys_enter_openat")
int xt_enter_openat(struct enter_openat_args *ctx)
{
        struct xt_open *e = bpf_ringbuf_reserve(&xt_ring, sizeof(*e), 0);
        u32 zero = 0;

        if (!e) {
                u64 *n = bpf_map_lookup_elem(&drops, &zero);

                if (n)
                        __sync_fetch_and_add(n, 1);
                return 0;
        }
        e->cgroup_id = bpf_get_current_cgroup_id();
        e->who.pid = bpf_get_current_pid_tgid() >> 32;
        e->who.uid = (u32) bpf_get_current_uid_gid();
        bpf_get_current_comm(e->who.comm, sizeof(e->who.comm));
        e->how = (ctx->flags & 3) == 1 ? HOW_WRITE : (ctx->flags & 3) == 2 ? HOW_RDWR : HOW_READ;
        e->dfd = (int) ctx->dfd;
        e->words[0] = 7;
        e->words[1] = 8;
        e->words[2] = 9;
        e->lport = 8080;
        e->pad = 0;
        e->daddr = 0x0100007f;          /* 127.0.0.1 in network byte order */
        bpf_probe_read_user_str(e->path, sizeof(e->path), ctx->filename);
        bpf_ringbuf_submit(e, 0);
        return 0;
}

char LICENSE[] SEC("license") = "GPL";
EOF
bpfcc -g -c "$dir/xtopen.bpf.c" -o "$dir/xtopen.bpf.o" || fail "the test program does not compile"
tracer xtopen xtopen.bpf.o xt_ring xt_open

# the broken ones, beside it
head -c 3000 "$dir/xtopen.bpf.o" >"$dir/trunc.bpf.o"; tracer trunc trunc.bpf.o xt_ring xt_open
bpfcc -c "$dir/xtopen.bpf.c" -o "$dir/nobtf.bpf.o"; tracer nobtf nobtf.bpf.o xt_ring xt_open
tracer wrongmap xtopen.bpf.o xt_seen xt_open
sed 's/^struct xt_open {/struct xt_hidden {/; s/struct xt_open \*/struct xt_hidden */g' "$dir/xtopen.bpf.c" >"$dir/nostruct.bpf.c"
bpfcc -g -c "$dir/nostruct.bpf.c" -o "$dir/nostruct.bpf.o"; tracer nostruct nostruct.bpf.o xt_ring xt_open
sed 's|SEC("tp/syscalls/sys_enter_openat")|SEC("kprobe/do_sys_openat2")|' "$dir/xtopen.bpf.c" >"$dir/kp.bpf.c"
bpfcc -g -c "$dir/kp.bpf.c" -o "$dir/kp.bpf.o"; tracer kp kp.bpf.o xt_ring xt_open
cp "$dir/xtopen.bpf.o" "$dir/gw.bpf.o"; chmod 664 "$dir/gw.bpf.o"; tracer gw gw.bpf.o xt_ring xt_open
cp "$dir/xtopen.bpf.o" "$dir/notroot.bpf.o"; chown nobody "$dir/notroot.bpf.o"; tracer notroot notroot.bpf.o xt_ring xt_open
sed 's|if (!e) {|if (e->dfd == 12345) {|' "$dir/xtopen.bpf.c" >"$dir/verifier.bpf.c"
bpfcc -g -c "$dir/verifier.bpf.c" -o "$dir/verifier.bpf.o"; tracer verifier verifier.bpf.o xt_ring xt_open
chmod 644 "$dir"/*.tracer

declare -A why=(
        [trunc]="trunc.bpf.o: a truncated ELF file"
        [nobtf]="nobtf.bpf.o: no BTF in the object"
        [wrongmap]="map 'xt_seen' (RingBuffer=) is a hash map, not a ring buffer"
        [nostruct]="no struct 'xt_open' in its BTF"
        [kp]="SEC(\"kprobe/do_sys_openat2\"), which cwatch cannot attach"
        [gw]="gw.bpf.o: writable by its group (mode 0664): refusing to load it"
        [notroot]="notroot.bpf.o: owned by uid $(id -u nobody), not root: refusing to load it"
        [verifier]="verifier.bpf.o: the kernel refused to load it: Permission denied; the verifier says:"
)

# each broken one alone: its own message, no tracing
for name in "${!why[@]}"; do
        "$CWATCHD" run "$name" --tracers-dir "$dir" --no-rules --duration 1 >"$out" 2>"$err" &&
                fail "$name: cwatchd ran"
        grep -F "$dir/$name.tracer" "$err" | grep -qF "${why[$name]}" || fail "$name: no message '${why[$name]}'"
        grep -q '"event"' "$out" && fail "$name: records came out"
done

# the good one and a built-in one with all the broken ones beside them, and a rule on its field
rules=$dir/rules; mkdir "$rules"; cp "$SRC/rules/00-lists.rules" "$rules/"
cat >"$rules/90-xt.rules" <<'EOF'
[Rule]
Name=xt-marker-open
Description=The marker file is opened (seen by the external tracer xtopen).
Event=xtopen
Condition=event.path endswith "/xt-marker" and event.who.comm = "cat" and event.how = "HOW_READ"
Message=%event.who.comm (pid %event.who.pid) opened %event.path
Severity=warning
EOF
"$CWATCHD" rules check --tracers-dir "$dir" "$rules/00-lists.rules" "$rules/90-xt.rules" >"$out" 2>"$err" ||
        fail "rules check: $(cat "$out" "$err")"
grep -q "rules in 2 files: OK" "$out" || fail "rules check said: $(cat "$out")"
sed 's/event.who.comm = "cat"/event.who.name = "cat"/' "$rules/90-xt.rules" >"$dir/bad.rules"
"$CWATCHD" rules check --tracers-dir "$dir" "$dir/bad.rules" >"$out" 2>"$err" && fail "a rule on a missing field passed"
grep -q "event.who.name" "$err" || fail "rules check does not name the missing field: $(cat "$err")"

marker=$dir/xt-marker; echo hello >"$marker"
"$CWATCHD" run xtopen process --tracers-dir "$dir" --rules-dir "$rules" --format json --duration 4 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: xtopen process' "$err" && break; sleep 0.05; done
grep -q 'tracing: xtopen process' "$err" || fail "cwatchd did not start"
sh -c 'echo $$ >"$1.pid"; exec cat "$1"' _ "$marker" >/dev/null
pid=$(cat "$marker.pid")
wait $daemon || fail "cwatchd exited with $?"
for name in "${!why[@]}"; do
        [ "$name" = verifier ] && continue      # loads only when started
        grep -F "$dir/$name.tracer" "$err" | grep -qF "${why[$name]}" || fail "$name: no message beside the good one"
done

rec=$(grep '"event":"xtopen"' "$out" | grep -F "\"path\":\"$marker\"" | head -1)
[ -n "$rec" ] || fail "no xtopen record of $marker"
check() { [ "$(jq -c "$1" <<<"$rec")" = "$2" ] || fail "$1 is $(jq -c "$1" <<<"$rec"), want $2 in $rec"; }
check '."who.pid"' "$pid"
check '."who.comm"' '"cat"'
check '."who.uid"' 0
check '.how' '"HOW_READ"'
check '.dfd' -100
check '.words' '"7,8,9"'
check '.lport' 8080
check '.daddr' '"127.0.0.1"'
check '.cgroup_id' "$(stat -c %i "$(findmnt -n -t cgroup2 -o TARGET | head -1)$(sed -n 's/^0:://p' /proc/$$/cgroup)")"
grep '"event":"exec"' "$out" | grep -q "\"pid\":$pid," || fail "the built-in process tracer saw no exec of $pid"
alert=$(grep '"event":"alert"' "$out" | grep '"rule":"xt-marker-open"' | head -1)
[ -n "$alert" ] || fail "the rule on xtopen's fields did not raise"
[ "$(jq -r .message <<<"$alert")" = "cat (pid $pid) opened $marker" ] || fail "alert: $alert"

# identity: the container of the cgroup_id field (xtopen), or of the process of the pid field (xtpid,
# whose struct has no cgroup_id), in a docker-<id>.scope cgroup named by its config.v2.json
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then cg=/sys/fs/cgroup; else cg=/sys/fs/cgroup/unified; fi
sed '/u64 cgroup_id;/d; /e->cgroup_id = /d; s/struct who who;/u32 pid;\n        struct who who;/; s/e->who.pid = bpf_get_current_pid_tgid() >> 32;/e->who.pid = e->pid = bpf_get_current_pid_tgid() >> 32;/' \
        "$dir/xtopen.bpf.c" >"$dir/xtpid.bpf.c"
bpfcc -g -c "$dir/xtpid.bpf.c" -o "$dir/xtpid.bpf.o" || fail "xtpid does not compile"
tracer xtpid xtpid.bpf.o xt_ring xt_open; chmod 644 "$dir/xtpid.tracer"
cid=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); cname=xt-$$-$RANDOM
scope=$cg/system.slice/docker-$cid.scope made_slice=; [ -d $cg/system.slice ] || made_slice=1
trap 'rmdir "$scope" 2>/dev/null; [ -n "$made_slice" ] && rmdir $cg/system.slice 2>/dev/null; rm -rf "$dir" "$out" "$err"' EXIT
mkdir -p "$dir/docker/containers/$cid" "$scope"
printf '{"ID":"%s","Name":"/%s","Config":{"Image":"alpine:3"},"Image":"sha256:5ef7"}' "$cid" "$cname" \
        >"$dir/docker/containers/$cid/config.v2.json"
"$CWATCHD" run xtopen xtpid --tracers-dir "$dir" --docker-root "$dir/docker" --no-rules --format json --duration 4 \
        >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: xtopen xtpid' "$err" && break; sleep 0.05; done
grep -q 'tracing: xtopen xtpid' "$err" || fail "cwatchd (identity) did not start"
# the process stays a moment: xtpid finds its cgroup through /proc/PID
sh -c "echo \$\$ >$scope/cgroup.procs && exec 3<$marker && exec sleep 1"
wait $daemon || fail "cwatchd (identity) exited with $?"
for t in xtopen xtpid; do
        rec=$(grep "\"event\":\"$t\"" "$out" | grep -F "\"path\":\"$marker\"" | head -1)
        [ -n "$rec" ] || fail "$t: no record of $marker"
        check '.container_name' "\"$cname\""
        check '.container_id' "\"${cid:0:12}\""
        check '.image' '"alpine:3"'
done
check '.pid' "$(jq '."who.pid"' <<<"$rec")"

# the table: the columns by their BTF names
"$CWATCHD" run xtopen --tracers-dir "$dir" --no-rules --duration 2 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: xtopen' "$err" && break; sleep 0.05; done
for _ in 1 2 3; do cat "$marker" >/dev/null; sleep 0.2; done
wait $daemon || fail "cwatchd (table) exited with $?"
head -1 "$out" | grep -Eq 'who.pid +who.uid +who.comm' || fail "table header: $(head -1 "$out")"
grep -F "$marker" "$out" | grep -q ' 127.0.0.1 ' || fail "table row: $(grep -F "$marker" "$out")"

# drops: a small ring while cwatchd is held still fills, and its drops counter says so
sed 's/__uint(max_entries, 4 << 20);/__uint(max_entries, 4096);/' "$dir/xtopen.bpf.c" >"$dir/xtsmall.bpf.c"
bpfcc -g -c "$dir/xtsmall.bpf.c" -o "$dir/xtsmall.bpf.o" || fail "xtsmall does not compile"
tracer xtsmall xtsmall.bpf.o xt_ring xt_open; chmod 644 "$dir/xtsmall.tracer"
"$CWATCHD" run xtsmall --tracers-dir "$dir" --no-rules --format json --duration 3 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: xtsmall' "$err" && break; sleep 0.05; done
kill -STOP $daemon
for _ in $(seq 100); do cat "$marker" >/dev/null; done
kill -CONT $daemon
wait $daemon || fail "cwatchd (drops) exited with $?"
grep -Eq 'xtsmall: [0-9]+ events, [1-9][0-9]* dropped \(ring buffer full\)' "$err" || fail "no drops counted"

# the contrib example, built and run as its comment says
ex=$dir/example; mkdir "$ex"; chmod 755 "$ex"
bpfcc -g -c "$SRC/contrib/tracers/opensnoop.bpf.c" -o "$ex/opensnoop.bpf.o" || fail "contrib example does not build"
install -m 0644 "$SRC/contrib/tracers/opensnoop.tracer" "$ex/"
"$CWATCHD" run opensnoop --tracers-dir "$ex" --no-rules --format json --duration 2 >"$out" 2>"$err" &
daemon=$!
for _ in $(seq 200); do grep -q 'tracing: opensnoop' "$err" && break; sleep 0.05; done
sh -c 'echo $$ >"$1.pid"; exec cat "$1"' _ "$marker" >/dev/null
pid=$(cat "$marker.pid")
wait $daemon || fail "cwatchd (contrib) exited with $?"
rec=$(grep -F "\"filename\":\"$marker\"" "$out" | head -1)
[ -n "$rec" ] || fail "contrib example: no record of $marker"
check '.pid' "$pid"
check '.comm' '"cat"'
check '.kind' '"OPEN_READ"'
check '.ret' 3
echo OK
