#!/usr/bin/env python3
"""Writes what ouster-sdk (Ouster's own decoder, from PyPI) makes of the shared Ouster captures.

Sightline's Ouster tests (Tests/SightlineLidarTests/Ouster*Tests.swift) compare against these
files, so the expected XYZ comes from the vendor's software, not from our code. For each capture
it decodes every frame with `pcap.PcapFrameSetSource` and projects it with
`core.XYZLut(info, use_extrinsics=False)` (the sensor frame), and writes one binary fixture.

It also makes two small synthetic captures for the profiles that no shared capture has
(RNG19_RFL8_SIG16_NIR16 single and RNG15_RFL8_NIR8 low bandwidth): the OS-0-32 frame's fields,
written into packets by ouster-sdk's own `frame_to_packets`, 8 packets (128 columns) each, then
decoded back by the same PcapFrameSetSource + XYZLut path.

Regenerate (from the repository root, with ouster-sdk 1.0.1 in .venv):
    python3 -m venv .venv && .venv/bin/pip install ouster-sdk==1.0.1 numpy
    .venv/bin/python Tools/oracle/ouster_reference.py
Options: --shared DIR (default ../shared), --out DIR (default the fixtures folder).

Fixture format (`<capture>.ouster-sdk.bin`, little-endian; Fixtures/ouster/README.md):
    header  8s magic "OUSTREF1", u16 pixels_per_column, u16 columns_per_frame,
            u8 returns per pixel (1 or 2), u8 0, u16 frame count
    frame   u32 frame id, u16 valid column count C, u8 complete (LidarFrame.complete()), u8 0,
            u32 return count N,
            C x (u16 column = measurement id, u16 status, u64 column timestamp ns),
            N x (u16 row, u16 column, u8 return index (0 first, 1 second), u8 reflectivity,
                 u32 range mm, f32 x, f32 y, f32 z metres)
A return is a pixel of a valid column (status bit 0 set) with range > 0.
"""
import argparse
import os
import struct
import sys
from importlib.metadata import version

import numpy as np
from ouster.sdk import core, pcap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "SightlineLidarTests", "Fixtures", "ouster")

# MANIFEST.md's counts of valid returns (one frame each).
CAPTURES = {
    "ouster-os0-32-dual": 21803,
    "ouster-os1-32-legacy": 27310,
    "ouster-os1-128-fusa-dual-partial": 17462,
}
SYNTHETIC = {
    "ouster-os0-32-single-synthetic": "RNG19_RFL8_SIG16_NIR16",
    "ouster-os0-32-lowbandwidth-synthetic": "RNG15_RFL8_NIR8",
}
SYNTHETIC_PACKETS = 8
MAGIC = b"OUSTREF1"


def frame_records(frame, lut):
    """(columns, returns) of one LidarFrame: valid columns and their valid returns."""
    valid = (frame.status & 1) != 0
    columns = [(int(c), int(frame.status[c]) & 0xFFFF, int(frame.timestamp[c])) for c in np.flatnonzero(valid)]
    returns = []
    pairs = [("RANGE", "REFLECTIVITY"), ("RANGE2", "REFLECTIVITY2")]
    for index, (range_name, reflectivity_name) in enumerate(pairs):
        if range_name not in frame.fields:
            continue
        ranges = frame.field(range_name)
        reflectivity = frame.field(reflectivity_name)
        xyz = lut(ranges)
        rows, cols = np.nonzero((ranges > 0) & valid[None, :])
        for row, col in zip(rows, cols):
            x, y, z = xyz[row, col]
            returns.append((int(row), int(col), index, int(reflectivity[row, col]) & 0xFF,
                            int(ranges[row, col]), float(x), float(y), float(z)))
    returns.sort(key=lambda r: (r[1], r[0], r[2]))
    return columns, returns


