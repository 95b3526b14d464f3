#!/usr/bin/env python3
"""Scripted peers for tests/exec.bats (sockcat listen -e / connect -e).

Every mode is bounded by an alarm.  Servers bind port 0 on 127.0.0.1 and
announce themselves on stderr as sockcat -v does,
"exec-peer: listening on 127.0.0.1:PORT", so sc_port reads them.

    client HOST PORT          connect, half-close at once, read until EOF;
                              print "port=N" (our local port), then what
                              arrived
    keep-sending HOST PORT SECS
                              connect, send for SECS seconds whatever
                              happens at the other end, half-close, read
                              until EOF; print what arrived.  Status 0
                              only when no send or receive failed (a reset
                              fails them)
    talk-server               accept one, send "HELLO", read a line, send
                              "BYE", read until EOF; print what arrived.
                              The peer ending with a reset is status 1
    keep-sending-server SECS  accept one, then as keep-sending
"""
import signal
import socket
import sys
import time

LIMIT = 30


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.connect((host, int(port)))
    return s


def serve():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print("exec-peer: listening on 127.0.0.1:%d" % ls.getsockname()[1],
          file=sys.stderr, flush=True)
    s, _ = ls.accept()
    ls.close()
    return s


def read_all(s):
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            return got
        got += b


def keep_sending(s, secs):
    """Send for secs seconds, half-close, read to EOF: (got, error)."""
    err = None
    end = time.monotonic() + secs
    try:
        while time.monotonic() < end:
            s.send(b"x" * 65536)
            time.sleep(0.001)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err = "send: %s" % e
    got = b""
    try:
        got = read_all(s)
    except OSError as e:
        err = (err + "; " if err else "") + "recv: %s" % e
    return got, err


def main():
    signal.alarm(LIMIT)
    mode, args = sys.argv[1], sys.argv[2:]
    out = sys.stdout.buffer
    if mode == "client":
        s = connect(args[0], args[1])
        out.write(b"port=%d\n" % s.getsockname()[1])
        s.shutdown(socket.SHUT_WR)
        out.write(read_all(s))
        return 0
    if mode in ("keep-sending", "keep-sending-server"):
        if mode == "keep-sending":
            s = connect(args[0], args[1])
            secs = float(args[2])
        else:
            s = serve()
            secs = float(args[0])
        got, err = keep_sending(s, secs)
        out.write(got)
        if err:
            print("exec-peer: %s" % err, file=sys.stderr)
            return 1
        return 0
    if mode == "talk-server":
        s = serve()
        f = s.makefile("rb")
        s.sendall(b"HELLO\n")
        line = f.readline()
        s.sendall(b"BYE\n")
        try:
            rest = f.read()
        except OSError as e:
            print("exec-peer: recv: %s" % e, file=sys.stderr)
            return 1
        out.write(line + rest)
        return 0
    print("exec-peer: unknown mode %s" % mode, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
