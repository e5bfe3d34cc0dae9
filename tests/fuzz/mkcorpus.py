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
import subprocess
import sys
import uuid
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


# ---- storvsc: mode byte + records (tests/fuzz/fuzz_storvsc.c) ----

INQUIRY = bytes([0, 0, 6, 2, 31, 0, 0, 0x02]) + b"Msft    Virtual Disk    1.0 "
VPD0 = bytes([0, 0, 0, 4, 0x00, 0x80, 0x83, 0xB0])
VPD80 = bytes([0, 0x80, 0, 3]) + b"SN0"
VPD83 = bytes([0, 0x83, 0, 12, 0x01, 0x03, 0, 8]) + bytes.fromhex("6005056789abcdef")
VPDB0 = bytes([0, 0xB0, 0, 0x3C]) + bytes(4) + struct.pack(">I", 256) + bytes(52)
RC16 = struct.pack(">QI", 4095, 512) + bytes([0, 0, 0x80, 0]) + bytes(16)
RC10 = struct.pack(">II", 4095, 512)
RLUNS = struct.pack(">II", 16, 0) + bytes(8) + bytes([0, 1]) + bytes(6)
SENSE_UA = bytes([0x70, 0, 6, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x2A, 0x09]) + bytes(4)


def srb_answer(data=b"", srb=1, scsi=0, sense=b""):
    """One fake-target answer: srb, scsi, sense len, xfer u16, data len, data, sense."""
    return (bytes([srb, scsi, len(sense)]) + struct.pack("<H", len(data)) +
            bytes([len(data)]) + data + sense)


def storvsc_seeds():
    lun = [INQUIRY, VPD0, VPD80, VPD83, VPDB0, b"", RC16]
    scan = bytes([2, 0, 15]) + srb_answer(RLUNS)
    for _ in range(2):
        scan += b"".join(srb_answer(x) for x in lun)
    ua = bytes([2, 0, 15]) + srb_answer(RLUNS) + srb_answer(INQUIRY) + \
        srb_answer(srb=0x84, scsi=2, sense=SENSE_UA) + srb_answer(RC10)
    # mode 1: 3 reads/writes, then good completions, a duplicate, time
    io = bytes([1, 0, 15, 2]) + bytes([0, 8, 0, 8]) + bytes([1, 16, 0, 200]) + bytes([4, 0, 1, 1])
    for sel in range(3):
        io += bytes([0, sel, 0, 1, 0, 0])
    io += bytes([0x80, 0, 0, 1, 0, 0]) + bytes([4, 200]) + bytes([2, 1, 8, 11])
    bad = bytes([1, 1, 3, 2]) + bytes([0, 8, 0, 8, 1, 0, 0, 8]) + \
        bytes([0, 0, 0, 1, 2, 4, 0x84, 2, 18]) + bytes([0, 1, 0, 0, 0, 0]) + bytes([4, 255])
    return [
        ("parse-inquiry", b"\0" + INQUIRY),
        ("parse-sense", b"\0" + bytes([0x84, 2]) + SENSE_UA),
        ("parse-rluns", b"\0" + RLUNS),
        ("parse-rc16", b"\0" + RC16),
        ("parse-vpd83", b"\0" + VPD83),
        ("scan", scan),
        ("scan-ua", ua),
        ("io", io),
        ("io-bad", bad),
    ]


# ---- mailbox: the 512-byte mailbox, then response records ----

def mailbox_header(switches=(b"echo-subchannels=2", b"disk-hash"), nsw=None):
    mb = bytearray(512)
    struct.pack_into("<QIIIIII", mb, 0, 0x54534f484c45454b, 1, 0x10000, 0, 1,
                     len(switches) if nsw is None else nsw, 0)
    for i, sw in enumerate(switches[:8]):
        mb[256 + 32 * i:256 + 32 * i + len(sw[:32])] = sw[:32]
    return bytes(mb)


