#!/usr/bin/env python3
"""tests/fuzz/mkcorpus.py [NAME...]: write the seed corpora of the fuzz
harnesses into tests/fuzz/corpus/NAME/ (mk/fuzz.mk, tests/fuzz/*.c).

Each seed is a valid input in the harness's own format (documented at the
top of each tests/fuzz/fuzz_NAME.c), so fuzzing starts past the first
checks: well-formed ring packets, a GPT with correct CRCs, SynIC messages
of a whole VMBus bring-up, SCSI answers a real target gives. The seeds are
small and committed; finding-* files (crash reproducers) are left alone.
"""
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.remove(os.path.join(d, f))
    for i, (tag, data) in enumerate(seeds):
        with open(os.path.join(d, "seed-%02d-%s" % (i, tag)), "wb") as f:
            f.write(data)


# ---- ring: 16-byte header + data area from the guest's read index ----

def ring_pkt(ptype, payload, trans_id=1, flags=0, hdr=b"", start=0):
    """One packet as the host writes it (descriptor, payload, pad, trailer)."""
    off8 = (16 + len(hdr)) // 8
    body = hdr + payload
    total = 16 + len(body)
    total = (total + 7) & ~7
    desc = struct.pack("<HHHHQ", ptype, off8, total // 8, flags, trans_id)
    pkt = desc + body
    pkt += b"\0" * (total - len(pkt))
    return pkt + struct.pack("<Q", start << 32)


def ring_seed(packets, rd=0, bufsel=2, feat=1, host_read=0, pss=0):
    data = b""
    for p in packets:
        data += p
    wr = (rd + len(data)) % 8192
    return struct.pack("<IIIBBH", wr, rd, pss, bufsel, feat, host_read) + data


def ring_seeds():
    inband = ring_pkt(6, b"hello ring" * 3, 7, 1)
    comp = ring_pkt(11, bytes(range(64)), 0x1234)
    xfer = ring_pkt(7, b"\x01\x00\x00\x00" + b"x" * 40, 3, hdr=b"\0" * 16)
    big = ring_pkt(6, b"B" * 3000, 9)
    return [
        ("inband", ring_seed([inband])),
        ("three", ring_seed([inband, comp, xfer])),
        ("wrap", ring_seed([comp, big, inband], rd=8192 - 96)),
        ("small-buf", ring_seed([big, comp], bufsel=0)),
        ("pending", ring_seed([comp] * 8, rd=4096, pss=4096, host_read=100)),
    ]


# ---- gpt: control byte + disk image ----

def gpt_disk(nblocks=16, bs=512, nparts=2, entries=4):
    img = bytearray(nblocks * bs)
    esz = 128
    arr = bytearray(entries * esz)
    esp = bytes.fromhex("28732ac11ff8d211ba4b00a0c93ec93b")
    lin = bytes.fromhex("af3dc60f83844772 8e793d69d8477de4".replace(" ", ""))
    first, last = 3, nblocks - 3
    for i in range(nparts):
        e = bytearray(esz)
        e[0:16] = esp if i == 0 else lin
        e[16:32] = bytes([0x40 + i]) * 16
        s = first + i * 2
        struct.pack_into("<QQQ", e, 32, s, s + 1, 0)
        name = ("part%d" % i).encode("utf-16-le")
        e[56:56 + len(name)] = name
        arr[i * esz:(i + 1) * esz] = e
    arr_crc = zlib.crc32(bytes(arr)) & 0xffffffff

    def header(my, alt, elba):
        h = bytearray(92)
        h[0:8] = b"EFI PART"
        struct.pack_into("<IIII", h, 8, 0x00010000, 92, 0, 0)
        struct.pack_into("<QQQQ", h, 24, my, alt, first, last)
        h[56:72] = b"\x11" * 16
        struct.pack_into("<QIII", h, 72, elba, entries, esz, arr_crc)
        struct.pack_into("<I", h, 16, zlib.crc32(bytes(h)) & 0xffffffff)
        return h

    img[bs:bs + 92] = header(1, nblocks - 1, 2)
    img[2 * bs:2 * bs + len(arr)] = arr
    belba = nblocks - 2
    img[belba * bs:belba * bs + len(arr)] = arr
    img[(nblocks - 1) * bs:(nblocks - 1) * bs + 92] = header(nblocks - 1, 1, belba)
    return bytes(img)


def gpt_seeds():
    good = gpt_disk()
    no_primary = bytearray(good)
    no_primary[512:520] = b"NOT PART"
    return [
        ("valid", b"\0" + good),
        ("valid-fixup", b"\3" + good),
        ("backup-only", b"\0" + bytes(no_primary)),
        ("four-parts", b"\3" + gpt_disk(nblocks=24, nparts=4)),
    ]


# ---- cmdline: the line's bytes ----

def cmdline_seeds():
    lines = [
        "console=serial loglevel=6",
        "console=both on_ready=poweroff test=heap vmbus=required",
        "loglevel=9 bogus console=tv on_ready=",
        "\tconsole=fb\r\nvmbus=auto test=",
        " ".join("x%d=1" % i for i in range(12)),
    ]
    return [("line%d" % i, s.encode()) for i, s in enumerate(lines)]


GENERATORS = {
    "ring": ring_seeds,
    "gpt": gpt_seeds,
    "cmdline": cmdline_seeds,
}


def main(argv):
    names = argv[1:] or sorted(GENERATORS)
    for n in names:
        write(n, GENERATORS[n]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
