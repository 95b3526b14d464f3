#!/usr/bin/env python3
"""A thread-per-client echo server with socketserver.ThreadingTCPServer,
as the socketserver documentation teaches it, for bench/echo.sh.

usage: py-threading-echo.py [PORT]   (default 0: the kernel picks one)
Prints "listening on 127.0.0.1:PORT" on stderr once it accepts.
"""
import resource
import socketserver
import sys
import threading


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                data = self.request.recv(65536)
                if not data:
                    break
                self.request.sendall(data)
        except ConnectionError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 4096


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # Thousands of threads: keep each stack small.
    threading.stack_size(256 * 1024)
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with Server(("127.0.0.1", port), EchoHandler) as server:
        print("listening on 127.0.0.1:%d" % server.server_address[1],
              file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