def mailbox_seeds():
    honest = mailbox_header()
    rec_ok = bytes([1]) + bytes(8)
    stale = bytes([2]) + struct.pack("<Q", 7)
    refused = bytes([4]) + struct.pack("<Q", 0) + bytes([1])
    irqs = struct.pack("<QQQQ", 1 << 32, 0, 1 << 17, 1 << 63) * 2
    return [
        ("honest", honest),
        ("records", honest + stale + rec_ok + refused + rec_ok * 3),
        ("irqs", honest + rec_ok * 70 + irqs),
        ("switches", mailbox_header([b"A" * 32] * 8, nsw=100)),
        ("ping-wrong", honest + rec_ok + bytes([0]) + struct.pack("<Q", 99)),
    ]


# ---- vmbus_msg: device byte + records [ctl][len][VMBus message] ----

ECHO_CLASS = uuid.UUID("9917ce35-978b-4185-9ba0-a011f15b9229").bytes_le
STORAGE_CLASS = uuid.UUID("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f").bytes_le
FIRST_GPADL = 0x4B450001        # vmbus/connection.c starts handles at 0x4B450000


def vmsg(msgtype, body=b""):
    return struct.pack("<II", msgtype, 0) + body


def version_response(ok=1, conn_id=1):
    return vmsg(15, struct.pack("<BBHI", ok, 0, 0, conn_id) + struct.pack("<I", 0))


def offer(cls, inst, relid, sub=0, conn=None):
    b = bytearray(196 - 8)
    b[0:16] = cls
    b[16:32] = inst
    struct.pack_into("<H", b, 180 - 8, sub)
    struct.pack_into("<IBBHI", b, 184 - 8, relid, 0, 0, 1, relid if conn is None else conn)
    return vmsg(1, bytes(b))


def rec(msg, ctl=1):
    return bytes([ctl, len(msg)]) + msg


def vmbus_msg_seeds():
    inst = bytes(range(16))
    up = rec(version_response()) + rec(offer(ECHO_CLASS, inst, 1)) + rec(vmsg(4))
    opened = up + rec(vmsg(10, struct.pack("<III", 1, FIRST_GPADL, 0))) + \
        rec(vmsg(6, struct.pack("<III", 1, 1, 0)))
    gone = opened + rec(vmsg(2, struct.pack("<I", 1)), ctl=3) + \
        rec(vmsg(12, struct.pack("<I", FIRST_GPADL)), ctl=3)
    disk = rec(version_response()) + rec(offer(STORAGE_CLASS, inst, 2)) + rec(vmsg(4)) + \
        rec(vmsg(10, struct.pack("<III", 2, FIRST_GPADL, 0))) + \
        rec(vmsg(6, struct.pack("<III", 2, 1, 0)))
    refused = rec(version_response(ok=0)) + rec(version_response(), ctl=2) + \
        rec(vmsg(17), ctl=3)
    return [
        ("bringup", b"\0" + up),
        ("opened", b"\0" + opened),
        ("rescind", b"\0" + gone),
        ("storage", b"\1" + disk),
        ("version-refused", b"\0" + refused),
    ]


# ---- msgpath: setup byte (+ scheduling and fault bytes) ----

def msgpath_seeds():
    seeds = [("setup-%02d" % b, bytes([b])) for b in range(16)]
    # a network device (bit 4), the four ICs (bit 5), both, on each profile
    seeds += [("setup-%02d" % b, bytes([b])) for b in (16, 17, 18, 19, 32, 33, 34, 35, 48, 59)]
    # a few runs whose first host messages are spoiled in each way (fault 4,
    # unasked sub-channel offers, has its reproducer: finding-echo-subchan-*)
    for op in (0, 1, 2, 3, 5, 6, 7):
        seeds.append(("fault-%d" % op, bytes([4]) + bytes([0, 160 + op, 1, 2, 3]) * 24))
    return seeds


# ---- netvsc: control byte, packet length, transfer-page packet, receive buffer ----

def rndis(mtype, body):
    return struct.pack("<II", mtype, 8 + len(body)) + body


def rndis_data(frame, ppis=b""):
    """A PACKET message: 36-byte body header, per-packet info, then the frame."""
    ppi_off = 36 if ppis else 0
    data_off = 36 + len(ppis)
    hdr = struct.pack("<9I", data_off, len(frame), 0, 0, 0, ppi_off, len(ppis), 0, 0)
    return rndis(1, hdr + ppis + frame)