def decode(capture, metadata):
    """The fixture bytes and the per-frame return counts of one capture."""
    source = pcap.PcapFrameSetSource(capture, meta=[metadata])
    info = source.sensor_info[0]
    lut = core.XYZLut(info, use_extrinsics=False)
    returns_per_pixel = 2 if "RANGE2" in core.LidarFrame(info).fields else 1
    body, counts = b"", []
    for frames in source:
        frame = frames[0]
        columns, returns = frame_records(frame, lut)
        counts.append(len(returns))
        body += struct.pack("<IHBBI", frame.frame_id, len(columns), int(frame.complete()), 0, len(returns))
        body += b"".join(struct.pack("<HHQ", *c) for c in columns)
        body += b"".join(struct.pack("<HHBBIfff", *r) for r in returns)
    header = MAGIC + struct.pack(
        "<HHBBH", info.format.pixels_per_column, info.format.columns_per_frame, returns_per_pixel, 0, len(counts))
    return header + body, counts


def udp_frame(payload, port):
    """Ethernet + IPv4 + UDP around a payload, 127.0.0.1 to itself as in the shared captures."""
    udp = struct.pack(">HHHH", 7502, port, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    total = sum(struct.unpack(">10H", ip))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    ip = ip[:10] + struct.pack(">H", ~total & 0xFFFF) + ip[12:]
    return b"\x00" * 12 + b"\x08\x00" + ip + udp


def write_pcap(path, payloads, port, start_ns):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for index, payload in enumerate(payloads):
            frame = udp_frame(payload, port)
            stamp = start_ns + index * 1_562_500  # one packet of a 1024x10 frame
            out.write(struct.pack("<IIII", stamp // 10**9, stamp // 1000 % 10**6, len(frame), len(frame)))
            out.write(frame)


def synthesize(shared, out, name, profile):
    """A few packets of another profile from the OS-0-32 frame, written by ouster-sdk itself."""
    import json

    base = os.path.join(shared, "data", "lidar", "ouster-os0-32-dual")
    metadata = json.load(open(base + ".json"))
    metadata["data_format"]["udp_profile_lidar"] = profile
    meta_path = os.path.join(out, name + ".json")
    with open(meta_path, "w") as f:
        json.dump(metadata, f, indent=4)
        f.write("\n")
    source = pcap.PcapFrameSetSource(base + ".pcap", meta=[base + ".json"])
    real = next(iter(source))[0]
    info = core.SensorInfo(open(meta_path).read())
    frame = core.LidarFrame(info)
    frame.frame_id = real.frame_id
    frame.timestamp[:] = real.timestamp
    frame.status[:] = real.status
    frame.measurement_id[:] = real.measurement_id
    for field in frame.fields:
        if field in real.fields:
            frame.field(field)[:] = real.field(field).astype(frame.field(field).dtype)
    packets = core.frame_to_packets(frame, core.PacketFormat(info), info.init_id, info.sn)
    lidar = [bytes(p.buf) for p in packets if isinstance(p, core.LidarPacket)][:SYNTHETIC_PACKETS]
    pcap_path = os.path.join(out, name + ".pcap")
    write_pcap(pcap_path, lidar, info.config.udp_port_lidar or 7502, 1_635_444_808_686_123_000)
    return pcap_path, meta_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--out", default=FIXTURES)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lidar = os.path.join(args.shared, "data", "lidar")
    print(f"ouster-sdk {version('ouster-sdk')}")
    failed = False
    jobs = [(name, os.path.join(lidar, name + ".pcap"), os.path.join(lidar, name + ".json"), expected)
            for name, expected in CAPTURES.items()]
    for name, profile in SYNTHETIC.items():
        capture, metadata = synthesize(args.shared, args.out, name, profile)
        jobs.append((name, capture, metadata, None))
    for name, capture, metadata, expected in jobs:
        data, counts = decode(capture, metadata)
        path = os.path.join(args.out, name + ".ouster-sdk.bin")
        with open(path, "wb") as f:
            f.write(data)
        verdict = "" if expected is None else (" (MANIFEST: %d, %s)" % (expected, "ok" if counts == [expected] else "MISMATCH"))
        failed |= expected is not None and counts != [expected]
        print(f"{name}: frames {len(counts)}, returns {counts}{verdict}, {len(data)} bytes")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
