#!/usr/bin/env python3
"""tls-peer.py: a TLS peer made with Python's ssl module, for tests/tls.bats.

    tls-peer.py server --cert FILE --key FILE [options]
        Listens on 127.0.0.1 (--bind ADDR) port 0 and says
        "listening on ADDR:PORT" on stderr, like sockcat -v; serves one
        connection, then exits.
    tls-peer.py client --port PORT [--host ADDR] [options]
        Connects to ADDR:PORT (default 127.0.0.1).

Either side, after the handshake: writes one line "sni=NAME alpn=PROTO
version=VERSION peer=CN" to --info FILE ("-" for none), sends --send FILE,
then reads until the peer's close_notify into --recv FILE and sends its
own close_notify.  Instead, --no-close-notify ends the TCP connection
after sending, without close_notify, and --close-first sends
close_notify after sending and waits for the peer's (reading nothing
else: an EOF without it is a failure).  Exit status: 0, or
1 with the ssl module's error on stderr.  Every socket call is bounded by
a 20 s timeout.
"""
import argparse
import socket
import ssl
import sys

TIMEOUT = 20


def cn_of(cert):
    if not cert:
        return "-"
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return "?"


def report(conn, args, sni):
    if not args.info:
        return
    line = "sni=%s alpn=%s version=%s peer=%s\n" % (
        sni[0] if sni and sni[0] else "-",
        conn.selected_alpn_protocol() or "-",
        conn.version(), cn_of(conn.getpeercert()))
    with open(args.info, "w") as f:
        f.write(line)


def relay(conn, args):
    if args.send:
        with open(args.send, "rb") as f:
            conn.sendall(f.read())
    if args.close_first:
        # Our close_notify first, then wait for the peer's: an EOF
        # without one fails (exit 1).
        conn.unwrap()
        conn.close()
        return
    if args.no_close_notify:
        # SSLSocket.shutdown() drops the TLS session without a word (no
        # close_notify): the peer sees a bare FIN.  What comes after is
        # read as raw records and thrown away, until the peer closes.
        conn.shutdown(socket.SHUT_WR)
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()
        return
    got = []
    while True:
        data = conn.recv(65536)
        if not data:
            break
        got.append(data)
    if args.recv:
        with open(args.recv, "wb") as f:
            f.write(b"".join(got))
    try:
        conn.unwrap()
    except (ssl.SSLError, OSError):
        # The peer may have closed at once after its close_notify.
        pass
    conn.close()


def versions(ctx, args):
    if args.max_version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))


def server(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)
    versions(ctx, args)
    sni = [None]

    def on_sni(sslobj, name, context):
        sni[0] = name

    ctx.sni_callback = on_sni
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.bind((args.bind, 0))
    lsock.listen(1)
    lsock.settimeout(TIMEOUT)
    port = lsock.getsockname()[1]
    host = "[%s]" % args.bind if family == socket.AF_INET6 else args.bind
    print("listening on %s:%d" % (host, port), file=sys.stderr, flush=True)
    sock, _ = lsock.accept()
    lsock.close()
    sock.settimeout(TIMEOUT)
    conn = ctx.wrap_socket(sock, server_side=True)
    report(conn, args, sni)
    relay(conn, args)


def client(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if args.cafile:
        ctx.load_verify_locations(args.cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    versions(ctx, args)
    sock = socket.create_connection((args.host, args.port), timeout=TIMEOUT)
    conn = ctx.wrap_socket(sock, server_hostname=args.server_name or args.host)
    report(conn, args, [None])
    relay(conn, args)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=("server", "client"))
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int)
    p.add_argument("--server-name")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--cafile")
    p.add_argument("--client-ca")
    p.add_argument("--alpn")
    p.add_argument("--max-version")
    p.add_argument("--send")
    p.add_argument("--recv")
    p.add_argument("--info")
    p.add_argument("--no-close-notify", action="store_true")
    p.add_argument("--close-first", action="store_true")
    args = p.parse_args()
    try:
        if args.role == "server":
            server(args)
        else:
            client(args)
    except (ssl.SSLError, OSError) as e:
        print("tls-peer: %s: %s" % (args.role, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