def ppi(ptype, data):
    return struct.pack("<III", 12 + len(data), ptype, 12) + data


def xfer_packet(ranges, pageset=0, channel_type=0):
    """VMBus type 7: descriptor, transfer-page header, ranges, NVSP SEND_RNDIS_PKT."""
    hdr = struct.pack("<HBBI", pageset, 0, 0, len(ranges))
    rng = b"".join(struct.pack("<II", c, o) for c, o in ranges)
    off = 16 + len(hdr) + len(rng)
    off = (off + 7) & ~7
    body = hdr + rng + b"\0" * (off - 16 - len(hdr) - len(rng))
    nvsp = struct.pack("<IIII", 107, channel_type, 0xFFFFFFFF, 0)
    total = 16 + len(body) + len(nvsp)
    desc = struct.pack("<HHHHQ", 7, off // 8, total // 8, 1, 42)
    return desc + body + nvsp, off // 8


def netvsc_seed(msgs, channel_type=0, sub6144=False):
    """msgs laid out at 1728-byte sub-allocations of the receive buffer."""
    step = 6144 if sub6144 else 1728
    rbuf = b""
    ranges = []
    for m in msgs:
        ranges.append((len(m), len(rbuf)))
        rbuf += m + b"\0" * (step - len(m))
    pkt, off8 = xfer_packet(ranges, channel_type=channel_type)
    ctl = off8 | (0x20 if sub6144 else 0)
    return bytes([ctl]) + struct.pack("<H", len(pkt)) + pkt + rbuf


def netvsc_seeds():
    arp = bytes.fromhex("ffffffffffff00155d000001" "0806" "0001080006040001"
                        "00155d000001c0a80001" "000000000000c0a80002")
    udp = (bytes.fromhex("00155d00000200155d000001" "0800") +
           bytes.fromhex("4500001c00010000401100000a0000010a000002") +
           bytes.fromhex("0035003500080000"))
    csum = ppi(0, struct.pack("<I", 0x0000000a))
    init_c = rndis(0x80000002, struct.pack("<11I", 1, 0, 1, 0, 1, 0, 1, 0x4000, 3, 0, 0))
    query_c = rndis(0x80000004, struct.pack("<4I", 2, 0, 4, 16) + struct.pack("<I", 1500))
    set_c = rndis(0x80000005, struct.pack("<II", 3, 0))
    link = rndis(7, struct.pack("<III", 0x4001000B, 0, 0))
    speed = rndis(7, struct.pack("<III", 0x40010013, 4, 12) + struct.pack("<I", 100000))
    return [
        ("init-c", netvsc_seed([init_c], channel_type=1)),
        ("query-mtu", netvsc_seed([query_c], channel_type=1)),
        ("set-c", netvsc_seed([set_c], channel_type=1)),
        ("link-up", netvsc_seed([link], channel_type=1)),
        ("indicate-buf", netvsc_seed([speed], channel_type=1)),
        ("data-arp", netvsc_seed([rndis_data(arp)])),
        ("data-csum-ppi", netvsc_seed([rndis_data(udp, csum)])),
        ("data-3", netvsc_seed([rndis_data(arp), rndis_data(udp, csum), rndis_data(arp)])),
        ("data-6144", netvsc_seed([rndis_data(udp)], sub6144=True)),
    ]


# ---- netvsc_rx: control byte, receive buffer, then ring packets ----

def vmbus_pkt(ptype, payload, trans_id, flags=0):
    payload += b"\0" * (-len(payload) % 8)
    return struct.pack("<HHHHQ", ptype, 2, 2 + len(payload) // 8, flags, trans_id) + payload


def netvsc_rx_seed(msgs, ctl=0, extra=(), expect=None, ids=None):
    rbuf = b""
    ranges = []
    for m in msgs:
        ranges.append((len(m), len(rbuf)))
        rbuf += m + b"\0" * (1728 - len(m))
    pkts = [xfer_packet(ranges, pageset=0xCAFE,
                        channel_type=0 if msgs and msgs[0][0] == 1 else 1)[0]] \
        if msgs else []
    pkts += list(extra)
    head = bytes([ctl]) + struct.pack("<H", len(rbuf)) + rbuf
    if expect is not None:
        head += bytes([expect])
    return head + b"".join(struct.pack("<H", len(p)) + p for p in pkts)


def netvsc_rx_seeds():
    arp = bytes.fromhex("ffffffffffff00155d000001" "0806" "0001080006040001"
                        "00155d000001c0a80001" "000000000000c0a80002")
    query_c = rndis(0x80000004, struct.pack("<4I", 1, 0, 4, 16) + struct.pack("<I", 1500))
    link = rndis(7, struct.pack("<III", 0x4001000B, 0, 0))
    ctl_id = 1 << 62
    tx_id = (2 << 62) | 3
    recv_c = struct.pack("<IIII", 102, 1, 1, 0) + struct.pack("<IIII", 0, 1728, 16, 1728 * 16)
    tx_c = struct.pack("<II", 108, 1)
    inband = vmbus_pkt(6, struct.pack("<I", 134) + b"\0" * 12, 9, flags=1)
    return [
        ("data", netvsc_rx_seed([rndis_data(arp), rndis_data(arp)])),
        ("query-c", netvsc_rx_seed([query_c], ctl=2)),
        ("link", netvsc_rx_seed([link])),
        ("ctl-comp", netvsc_rx_seed([], ctl=4, expect=2,
                                    extra=[vmbus_pkt(11, recv_c, ctl_id)])),
        ("tx-comp-inband", netvsc_rx_seed([], extra=[vmbus_pkt(11, tx_c, tx_id), inband])),
        ("ring-full", netvsc_rx_seed([rndis_data(arp)], ctl=0x58,
                                     extra=[xfer_packet([(len(link), 0)], pageset=0xCAFE,
                                                        channel_type=1)[0]])),
    ]


# ---- ic: records of a 16-bit length and one IC packet payload ----

def ic_packet(mtype, body, ver=(3, 0)):
    """Pipe header, IC header (framework 3.0, a host request), body."""
    ic = struct.pack("<HHHHHHIBBH", 3, 0, mtype, ver[0], ver[1], len(body), 0, 1, 0x03, 0)
    return struct.pack("<II", 1, len(ic) + len(body)) + ic + body


def ic_rec(mtype, body, ver=(3, 0)):
    p = ic_packet(mtype, body, ver)
    return struct.pack("<H", len(p)) + p


def utf16z(s):
    return (s + "\0").encode("utf-16-le")


def kvp_value(key, value, vtype=1):
    k, v = utf16z(key), utf16z(value)
    return (struct.pack("<III", vtype, len(k), len(v)) + k.ljust(512, b"\0") +
            v.ljust(2048, b"\0"))


def ic_seeds():
    neg = struct.pack("<HHI", 2, 3, 0) + struct.pack("<6H", 3, 0, 1, 0, 5, 0) + \
        struct.pack("<4H", 4, 0, 3, 0)
    setv = ic_rec(2, struct.pack("<BBH", 1, 0, 0) + kvp_value("VirtualMachineName", "keel-vm"))
    getv = ic_rec(2, struct.pack("<BBH", 0, 0, 0) + kvp_value("VirtualMachineName", ""))
    enum = ic_rec(2, struct.pack("<BBHI", 3, 3, 0, 0) + kvp_value("", ""))
    dele = ic_rec(2, struct.pack("<BBHI", 2, 0, 0, 38) +
                  utf16z("VirtualMachineName").ljust(512, b"\0"))
    return [
        ("negotiate", ic_rec(0, neg)),
        ("heartbeat", ic_rec(0, neg) + ic_rec(1, struct.pack("<Q", 7) + b"\0" * 8)),
        ("kvp-set-get", ic_rec(0, neg) + setv + getv),
        ("kvp-enum-delete", setv + enum + dele + getv),
        ("shutdown", ic_rec(3, struct.pack("<IIB", 0, 0, 0) + b"\0" * 2048)),
    ]


# ---- vpci: one message ----

def vpci_desc(slot, v2=False):
    d = struct.pack("<HHBBBBIII", 0x15B3, 0x101A, 0, 0, 0, 2, 0x15B30001, slot, 1)
    return d + (struct.pack("<IHH", 1, 0, 0) if v2 else b"")


def vpci_seeds():
    bars = struct.pack("<7I", 0, 0xFFF0000C, 0xFFFFFFFF, 0xFFFFE000, 0, 0, 0)
    return [
        ("relations-1", struct.pack("<II", 0x42490000, 1) + vpci_desc(0)),
        ("relations2-2", struct.pack("<II", 0x42490019, 2) + vpci_desc(0, True) +
         vpci_desc(1, True)),
        ("relations-0", struct.pack("<II", 0x42490000, 0)),
        ("bars", bars),
    ]


# ---- nvme: a 40-byte queue header, then one page of controller data ----

def nvme_hdr(depth=32, busy=0, phase=1, head=0, qid=1, passes=1, gens=None):
    gens = gens or [1] * 32
    return struct.pack("<BIBBB", (depth - 2) % 31, busy, phase | head << 1, qid,
                       passes - 1) + bytes(gens)


def nvme_page(fields):
    page = bytearray(4096)
    for off, data in fields:
        page[off:off + len(data)] = data
    return bytes(page)


def nvme_cqe(cid, sqhd, sqid=1, phase=1, sc=0, dw0=0):
    return struct.pack("<IIHHHH", dw0, 0, sqhd, sqid, cid, phase | sc << 1)


def nvme_seeds():
    id_ctrl = nvme_page([(4, b"KEEL0001".ljust(20)),
                         (24, b"Keel Simulated NVMe".ljust(40)),
                         (77, b"\x05"), (512, b"\x66\x44"),
                         (516, struct.pack("<I", 1)), (520, struct.pack("<H", 4))])
    id_ns = nvme_page([(0, struct.pack("<QQ", 65536, 65536)), (25, b"\x01\x01"),
                       (128, struct.pack("<II", 9 << 16, 12 << 16))])
    ns_list = nvme_page([(0, struct.pack("<4I", 1, 2, 7, 0))])
    gens = [(i * 7 + 1) & 0xFF for i in range(32)]
    cq = b"".join(nvme_cqe(i | gens[i] << 8, i + 1, sc=(0x80 if i == 2 else 0))
                  for i in range(4))
    wrap = (nvme_cqe(0 | gens[0] << 8, 0, phase=0) + nvme_cqe(1 | gens[1] << 8, 1, phase=0) +
            nvme_cqe(5 | gens[5] << 8, 2) + nvme_cqe(3 | gens[3] << 8, 3))
    seeds = [
        ("id-ctrl", nvme_hdr() + id_ctrl),
        ("id-ns", nvme_hdr() + id_ns),
        ("ns-list", nvme_hdr(busy=0xFF) + ns_list),
        ("cq", nvme_hdr(busy=0x0F, passes=2, gens=gens) + nvme_page([(0, cq)])),
        ("cq-wrap", nvme_hdr(depth=4, busy=0x0B, head=3, passes=3, gens=gens) +
         nvme_page([(0, wrap)])),
    ]
    # The harness zero-fills the page: trailing zeros need not be stored.
    return [(tag, data.rstrip(b"\0")) for tag, data in seeds]


# ---- net: records of a 16-bit length and one Ethernet frame ----

NET_OUR_MAC = bytes.fromhex("00155d000002")
NET_PEER_MAC = bytes.fromhex("020000000001")
NET_PEER_IP = bytes([10, 0, 0, 1])
NET_OUR_IP = bytes([10, 0, 0, 2])


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return struct.pack("!H", ~s & 0xFFFF)


def eth(dst, etype, payload):
    return dst + NET_PEER_MAC + struct.pack("!H", etype) + payload


def ipv4(proto, payload):
    h = struct.pack("!BBHHHBB2s4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto,
                    b"\0\0", NET_PEER_IP, NET_OUR_IP)
    h = h[:10] + csum(h) + h[12:]
    return eth(NET_OUR_MAC, 0x0800, h + payload)


def l4(proto, seg):
    pseudo = NET_PEER_IP + NET_OUR_IP + struct.pack("!BBH", 0, proto, len(seg))
    at = 16 if proto == 6 else 6
    return seg[:at] + csum(pseudo + seg) + seg[at + 2:]


def ipv6_icmp(dst_mac, dst, icmp):
    src = bytes.fromhex("fe800000000000000000000000000001")
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + csum(pseudo + icmp) + icmp[4:]
    h = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + src + dst
    return eth(dst_mac, 0x86DD, h + icmp)


def net_rec(frame):
    return struct.pack("<H", len(frame)) + frame


def net_seeds():
    arp = eth(b"\xff" * 6, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
              NET_PEER_MAC + NET_PEER_IP + b"\0" * 6 + NET_OUR_IP)
    ping = ipv4(1, (lambda m: m[:2] + csum(m) + m[4:])(
        struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"keel" * 8))
    syn = ipv4(6, l4(6, struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, 0x50, 0x02,
                                    65535, 0, 0)))
    udp = ipv4(17, l4(17, struct.pack("!HHHH", 67, 68, 8 + 16, 0) + b"\0" * 16))
    ns_dst = bytes.fromhex("ff0200000000000000000001ff000002")
    ns = ipv6_icmp(bytes.fromhex("3333ff000002"), ns_dst,
                   struct.pack("!BBHI", 135, 0, 0, 0) +
                   bytes.fromhex("fe800000000000000215 5dff fe000002".replace(" ", "")))
    ra = ipv6_icmp(bytes.fromhex("333300000001"), bytes.fromhex("ff02" + "00" * 13 + "01"),
                   struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) +
                   struct.pack("!BBBBII4x", 3, 4, 64, 0xC0, 86400, 14400) +
                   bytes.fromhex("20010db8000000000000000000000000"))
    return [
        ("arp", net_rec(arp)),
        ("arp-short", net_rec(arp[:14 + 20])),
        ("ping", net_rec(arp) + net_rec(ping)),
        ("tcp-syn-80", net_rec(arp) + net_rec(syn)),
        ("udp-dhcp", net_rec(udp)),
        ("ipv6-ns", net_rec(ns)),
        ("ipv6-ra", net_rec(ra)),
    ]


