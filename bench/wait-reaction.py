#!/usr/bin/env python3
"""bench/wait-reaction.py: how fast a "wait for a port" tool notices it.

    wait-reaction.py [-n RUNS] [--seed N] NAME=COMMAND ...

COMMAND is a shell command with {port} in it (run by /bin/sh), e.g.
    'sockcat=sockcat wait -w 30 127.0.0.1 {port}'
    'until-nc=until nc.openbsd -z 127.0.0.1 {port}; do sleep 1; done'

Each run: a port the kernel picked (bound, then released), the waiter
started, and at a random moment 0.5-3 s later (the same moments for every
tool: run i of each tool gets delay i) a listener on that port, which
accepts and closes whatever comes.  The reaction is the time from the
listener's listen() to the waiter's exit.  Probes are counted from the
kernel's TCP ActiveOpens (/proc/net/snmp), so refused attempts count too:
run it in a network namespace of its own (bench/probe.sh does) and nothing
else is counted.  Tools take turns (A B C, A B C, ...).  Prints one JSON
object per line: {"tool", "run", "delay_ms", "reaction_ms", "probes",
"probes_per_s" (probes - 1 over the run's time: the mean rate between
probes), "ok"}; a waiter that fails or outlives 30 s is ok=false.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

BOUND = 30.0


def active_opens():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Tcp:")]
    return int(rows[1][rows[0].index("ActiveOpens")])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def accept_all(lis, stop):
    lis.settimeout(0.1)
    while not stop.is_set():
        try:
            c, _ = lis.accept()
            c.close()
        except socket.timeout:
            pass
        except OSError:
            return


def one_run(name, command, delay, run):
    port = free_port()
    before = active_opens()
    start = time.monotonic()
    proc = subprocess.Popen(["/bin/sh", "-c", command.format(port=port)],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(max(0.0, start + delay - time.monotonic()))
    lis = socket.socket()
    lis.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lis.bind(("127.0.0.1", port))
    lis.listen(128)
    listening = time.monotonic()
    stop = threading.Event()
    t = threading.Thread(target=accept_all, args=(lis, stop))
    t.start()
    ok = True
    try:
        rc = proc.wait(timeout=BOUND)
        ended = time.monotonic()
        ok = rc == 0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        ended = time.monotonic()
        ok = False
    stop.set()
    t.join()
    lis.close()
    probes = active_opens() - before
    return {"tool": name, "run": run, "delay_ms": round(delay * 1000),
            "reaction_ms": round((ended - listening) * 1000, 1),
            "probes": probes,
            # n probes are n - 1 gaps: the average rate between them.
            "probes_per_s": round(max(probes - 1, 0) / (ended - start), 1),
            "ok": ok}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("tools", nargs="+")
    a = ap.parse_args()
    tools = [t.split("=", 1) for t in a.tools]
    rnd = random.Random(a.seed)
    delays = [rnd.uniform(0.5, 3.0) for _ in range(a.n)]
    for run in range(a.n):
        for name, command in tools:
            print(json.dumps(one_run(name, command, delays[run], run)),
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
