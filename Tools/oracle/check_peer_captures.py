#!/usr/bin/env python3
"""The Velodyne packet writer against an independent decoder: `PacketWriterTests.
writesCapturesForAPeerDecoderWhenAsked` writes captures of a synthetic scene in six model and
return-mode cases, with the points Sightline's writer meant to encode (make test sets
SIGHTLINE_PEER_CHECK_DIR); velodyne-decoder (PyPI) reads each capture and must find the same
points: the same count, and each point (matched by its time, ring and return type) within 1 mm
plus one azimuth quantum (0.01°) at its range, with the same intensity. As in compare_decode.py,
a VLS-128 capture's first packet is exempt: velodyne-decoder interpolates a VLS-128 packet from
the previous one's rotation rate, so it places the first packet's points differently; the check
says how many points that leaves out.
Prints "N passed, N failed".
  check_peer_captures.py DIRECTORY"""
import csv
import glob
import os
import sys

import numpy as np
import velodyne_decoder as vd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_decode import first_vls128_packet_returns  # noqa: E402
from oraclelib import check, finish  # noqa: E402

AZIMUTH_QUANTUM = np.radians(0.01)
directory = sys.argv[1]



captures = sorted(glob.glob(os.path.join(directory, "*.pcap")))
check("the test wrote six captures with their points", len(captures) == 6,
      ", ".join(os.path.basename(c) for c in captures))
for capture in captures:
    name = os.path.basename(capture)[:-5]
    with open(capture[:-5] + ".csv") as f:
        rows = list(csv.DictReader(f))
    expected = {(int(r["time_ns"]), int(r["ring"]), int(r["return_type"])):
                (float(r["x"]), float(r["y"]), float(r["z"]), int(r["intensity"])) for r in rows}
    found = {}
    for stamp, points in vd.read_pcap(capture, vd.Config(), as_pcl_structs=True):
        for p in points:
            time_ns = round((stamp.device + float(p["time"])) * 1e9)
            found[(time_ns, int(p["ring"]), int(p["return_type"]))] = (
                float(p["x"]), float(p["y"]), float(p["z"]), int(p["intensity"]))
    # The peer's times are float64 seconds (0.24 µs at today's epoch): match within 1 µs.
    by_ring = {}
    for key, value in found.items():
        by_ring.setdefault((key[1], key[2]), []).append((key[0], value))
    for group in by_ring.values():
        group.sort()
    worst = 0.0
    unmatched = 0
    intensity_wrong = 0
    exempt = set(sorted(expected)[:first_vls128_packet_returns(capture)])  # the earliest firings
    for (time_ns, ring, kind), (x, y, z, intensity) in expected.items():
        if (time_ns, ring, kind) in exempt:
            continue
        group = by_ring.get((ring, kind), [])
        times = [t for t, _ in group]
        i = int(np.searchsorted(times, time_ns))
        near = [j for j in (i - 1, i) if 0 <= j < len(group) and abs(group[j][0] - time_ns) <= 1000]
        if not near:
            unmatched += 1
            continue
        px, py, pz, pi = group[near[0]][1]
        error = float(np.hypot(np.hypot(px - x, py - y), pz - z))
        tolerance = 0.001 + AZIMUTH_QUANTUM * float(np.hypot(x, y))
        worst = max(worst, error / tolerance)
        intensity_wrong += pi != intensity
    check(f"{name}: velodyne-decoder finds as many points as were written",
          len(found) == len(expected), f"{len(found)} vs {len(expected)}")
    check(f"{name}: every point written is found, within tolerance, with its intensity",
          unmatched == 0 and worst <= 1 and intensity_wrong == 0,
          f"unmatched {unmatched}, worst {worst:.2f} of the tolerance, intensity differs "
          f"{intensity_wrong}, first packet exempt: {len(exempt)} points")
finish()
