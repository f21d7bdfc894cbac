#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses, cut from the project's real data (stdlib only).

    Tools/fuzz/seed.py [--out DIR] [--small]

Reads the shared data ($SIGHTLINE_SHARED, default <project root>/../shared) and the project's
own Replay/, Config/ and docs, and writes one file per seed into DIR/<target>/ (default
Tools/fuzz/seeds/, which is not committed). --small writes the few dozen seeds per target
committed under Tools/fuzz/corpus/ instead (run with --out corpus --small). Each seed is in the
harness's input format (see the header of Sources/<Harness>/<Harness>.swift):

  v2x       mode byte (0 bare UPER, 1 unwrap, 2 hex text, 3 JSON text) + payload: the
            MessageFrames of data/v2x/*.jsonl and the payloads of data/v2x/raw/*.hex
  velodyne  8 control bytes + a 1206-byte data packet or 512-byte position packet from the
            captures, replayed with the capture's own azimuth and time steps
  ouster    4 control bytes + a lidar or IMU packet of the Ouster captures (and of the two
            synthetic profiles in Tests/SightlineLidarTests/Fixtures/ouster), or + a metadata JSON
  datagram  link-type byte + records (u16 length, i8 time step, frame) built from the
            captures' frames, re-framed for every link type, with VLAN tags, and as IPv4
            fragments (in order, reversed, duplicated); and short pcap / pcapng files
  config    Config/*.toml, Replay/*/drive.toml and the ```toml blocks of the docs
  hesai     8 control bytes + a Hesai data packet from the captures (and, rebuilt from them,
            Pandar64, XT16 and XT32M packets), replayed with the capture's own azimuth step;
            or + a calibration CSV of data/lidar/calibration/
  backtest  a horizons byte + consecutive lines of data/v2x/*.jsonl (as {"hex": ...}), of the
            drives' V2X logs, and of data/v2x/raw/*.hex
  scenario  Replay/*/scenario.toml and the ```toml blocks of docs/SCENARIOS.md (a `base` path
            renamed to the harness's "base.toml"), and edge cases: inline and [[…]] arrays of
            tables, the widest ranges, a file that is only a base, the most motion a file may
            ask for and more
"""

import argparse
import glob
import hashlib
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("SIGHTLINE_SHARED") or os.path.join(ROOT, "..", "shared")

DATA_PORT, POSITION_PORT = 2368, 8308
LINK_ETHERNET, LINK_RAW, LINK_RAW4, LINK_SLL, LINK_SLL2 = range(5)  # LinkType.allCases order


# ---------------------------------------------------------------------------------------------
# Captures


def read_pcap(path, limit=400):
    """(linktype, [(seconds, fraction, nano, frame)]) of a classic pcap, first `limit` records."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian, nano = {
        b"\xd4\xc3\xb2\xa1": ("<", False),
        b"\xa1\xb2\xc3\xd4": (">", False),
        b"\x4d\x3c\xb2\xa1": ("<", True),
        b"\xa1\xb2\x3c\x4d": (">", True),
    }.get(magic, (None, None))
    if endian is None:
        return None, []
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    records, offset = [], 24
    while offset + 16 <= len(data) and len(records) < limit:
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[offset : offset + 16])
        frame = data[offset + 16 : offset + 16 + caplen]
        offset += 16 + caplen
        records.append((sec, frac, nano, frame))
    return linktype, records


def ipv4_start(linktype, frame):
    if linktype == 1:
        offset, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8"):
            ethertype, offset = frame[offset + 2 : offset + 4], offset + 4
        return offset if ethertype == b"\x08\x00" else None
    if linktype in (101, 12, 228):
        return 0
    if linktype == 113:
        return 16 if frame[14:16] == b"\x08\x00" else None
    if linktype == 276:
        return 20 if frame[0:2] == b"\x08\x00" else None
    return None


