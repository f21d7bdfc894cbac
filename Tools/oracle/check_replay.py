#!/usr/bin/env python3
"""Checks `sightline replay` against velodyne-decoder, live, on a capture.

Usage: check_replay.py SIGHTLINE_BINARY CAPTURE.pcap COMMITTED_REFERENCE.json

It runs both decoders on the same capture and compares, sweep by sweep, the point counts and the
time stamp of the last packet; it also checks that the committed reference, which the Swift
tests use offline, still matches what velodyne-decoder produces. Prints one line per check and
ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile

import velodyne_decoder as vd

failures = 0
passes = 0


def check(name, ok, detail=""):
    global failures, passes
    if ok:
        passes += 1
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name} {detail}")


def main(binary, capture, committed):
    peer = [
        (round(stamp.device * 1e9), len(points))
        for stamp, points in vd.read_pcap(capture, vd.Config(cut_angle=0), as_pcl_structs=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        endpoint = f"ipc://{tmp}/oracle"
        run = subprocess.run(
            [binary, "replay", "--lidar", capture, "--publish", endpoint, "--report", report_path],
            capture_output=True, text=True, timeout=120)
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

    with open(committed) as f:
        reference = json.load(f)
    check("committed reference still matches velodyne-decoder",
          [s["points"] for s in reference["sweeps"]] == peer_counts)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    print(f"{passes} passed, {failures} failed")
    sys.exit(1 if failures else 0)
