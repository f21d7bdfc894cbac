#!/usr/bin/env python3
"""Writes what velodyne-decoder (an independent C++ decoder, from PyPI) makes of a capture.

Sightline's tests compare against this file, so the expected values come from a peer, not from
our own code. Regenerate with:
    Tools/oracle/velodyne_reference.py Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap \
        Tests/SightlineLidarTests/Fixtures/vlp16-strongest-gps.velodyne-decoder.json
"""
import json
import sys
from importlib.metadata import version

import velodyne_decoder as vd

POINTS_KEPT = 300  # leading points of each sweep kept for point-by-point checks


def reference(path, cut_angle=0.0):
    sweeps = []
    for stamp, points in vd.read_pcap(path, vd.Config(cut_angle=cut_angle), as_pcl_structs=True):
        head = points[:POINTS_KEPT]
        sweeps.append({
            # velodyne-decoder stamps a scan with the timestamp of its last packet.
            "last_packet_time_ns": round(stamp.device * 1e9),
            "points": int(len(points)),
            "first_points": [
                {
                    "x": float(p["x"]), "y": float(p["y"]), "z": float(p["z"]),
                    "intensity": int(p["intensity"]), "ring": int(p["ring"]),
                    "return_type": int(p["return_type"]),
                    # time relative to the scan stamp, seconds
                    "time": float(p["time"]),
                }
                for p in head
            ],
        })
    # Per-sweep counts at another cut angle, to check that the cut follows the configuration.
    counts_at_90 = [
        int(len(points))
        for _, points in vd.read_pcap(path, vd.Config(cut_angle=90.0), as_pcl_structs=True)
    ]
    return {
        "decoder": f"velodyne-decoder {version('velodyne-decoder')}",
        "config": {"cut_angle": cut_angle, "min_range": 0.1, "max_range": 200.0},
        "sweeps": sweeps,
        "point_counts_cut_at_90": counts_at_90,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} CAPTURE.pcap OUT.json")
    with open(sys.argv[2], "w") as out:
        json.dump(reference(sys.argv[1]), out, indent=1)
        out.write("\n")
