#!/usr/bin/env python3
"""Compares `sightline decode` with velodyne-decoder, point by point, on Velodyne captures.

Usage: compare_decode.py SIGHTLINE_BINARY CAPTURE.pcap [CAPTURE.pcap ...]

For each capture both decoders cut sweeps at 0° and must agree on:
  - the number of sweeps and of points in each;
  - every point, in order: ring, intensity and return type exactly; time within 1 µs plus the
    resolution of the peer's float64 seconds (0.24 µs at today's epoch); xyz within
    1 mm plus one azimuth quantum (0.01°) at the point's range, because both decoders round the
    interpolated firing azimuth to whole centidegrees and may round a half the other way.
Prints one PASS/FAIL line per check with the worst deviation, then "N passed, N failed".

One difference is kept and exempted: velodyne-decoder interpolates a VLS-128 packet's azimuths
and times from the previous packet's rotation rate, so it has none for the first packet of a
capture and places those points differently (up to 13 µs and 0.5 m at range). Sightline uses
the packet's own blocks, so its first packet is as good as any other. The checks skip that one
packet's points and say how many they skipped.
"""
import struct
import csv
import io
import subprocess
import sys

import numpy as np
import velodyne_decoder as vd

from oraclelib import check, finish

AZIMUTH_QUANTUM = np.radians(0.01)



def ours(binary, capture):
    run = subprocess.run([binary, "decode", capture, "--format", "csv", "--out", "-"],
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip())
    table = np.genfromtxt(io.StringIO(run.stdout), delimiter=",", names=True, dtype=None,
                          encoding=None)
    return table


def first_vls128_packet_returns(capture):
    """Non-zero returns in the capture's first data packet if it is VLS-128, else 0."""
    data = open(capture, "rb").read()
    offset = 24
    while offset + 16 <= len(data):
        length = struct.unpack_from("<I", data, offset + 8)[0]
        frame = data[offset + 16:offset + 16 + length]
        offset += 16 + length
        if len(frame) == 1248 and struct.unpack_from(">H", frame, 36)[0] == 2368:
            payload = frame[42:]
            if payload[1205] != 0xA1:
                return 0
            return sum(1 for block in range(12) for channel in range(32)
                       if struct.unpack_from("<H", payload, block * 100 + 4 + channel * 3)[0])
    return 0


def compare(binary, capture):
    name = capture.rsplit("/", 1)[-1]
    exempt = first_vls128_packet_returns(capture)
    peer = list(vd.read_pcap(capture, vd.Config(cut_angle=0), as_pcl_structs=True))
    try:
        mine = ours(binary, capture)
    except RuntimeError as error:
        check(f"{name}: sightline decode runs", False, str(error))
        return
    frames = [mine[mine["frame"] == f] for f in range(int(mine["frame"].max()) + 1)]
    check(f"{name}: sweep count", len(frames) == len(peer), f"ours {len(frames)} peer {len(peer)}")
    counts_ours = [len(f) for f in frames]
    counts_peer = [len(p) for _, p in peer]
    check(f"{name}: points per sweep", counts_ours == counts_peer,
          f"ours {counts_ours} peer {counts_peer}")
    if counts_ours != counts_peer:
        return
    worst = {"xyz_excess_mm": 0.0, "time_excess_us": 0.0}
    exact = {"ring": 0, "intensity": 0, "return_type": 0}
    for index, (ours_frame, (stamp, theirs)) in enumerate(zip(frames, peer)):
        if index == 0 and exempt:
            ours_frame, theirs = ours_frame[exempt:], theirs[exempt:]
        for field in exact:
            exact[field] += int(np.sum(ours_frame[field] != theirs[field]))
        distance = ours_frame["distance_m"]
        delta = np.sqrt((ours_frame["x"] - theirs["x"]) ** 2 + (ours_frame["y"] - theirs["y"]) ** 2
                        + (ours_frame["z"] - theirs["z"]) ** 2)
        excess = delta - (0.001 + distance * AZIMUTH_QUANTUM)
        worst["xyz_excess_mm"] = max(worst["xyz_excess_mm"], float(excess.max()) * 1000)
        # The peer's time is float32 seconds relative to its stamp (the last packet).
        their_ns = round(stamp.device * 1e9) + np.round(theirs["time"].astype(np.float64) * 1e9)
        resolution_ns = np.spacing(stamp.device) * 1e9
        excess_ns = np.abs(ours_frame["time_ns"] - their_ns).max() - 1000 - resolution_ns
        worst["time_excess_us"] = max(worst["time_excess_us"], float(excess_ns) / 1000)
    if exempt:
        print(f"NOTE {name}: skipped the {exempt} returns of the first VLS-128 packet (see above)")
    for field, mismatches in exact.items():
        check(f"{name}: {field} identical", mismatches == 0, f"{mismatches} differ")
    check(f"{name}: xyz within 1 mm + azimuth quantum", worst["xyz_excess_mm"] <= 0,
          f"worst excess {worst['xyz_excess_mm']:.3f} mm")
    check(f"{name}: time within 1 us (+ peer resolution)", worst["time_excess_us"] <= 0,
          f"worst excess {worst['time_excess_us']:.3f} us")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for capture in sys.argv[2:]:
        compare(sys.argv[1], capture)
    finish()
