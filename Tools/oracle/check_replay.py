#!/usr/bin/env python3
"""Checks `sightline replay` against independent peers, live, on a capture.

Usage: check_replay.py SIGHTLINE_BINARY CAPTURE.pcap COMMITTED_REFERENCE.json

It runs sightline and velodyne-decoder on the same capture and compares, sweep by sweep, the
point counts and the time stamp of the last packet, while a pyzmq subscriber decodes the
published frames by docs/SCHEMA.md alone. It also checks that the committed reference, which the
Swift tests use offline, still matches what velodyne-decoder produces. Prints one line per
check and ends with "N passed, N failed".
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading

import velodyne_decoder as vd
import zmq

from oraclelib import check, finish




def decode_grid_frame(message):
    """Decodes a `grid` message from the layout in docs/SCHEMA.md, without Sightline's code."""
    assert message.startswith(b"grid\0")
    body = message[5:]
    magic, version, flags, sequence, sensor_ns, _ = struct.unpack_from("<4sHHQqq", body, 0)
    points, used = struct.unpack_from("<II", body, 36)
    columns, rows, _ = struct.unpack_from("<IIf", body, 48)
    occupied, free, unknown = struct.unpack_from("<III", body, 68)
    corner_e, corner_n, ego_e, ego_n = struct.unpack_from("<dddd", body, 80)
    skipped, reach, degradation = struct.unpack_from("<IfB", body, 132)
    (count,) = struct.unpack_from("<I", body, 156)
    cells = memoryview(body)[160:160 + count].cast("b")
    (v2x_count,) = struct.unpack_from("<I", body, 160 + count)
    return {
        "magic": magic, "version": version, "partial": bool(flags & 1), "sequence": sequence,
        "deterministic": bool(flags & 4), "points": points, "cells": count,
        "declared": columns * rows, "v2x_ok": v2x_count in (0, count)
        and len(body) == 164 + count + v2x_count, "degradation": degradation,
        "counts_match": (sum(1 for c in cells if c > 50) == occupied
                         and sum(1 for c in cells if 0 <= c <= 50) == free
                         and sum(1 for c in cells if c == -1) == unknown
                         and occupied + free + unknown == count),
    }


def subscribe(endpoint, frames, ready):
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.SUBSCRIBE, b"grid\0")
    socket.setsockopt(zmq.SUBSCRIBE, b"stats\0")
    socket.setsockopt(zmq.RCVTIMEO, 20000)
    socket.connect(endpoint)
    ready.set()
    try:
        while True:
            message = socket.recv()
            if message.startswith(b"stats\0"):
                break
            frames.append(decode_grid_frame(message))
    except zmq.Again:
        pass
    socket.close()


def main(binary, capture, committed):
    peer = [
        (round(stamp.device * 1e9), len(points))
        for stamp, points in vd.read_pcap(capture, vd.Config(cut_angle=0), as_pcl_structs=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        endpoint = f"ipc://{tmp}/oracle"
        frames, ready = [], threading.Event()
        listener = threading.Thread(target=subscribe, args=(endpoint, frames, ready))
        listener.start()
        ready.wait()
        run = subprocess.run(
            [binary, "replay", "--lidar", capture, "--publish", endpoint, "--report", report_path,
             "--wait-subscribers", "1"],
            capture_output=True, text=True, timeout=120)
        listener.join()
        check("sightline replay exits 0", run.returncode == 0, run.stderr.strip())
        if run.returncode != 0:
            return
        with open(report_path) as f:
            ours = json.load(f)["sweeps"]

    check("same number of sweeps", len(ours) == len(peer), f"ours {len(ours)} peer {len(peer)}")
    our_counts = [s["points"] for s in ours]
    peer_counts = [count for _, count in peer]
    check("same points per sweep", our_counts == peer_counts, f"ours {our_counts} peer {peer_counts}")
    worst = max(
        (abs(s["lastPacketTimeNanoseconds"] - stamp) for s, (stamp, _) in zip(ours, peer)),
        default=0)
    check("sweep stamps within 1 us", worst < 1000, f"worst {worst} ns")
    check("exactly the middle sweeps are complete",
          [s["complete"] for s in ours] == [False] + [True] * (len(ours) - 2) + [False],
          str([s["complete"] for s in ours]))

    check("pyzmq subscriber got every frame in order",
          [f["sequence"] for f in frames] == list(range(len(peer))),
          str([f["sequence"] for f in frames]))
    check("frames decode by the documented schema",
          all(f["magic"] == b"SLGF" and f["version"] == 2 and f["cells"] == f["declared"]
              and f["counts_match"] and f["v2x_ok"] for f in frames))
    check("replay frames are made under the deterministic work budget",
          all(f["deterministic"] for f in frames))
    check("published point counts match the peer",
          [f["points"] for f in frames] == peer_counts)

    with open(committed) as f:
        reference = json.load(f)
    check("committed reference still matches velodyne-decoder",
          [s["points"] for s in reference["sweeps"]] == peer_counts)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    finish()