# ---- netpeer: the same records, frames from the guest to keel-host's peer ----

NP_GUEST_MAC = bytes.fromhex("00155d000006")
NP_PEER_MAC = bytes.fromhex("02005e000001")
NP_GUEST_IP = bytes([10, 0, 2, 15])
NP_PEER_IP = bytes([10, 0, 2, 2])


def np_ipv4(proto, payload, src=NP_GUEST_IP, dst=NP_PEER_IP, dst_mac=NP_PEER_MAC):
    if proto in (6, 17):
        pseudo = src + dst + struct.pack("!BBH", 0, proto, len(payload))
        at = 16 if proto == 6 else 6
        payload = payload[:at] + csum(pseudo + payload) + payload[at + 2:]
    h = struct.pack("!BBHHHBB2s4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto,
                    b"\0\0", src, dst)
    h = h[:10] + csum(h) + h[12:]
    return dst_mac + NP_GUEST_MAC + struct.pack("!H", 0x0800) + h + payload


def np_tcp(seq, ack, flags, data=b"", sport=80, dport=41000):
    return np_ipv4(6, struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags,
                                  65535, 0, 0) + data)


def netpeer_seeds():
    arp = (b"\xff" * 6 + NP_GUEST_MAC + struct.pack("!H", 0x0806) +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + NP_GUEST_MAC + NP_GUEST_IP +
           b"\0" * 6 + NP_PEER_IP)
    bootp = bytearray(300)
    bootp[0:3] = b"\x01\x01\x06"
    bootp[4:8] = b"keel"
    bootp[28:34] = NP_GUEST_MAC
    bootp[236:240] = struct.pack("!I", 0x63825363)
    bootp[240:244] = b"\x35\x01\x01\xff"
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bytes(bootp)
    discover = np_ipv4(17, udp, src=b"\0" * 4, dst=b"\xff" * 4, dst_mac=b"\xff" * 6)
    reply = (lambda m: m[:2] + csum(m) + m[4:])(
        struct.pack("!BBHHH", 0, 0, 0, 0x4b50, 1) + bytes(range(0x20, 0x58)))
    ans = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n<html><title>Keel</title></html>"
    return [
        ("arp", net_rec(arp)),
        ("dhcp-discover", net_rec(discover)),
        ("echo-reply", net_rec(np_ipv4(1, reply))),
        ("http-answer", net_rec(np_tcp(5001, 78 + 18, 0x18, ans)) +
         net_rec(np_tcp(5001 + len(ans), 78 + 18, 0x11))),
    ]


