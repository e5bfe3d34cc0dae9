#!/usr/bin/env python3
"""tests/shell/drive.py SOCKET RESULTS TRANSCRIPT: type the shell's commands
(apps/shell/) into Keel's COM1, a QEMU unix-socket serial port, and check
each answer. Writes `PASS name` / `FAIL name: why` lines to RESULTS and
everything the guest sent to TRANSCRIPT. Plain Python, no pexpect."""
import re
import socket
import sys
import time

PROMPT = "keel> "
ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Serial:
    def __init__(self, path, transcript):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + 30
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = ""
        self._got = False
        self.log = open(transcript, "w")

    def send(self, text):
        self.sock.sendall(text.encode())

    def until(self, pattern, timeout):
        """Read until pattern matches the text since the last call (escape
        sequences and CRs removed); returns that text, or None on timeout."""
        deadline = time.time() + timeout
        while True:
            clean = ESC.sub("", self.buf).replace("\r", "")
            m = re.search(pattern, clean)
            if m:
                self.buf = ""
                return clean[:m.end()]
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                return None
            text = data.decode("latin-1")
            self._got = True
            self.log.write(text)
            self.log.flush()
            self.buf += text

    def drain(self, quiet=0.3):
        """Read whatever the guest still prints (a late log line and the
        prompt it redraws) until it has been quiet for `quiet` seconds, so
        the next answer is not read one command late."""
        while self.until(r"(?!)", quiet) is None and self._got:
            self._got = False
        self.buf = ""

    def command(self, keys, timeout=30):
        """Type keys (ending in Enter) and return the output up to the next prompt."""
        self.drain()
        self.send(keys)
        return self.until(re.escape(PROMPT), timeout)


HELP_NAMES = ["help", "lsvmbus", "lsblk", "ip", "lspci", "wq", "timers", "stats",
              "log", "mem", "hexdump", "reboot", "poweroff"]

# name, keys typed, regexes the answer must match (multiline)
CHECKS = [
    ("help", "help\r", [r"^\s+%s\s" % n for n in HELP_NAMES]),
    ("lsvmbus", "lsvmbus\r", [r"storvsc\s.*\sready"]),
    ("lsblk", "lsblk\r", [r"^sd0\s+65536\s+512\s+32\s"]),
    ("history-up", "\x1b[A\r", [r"^sd0\s+65536\s+512\s+32\s"]),
    ("hexdump-gpt", "hexdump sd0 1\r", [r"^0000  45 46 49 20 50 41 52 54 .*EFI PART"]),
    ("hexdump-usage", "hexdump sd0\r", [r"usage: hexdump DISK LBA"]),
    ("hexdump-range", "hexdump sd0 65536\r", [r"sd0 has 65536 blocks"]),
    ("backspace", "lsblx\x7fk\r", [r"^sd0\s+65536"]),
    ("ctrl-u", "junk\x15mem\r", [r"^heap: \d+ KiB used", r"^pages: \d+ free"]),
    ("ctrl-c", "poweroff\x03", [r"\^C"]),
    ("left-insert", "hep\x1b[Dl\x1b[C\r", [r"^\s+lsblk\s"]),
    ("unknown", "frobnicate\r", [r"frobnicate: unknown command"]),
    ("wq", "wq\r", [r"^queue 'shell': concurrent", r"^queue 'timer'", r"wait graph at t="]),
    # the shell arms its next poll before it runs a command
    ("timers", "timers\r", [r"^[1-9]\d* armed deadline", r"wake\s+shell-poll"]),
    ("stats", "stats\r", [r"^interrupts: [1-9]\d* taken", r"^vmbus: connected, [1-9]\d* messages",
                          r"^relid\s+\d+ storvsc\s+in [1-9]"]),
    ("log", "log\r", [r"mem: \d+ MiB usable", r"lsvmbus: version"]),
    ("ip", "ip\r", [r"\S"]),
    ("lspci", "lspci\r", [r"no PCI bus"]),
]


def main():
    sock, results, transcript = sys.argv[1:4]
    out = open(results, "a")

    def report(name, why):
        line = "PASS shell/%s" % name if why is None else "FAIL shell/%s: %s" % (name, why)
        print(line)
        out.write(line + "\n")
        out.flush()

    s = Serial(sock, transcript)
    if s.until(r"shell: type help", 240) is None:
        report("prompt", "no shell banner within 240 s")
        return
    got = s.command("\r")
    report("prompt", None if got is not None else "no prompt after Enter")
    for name, keys, want in CHECKS:
        got = s.command(keys)
        if got is None:
            report(name, "no prompt after %r" % keys)
            continue
        missing = [w for w in want if not re.search(w, got, re.M)]
        report(name, None if not missing else "missing /%s/ in %r" % (missing[0], got[-600:]))
    # stay connected until QEMU ends: the orderly shutdown flushes sd0 first
    s.send("poweroff\r")
    got = s.until(r"shutdown: sd0 flushed[\s\S]*keel: powering off", 120)
    report("poweroff-sequence", None if got is not None else "no flush and power-off lines")
    s.until(r"a^", 60)              # read until QEMU closes the socket


if __name__ == "__main__":
    main()
