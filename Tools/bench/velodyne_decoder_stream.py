#!/usr/bin/env python3
"""velodyne-decoder's stream API on a capture, preloaded in memory, N passes.

Usage: velodyne_decoder_stream.py CAPTURE.pcap [PASSES]
Last line: points_per_s=<median>, the same contract as `sightline bench decode`.
"""
import statistics
import struct
import sys
import time

import numpy as np
import velodyne_decoder as vd


def load(path):
    """Data-packet payloads and capture stamps from a classic pcap file."""
    data = open(path, "rb").read()
    nanos = struct.unpack_from("<I", data, 0)[0] == 0xA1B23C4D
    offset, out = 24, []
    while offset + 16 <= len(data):
        seconds, fraction, length, _ = struct.unpack_from("<IIII", data, offset)
        frame = data[offset + 16:offset + 16 + length]
        offset += 16 + length
        if len(frame) == 1248 and struct.unpack_from(">H", frame, 36)[0] == 2368:
            stamp = seconds + fraction * (1e-9 if nanos else 1e-6)
            out.append((stamp, frame[42:]))
    return out


def main(path, passes):
    data = load(path)
    rates = []
    points_per_pass = 0
    for _ in range(passes):
        decoder = vd.StreamDecoder(vd.Config())
        points = 0
        started = time.perf_counter()
        for stamp, packet in data:
            result = decoder.decode(stamp, packet, as_pcl_structs=True)
            if result is not None:
                points += len(result[1])
        result = decoder.finish(as_pcl_structs=True)
        if result is not None:
            points += len(result[1])
        elapsed = time.perf_counter() - started
        rates.append(points / elapsed)
        points_per_pass = points
    print(f"passes={passes} points_per_pass={points_per_pass} packets_per_pass={len(data)}")
    print(f"points_per_s={int(statistics.median(rates))}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
