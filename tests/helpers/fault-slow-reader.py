#!/usr/bin/env python3
"""Run CMD with its stdout going to a slow consumer that writes OUT.

    fault-slow-reader.py OUT BYTES_PER_SEC -- CMD [ARGS...]

The consumer reads in bursts of 256 KiB and pauses between them so that on
average it takes no more than BYTES_PER_SEC: the writer keeps meeting a
full pipe (and behind it a zero TCP window).  Exits with CMD's status
(128+N when a signal N ended it).  SIGTERM and SIGINT are passed on to CMD.
"""
import os
import signal
import subprocess
import sys
import time


def main():
    out, rate = sys.argv[1], float(sys.argv[2])
    cmd = sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda n, f: p.send_signal(n))
    burst = 256 * 1024
    start = time.monotonic()
    total = 0
    with open(out, "wb") as f:
        while True:
            b = p.stdout.read1(burst) if hasattr(p.stdout, "read1") else \
                os.read(p.stdout.fileno(), burst)
            if not b:
                break
            f.write(b)
            total += len(b)
            ahead = total / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    rc = p.wait()
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main())
