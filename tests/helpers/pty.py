#!/usr/bin/env python3
"""Run a command with a pseudo-terminal as its stdin (stdout and stderr are
left as they are), wait for it and exit with its status.  The terminal
never types anything: it is the "idle terminal" of SPEC's relay rule."""
import os
import sys

# This file is itself named pty.py and its directory comes first on
# sys.path: drop it, so that "import pty" finds the standard module.
sys.path.pop(0)
import pty  # noqa: E402

if len(sys.argv) < 2:
    sys.exit("usage: pty.py CMD [ARGS...]")
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    os.dup2(slave, 0)
    os.close(slave)
    os.execvp(sys.argv[1], sys.argv[1:])
os.close(slave)
_, status = os.waitpid(pid, 0)
os.close(master)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff if os.WIFEXITED(status)
         else 128 + os.WTERMSIG(status))
