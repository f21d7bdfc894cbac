#!/usr/bin/env python3
"""Checks the bundled drives: bit-identical replays, the evaluation figures the synthetic drives
exist to prove, and that an independent decoder reads their generated packets as the scene.

Usage: check_drives.py SIGHTLINE_BINARY

1. Every drive in Replay/ with an `[expect] digest` replays to exactly that digest (and one
   replays twice to the same digest).
2. `sightline eval --json` on the synthetic drives:
   - blind-intersection: the pedestrian is in the fused grid at least 1.5 s before LiDAR alone
     sees it;
   - highway: at about 200 ms latency the extrapolated position is within 0.3 m while the
     reported one is about 6 m off;
   - degraded-comms: no agent outlives the track age limit (1 s), and uncertainty grows with age.
3. velodyne-decoder (PyPI) decodes the generated captures; moved into the scene with the truth's
   ego pose at each point's time, its points lie on the ground or on a box, within the range
   noise and quantisation.
Prints one line per check and ends with "N passed, N failed".
"""
import bisect
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import velodyne_decoder as vd

from oraclelib import check, finish

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SYNTHETIC = ["blind-intersection", "degraded-comms", "highway"]


def run(binary, *arguments):
    return subprocess.run([binary, *arguments], capture_output=True, text=True, timeout=600)


def digests(binary):
    for name in sorted(os.listdir(os.path.join(ROOT, "Replay"))):
        folder = os.path.join(ROOT, "Replay", name)
        manifest = os.path.join(folder, "drive.toml")
        if not os.path.isfile(manifest) or "[expect]" not in open(manifest).read():
            continue
        result = run(binary, "replay", folder, "--publish", f"inproc://{name}", "--digest")
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        check(f"{name}: replays to its recorded digest", result.returncode == 0,
              last if result.returncode == 0 else result.stderr.strip()[-300:])
    folder = os.path.join(ROOT, "Replay", "blind-intersection")
    twice = [run(binary, "replay", folder, "--publish", "inproc://twice", "--digest").stdout
             .strip().splitlines()[-1] for _ in range(2)]
    check("blind-intersection: two replays give the same digest", twice[0] == twice[1], twice[0])


def evaluate(binary, name):
    with tempfile.TemporaryDirectory() as tmp:
        result = run(binary, "eval", os.path.join(ROOT, "Replay", name), "--json", "--out", tmp)
        if result.returncode != 0:
            check(f"{name}: sightline eval runs", False, result.stderr.strip()[-300:])
            return None
        plots = all(os.path.getsize(os.path.join(tmp, p)) > 0
                    for p in ("error-vs-latency.png", "time-advantage.png"))
        check(f"{name}: eval writes its plots", plots)
        return json.loads(result.stdout.strip().splitlines()[-1])


def figures(binary):
    blind = evaluate(binary, "blind-intersection")
    if blind:
        pedestrian = blind["time_advantage_s"].get("50454431")
        check("blind-intersection: pedestrian in the fused grid >= 1.5 s before LiDAR sees it",
              pedestrian is not None and pedestrian >= 1.5,
              f"{pedestrian} s ahead; first occupied {blind['first_occupied'].get('50454431')}")
    highway = evaluate(binary, "highway")
    if highway:
        rows = [r for r in highway["position_error_m"] if 180 <= r["latency_ms"] <= 220]
        extrapolated = float(np.median([r["extrapolated"] for r in rows])) if rows else math.inf
        raw = float(np.median([r["raw"] for r in rows])) if rows else 0
        check("highway: extrapolated error <= 0.3 m at ~200 ms, raw about 6 m",
              rows and extrapolated <= 0.3 and 5.0 <= raw <= 7.5,
              f"{len(rows)} agent-frames: extrapolated {extrapolated:.3f} m, raw {raw:.3f} m")
    degraded = evaluate(binary, "degraded-comms")
    if degraded:
        check("degraded-comms: no agent outlives the 1 s track age",
              degraded["max_stale_agent_age_s"] <= 1.0,
              f"oldest {degraded['max_stale_agent_age_s']:.3f} s")
        check("degraded-comms: uncertainty grows with age", degraded["uncertainty_grows_with_age"])
    return blind, highway, degraded


def load_truth(name):
    lines = open(os.path.join(ROOT, "Replay", name, "truth.jsonl")).read().splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def interpolate(samples, times, t_ns):
    i = min(max(bisect.bisect_left(times, t_ns), 1), len(samples) - 1)
    a, b = samples[i - 1], samples[i]
    f = (t_ns - a["t_ns"]) / (b["t_ns"] - a["t_ns"])

    def mix(p, q):
        turn = math.remainder(q["yaw"] - p["yaw"], 2 * math.pi)
        return {"x": p["x"] + (q["x"] - p["x"]) * f, "y": p["y"] + (q["y"] - p["y"]) * f,
                "yaw": p["yaw"] + turn * f}
    return mix(a["ego"], b["ego"]), [mix(p, q) for p, q in zip(a["agents"], b["agents"])]


def on_a_surface(header, agents, x, y, z, tolerance):
    if abs(z) <= tolerance:
        return True
    boxes = [(b["x"], b["y"], b["yaw"], b["length"], b["width"], b["height"])
             for b in header["buildings"]]
    boxes += [(a["x"], a["y"], a["yaw"], body["length"], body["width"], body["height"])
              for a, body in zip(agents, header["agents"])]
    for bx, by, yaw, length, width, height in boxes:
        dx, dy = x - bx, y - by
        along = math.cos(yaw) * dx + math.sin(yaw) * dy
        across = -math.sin(yaw) * dx + math.cos(yaw) * dy
        if (abs(along) <= length / 2 + tolerance and abs(across) <= width / 2 + tolerance
                and -tolerance <= z <= height + tolerance):
            return True
    return False


def independent_decode(name, stride=7):
    header, samples = load_truth(name)
    times = [s["t_ns"] for s in samples]
    pcap = os.path.join(ROOT, "Replay", name, f"{name}.pcap")
    scans = list(vd.read_pcap(pcap, vd.Config(), as_pcl_structs=True))
    total = sum(len(s.points) for s in scans)
    checked = good = 0
    for scan in scans:
        for point in scan.points[::stride]:
            t_ns = int(round((scan.stamp.device + float(point["time"])) * 1e9))
            ego, agents = interpolate(samples, times, t_ns)
            c, s = math.cos(ego["yaw"]), math.sin(ego["yaw"])
            px, py, pz = float(point["x"]), float(point["y"]), float(point["z"])
            x, y = ego["x"] + c * px - s * py, ego["y"] + s * px + c * py
            z = header["sensorHeight"] + pz
            checked += 1
            good += on_a_surface(header, agents, x, y, z, 0.06)
    share = good / max(1, checked)
    check(f"{name}: velodyne-decoder reads the generated capture as the scene",
          total > 0 and share >= 0.995,
          f"{total} points in {len(scans)} scans; {good}/{checked} sampled on a surface "
          f"within 6 cm ({share:.4f})")


def main(binary):
    digests(binary)
    figures(binary)
    for name in ("blind-intersection", "highway"):
        independent_decode(name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
    finish()
