#!/usr/bin/env python3
"""ouster-sdk's decode throughput on an Ouster capture, the peer of `sightline bench decode`.
As ours, the capture's packets are read into memory first (ouster-sdk's pcap reader,
`pcap.PcapPacketSource`); each timed pass then batches every lidar packet into frames
(`core.FrameBatcher`, its C++ packet decoder) and projects every return of each frame with
`core.XYZLut(info, use_extrinsics=False)` (RANGE and, on dual profiles, RANGE2), the last,
unfinished frame included. A point is a return of a valid column with range > 0, as ours
counts them. Prints one line per pass and last `points_per_s=<median>`.
  ouster_sdk_decode.py CAPTURE METADATA.json [PASSES]"""
import statistics
import sys
import time

import numpy as np
from ouster.sdk import core, pcap


def load(capture, metadata):
    source = pcap.PcapPacketSource(capture, meta=[metadata])
    info = source.sensor_info[0]
    packets = [packet for _, packet in source if isinstance(packet, core.LidarPacket)]
    return info, packets


def project(frame, lut):
    valid = (frame.status & 1) != 0
    points = 0
    for name in ("RANGE", "RANGE2"):
        if name not in frame.fields:
            continue
        ranges = frame.field(name)
        xyz = lut(ranges)
        kept = (ranges > 0) & valid[None, :]
        points += int(np.count_nonzero(kept))
        _ = xyz[kept]  # the points themselves, as ours hands them on
    return points


def one_pass(info, packets, lut):
    batcher = core.FrameBatcher(info)
    frame = core.LidarFrame(info)
    points, pending = 0, False
    for packet in packets:
        pending = True
        if batcher.batch(packet, frame):
            points += project(frame, lut)
            frame = core.LidarFrame(info)
            pending = False
    if pending:
        points += project(frame, lut)
    return points


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    capture, metadata = sys.argv[1], sys.argv[2]
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    info, packets = load(capture, metadata)
    lut = core.XYZLut(info, use_extrinsics=False)
    one_pass(info, packets, lut)
    rates = []
    for index in range(passes):
        started = time.perf_counter()
        points = one_pass(info, packets, lut)
        elapsed = time.perf_counter() - started
        rates.append(points / elapsed)
        print(f"pass {index + 1}: {points} points in {elapsed * 1000:.2f} ms")
    print(f"points_per_s={int(statistics.median(rates))}")


if __name__ == "__main__":
    main()
