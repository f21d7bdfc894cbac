#!/usr/bin/env python3
"""Sanity check of `sightline decode` against nebula's reference clouds (shared/reference/).

Usage: compare_nebula.py SIGHTLINE_BINARY CAPTURE.pcap REFERENCE.pcd [MODEL CALIBRATION]

Give nebula's own calibration file (shared/calibration/nebula-*.yaml) to decode with the
geometry nebula used.

Nebula applies its own range (0.3–300 m) and field-of-view filters and its own azimuth
conventions, and the reference is one scan whose cut we do not know, so this is no point-by-
point oracle. It finds the sweep of ours that best explains the reference cloud, pairs every
reference point with our nearest point, and checks that range and elevation agree (they depend
only on the packet and the calibration) while azimuth agrees to within nebula's different
interpolation of firing azimuths. Percentiles are 95th: at VLS-128 density, nebula's shifted
azimuths make a few nearest neighbours pair with a different beam. Ends with "N passed, N failed".
"""
import io
import subprocess
import sys

import numpy as np
from scipy.spatial import cKDTree

from oraclelib import check, finish




def read_pcd(path):
    data = open(path, "rb").read()
    header_end = data.index(b"DATA binary\n") + len(b"DATA binary\n")
    header = data[:header_end].decode()
    fields = sizes = types = None
    points = 0
    for line in header.splitlines():
        key, *values = line.split()
        if key == "FIELDS": fields = values
        if key == "SIZE": sizes = [int(v) for v in values]
        if key == "TYPE": types = values
        if key == "POINTS": points = int(values[0])
    dtype = np.dtype([(f, {"F": "<f", "U": "<u", "I": "<i"}[t] + str(s))
                      for f, s, t in zip(fields, sizes, types)])
    cloud = np.frombuffer(data[header_end:header_end + points * dtype.itemsize], dtype=dtype)
    return np.stack([cloud["x"], cloud["y"], cloud["z"]], axis=1).astype(np.float64)


def main(binary, capture, reference_path, model=None, calibration=None):
    name = reference_path.rsplit("/", 1)[-1]
    reference = read_pcd(reference_path)
    command = [binary, "decode", capture, "--out", "-"]
    if model:
        command += ["--model", model, "--calibration", calibration]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    ours = np.genfromtxt(io.StringIO(run.stdout), delimiter=",", names=True)
    # Which of our sweeps is the reference? The one with most reference points within 2 cm.
    best = None
    for frame in range(int(ours["frame"].max()) + 1):
        sweep = ours[ours["frame"] == frame]
        xyz = np.stack([sweep["x"], sweep["y"], sweep["z"]], axis=1)
        distances, _ = cKDTree(xyz).query(reference, distance_upper_bound=1.0)
        close = float(np.mean(distances < 0.02))
        if best is None or close > best[1]:
            best = (frame, close, distances, len(sweep))
    frame, close, distances, count = best
    sweep = ours[ours["frame"] == frame]
    xyz = np.stack([sweep["x"], sweep["y"], sweep["z"]], axis=1)
    _, nearest = cKDTree(xyz).query(reference)
    mine = xyz[nearest]
    range_ref, range_ours = np.linalg.norm(reference, axis=1), np.linalg.norm(mine, axis=1)
    range_diff = np.abs(range_ref - range_ours)
    elevation_diff = np.abs(np.degrees(np.arcsin(reference[:, 2] / range_ref)
                                       - np.arcsin(mine[:, 2] / range_ours)))
    azimuth_diff = (np.degrees(np.arctan2(reference[:, 1], reference[:, 0])
                               - np.arctan2(mine[:, 1], mine[:, 0])) + 180) % 360 - 180
    print(f"{name}: best matching sweep {frame} ({count} points vs {len(reference)} in the reference,"
          f" {close * 100:.1f}% within 2 cm)")
    range_excess = range_diff - np.maximum(0.01, 0.001 * range_ref)
    check(f"{name}: range agrees within 1 cm or 0.1% for 95% of points",
          np.percentile(range_excess, 95) <= 0, f"p95 |Δr| {np.percentile(range_diff, 95) * 1000:.2f} mm")
    check(f"{name}: elevation agrees within 0.01° for 95% of points",
          np.percentile(elevation_diff, 95) < 0.01, f"p95 {np.percentile(elevation_diff, 95):.4f}°")
    check(f"{name}: azimuth agrees within 0.05° (median) and 0.2° (p95)",
          abs(np.median(azimuth_diff)) < 0.05 and np.percentile(np.abs(azimuth_diff), 95) < 0.2,
          f"median {np.median(azimuth_diff):.3f}°, p95 {np.percentile(np.abs(azimuth_diff), 95):.3f}°")

if __name__ == "__main__":
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:])
    finish()
