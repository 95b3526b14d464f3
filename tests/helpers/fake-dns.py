#!/usr/bin/env python3
"""A DNS server for tests, on 127.0.0.1:53 of a private network namespace.

    fake-dns.py NAME=ADDR[@DELAY_MS] ...

answers A (IPv4 ADDR) or AAAA (IPv6 ADDR) queries for NAME, each after
DELAY_MS (default 0), every answer on its own timer so that a slow name
holds up no other; a type the name has no address of gets an empty
answer, an unknown name NXDOMAIN.  It says "fake-dns: listening on
127.0.0.1:53" on stderr once bound, and lives at most 60 s.
"""
import signal
import socket
import struct
import sys
import threading

LIMIT = 60


def parse_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def answer(sock, peer, query, table):
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    name, off = parse_name(query, 12)
    qtype, _ = struct.unpack("!HH", query[off:off + 4])
    question = query[12:off + 4]
    entries = table.get(name)
    rcode = 0 if entries is not None else 3
    answers = b""
    count = 0
    for family, packed in entries or []:
        if (qtype == 1 and family == socket.AF_INET) or \
           (qtype == 28 and family == socket.AF_INET6):
            answers += struct.pack("!HHHIH", 0xC00C, qtype, 1, 0,
                                   len(packed)) + packed
            count += 1
    header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode,
                         1, count, 0, 0)
    sock.sendto(header + question + answers, peer)


def main():
    signal.alarm(LIMIT)
    table, delays = {}, {}
    for arg in sys.argv[1:]:
        name, rest = arg.split("=", 1)
        addr, _, delay = rest.partition("@")
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        table.setdefault(name.lower(), []).append(
            (family, socket.inet_pton(family, addr)))
        delays[name.lower()] = int(delay or 0) / 1000.0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    sys.stderr.write("fake-dns: listening on 127.0.0.1:53\n")
    sys.stderr.flush()
    while True:
        query, peer = sock.recvfrom(4096)
        try:
            name, _ = parse_name(query, 12)
        except (IndexError, UnicodeError):
            continue
        threading.Timer(delays.get(name, 0), answer,
                        (sock, peer, query, table)).start()


if __name__ == "__main__":
    main()
