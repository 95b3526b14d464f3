#!/usr/bin/env python3
"""bench/proc.py: what the benchmark scripts of bench/ read from /proc.

    proc.py tree PID         PID and its descendants, one a line
    proc.py cpu PID          CPU seconds of PID's process tree
    proc.py mem PID [below]  "RSS_KIB PSS_KIB NPROCS" of PID's process tree
                             (below: without PID itself, e.g. sc-reaper)
    proc.py settle PID BASE SECS
                             wait until the tree has no zombie and no more
                             than BASE processes (or stays unchanged for
                             0.3 s), at most SECS; prints "ok" or "timeout"
    proc.py ports N USED     N TCP ports (free for UDP too) below the
                             ephemeral range, not listed in the file USED;
                             appends them to USED

cpu: utime + stime of every live process of the tree (all its threads)
plus cutime + cstime, the time of the children each has reaped.  So a
forking server's finished children count once their parent has waited for
them (settle first); a child that is orphaned and reaped by init is lost.

ports: a connection benchmark leaves tens of thousands of TIME_WAIT
sockets on ephemeral ports, and a later bind to port 0 can find none
free.  Ports below the ephemeral range are never handed to clients, so
they stay free; each is checked with a bind (TCP and UDP, no
SO_REUSEADDR) and never given out twice in one run.
"""
import os
import random
import socket
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children(pid):
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def stat(pid):
    """(state, ticks) of PID, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces.
    f = s[s.rindex(")") + 2:].split()
    return f[0], sum(int(x) for x in f[11:15])


def cpu(pid):
    ticks = 0
    for p in tree(pid):
        st = stat(p)
        if st is not None:
            ticks += st[1]
    return ticks / CLK_TCK


def mem(pid, below=False):
    rss = pss = n = 0
    for p in tree(pid)[1 if below else 0:]:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
            n += 1
        except (OSError, ValueError):
            pass
    return rss, pss, n


def snapshot(pid):
    procs = tree(pid)
    states = [stat(p) for p in procs]
    zombies = sum(1 for s in states if s is not None and s[0] == "Z")
    ticks = sum(s[1] for s in states if s is not None)
    return len(procs), zombies, ticks


def settle(pid, base, secs):
    deadline = time.monotonic() + secs
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        if stat(pid) is None:
            return "gone"
        snap = snapshot(pid)
        n, zombies, _ = snap
        if zombies == 0 and n <= base:
            return "ok"
        if snap != last:
            last, since = snap, time.monotonic()
        elif zombies == 0 and time.monotonic() - since >= 0.3:
            return "ok"
        time.sleep(0.02)
    return "timeout"


def ports(n, used_file):
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    try:
        with open(used_file) as f:
            used = {int(x) for x in f.read().split()}
    except OSError:
        used = set()
    first = 10000 if low > 12000 else 1024
    got, tries = [], 0
    while len(got) < n and tries < 5000:
        tries += 1
        port = random.randrange(first, low)
        if port in used or port in got:
            continue
        ok = True
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            got.append(port)
    with open(used_file, "a") as f:
        for p in got:
            f.write("%d\n" % p)
    return got


def main(argv):
    if len(argv) >= 3 and argv[1] == "tree":
        pid = int(argv[2])
        if stat(pid) is not None:
            print("\n".join(str(p) for p in tree(pid)))
    elif len(argv) >= 3 and argv[1] == "cpu":
        print("%.3f" % cpu(int(argv[2])))
    elif len(argv) >= 3 and argv[1] == "mem":
        print("%d %d %d" % mem(int(argv[2]), argv[3:4] == ["below"]))
    elif len(argv) >= 5 and argv[1] == "settle":
        print(settle(int(argv[2]), int(argv[3]), float(argv[4])))
    elif len(argv) >= 4 and argv[1] == "ports":
        got = ports(int(argv[2]), argv[3])
        if not got:
            sys.exit("proc.py: no free port below the ephemeral range")
        print("\n".join(str(p) for p in got))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
