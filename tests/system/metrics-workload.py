#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The processes of test-metrics-live.sh, one role per process (the test moves each into its
# container's cgroup before it execs this):
#   db PORT N READY                  serves N connections on [::]:PORT (dual stack)
#   io DATAFILE BYTES                writes BYTES to DATAFILE in 16 KiB chunks over about 3 s, then
#                                    reads them back the same way (a file that stays busy for a
#                                    whole interval keeps its aggregate when other processes flood
#                                    the files tracer's LRU map)
#   app PORT DBPORT N READY          serves N connections on 127.0.0.1:PORT, each asking db once
#   client PORT N                    asks app N times
#   files DIR COUNT                  writes and reads COUNT small files at once (more aggregates
#                                    than the files tracer's kernel map holds)
# PORT: ports to try in turn (5432,3306); when all are taken, one the kernel picks.
# READY: a file that gets the port once the role listens.
import os
import socket
import sys
import time


def listen(ports, ready, dual_stack=False):
    # dual stack (on ::, as many servers listen) sees IPv4 clients as ::ffff:127.0.0.1
    s = socket.socket(socket.AF_INET6 if dual_stack else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if dual_stack:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    for port in [int(p) for p in ports.split(",")] + [0]:
        try:
            s.bind(("::" if dual_stack else "127.0.0.1", port))
            break
        except OSError:
            pass
    s.listen(16)
    with open(ready + ".tmp", "w") as f:
        f.write(f"{s.getsockname()[1]}\n")
    os.rename(ready + ".tmp", ready)
    return s


def ask(port, what):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(what)
        return c.recv(4096)


def io(datafile, size):
    chunk = 16384
    pause = 3.0 / max(size // chunk, 1)
    with open(datafile, "wb", buffering=0) as f:
        for _ in range(size // chunk):
            f.write(b"d" * chunk)
            time.sleep(pause)
    with open(datafile, "rb", buffering=0) as f:
        while f.read(chunk):
            time.sleep(pause)


def db(port, n, ready):
    s = listen(port, ready, dual_stack=True)
    for _ in range(n):
        c, _ = s.accept()
        c.recv(4096)
        c.sendall(b"row\n")
        c.close()


def app(port, dbport, n, ready):
    s = listen(port, ready)
    for _ in range(n):
        c, _ = s.accept()
        c.recv(4096)
        c.sendall(ask(dbport, b"select\n"))
        c.close()


def client(port, n):
    for _ in range(n):
        assert ask(port, b"get\n") == b"row\n"


def files(d, count):
    for i in range(count):
        with open(os.path.join(d, str(i)), "wb") as f:
            f.write(b"x")
    for i in range(count):
        with open(os.path.join(d, str(i)), "rb") as f:
            f.read()


role, args = sys.argv[1], sys.argv[2:]
if role == "db":
    db(args[0], int(args[1]), args[2])
elif role == "io":
    io(args[0], int(args[1]))
elif role == "app":
    app(args[0], int(args[1]), int(args[2]), args[3])
elif role == "client":
    client(int(args[0]), int(args[1]))
elif role == "files":
    files(args[0], int(args[1]))
else:
    sys.exit(f"unknown role {role}")
