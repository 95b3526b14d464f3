#!/usr/bin/env python3
"""A socket-activation launcher, as systemd-socket-activate does it:

  activate.py [--udp | --unix PATH] PORTFILE CMD [ARGS...]

binds a listening socket (TCP on 127.0.0.1 port 0 by default, a UDP one
with --udp, a Unix stream one at PATH with --unix), writes its port to
PORTFILE, puts it on fd 3 with LISTEN_FDS=1 and LISTEN_PID set to this
process's pid, and execs CMD, which therefore has that pid."""
import os
import socket
import sys

args = sys.argv[1:]
kind, path = "tcp", None
if args and args[0] == "--udp":
    kind = "udp"
    args.pop(0)
elif args and args[0] == "--unix":
    kind = "unix"
    args.pop(0)
    path = args.pop(0)
if len(args) < 2:
    sys.exit(__doc__)
portfile, cmd = args[0], args[1:]
if kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(16)
    port = 0
else:
    s = socket.socket(socket.AF_INET,
                      socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    if kind == "tcp":
        s.listen(16)
    port = s.getsockname()[1]
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(portfile + ".tmp", portfile)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
# The socket may be fd 3 itself, which Python makes close-on-exec.
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execvp(cmd[0], cmd)
