#!/usr/bin/env python3
"""Clients of a SOCKS4/4a/5 or HTTP CONNECT proxy, for tests/proxy.bats.

  socks-client.py many PROXY PROTO DEST N SIZE
        N tunnels at once through PROXY to the echo server DEST, each
        sending SIZE random bytes and checking that all come back.
        PROTO: socks5 (a name), socks5a (an address), socks4, socks4a,
        http
  socks-client.py pipeline PROXY DEST
        SOCKS5 greeting, request and 1000 bytes of data in one write (no
        waiting for the answers); the data must come back from DEST
  socks-client.py request PROXY HEX...
        send each HEX string (bytes) in turn, waiting 0.05 s between, then
        print what comes back, as hex, until EOF
  socks-client.py garbage PROXY N SEED
        N connections that send random bytes (1 to 2000 of them, some
        starting like a real request) and half-close; each must be
        closed by the proxy
  socks-client.py silent PROXY N
        open N connections that say nothing; print "holding N" once all
        are up, then wait until each is closed by the proxy; print
        "closed N"
  socks-client.py userpass PROXY USERLEN PASSLEN
        SOCKS5 username/password with a user name of USERLEN bytes, then
        print the two bytes of the answer as hex

PROXY and DEST are HOST:PORT or [V6]:PORT.  Every wait is bounded; a
failure prints a reason and exits 1.
"""
import os
import random
import selectors
import socket
import struct
import sys
import threading
import time

DEADLINE = time.monotonic() + 60


def fail(msg):
    sys.stderr.write("socks-client: %s\n" % msg)
    sys.stderr.flush()
    os._exit(1)


def left():
    t = DEADLINE - time.monotonic()
    if t <= 0:
        fail("timed out")
    return t


def parse(addr):
    host, _, port = addr.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, (host[1:-1], int(port))
    return socket.AF_INET, (host, int(port))


def connect(addr):
    fam, sa = parse(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(left())
    s.connect(sa)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        s.settimeout(left())
        c = s.recv(n - len(b))
        if not c:
            fail("EOF after %d of %d bytes" % (len(b), n))
        b += c
    return b


def socks5_request(dest, by_name):
    fam, (host, port) = parse(dest)
    if by_name:
        name = host.encode()
        return b"\5\1\0\3" + bytes([len(name)]) + name + struct.pack(
            ">H", port)
    if fam == socket.AF_INET6:
        return b"\5\1\0\4" + socket.inet_pton(fam, host) + struct.pack(
            ">H", port)
    return b"\5\1\0\1" + socket.inet_aton(host) + struct.pack(">H", port)


def socks5_reply(s):
    head = recv_exact(s, 4)
    if head[0] != 5 or head[1] != 0:
        fail("SOCKS5 reply %r" % head)
    if head[3] == 1:
        recv_exact(s, 6)
    elif head[3] == 4:
        recv_exact(s, 18)
    else:
        n = recv_exact(s, 1)[0]
        recv_exact(s, n + 2)


def handshake(proxy, proto, dest):
    """A tunnel through proxy to dest, the handshake done."""
    s = connect(proxy)
    fam, (host, port) = parse(dest)
    if proto in ("socks5", "socks5a"):
        s.sendall(b"\5\1\0")
        if recv_exact(s, 2) != b"\5\0":
            fail("SOCKS5 method refused")
        s.sendall(socks5_request(dest, proto == "socks5"))
        socks5_reply(s)
    elif proto in ("socks4", "socks4a"):
        if proto == "socks4":
            req = b"\4\1" + struct.pack(">H", port) + \
                socket.inet_aton(host) + b"test\0"
        else:
            req = b"\4\1" + struct.pack(">H", port) + b"\0\0\0\1" + \
                b"test\0" + host.encode() + b"\0"
        s.sendall(req)
        r = recv_exact(s, 8)
        if r[1] != 90:
            fail("SOCKS4 reply %d" % r[1])
    elif proto == "http":
        hp = "[%s]:%d" % (host, port) if ":" in host else \
            "%s:%d" % (host, port)
        s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" %
                   (hp, hp)).encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += recv_exact(s, 1)
            if len(head) > 8192:
                fail("HTTP reply too long")
        if not head.startswith(b"HTTP/1.1 200"):
            fail("HTTP reply %r" % head[:40])
    else:
        fail("unknown protocol %s" % proto)
    return s


