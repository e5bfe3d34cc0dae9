#!/usr/bin/env python3
"""tests/shell/drive.py SOCKET RESULTS TRANSCRIPT DUMP: type the shell's
commands (apps/shell/) into Keel's COM1, a QEMU unix-socket serial port, and
check each answer. The stack (tests/shell/run.sh) has a NIC on keel-host's
built-in peer (DHCP lease 10.0.2.15), a vPCI bus with the function whose
config space is the `lspci -xxxx` dump DUMP, and httpd running beside the
shell; QEMU resets on `reboot`, so Keel must boot again and answer. Writes
`PASS name` / `FAIL name: why` lines to RESULTS and everything the guest
sent to TRANSCRIPT. Plain Python, no pexpect."""
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
        self.all = ""               # everything since the connection
        self._got = False
        self.log = open(transcript, "w")

    def send(self, text):
        """False when QEMU has closed the socket (the guest is gone)."""
        try:
            self.sock.sendall(text.encode())
        except OSError:
            return False
        return True

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
            self.all += ESC.sub("", text).replace("\r", "")

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
    ("lsvmbus", "lsvmbus\r", [r"storvsc\s.*\sready", r"netvsc\s.*\sready", r"vpci\s.*\sready"]),
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
    # httpd's queue beside the shell's; the NIC's two queues by two names
    ("wq", "wq\r", [r"^queue 'shell': concurrent", r"^queue 'httpd': concurrent", r"^queue 'timer'",
                    r"^queue 'netvsc-r\d+':", r"^queue 'netvsc_if':", r"wait graph at t="]),
    # the shell arms its next poll before it runs a command
    ("timers", "timers\r", [r"^[1-9]\d* armed deadline", r"wake\s+shell-poll"]),
    ("stats", "stats\r", [r"^interrupts: [1-9]\d* taken", r"^vmbus: connected, [1-9]\d* messages",
                          r"^relid\s+\d+ storvsc\s+in [1-9]"]),
    ("log", "log\r", [r"mem: \d+ MiB usable", r"lsvmbus: version"]),
    # the built-in peer's DHCP lease (keelhost/peer.c)
    ("ip", "ip\r", [r"^eth0: <UP,LOWER_UP> mtu 1500", r"^\s+inet 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(dhcp\)"]),
    # lspci: the ids and class come from the dump (dump_ids)
]


def dump_ids(path):
    """vendor:device and class (class, subclass, prog-if) of an lspci -xxxx
    dump, read from its first config-space line ("00: b0 b1 ... b15")."""
    for line in open(path):
        if line.startswith("00: "):
            b = line.split()[1:]
            return "%s%s:%s%s" % (b[1], b[0], b[3], b[2]), "%s%s%s" % (b[11], b[10], b[9])
    raise SystemExit("drive.py: no '00:' line in %s" % path)


def check(s, report, name, keys, want):
    got = s.command(keys)
    if got is None:
        report(name, "no prompt after %r" % keys)
        return
    missing = [w for w in want if not re.search(w, got, re.M)]
    report(name, None if not missing else "missing /%s/ in %r" % (missing[0], got[-600:]))


def main():
    sock, results, transcript, dump = sys.argv[1:5]
    ids, cls = dump_ids(dump)
    checks = CHECKS + [("lspci", "lspci\r", [r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] Class %s: Device %s"
                                               % (cls, ids)])]
    out = open(results, "a")

    def report(name, why):
        line = "PASS shell/%s" % name if why is None else "FAIL shell/%s: %s" % (name, why)
        print(line)
        out.write(line + "\n")
        out.flush()

    try:
        s = Serial(sock, transcript)
    except OSError as e:
        report("prompt", "cannot connect to the serial socket %s: %s" % (sock, e))
        return
    if s.until(r"shell: type help", 240) is None:
        report("prompt", "no shell banner within 240 s")
        return
    got = s.command("\r")
    report("prompt", None if got is not None else "no prompt after Enter")
    for name, keys, want in checks:
        check(s, report, name, keys, want)
    # the application started beside the shell (its boot log lines)
    want = [r"^httpd: listening on port 80", r"^app: httpd started", r"^app: shell started"]
    missing = [w for w in want if not re.search(w, s.all, re.M)]
    report("httpd-beside", None if not missing else "missing /%s/ in the serial log" % missing[0])
    # reboot: the orderly shutdown, a reset (run-stack.sh --reset), the
    # firmware and Keel again, which finds keel-host and its prompt answers
    s.drain()
    s.send("reboot\r")
    got = s.until(r"shutdown: restarting[\s\S]*keel: kernel started[\s\S]*"
                  r"vmbus: connected[\s\S]*shell: type help", 240)
    report("reboot", None if got is not None else
           "no restart, second kernel start, VMBus connection and shell banner: %r" % s.buf[-300:])
    if got is None:
        report("poweroff-sequence", "not tried: no Keel after the reboot")
        return
    check(s, report, "after-reboot", "lsblk\r", [r"^sd0\s+65536\s+512\s+32\s"])
    # stay connected until QEMU ends: the orderly shutdown flushes sd0 first
    s.drain()
    got = s.until(r"shutdown: sd0 flushed[\s\S]*keel: powering off", 120) if s.send("poweroff\r") else None
    report("poweroff-sequence", None if got is not None else "no flush and power-off lines")
    s.until(r"a^", 60)              # read until QEMU closes the socket


if __name__ == "__main__":
    main()
