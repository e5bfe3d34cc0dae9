#!/usr/bin/env python3
"""tests/shell/terminal.py RESULTS TRANSCRIPT -- RUN-STACK ARGS...: the keys
README and scripts/run-stack.sh promise for `make run`, pressed on a real
terminal. Starts run-stack.sh --interactive (serial on QEMU's mon:stdio) on
a pseudo-terminal, waits for the shell's prompt, then:
  terminal-ctrl-c    Ctrl-C in the middle of a line: the shell answers ^C and
                     a fresh prompt, and QEMU and run-stack keep running
  terminal-ctrl-a-x  Ctrl-A x: run-stack ends with status 0 and removes its
                     guest RAM file (/dev/shm/keel-PID, PID its own)
RUN-STACK ARGS must hold --pidfile FILE: QEMU's pid, to end a stack whose
keys failed. Writes PASS/FAIL lines to RESULTS, the terminal's output to
TRANSCRIPT."""
import os
import pty
import re
import select
import sys
import time

ESC = re.compile(r"\x1b\[[0-9;?=]*[A-Za-z]")


def main():
    results, transcript = sys.argv[1:3]
    cmd = sys.argv[4:]                      # after "--"; must hold --pidfile FILE
    qpidfile = cmd[cmd.index("--pidfile") + 1]
    out = open(results, "a")
    log = open(transcript, "w")

    def report(name, why):
        line = "PASS shell/%s" % name if why is None else "FAIL shell/%s: %s" % (name, why)
        print(line)
        out.write(line + "\n")
        out.flush()

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    buf = ""

    def until(pattern, timeout):
        """Read the terminal until pattern matches what came since the last
        call (escapes and CRs removed); the text, or None (timeout, EOF)."""
        nonlocal buf
        deadline = time.time() + timeout
        while True:
            clean = ESC.sub("", buf).replace("\r", "")
            m = re.search(pattern, clean)
            if m:
                buf = ""
                return clean[:m.end()]
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not r:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:             # the child side closed
                return None
            if not data:
                return None
            text = data.decode("latin-1")
            log.write(text)
            log.flush()
            buf += text

    def exited(timeout):
        """run-stack's exit status once it ended, or None."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p:
                return os.waitstatus_to_exitcode(st)
            until(r"(?!)", 0.3)         # keep the terminal drained
        return None

    def stop():
        """A failed check: end the stack all the same. run-stack defers a
        signal until QEMU ends, so QEMU (its --pidfile) is the one to stop;
        run-stack then tears down keel-host and its files."""
        os.write(fd, b"\x01x")
        if exited(20) is not None:
            return
        try:
            os.kill(int(open(qpidfile).read()), 15)
        except (OSError, ValueError) as e:
            print("terminal.py: cannot stop QEMU: %s" % e)
        exited(30)

    ram = "/dev/shm/keel-%d" % pid         # run-stack names it after its pid
    if until(r"shell: type help", 240) is None:
        report("terminal-ctrl-c", "no shell banner on the terminal within 240 s")
        report("terminal-ctrl-a-x", "not tried")
        stop()
        return
    until(r"(?!)", 2)                       # late boot lines (httpd, the peer)
    buf = ""
    os.write(fd, b"\r")
    until(r"keel> ", 30)
    os.write(fd, b"lsblk\x03")
    got = until(r"lsblk\^C\n(?:[\s\S]*\n)?keel> ", 30)
    if got is None:
        report("terminal-ctrl-c", "no '^C' and fresh prompt after Ctrl-C: %r" % buf[-200:])
    if exited(3) is not None:
        if got is not None:
            report("terminal-ctrl-c", "run-stack ended on Ctrl-C")
        report("terminal-ctrl-a-x", "not tried: run-stack had already ended")
        return
    if got is not None:
        report("terminal-ctrl-c", None)
    os.write(fd, b"\x01x")
    st = exited(60)
    if st is None:
        report("terminal-ctrl-a-x", "run-stack still running 60 s after Ctrl-A x")
        stop()
    elif st != 0:
        report("terminal-ctrl-a-x", "run-stack exit status %d" % st)
    elif os.path.exists(ram):
        report("terminal-ctrl-a-x", "%s is still there" % ram)
    else:
        report("terminal-ctrl-a-x", None)


if __name__ == "__main__":
    main()