def echo_through(s, data):
    """Send data while reading its echo; half-close; expect it all back."""
    sel = selectors.DefaultSelector()
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    off, got, shut = 0, bytearray(), False
    while True:
        for key, ev in sel.select(timeout=left()):
            if ev & selectors.EVENT_WRITE and off < len(data):
                try:
                    off += s.send(data[off:off + 65536])
                except BlockingIOError:
                    pass
            if ev & selectors.EVENT_READ:
                try:
                    c = s.recv(65536)
                except BlockingIOError:
                    continue
                if not c:
                    sel.close()
                    s.close()
                    return bytes(got)
                got += c
        if off == len(data) and not shut:
            s.shutdown(socket.SHUT_WR)
            shut = True
            sel.modify(s, selectors.EVENT_READ)


def many(proxy, proto, dest, n, size):
    errors = []

    def one(i):
        try:
            data = os.urandom(size)
            s = handshake(proxy, proto, dest)
            if echo_through(s, data) != data:
                errors.append("tunnel %d: the echo differs" % i)
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001 -- reported, then fail
            errors.append("tunnel %d: %s" % (i, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(left())
    if errors:
        fail("; ".join(errors[:5]))
    print("%d tunnels intact" % n)


def pipeline(proxy, dest):
    data = os.urandom(1000)
    s = connect(proxy)
    s.sendall(b"\5\1\0" + socks5_request(dest, False) + data)
    if recv_exact(s, 2) != b"\5\0":
        fail("SOCKS5 method refused")
    socks5_reply(s)
    if echo_through(s, b"") != data:
        fail("the early bytes did not come back")
    print("early bytes intact")


def request(proxy, hexes):
    s = connect(proxy)
    for h in hexes:
        s.sendall(bytes.fromhex(h))
        time.sleep(0.05)
    out = b""
    while True:
        s.settimeout(left())
        try:
            c = s.recv(65536)
        except ConnectionResetError:
            break
        if not c:
            break
        out += c
    print(out.hex())


def garbage(proxy, n, seed):
    rnd = random.Random(seed)
    starts = [b"", b"\5", b"\4\1", b"CONNECT ", b"\5\1\0\5\1\0\3", b"G"]
    for i in range(n):
        body = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 2000)))
        data = rnd.choice(starts) + body
        s = connect(proxy)
        try:
            s.sendall(data)
            # What is incomplete waits for more until the deadline: say
            # there is no more.
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while True:
            s.settimeout(left())
            try:
                if not s.recv(65536):
                    break
            except ConnectionResetError:
                break
        s.close()
    print("%d garbage clients closed" % n)


def silent(proxy, n):
    socks = [connect(proxy) for _ in range(n)]
    print("holding %d" % n, flush=True)
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    closed = 0
    while closed < n:
        for key, _ in sel.select(timeout=left()):
            try:
                c = key.fileobj.recv(100)
            except ConnectionResetError:
                c = b""
            if c:
                fail("a silent client got %r" % c)
            sel.unregister(key.fileobj)
            key.fileobj.close()
            closed += 1
    print("closed %d" % n, flush=True)


def userpass(proxy, ulen, plen):
    s = connect(proxy)
    s.sendall(b"\5\1\2")
    m = recv_exact(s, 2)
    if m != b"\5\2":
        fail("method %r" % m)
    s.sendall(b"\1" + bytes([ulen]) + b"U" * ulen + bytes([plen]) +
              b"P" * plen)
    print(recv_exact(s, 2).hex())


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    cmd, a = argv[1], argv[2:]
    if cmd == "many":
        many(a[0], a[1], a[2], int(a[3]), int(a[4]))
    elif cmd == "pipeline":
        pipeline(a[0], a[1])
    elif cmd == "request":
        request(a[0], a[1:])
    elif cmd == "garbage":
        garbage(a[0], int(a[1]), int(a[2]))
    elif cmd == "silent":
        silent(a[0], int(a[1]))
    elif cmd == "userpass":
        userpass(a[0], int(a[1]), int(a[2]))
    else:
        fail("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)
