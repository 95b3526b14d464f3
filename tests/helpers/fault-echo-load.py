#!/usr/bin/env python3
"""Client load for an echo server: N connections, C at a time, a fraction of
them reset abruptly (SO_LINGER {1,0}) at a random point: right after the
connect, after sending part of their data, or after reading part of the
echo.  Every other client sends 1 to 8192 random bytes, half-closes, and
must read back exactly what it sent, then EOF.

    fault-echo-load.py HOST PORT [--conns N] [--concurrency C]
                       [--reset FRACTION] [--deadline SECONDS] [--seed S]

Prints "ok=A reset=R failed=F elapsed=T" and exits 0 when no honest
client failed and all N finished before the deadline; otherwise prints
the first failures on stderr and exits 1.  One thread, non-blocking
sockets, a selector: the clients really are concurrent.
"""
import argparse
import errno
import os
import random
import selectors
import socket
import struct
import sys
import time

LINGER0 = struct.pack("ii", 1, 0)


class Client:
    def __init__(self, cid, rng, reset_frac):
        self.cid = cid
        self.data = rng.randbytes(rng.randint(1, 8192))
        self.sent = 0
        self.got = bytearray()
        self.reset = rng.random() < reset_frac
        # where a resetting client resets: 0 after connect, 1 after sending
        # part, 2 after reading part of the echo
        self.reset_at = rng.randint(0, 2) if self.reset else -1
        self.cut = rng.randint(1, len(self.data))
        self.sock = None
        self.shut = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--conns", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--reset", type=float, default=0.2)
    ap.add_argument("--deadline", type=float, default=30)
    ap.add_argument("--seed", type=int, default=os.getpid())
    a = ap.parse_args()

    rng = random.Random(a.seed)
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    todo = a.conns
    active = 0
    ok = resets = 0
    failures = []

    def finish(c, failure=None, abort=False):
        nonlocal active, ok, resets
        sel.unregister(c.sock)
        if abort:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        c.sock.close()
        active -= 1
        if failure:
            failures.append("client %d: %s" % (c.cid, failure))
        elif c.reset:
            resets += 1
        else:
            ok += 1

    def start_one(cid):
        nonlocal active
        c = Client(cid, rng, a.reset)
        c.sock = socket.socket()
        c.sock.setblocking(False)
        err = c.sock.connect_ex((a.host, a.port))
        if err not in (0, errno.EINPROGRESS):
            c.sock.close()
            failures.append("client %d: connect: %s" % (cid, os.strerror(err)))
            return
        active += 1
        sel.register(c.sock, selectors.EVENT_WRITE, c)

    def step(c, mask):
        s = c.sock
        if mask & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                return finish(c, "connect: " + os.strerror(err))
            if c.reset_at == 0:
                return finish(c, abort=True)
            limit = c.cut if c.reset_at == 1 else len(c.data)
            try:
                c.sent += s.send(c.data[c.sent:limit])
            except BlockingIOError:
                pass
            except OSError as e:
                return finish(c, "send: " + e.strerror)
            if c.reset_at == 1 and c.sent >= c.cut:
                return finish(c, abort=True)
            if c.sent == len(c.data) and not c.shut:
                s.shutdown(socket.SHUT_WR)
                c.shut = True
            sel.modify(s, selectors.EVENT_READ if c.shut else
                       selectors.EVENT_READ | selectors.EVENT_WRITE, c)
            return None
        try:
            b = s.recv(65536)
        except BlockingIOError:
            return None
        except OSError as e:
            return finish(c, "recv: " + e.strerror)
        if c.reset_at == 2 and (b or c.got):
            return finish(c, abort=True)
        if b:
            c.got += b
            if len(c.got) > len(c.data):
                return finish(c, "more bytes back than sent")
            return None
        if bytes(c.got) != c.data:
            return finish(c, "echo differs: sent %d bytes, got %d back"
                          % (len(c.data), len(c.got)))
        return finish(c)

    cid = 0
    while todo > 0 or active > 0:
        if time.monotonic() - start > a.deadline:
            failures.append("deadline: %d clients not started, %d active"
                            % (todo, active))
            break
        while todo > 0 and active < a.concurrency:
            start_one(cid)
            cid += 1
            todo -= 1
        for key, mask in sel.select(timeout=1.0):
            step(key.data, mask)
    elapsed = time.monotonic() - start
    print("ok=%d reset=%d failed=%d elapsed=%.2f"
          % (ok, resets, len(failures), elapsed))
    for f in failures[:10]:
        sys.stderr.write(f + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
