#!/usr/bin/env python3
"""Run CMD with a non-blocking stdin or stdout that never moves.

    nonblock-stdio.py in|out PIDFILE -- CMD [ARGS...]

in:  CMD's stdin is the read end of a pipe, O_NONBLOCK, whose write end
     this script holds open and never writes: every read says EAGAIN.
out: CMD's stdout is the write end of a pipe of one page, O_NONBLOCK,
     whose read end this script holds open and never reads: once the
     page is full, every write says EAGAIN.

Writes CMD's PID to PIDFILE, then exits with CMD's status (128+N when a
signal N ended it).  SIGTERM and SIGINT are passed on to CMD.
"""
import fcntl
import os
import signal
import subprocess
import sys


def main():
    which, pidfile = sys.argv[1], sys.argv[2]
    cmd = sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:]
    r, w = os.pipe()
    mine, theirs = (w, r) if which == "in" else (r, w)
    if which == "out":
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
    flags = fcntl.fcntl(theirs, fcntl.F_GETFL)
    fcntl.fcntl(theirs, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    if which == "in":
        p = subprocess.Popen(cmd, stdin=theirs)
    else:
        p = subprocess.Popen(cmd, stdout=theirs)
    os.close(theirs)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda n, f: p.send_signal(n))
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % p.pid)
    os.rename(pidfile + ".tmp", pidfile)
    rc = p.wait()
    os.close(mine)
    sys.exit(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()
