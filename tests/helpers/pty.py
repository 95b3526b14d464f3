#!/usr/bin/env python3
"""Run a command with a pseudo-terminal as its stdin (stdout and stderr are
left as they are), wait for it and exit with its status.

Without options the terminal never types anything: it is the "idle
terminal" of SPEC's relay rule.  With --type TEXT it types TEXT after
--delay SECONDS (default 0), and with --eof it then types Ctrl-D at the
start of a line, as a user ending the input would.  --ready FILE PATTERN
delays the typing until FILE contains PATTERN (bounded by 30 s), so a test
can type only once the other side is where it must be.

--stderr FILE makes the terminal the command's stderr too, and copies all
the terminal shows (what the command writes to it, with the terminal's
"\r\n" for "\n") to FILE until the command exits.  --keep-stdin leaves
stdin as it was (only stderr is the terminal then)."""
import os
import sys
import time

# This file is itself named pty.py and its directory comes first on
# sys.path: drop it, so that "import pty" finds the standard module.
sys.path.pop(0)
import pty  # noqa: E402

args = sys.argv[1:]
text, delay, eof, ready = None, 0.0, False, None
errlog, keep_stdin = None, False
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--type":
        text = args.pop(0)
    elif opt == "--delay":
        delay = float(args.pop(0))
    elif opt == "--eof":
        eof = True
    elif opt == "--ready":
        ready = (args.pop(0), args.pop(0))
    elif opt == "--stderr":
        errlog = args.pop(0)
    elif opt == "--keep-stdin":
        keep_stdin = True
    elif opt == "--":
        break
    else:
        sys.exit("pty.py: unknown option " + opt)
if not args:
    sys.exit("usage: pty.py [--type TEXT] [--delay S] [--eof] "
             "[--ready FILE PATTERN] [--stderr FILE] [--keep-stdin] "
             "CMD [ARGS...]")
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    if not keep_stdin:
        os.dup2(slave, 0)
    if errlog is not None:
        os.dup2(slave, 2)
    os.close(slave)
    os.execvp(args[0], args)
os.close(slave)
if errlog is not None:
    # Read the terminal while the command runs, so it never blocks on a
    # full terminal; EIO once the command and its children are gone.
    import threading

    def copy():
        with open(errlog, "wb") as out:
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                out.write(data)
                out.flush()
    copier = threading.Thread(target=copy)
    copier.start()
if text is not None or eof:
    if ready is not None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with open(ready[0]) as f:
                    if ready[1] in f.read():
                        break
            except OSError:
                pass
            time.sleep(0.05)
    time.sleep(delay)
    if text is not None:
        os.write(master, text.encode())
    if eof:
        # Ctrl-D ends the input only at the start of a line.
        if text and not text.endswith("\n"):
            os.write(master, b"\x04")
        os.write(master, b"\x04")
_, status = os.waitpid(pid, 0)
if errlog is not None:
    copier.join(10)
os.close(master)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff if os.WIFEXITED(status)
         else 128 + os.WTERMSIG(status))
