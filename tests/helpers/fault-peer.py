#!/usr/bin/env python3
"""Scripted peers for sockcat's fault and status tests.

Every mode is bounded by an alarm, so a broken sockcat can never leave one
of these behind for long.  Servers bind port 0 (or a given Unix path) and
announce themselves on stderr the way sockcat -v does,
"fault-peer: listening on 127.0.0.1:PORT", so sc_port reads them.

    rst-server [--read N] [--send N]   accept one, read N / send N bytes,
                                       then close with SO_LINGER {1,0} (RST)
    rst-client HOST PORT [--read N] [--send N]
                                       the same as a client
    close-server                       accept one and close at once (FIN)
    send-server N                      accept one, send N bytes, close (FIN)
    stream-server                      accept one, send zeros until the peer
                                       goes away
    sink-server                        accept one, read until EOF or error
    idle-server                        accept one, read until EOF, send
                                       nothing
    idle-client HOST PORT              connect, send nothing, read until EOF
    greet-server                       accept one, send "hello\\n", half-close
                                       (FIN), read until EOF; print the
                                       count of bytes read
    blackhole                          a listener whose accept queue is
                                       full: the next SYN is dropped, so a
                                       connect to it times out
    timewait                           leave a TIME_WAIT connection whose
                                       local port is the server's; print
                                       that port on stdout
    stale-unix PATH                    bind a Unix socket at PATH and exit
                                       without unlinking it (a stale file)
    unix-server PATH MODE              listen on PATH, chmod it to MODE
                                       (octal), wait
    seqpacket-server PATH EXPECT SIZE...
                                       SOCK_SEQPACKET listener: send one
                                       message per SIZE (random bytes),
                                       write their concatenation to EXPECT,
                                       close
    seqpacket-client PATH EXPECT SIZE...
                                       the same as a client
    exec CMD...                        reset SIGINT/SIGQUIT to their default
                                       (bash ignores them in background
                                       jobs) and exec CMD
"""
import os
import signal
import socket
import struct
import sys
import time

LIMIT = 60      # seconds any mode may live
CHUNK = 65536


def announce(sock):
    name = sock.getsockname()
    if isinstance(name, tuple):
        name = "%s:%d" % (name[0], name[1])
    elif isinstance(name, bytes):
        name = "@" + name[1:].decode()
    sys.stderr.write("fault-peer: listening on %s\n" % name)
    sys.stderr.flush()


def tcp_server():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    announce(s)
    c, _ = s.accept()
    s.close()
    return c


def rst(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def opt(args, name, default=0):
    if name in args:
        return parse_size(args[args.index(name) + 1])
    return default


def parse_size(s):
    mult = {"k": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s[-1] in mult:
        return int(s[:-1]) * mult[s[-1]]
    return int(s)


def read_n(c, n):
    got = 0
    while got < n:
        b = c.recv(min(CHUNK, n - got))
        if not b:
            break
        got += len(b)
    return got


def send_n(c, n):
    buf = b"\0" * CHUNK
    left = n
    while left > 0:
        left -= c.send(buf[:min(CHUNK, left)])


def read_all(c):
    n = 0
    try:
        while True:
            b = c.recv(CHUNK)
            if not b:
                break
            n += len(b)
    except OSError:
        pass
    return n


def do_rst(c, args):
    read_n(c, opt(args, "--read"))
    send_n(c, opt(args, "--send"))
    rst(c)


def blackhole():
    # listen(0): the accept queue holds one connection that is never
    # accepted; Linux drops every further SYN while the queue is full
    # (whatever tcp_syncookies says), and the client retransmits after 1 s,
    # 3 s, ...  Fill it, and check with a probe that a SYN now goes
    # unanswered.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    keep = []
    for _ in range(16):
        c = socket.socket()
        c.settimeout(0.5)
        try:
            c.connect(("127.0.0.1", port))
            keep.append(c)
        except socket.timeout:
            c.close()
            announce(s)
            time.sleep(LIMIT)
            return 0
    sys.exit("blackhole: the accept queue never filled")


def timewait():
    # The side that closes first keeps TIME_WAIT.  The server closes first,
    # so the TIME_WAIT entry holds the server's port, as after a sockcat
    # listen session that ended on its side.  The listener had SO_REUSEADDR
    # (as sockcat's has by default), which the TIME_WAIT entry inherits.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = s.accept()
    s.close()
    a.close()
    # Wait for the client to see the FIN before it closes its side.
    c.settimeout(5)
    c.recv(1)
    c.close()
    print(port)
    return 0


def unix_listener(path, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path if path[0] != "@" else "\0" + path[1:])
    s.listen(8)
    announce(s)
    return s


def messages(expect, sizes):
    msgs = [os.urandom(int(n)) for n in sizes]
    with open(expect, "wb") as f:
        f.write(b"".join(msgs))
    return msgs


def main():
    signal.alarm(LIMIT + 5)
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "rst-server":
        do_rst(tcp_server(), args)
    elif mode == "rst-client":
        do_rst(socket.create_connection((args[0], int(args[1]))), args[2:])
    elif mode == "close-server":
        tcp_server().close()
    elif mode == "send-server":
        c = tcp_server()
        send_n(c, parse_size(args[0]))
        c.close()
    elif mode == "stream-server":
        c = tcp_server()
        try:
            send_n(c, 1 << 40)
        except OSError:
            pass
    elif mode in ("sink-server", "idle-server"):
        c = tcp_server()
        print(read_all(c))
    elif mode == "greet-server":
        c = tcp_server()
        c.sendall(b"hello\n")
        c.shutdown(socket.SHUT_WR)
        print(read_all(c))
    elif mode == "idle-client":
        c = socket.create_connection((args[0], int(args[1])))
        print(read_all(c))
    elif mode == "blackhole":
        return blackhole()
    elif mode == "timewait":
        return timewait()
    elif mode == "stale-unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(args[0])
        # exit without close or unlink: the file stays, nobody listens
        os._exit(0)
    elif mode == "unix-server":
        s = unix_listener(args[0])
        os.chmod(args[0], int(args[1], 8))
        while True:
            c, _ = s.accept()
            c.close()
    elif mode == "seqpacket-server":
        s = unix_listener(args[0], socket.SOCK_SEQPACKET)
        msgs = messages(args[1], args[2:])
        c, _ = s.accept()
        for m in msgs:
            c.send(m)
        c.close()
    elif mode == "seqpacket-client":
        msgs = messages(args[1], args[2:])
        c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        c.connect(args[0])
        for m in msgs:
            c.send(m)
        c.close()
    elif mode == "exec":
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
        os.execvp(args[0], args)
    else:
        sys.exit("fault-peer: unknown mode %r" % mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