# ---- lz4: control byte, then an LZ4 frame as the lz4 tool writes it ----

def lz4_frame(data, *opts):
    """`lz4 --content-size` output (the tool needs a file for the size)."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in")
        with open(src, "wb") as f:
            f.write(data)
        subprocess.run(["lz4", "-q", "-f", "--content-size", *opts, src, src + ".lz4"],
                       check=True)
        with open(src + ".lz4", "rb") as f:
            return f.read()


def lz4_seeds():
    text = b"".join(b"keel: line %d of a boot log, mostly the same\n" % i for i in range(60))
    import hashlib
    noise = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(22))
    return [
        ("text-l12", b"\0" + lz4_frame(text, "-12")),
        ("text-l1-blocksum", b"\0" + lz4_frame(text, "-1", "-BX")),
        ("zeros-overlap", b"\0" + lz4_frame(bytes(3000), "-9")),
        ("noise-stored", b"\0" + lz4_frame(noise, "-1")),
        ("empty", b"\0" + lz4_frame(b"")),
        ("text-fixup", b"\1" + lz4_frame(text[:900], "-12", "--no-frame-crc")),
    ]


# ---- iperf3: one client message (apps/iperf3_msg.c), as iperf3 3.12 writes them ----

def iperf3_seeds():
    tail = b',"len":131072,"pacing_timer":1000,"client_version":"3.12"}'
    head = b'{"tcp":true,"omit":0,"time":10,"num":0,"blockcount":0,'
    stream = (b'{"id":%d,"bytes":%d,"retransmits":0,"jitter":0,"errors":0,'
              b'"omitted_errors":0,"packets":0,"omitted_packets":0,'
              b'"start_time":0,"end_time":10.000046}')
    results = (b'{"cpu_util_total":1.5,"cpu_util_user":0.2,"cpu_util_system":1.3,'
               b'"sender_has_retransmits":1,"congestion_used":"cubic","streams":[%s]}')
    return [
        ("params", head + b'"parallel":1' + tail),
        ("params-reverse-p3", head + b'"parallel":3,"reverse":true' + tail),
        ("params-udp", b'{"udp":true,"omit":0,"time":10,"num":0,"blockcount":0,"parallel":1,'
                       b'"len":32768,"bandwidth":10000000,"pacing_timer":1000,'
                       b'"client_version":"3.12"}'),
        ("params-bidir", head + b'"parallel":1,"bidirectional":true' + tail),
        ("params-bytes", b'{"tcp":true,"omit":2,"time":0,"num":1048576,"blockcount":0,'
                         b'"parallel":1' + tail),
        ("params-title", head + b'"parallel":2,"title":"a \\"quoted\\" {title}",'
                         b'"extra_data":"[x]"' + tail),
        ("results-1", results % (stream % (1, 113215700))),
        ("results-4", results % b",".join(stream % (i, 1000 * i) for i in (1, 3, 4, 5))),
    ]


GENERATORS = {
    "ring": ring_seeds,
    "gpt": gpt_seeds,
    "cmdline": cmdline_seeds,
    "storvsc": storvsc_seeds,
    "mailbox": mailbox_seeds,
    "vmbus_msg": vmbus_msg_seeds,
    "msgpath": msgpath_seeds,
    "netvsc": netvsc_seeds,
    "netvsc_rx": netvsc_rx_seeds,
    "ic": ic_seeds,
    "vpci": vpci_seeds,
    "nvme": nvme_seeds,
    "net": net_seeds,
    "netpeer": netpeer_seeds,
    "lz4": lz4_seeds,
    "iperf3": iperf3_seeds,
}


def main(argv):
    names = argv[1:] or sorted(GENERATORS)
    for n in names:
        write(n, GENERATORS[n]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
