#!/usr/bin/env python3
"""Small clients for tests/echo.bats (sockcat connect is tested elsewhere).

  echo-client.py file ADDR IN OUT       send IN, half-close, write what comes
                                         back to OUT (reads while it sends)
  echo-client.py many ADDR N SIZE       N clients at once, SIZE random bytes
                                         each, every echo checked
  echo-client.py hold ADDR N HOLD       N clients at once (connect all, then
                                         send); each answered one is kept
                                         open HOLD seconds, then closed
  echo-client.py hog ADDR SECS          send up to 50 MiB without ever reading,
                                         until the socket has blocked for SECS;
                                         prints
                                         the bytes sent; stays connected until
                                         stdin ends
  echo-client.py refused ADDR           connect; expect EOF without data
  echo-client.py udp ADDR MSG...        one datagram each, print each answer
  echo-client.py unixdgram PATH DIR MSG one datagram from a bound socket

ADDR is HOST:PORT ([::1]:PORT for IPv6) or unix:PATH.  Every wait is
bounded; a failure prints a reason and exits 1.
"""
import os
import random
import selectors
import socket
import sys
import time

DEADLINE = time.monotonic() + 30


def fail(msg):
    sys.stderr.write("echo-client: %s\n" % msg)
    sys.exit(1)


def left():
    t = DEADLINE - time.monotonic()
    if t <= 0:
        fail("timed out")
    return t


def parse(addr, dgram=False):
    kind = socket.SOCK_DGRAM if dgram else socket.SOCK_STREAM
    if addr.startswith("unix:"):
        return socket.AF_UNIX, kind, addr[5:]
    host, _, port = addr.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, kind, (host[1:-1], int(port))
    return socket.AF_INET, kind, (host, int(port))


def connect(addr):
    fam, kind, sa = parse(addr)
    s = socket.socket(fam, kind)
    s.settimeout(left())
    s.connect(sa)
    return s


def cmd_file(addr, inp, out):
    data = open(inp, "rb").read()
    s = connect(addr)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, got, eof = 0, [], False
    while not eof:
        for _, ev in sel.select(left()):
            if ev & selectors.EVENT_WRITE and sent < len(data):
                sent += s.send(data[sent:sent + 65536])
                if sent == len(data):
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    eof = True
                got.append(chunk)
    open(out, "wb").write(b"".join(got))


def run_many(addr, n, size, hold):
    """n connections, each sends its payload and expects it back."""
    socks = [connect(addr) for _ in range(n)]
    sel = selectors.DefaultSelector()
    want = {}
    for s in socks:
        payload = os.urandom(size) if size else b"x"
        s.setblocking(False)
        want[s] = [payload, 0, bytearray()]
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    done, closing = 0, []
    while done < n:
        for key, ev in sel.select(min(left(), 0.1)):
            s = key.fileobj
            payload, sent, got = want[s]
            if ev & selectors.EVENT_WRITE and sent < len(payload):
                try:
                    want[s][1] += s.send(payload[sent:sent + 65536])
                except BlockingIOError:
                    pass
                if want[s][1] == len(payload):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = s.recv(65536)
                if not chunk:
                    fail("connection closed after %d of %d bytes"
                         % (len(got), len(payload)))
                got += chunk
                if len(got) >= len(payload):
                    if bytes(got) != payload:
                        fail("echo differs")
                    sel.unregister(s)
                    closing.append((time.monotonic() + hold, s))
                    done += 1
        now = time.monotonic()
        for t, s in [c for c in closing if c[0] <= now]:
            s.close()
            closing.remove((t, s))
    for _, s in closing:
        s.close()
    print("ok %d" % done)


def cmd_hog(addr, secs):
    s = connect(addr)
    s.setblocking(False)
    sent, blocked = 0, None
    chunk = b"h" * 65536
    while sent < 50 * 1024 * 1024:
        try:
            sent += s.send(chunk)
            blocked = None
        except BlockingIOError:
            now = time.monotonic()
            if blocked is None:
                blocked = now
            elif now - blocked >= secs:
                break
            left()
            time.sleep(0.01)
    print(sent, flush=True)
    sys.stdin.read()
    s.close()


def cmd_refused(addr):
    s = connect(addr)
    try:
        data = s.recv(1)
    except ConnectionResetError:
        data = b""
    if data:
        fail("got data from a refused connection")
    print("closed")


def cmd_udp(addr, msgs):
    fam, kind, sa = parse(addr, dgram=True)
    s = socket.socket(fam, kind)
    s.settimeout(5)
    for m in msgs:
        s.sendto(m.encode(), sa)
        data, _ = s.recvfrom(65536)
        sys.stdout.write(data.decode())
        sys.stdout.write("\n")


def cmd_unixdgram(path, tmpdir, msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    me = os.path.join(tmpdir, "client-%d" % os.getpid())
    s.bind(me)
    s.settimeout(5)
    s.sendto(msg.encode(), path)
    data, _ = s.recvfrom(65536)
    print(data.decode())
    os.unlink(me)


def main(argv):
    cmd = argv[1]
    if cmd == "file":
        cmd_file(argv[2], argv[3], argv[4])
    elif cmd == "many":
        run_many(argv[2], int(argv[3]), int(argv[4]), 0)
    elif cmd == "hold":
        run_many(argv[2], int(argv[3]), 1, float(argv[4]))
    elif cmd == "hog":
        cmd_hog(argv[2], float(argv[3]))
    elif cmd == "refused":
        cmd_refused(argv[2])
    elif cmd == "udp":
        cmd_udp(argv[2], argv[3:])
    elif cmd == "unixdgram":
        cmd_unixdgram(argv[2], argv[3], argv[4])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    random.seed()
    main(sys.argv)