def udp_of(linktype, frame):
    """(ip packet bytes, udp payload, destination port) or None."""
    start = ipv4_start(linktype, frame)
    if start is None or len(frame) < start + 28 or frame[start] >> 4 != 4 or frame[start + 9] != 17:
        return None
    ihl = (frame[start] & 15) * 4
    udp = frame[start + ihl :]
    length = struct.unpack(">H", udp[4:6])[0]
    return frame[start:], udp[8:length], struct.unpack(">H", udp[2:4])[0]


def captures():
    paths = sorted(glob.glob(os.path.join(SHARED, "data", "lidar", "*.pcap")))
    paths += sorted(glob.glob(os.path.join(ROOT, "Replay", "*", "*.pcap")))
    seen, out = set(), []
    for path in paths:
        digest = hashlib.sha1(open(path, "rb").read(1 << 16)).hexdigest()
        if digest in seen:  # Replay/ repeats two of shared/'s captures
            continue
        seen.add(digest)
        linktype, records = read_pcap(path)
        if records:
            out.append((os.path.basename(path).rsplit(".", 1)[0], linktype, records))
    return out


# ---------------------------------------------------------------------------------------------
# V2X


def hex_bytes(text):
    text = re.sub(r"\s+", "", text)
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def v2x_seeds(small):
    seeds = {}
    jsonl = sorted(glob.glob(os.path.join(SHARED, "data", "v2x", "*.jsonl")))
    per_file = 6 if small else 60
    for path in jsonl:
        lines = [json.loads(l) for l in open(path) if l.strip()]
        # Spread over the file, and prefer distinct lengths (different optional parts).
        picked, lengths = [], set()
        for entry in lines:
            frame = hex_bytes(entry.get("hex", ""))
            if frame and len(frame) not in lengths:
                lengths.add(len(frame))
                picked.append(frame)
        step = max(1, len(picked) // per_file)
        name = os.path.basename(path).split(".")[0]
        for index, frame in enumerate(picked[::step][:per_file]):
            seeds[f"{name}-{index:03}-bare"] = b"\x00" + frame
            if index % 3 == 0:
                seeds[f"{name}-{index:03}-unwrap"] = b"\x01" + frame
    per_raw = 2 if small else 12
    for path in sorted(glob.glob(os.path.join(SHARED, "data", "v2x", "raw", "*.hex"))):
        name = os.path.basename(path).split(".")[0]
        lines = [l.strip() for l in open(path) if l.strip()]
        step = max(1, len(lines) // per_raw)
        for index, line in enumerate(lines[::step][:per_raw]):
            payload = hex_bytes(line)
            if payload is None:
                continue
            seeds[f"raw-{name}-{index:02}-unwrap"] = b"\x01" + payload
            if index == 0:
                seeds[f"raw-{name}-{index:02}-hex"] = b"\x02" + line.encode()
                ode = {"metadata": {"payloadType": "raw"}, "payload": {"data": {"bytes": line.upper()}}}
                hub = {"header": {"type": "J2735", "encoding": "asn.1-uper/hexstring"}, "payload": line}
                seeds[f"raw-{name}-{index:02}-ode"] = b"\x03" + json.dumps(ode).encode()
                if not small:
                    seeds[f"raw-{name}-{index:02}-hub"] = b"\x03" + json.dumps(hub).encode()
    return seeds


def backtest_seeds(small):
    """Control byte (below 0x80: the default horizons) + a few lines of each input form the
    backtest reads: vector lines (reduced to their "hex"), V2X log entries, bare hex."""
    seeds = {}
    window = 12
    per_file = 3 if small else 30
    for path in sorted(glob.glob(os.path.join(SHARED, "data", "v2x", "*.jsonl"))):
        if "etsi" in os.path.basename(path):
            continue
        lines = [json.dumps({"hex": json.loads(l)["hex"]}) for l in open(path) if l.strip()]
        step = max(1, len(lines) // per_file)
        name = os.path.basename(path).split(".")[0]
        for index, start in enumerate(range(0, len(lines), step)):
            if index < per_file:
                seeds[f"{name}-{index:03}"] = b"\x00" + "\n".join(lines[start:start + window]).encode()
    for path in sorted(glob.glob(os.path.join(ROOT, "Replay", "*", "*.jsonl"))):
        if "truth" in os.path.basename(path):
            continue
        lines = [l for l in open(path).read().split("\n") if l.strip()]
        name = os.path.basename(os.path.dirname(path))
        for index, start in enumerate(range(0, len(lines), max(1, len(lines) // per_file))):
            if index < per_file:
                seeds[f"log-{name}-{index:03}"] = b"\x85" + "\n".join(lines[start:start + window]).encode()
    for path in sorted(glob.glob(os.path.join(SHARED, "data", "v2x", "raw", "*.hex"))):
        lines = [l.strip() for l in open(path) if l.strip()]
        name = os.path.basename(path).split(".")[0]
        seeds[f"raw-{name}"] = b"\x00" + "\r\n".join(lines[:4]).encode()
    return seeds


# ---------------------------------------------------------------------------------------------
# Velodyne


def velodyne_seeds(caps, small):
    seeds = {}
    per_capture = 3 if small else 24
    for name, linktype, records in caps:
        data, position = [], []
        for _, _, _, frame in records:
            found = udp_of(linktype, frame)
            if not found:
                continue
            _, payload, port = found
            if port == DATA_PORT and len(payload) == 1206:
                data.append(payload)
            elif port == POSITION_PORT and len(payload) == 512:
                position.append(payload)
        if not data and not position:
            continue
        step = max(1, len(data) // per_capture)
        for index, packet in enumerate(data[::step][:per_capture]):
            after = data[min(len(data) - 1, data.index(packet) + 1)]
            azimuth_step = (struct.unpack("<H", after[2:4])[0] - struct.unpack("<H", packet[2:4])[0]) % 36000
            time_step = struct.unpack("<I", after[1200:1204])[0] - struct.unpack("<I", packet[1200:1204])[0]
            time_step = max(-32768, min(32767, time_step))
            replays = [0, 7, 3, 5][index % 4]  # 1, 8, 4 or 6 packets
            model = [0, 0, 1 + index % 5][index % 3]  # mostly the packet's own model
            cut = [0, 9000, 18000, 27000][index % 4]
            control = struct.pack("<BBHhH", model, replays, azimuth_step, time_step, cut)
            seeds[f"{name}-data-{index:02}"] = control + packet
        for index, packet in enumerate(position[: 2 if small else 6]):
            control = struct.pack("<BBHhH", 0, 8, 0, 0, 0)
            seeds[f"{name}-position-{index:02}"] = control + packet
    return seeds


# ---------------------------------------------------------------------------------------------
# Ouster

OUSTER_LIDAR_PORT, OUSTER_IMU_PORT = 7502, 7503
# Control byte 0: OusterLidarProfile.allCases index; byte 1: beams index (8, 16, 32, 64, 128).
OUSTER_CAPTURES = {
    "ouster-os1-32-legacy": (0, 2),
    "ouster-os0-32-single-synthetic": (1, 2),
    "ouster-os0-32-dual": (2, 2),
    "ouster-os0-32-lowbandwidth-synthetic": (3, 2),
    "ouster-os1-128-fusa-dual-partial": (4, 4),
}
OUSTER_FIXTURES = os.path.join(ROOT, "Tests", "SightlineLidarTests", "Fixtures", "ouster")


def ouster_seeds(small):
    seeds = {}
    per_capture = 3 if small else 16
    for name, (profile, beams) in OUSTER_CAPTURES.items():
        base = os.path.join(SHARED, "data", "lidar", name)
        if not os.path.exists(base + ".pcap"):
            base = os.path.join(OUSTER_FIXTURES, name)
        if not os.path.exists(base + ".pcap"):
            continue
        linktype, recs = read_pcap(base + ".pcap")
        lidar, imu = [], []
        for _, _, _, frame in recs:
            found = udp_of(linktype, frame)
            if found:
                (lidar if found[2] == OUSTER_LIDAR_PORT else imu).append(found[1])
        step = max(1, len(lidar) // per_capture)
        for index, packet in enumerate(lidar[::step][:per_capture]):
            replays = [0, 7, 3][index % 3]  # 1, 8 or 4 packets
            flags = [0x00, 0x18, 0x38][index % 3]  # as it is; sized + ids; sized + ids + CRC
            window = 8 if index % 4 == 3 else 0
            control = bytes([profile | window, beams, replays | flags, 1])
            seeds[f"{name}-lidar-{index:02}"] = control + packet
        for index, packet in enumerate(imu[:1 if small else 3]):
            seeds[f"{name}-imu-{index:02}"] = bytes([profile, beams, 0x40, 1]) + packet
        if os.path.exists(base + ".json"):
            seeds[f"{name}-metadata"] = bytes([5, 0, 0, 0]) + open(base + ".json", "rb").read()
    return seeds


# ---------------------------------------------------------------------------------------------
# Datagrams and capture files


def ethernet(ip, vlans=0):
    head = b"\xff" * 6 + b"\x60\x76\x88\x00\x00\x00"
    for tag in range(vlans):
        head += (b"\x88\xa8" if tag == 0 and vlans > 1 else b"\x81\x00") + struct.pack(">H", 100 + tag)
    return head + b"\x08\x00" + ip


def reframe(ip, link):
    if link == LINK_ETHERNET:
        return ethernet(ip)
    if link in (LINK_RAW, LINK_RAW4):
        return ip
    if link == LINK_SLL:
        return b"\x00\x00\x00\x01\x00\x06" + b"\x60\x76\x88\x00\x00\x00\x00\x00" + b"\x08\x00" + ip
    return b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" + b"\x60\x76\x88\x00\x00\x00\x00\x00" + ip


def ip_checksum(header):
    total = sum(struct.unpack(">%dH" % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return struct.pack(">H", ~total & 0xFFFF)


def fragments(ip, size, ident):
    """IPv4 fragments of the packet `ip` (header 20 bytes), `size` payload bytes each."""
    header, payload = bytearray(ip[:20]), ip[(ip[0] & 15) * 4 :]
    out = []
    for start in range(0, len(payload), size):
        piece = payload[start : start + size]
        more = start + size < len(payload)
        h = bytearray(header)
        h[0] = 0x45
        struct.pack_into(">HHH", h, 2, 20 + len(piece), ident, (0x2000 if more else 0) | start // 8)
        h[10:12] = b"\0\0"
        h[10:12] = ip_checksum(bytes(h))
        out.append(bytes(h) + piece)
    return out


def records(frames, steps=None):
    out = b""
    for index, frame in enumerate(frames):
        step = steps[index] if steps else 1
        out += struct.pack("<Hb", len(frame), step) + frame
    return out


def pcap_file(linktype, recs, nano):
    out = struct.pack("<IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for sec, frac, _, frame in recs:
        out += struct.pack("<IIII", sec, frac, len(frame), len(frame)) + frame
    return out


def pcapng_file(linktype, recs, nano):
    def block(kind, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    options = struct.pack("<HHB3x", 9, 1, 9 if nano else 6) + struct.pack("<HH", 0, 0)  # if_tsresol
    idb = block(1, struct.pack("<HHI", linktype, 0, 65535) + options)
    out = shb + idb
    for sec, frac, was_nano, frame in recs:
        units = sec * (10**9 if nano else 10**6) + (frac if was_nano == nano else (frac * 1000 if nano else frac // 1000))
        body = struct.pack("<IIIII", 0, units >> 32, units & 0xFFFFFFFF, len(frame), len(frame)) + frame
        out += block(6, body)
    return out


def datagram_seeds(caps, small):
    seeds = {}
    budget = 8800  # under the harness's -max_len of 9000
    for name, linktype, recs in caps:
        link_index = {1: LINK_ETHERNET, 101: LINK_RAW, 12: LINK_RAW, 228: LINK_RAW4, 113: LINK_SLL, 276: LINK_SLL2}.get(linktype)
        if link_index is None:
            continue
        frames = [r[3] for r in recs]
        udp = [(f, udp_of(linktype, f)) for f in frames]
        udp = [(f, u) for f, u in udp if u]
        # The capture's own frames, a few in a row, from a few places.
        spots = [0, len(frames) // 3, 2 * len(frames) // 3][: 1 if small else 3]
        for spot in spots:
            run, size = [], 1
            for frame in frames[spot:]:
                if size + 3 + len(frame) > budget or len(run) >= 6:
                    break
                run.append(frame)
                size += 3 + len(frame)
            seeds[f"{name}-frames-{spot}"] = bytes([link_index]) + records(run)
        # The other link types, with VLAN tags, and fragmented, from one data packet.
        ports = {}
        for frame, (ip, payload, port) in udp:
            ports.setdefault(port, ip)
        for port, ip in sorted(ports.items())[: 1 if small else 3]:
            for link in range(5) if not small or name.startswith("hdl32e") else [LINK_ETHERNET]:
                seeds[f"{name}-port{port}-link{link}"] = bytes([link]) + records([reframe(ip, link)])
            if not small:
                seeds[f"{name}-port{port}-vlan2"] = bytes([LINK_ETHERNET]) + records([ethernet(ip, 2)])
            for size, order in [(504, "inorder"), (200, "reversed"), (400, "duplicate")]:
                pieces = fragments(ip, size, 0x1234)
                if order == "reversed":
                    pieces = pieces[::-1]
                elif order == "duplicate":
                    pieces = pieces[:1] + pieces
                control = LINK_ETHERNET | (1 << 3)  # two datagrams in flight
                seeds[f"{name}-port{port}-frag-{order}"] = bytes([control]) + records(
                    [ethernet(p) for p in pieces], [0] * len(pieces)
                )
                if small:
                    break
        # Capture files: the first records, as pcap and pcapng.
        head, size = [], 100
        for rec in recs:
            if size + 32 + len(rec[3]) > budget or len(head) >= 6:
                break
            head.append(rec)
            size += 32 + len(rec[3])
        if head:
            seeds[f"{name}-pcap"] = pcap_file(linktype, head, head[0][2])
            seeds[f"{name}-pcapng"] = pcapng_file(linktype, head, not small and head[0][2])
    return seeds


# ---------------------------------------------------------------------------------------------
# Config


def config_seeds(small):
    seeds = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "Config", "*.toml"))):
        seeds["config-" + os.path.basename(path)] = open(path, "rb").read()
    for path in sorted(glob.glob(os.path.join(ROOT, "Replay", "*", "drive.toml"))):
        seeds["drive-" + os.path.basename(os.path.dirname(path))] = open(path, "rb").read()
    docs = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    for path in docs:
        text = open(path, encoding="utf-8").read()
        for index, block in enumerate(re.findall(r"```toml\n(.*?)```", text, re.S)):
            seeds[f"doc-{os.path.basename(path)[:-3]}-{index}"] = block.encode()
    for path in docs:  # indented manifest examples (docs/DRIVES.md)
        text = open(path, encoding="utf-8").read()
        for index, block in enumerate(re.findall(r"```\n(name = .*?)```", text, re.S)):
            seeds[f"doc-{os.path.basename(path)[:-3]}-manifest-{index}"] = block.encode()
    # The commented example [[v2x.source]] of Config/sightline.toml, switched on, twice.
    base = os.path.join(ROOT, "Config", "sightline.toml")
    if os.path.exists(base):
        text = open(base, encoding="utf-8").read()
        example = text[text.find("# [[v2x.source]]") :]
        source = "\n".join(l[2:].split("  #")[0].rstrip() for l in example.splitlines() if l.startswith("# "))
        seeds["config-with-sources"] = (text + "\n" + source + "\n" + source.replace("rsu-1", "obu") + "\n").encode()
    # Every key with a non-default value, and a drive overriding config sections.
    seeds["config-all-keys"] = b"""[lidar]
model = "VLP-16"
calibration = "cal.xml"
capture_filter = "udp port 2368"
cut_angle_deg = 180.5
min_range_m = 0.5
max_range_m = 120
[grid]
columns = 500
rows = 400
resolution_m = 0.2
obstacle_min_z_m = -1.5
obstacle_max_z_m = 1
ground = "sloped"
ground_clearance_m = 0.3
ground_max_slope = 0.2
decay_s = 0
reset_jump_m = 50.0
max_agents = 16
publish_v2x_layer = false
publish_log_odds_layer = true
publish_source_layer = true
[frame]
budget = "work"
budget_ms = 33.3
[publish]
endpoint = "ipc:///tmp/sightline"
send_hwm = 10
compression = "zlib"
[v2x]
stale_after_ms = 500
plausibility = false
queue_capacity = 64
[[v2x.source]]
name = "hub"
endpoint = "tcp://127.0.0.1:5571"
bind = true
topics = ["bsm", "psm"]
format = "json"
framing = "multipart"
rcvhwm = 5
"""
    seeds["drive-overrides"] = b"""name = "fuzz"
summary = "every section"
[lidar]
pcap = "lidar.pcap"
[v2x]
log = "v2x.jsonl"
[ego]
source = "none"
[truth]
file = "truth.jsonl"
[config.lidar]
model = "HDL-32E"
cut_angle_deg = 90
[config.grid]
columns = 500
ground = "sloped"
[config.frame]
budget = "wall"
[[config.v2x.source]]
endpoint = "tcp://127.0.0.1:1"
format = "hex"
[expect]
digest = "00000000000000000000000000000000"
"""
    if small:
        seeds = dict(list(seeds.items())[:24])
    return seeds


# ---------------------------------------------------------------------------------------------
# Scenario files

SCENARIO_BASE = "base.toml"  # the one name FuzzScenario's `read` answers


def scenario_seeds(small):
    seeds = {}

    def rebase(text):
        return re.sub(r'^base = "[^"]*"', f'base = "{SCENARIO_BASE}"', text, flags=re.M)

    for path in sorted(glob.glob(os.path.join(ROOT, "Replay", "*", "scenario.toml"))):
        text = open(path, encoding="utf-8").read()
        seeds["replay-" + os.path.basename(os.path.dirname(path))] = rebase(text).encode()
    doc = os.path.join(ROOT, "docs", "SCENARIOS.md")
    if os.path.exists(doc):
        text = open(doc, encoding="utf-8").read()
        for index, block in enumerate(re.findall(r"```toml\n(.*?)```", text, re.S)):
            seeds[f"doc-SCENARIOS-{index}"] = rebase(block).encode()
            # As written: a base the harness cannot read.
            seeds[f"doc-SCENARIOS-{index}-unreadable-base"] = block.encode()
    # Only a base, and the base with every table overridden.
    seeds["edge-only-base"] = b'base = "base.toml"\n'
    seeds["edge-base-overridden"] = b"""base = "base.toml"
name = "over"
duration_s = 3.5
box = []
[lidar]
sensor = "VLS-128"
returns = "last"
from = "base"
[radio]
loss = 0
burst_length = 1
[ego]
source = "truth"
start = { x = 0, y = 0, heading_deg = -360 }
gnss = { rate_hz = 0.1 }
"""
    # Arrays of tables both ways, integers for floats, the widest ranges, an hour-long drive.
    seeds["edge-arrays-of-tables"] = b"""name = "edges"
duration_s = 3600
seed = 9223372036854775807
origin = { latitude = -90, longitude = 180, height_m = 10000 }
[lidar]
height_m = 1e-9
range_noise_m = 1
dropout = 0.99
[radio]
latency_ms = 10000
jitter_ms = 10000
loss = 0.95
burst_length = 1000
duplicate_rate = 1
dropouts_s = [[0, 0], [-1e300, 1e300]]
sender_clock_offset_ms = -60000
message_rate_hz = 100
range_m = 1e300
[ego]
start = { x = -1e300, y = 1e300, heading_deg = 360, speed = 100 }
gnss = { rate_hz = 100, white_m = 50, bias_m = 50, bias_time_s = 1e-300, speed_sigma = 10, heading_sigma_deg = 180 }
[[ego.motion]]
for_s = 1e-9
accel = 12
yaw_rate_deg = 720
[[ego.motion]]
for_s = 1e300
accel = -12
yaw_rate_deg = -720
[[agent]]
id = "FFFFFFFF"
kind = "cyclist"
equipped = false
clock_offset_ms = 60000
size = { length = 1e300, width = 5e-324, height = 1 }
start = { x = 0, y = 0, heading_deg = 0 }
[[agent]]
id = "00000000"
kind = "vehicle"
size.length = 4
size.width = 2
size.height = 1.5
start.x = 1
start.y = 2
start.heading_deg = 3
start.speed = 4
motion = [{ for_s = 1, accel = -12 }, { for_s = 1, yaw_rate_deg = 720 }]
"""
    seeds["edge-inline-agents-crlf"] = (
        'name = "inline"\r\nduration_s = 2\r\nseed = 0\r\n'
        "origin = { latitude = 0, longitude = 0, height_m = 0 }\r\n"
        "radio = { latency_ms = 0 }\r\n"
        "ego = { start = { x = 0, y = 0, heading_deg = 0 } }\r\n"
        'box = [{ x = 1, y = 1, length = 1, width = 1, height = 1, yaw_deg = 45 }]\r\n'
        'agent = [{ id = "0000abcd", kind = "pedestrian", size = { length = 1, width = 1, '
        "height = 1 }, start = { x = 0, y = 0, heading_deg = 0, speed = 1.5 } }]\r\n"
    ).encode()
    # The most motion a file may ask for (an hour, the ego and three agents, many segments),
    # and more than that (an hour for each of 42 agents: refused before any is integrated).
    motion = ", ".join(["{ for_s = 0.5, accel = 1 }"] * 30)
    agents = [
        f'{{ id = "{i:08x}", kind = "vehicle", size = {{ length = 1, width = 1, height = 1 }}, '
        f"start = {{ x = 0, y = {i}, heading_deg = 0 }}, motion = [{motion}] }}"
        for i in range(3)
    ]
    seeds["edge-most-motion"] = (
        f'base = "{SCENARIO_BASE}"\nduration_s = 3600\nagent = [\n' + ",\n".join(agents) + "]\n"
    ).encode()
    agents = [
        f'{{id="{i:08x}",kind="vehicle",size={{length=1,width=1,height=1}},start={{x=0,y=0,heading_deg=0}}}}'
        for i in range(42)
    ]
    seeds["edge-too-much-motion"] = (
        f'base="{SCENARIO_BASE}"\nduration_s=3600\nagent=[\n' + ",\n".join(agents) + "]\n"
    ).encode()
    if small:
        seeds = dict(list(seeds.items())[:24])
    return seeds


# ---------------------------------------------------------------------------------------------
# Hesai

HESAI_MODELS = ["Pandar40P", "Pandar64", "PandarQT64", "PandarQT128", "PandarXT16", "PandarXT32", "PandarXT32M"]
HESAI_CAPTURES = {"hesai-40p": 0, "hesai-qt64": 2, "hesai-qt128": 3, "hesai-xt32": 5}


def hesai_rebuilt(xt32):
    """XT16 and XT32M packets from an XT32 one, and a Pandar64 one from its distances."""
    header, tail = xt32[:12], xt32[12 + 8 * 130 :]
    blocks = [xt32[12 + b * 130 : 12 + (b + 1) * 130] for b in range(8)]
    xt16 = bytearray(header[:6]) + bytes([16, 8]) + header[8:]
    for block in blocks:
        xt16 += block[:2 + 16 * 4]
    xt32m = bytearray(header[:6]) + bytes([32, 6]) + header[8:] + b"".join(blocks[:6])
    p64 = bytearray(b"\xee\xff\x40\x06\x00\x04\x00\x00")
    for block in blocks[:6]:
        p64 += block[:2]
        for channel in range(64):
            unit = block[2 + (channel % 32) * 4 : 2 + (channel % 32) * 4 + 3]
            p64 += unit
    # Pandar64's tail: reserved, temperature, reserved, motor speed, µs, return mode, factory,
    # date (year counted from 1900, as some firmware does: 2120 would be wrong).
    motor, date, micros = tail[11:13], tail[13:19], tail[19:23]
    p64 += bytes(8) + motor + micros + bytes([tail[10], 0x42]) + date + tail[24:28]
    return {"xt16": (4, bytes(xt16) + tail), "xt32m": (6, bytes(xt32m) + tail), "64": (1, bytes(p64))}


def hesai_azimuth(packet):
    at = 2 if packet[:2] == b"\xff\xee" else (8 if packet[2:4] == b"\x40\x06" else 12)
    return struct.unpack("<H", packet[at : at + 2])[0]


def hesai_seeds(caps, small):
    seeds = {}
    per_capture = 3 if small else 24
    for name, linktype, records in caps:
        key = next((k for k in HESAI_CAPTURES if name.startswith(k)), None)
        if key is None:
            continue
        data = [p for p in (udp_of(linktype, f) for *_, f in records) if p and p[2] == DATA_PORT]
        data = [payload for _, payload, _ in data]
        step = max(1, len(data) // per_capture)
        for index, packet in enumerate(data[::step][:per_capture]):
            after = data[min(len(data) - 1, data.index(packet) + 1)]
            azimuth_step = (hesai_azimuth(after) - hesai_azimuth(packet)) % 36000
            replays = [7, 3, 0, 5][index % 4]  # 8, 4, 1 or 6 packets
            flags = replays | (16 if key == "hesai-qt128" else 0)
            cut = [0, 9000, 18000, 27000][index % 4]
            control = struct.pack("<BBHhH", HESAI_CAPTURES[key], flags, azimuth_step, 1, cut)
            seeds[f"{name}-{index:02}"] = control + packet
            if key == "hesai-xt32" and index < 2:
                for model, (number, rebuilt) in hesai_rebuilt(packet).items():
                    control = struct.pack("<BBHhH", number, replays, azimuth_step, 1, cut)
                    seeds[f"hesai-{model}-rebuilt-{index:02}"] = control + rebuilt
    for number, model in enumerate(HESAI_MODELS):
        path = os.path.join(SHARED, "data", "lidar", "calibration", f"hesai-{model}.csv")
        if os.path.exists(path):
            seeds[f"calibration-{model}"] = struct.pack("<BBHhH", number | 16, 0, 0, 0, 0) + open(path, "rb").read()
    return seeds


# ---------------------------------------------------------------------------------------------


def write(out, target, seeds, limit):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*")):
        os.remove(old)
    written, seen = 0, set()
    for name, data in seeds.items():
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen or written >= limit:
            continue
        seen.add(digest)
        with open(os.path.join(folder, re.sub(r"[^A-Za-z0-9_.-]", "_", name)), "wb") as f:
            f.write(data)
        written += 1
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(folder, "*")))
    print(f"seed: {target}: {written} seeds, {total // 1024} KiB in {folder}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "seeds"))
    parser.add_argument("--small", action="store_true", help="the committed corpus's size")
    args = parser.parse_args()
    out = os.path.join(HERE, args.out) if not os.path.isabs(args.out) else args.out
    if not os.path.isdir(os.path.join(SHARED, "data")):
        sys.exit(f"seed: no shared data at {SHARED} (set SIGHTLINE_SHARED)")
    caps = captures()
    limit = 48 if args.small else 400
    write(out, "v2x", v2x_seeds(args.small), limit)
    write(out, "velodyne", velodyne_seeds(caps, args.small), limit)
    write(out, "ouster", ouster_seeds(args.small), limit)
    write(out, "datagram", datagram_seeds(caps, args.small), limit)
    write(out, "config", config_seeds(args.small), limit)
    write(out, "hesai", hesai_seeds(caps, args.small), limit)
    write(out, "backtest", backtest_seeds(args.small), limit)
    write(out, "scenario", scenario_seeds(args.small), limit)


if __name__ == "__main__":
    main()
