#!/usr/bin/env python3
"""Checks the bundled drives: bit-identical replays, the evaluation figures the synthetic drives
exist to prove, and that an independent decoder reads their generated packets as the scene.

Usage: check_drives.py SIGHTLINE_BINARY

1. Every drive in Replay/ with an `[expect] digest` replays to exactly that digest (and one
   replays twice to the same digest).
2. `sightline eval --json` on the synthetic drives (keys: docs/EVAL.md): every row of EXPECT
   below holds, the JSON has every documented key and none of the removed ones, and eval
   writes its plots; on the highway the agent-frames at 180-220 ms latency have an
   extrapolated error within 0.3 m while the reported position is about 6 m off.
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
SYNTHETIC = ["blind-intersection", "degraded-comms", "highway", "urban"]

# What `sightline eval DRIVE --json` gives on the bundled synthetic drives, with bounds tight
# enough to catch a regression. Each row: drive, a path into the JSON ("a.b" keys,
# "list[key=value]" picks a list entry, "*" every entry of an object), the lowest and highest
# value allowed (None: no bound), and what it shows. The drives are noisy (docs/SCENARIOS.md):
# every sender's GNSS has white noise and a wandering bias it reports honestly, and the ego's
# pose is its own receiver's GPRMC; the grid and detection are scored in the vehicle's frame.
# Regenerated drives change these figures: change the rows here (and README, docs/EVAL.md).
PEDESTRIAN, CROSSING_CAR, EAST_CAR = "50454431", "43415231", "43415235"  # blind-intersection
HIDDEN = "50454432"  # urban: the pedestrian behind the parked van
# The calibration band for coverage_95, per drive, for vehicles and pedestrians.
CALIBRATED = (0.85, 0.99)
EXPECT = [
    # blind-intersection: a pedestrian (PSM) behind a parked truck, cars (BSM) on the hidden
    # cross street, 60 ms link.
    ("blind-intersection", f"detection.{PEDESTRIAN}.window_entry_s", 0.95, 1.05,
     "the pedestrian enters the 100 m window at 1.0 s"),
    ("blind-intersection", f"detection.{PEDESTRIAN}.fused_s", 0.95, 1.05,
     "the fused grid has the pedestrian as soon as it is in the window"),
    ("blind-intersection", f"detection.{PEDESTRIAN}.lidar_only_s", 9.0, 9.2,
     "LiDAR alone sees the pedestrian when it steps out"),
    ("blind-intersection", f"detection.{PEDESTRIAN}.advantage_s", 8.0, 8.2,
     "the pedestrian is in the fused grid 8.1 s before LiDAR alone has it"),
    ("blind-intersection", f"detection.{CROSSING_CAR}.advantage_s", 1.8, 2.0,
     "the crossing car is in the fused grid 1.9 s before LiDAR alone has it"),
    ("blind-intersection", f"detection.{EAST_CAR}.advantage_s", 5.4, 5.6,
     "the car from the east is in the fused grid 5.5 s before LiDAR alone has it"),
    ("blind-intersection", "position_error.vehicle[from_ms=0].extrapolated_m.median", 1.2, 1.35,
     "the cars' GNSS (0.85 m 1 sigma) dominates the error at 0-100 ms"),
    ("blind-intersection", "coverage_95.vehicle.fraction", *CALIBRATED, "vehicles calibrated"),
    ("blind-intersection", "coverage_95.vehicle.fraction", 0.89, 0.93, "vehicles: 0.91"),
    ("blind-intersection", "coverage_95.pedestrian.fraction", *CALIBRATED, "pedestrians calibrated"),
    ("blind-intersection", "coverage_95.pedestrian.fraction", 0.91, 0.95, "pedestrians: 0.93"),
    ("blind-intersection", "coverage_95.all.n", 600, 600, "five agents in each of 120 frames"),
    ("blind-intersection", "nees.all.mean", 2.2, 2.6, "NEES near its ideal 2"),
    ("blind-intersection", "ego.position_m.median", 0.6, 0.8, "the ego's own GNSS error"),
    ("blind-intersection", "grid.iou_observed", 0.42, 0.47, "over the cells the grid observed"),
    ("blind-intersection", "grid.false_free", 0.008, 0.012, "of the cells the grid calls free"),
    ("blind-intersection", "grid.false_occupied", 0.46, 0.51,
     "of the cells the grid calls occupied: mostly the agents' presence regions"),
    # degraded-comms: the same scene over a bad link (300 ms, burst loss, a dropout, sender
    # clocks 40 ms ahead).
    ("degraded-comms", f"detection.{PEDESTRIAN}.advantage_s", 8.0, 8.2,
     "the pedestrian is in the fused grid 8.1 s ahead even over the bad link"),
    ("degraded-comms", "position_error.vehicle[from_ms=300].extrapolated_m.median", 1.15, 1.4,
     "extrapolated over 300-400 ms: the GNSS error remains"),
    ("degraded-comms", "position_error.vehicle[from_ms=300].raw_m.median", 3.3, 3.6,
     "without extrapolation the cars are 3.45 m off at 300-400 ms"),
    ("degraded-comms", "coverage_95.vehicle.fraction", *CALIBRATED, "vehicles calibrated"),
    ("degraded-comms", "coverage_95.vehicle.fraction", 0.86, 0.91, "vehicles: 0.885"),
    ("degraded-comms", "coverage_95.pedestrian.fraction", *CALIBRATED, "pedestrians calibrated"),
    ("degraded-comms", "coverage_95.pedestrian.fraction", 0.87, 0.92, "pedestrians: 0.90"),
    ("degraded-comms", "coverage_95.cyclist.fraction", 0.70, 0.76,
     "the cyclist's ellipse is too small over the bad link (0.73): a known gap"),
    ("degraded-comms", "nees.all.mean", 2.7, 3.2, "NEES above 2: clocks 40 ms ahead"),
    ("degraded-comms", "grid.iou_observed", 0.43, 0.48, "the same LiDAR as blind-intersection"),
    # highway: about 30 m/s among eleven cars that brake and change lanes, 200 ms link.
    ("highway", "detection.*.advantage_s", -0.001, 0.001,
     "every car LiDAR can see is in its view from the start: no advantage"),
    ("highway", "position_error.vehicle[from_ms=200].extrapolated_m.median", 0.85, 1.05,
     "extrapolated over 200-300 ms at 30 m/s: the GNSS error (0.78 m 1 sigma) remains"),
    ("highway", "position_error.vehicle[from_ms=200].raw_m.median", 7.2, 7.9,
     "the reported position is 7.6 m behind at 200-300 ms"),
    ("highway", "position_error.vehicle[from_ms=200].n", 791, 791, "791 agent-frames"),
    ("highway", "coverage_95.vehicle.fraction", *CALIBRATED, "vehicles calibrated"),
    ("highway", "coverage_95.vehicle.fraction", 0.965, 0.99, "vehicles: 0.98"),
    ("highway", "nees.vehicle.mean", 1.5, 1.85, "NEES below 2: the ellipses are a little wide"),
    ("highway", "ego.position_m.median", 0.35, 0.5, "the ego's own GNSS error"),
    ("highway", "grid.iou_observed", 0.27, 0.31, "over the cells the grid observed"),
    ("highway", "grid.false_free", 0.028, 0.038, "of the cells the grid calls free"),
    ("highway", "grid.false_occupied", 0.55, 0.61, "of the cells the grid calls occupied"),
    # urban: a pedestrian hidden by a parked van, turning and braking cars, 1-3 m GNSS error.
    ("urban", f"detection.{HIDDEN}.window_entry_s", 2.55, 2.65,
     "the hidden pedestrian enters the window at 2.6 s"),
    ("urban", f"detection.{HIDDEN}.fused_s", 2.55, 2.95, "the fused grid has her at 2.7 s"),
    ("urban", f"detection.{HIDDEN}.lidar_only_s", 9.8, 10.0,
     "LiDAR alone sees her when she steps out from behind the van, at 9.9 s"),
    ("urban", f"detection.{HIDDEN}.advantage_s", 7.0, 7.4,
     "the hidden pedestrian is in the fused grid 7.2 s before LiDAR alone has her"),
    ("urban", "coverage_95.vehicle.fraction", *CALIBRATED, "vehicles calibrated"),
    ("urban", "coverage_95.vehicle.fraction", 0.93, 0.97, "vehicles: 0.95"),
    ("urban", "coverage_95.pedestrian.fraction", *CALIBRATED, "pedestrians calibrated"),
    ("urban", "coverage_95.pedestrian.fraction", 0.975, 0.99, "pedestrians: 0.99"),
    ("urban", "coverage_75.pedestrian.fraction", 0.85, 0.9,
     "pedestrians are inside their 75% ellipse at least 75% of the time: 0.877"),
    ("urban", "position_error.pedestrian[from_ms=100].raw_m.median", 2.1, 2.3,
     "the phones' reported positions are 2.21 m off at 100-200 ms"),
    ("urban", "nees.all.mean", 1.5, 1.9, "NEES below 2"),
    ("urban", "position_error.pedestrian[from_ms=100].extrapolated_m.median", 2.0, 2.35,
     "phones' GNSS (2.15 m 1 sigma) dominates"),
    ("urban", "ego.position_m.median", 1.0, 1.3, "the ego's own GNSS error in the city"),
    ("urban", "grid.iou_observed", 0.33, 0.38, "over the cells the grid observed"),
    ("urban", "grid.false_free", 0.013, 0.018, "of the cells the grid calls free"),
    ("urban", "grid.false_occupied", 0.58, 0.63,
     "of the cells the grid calls occupied: mostly wide presence regions"),
]
# Highway, samples at 180-220 ms latency: extrapolated error at most this, reported error in
# this range (30 m/s x 0.2 s = 6 m, less the cars' braking).
HIGHWAY_200MS_EXTRAPOLATED_MAX_M = 1.2
HIGHWAY_200MS_RAW_M = (5.0, 6.5)
KEYS = [
    "detection", "position_error", "position_error_samples", "coverage_95", "coverage_75", "nees",
    "grid", "ego",
]
REMOVED = ["max_stale_agent_age_s", "uncertainty_grows_with_age", "time_advantage_s",
           "first_occupied", "grid_iou", "error_by_latency"]

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
    for name in ("blind-intersection", "rig"):
        folder = os.path.join(ROOT, "Replay", name)
        twice = [run(binary, "replay", folder, "--publish", "inproc://twice", "--digest").stdout
                 .strip().splitlines()[-1] for _ in range(2)]
        check(f"{name}: two replays give the same digest", twice[0] == twice[1], twice[0])


def evaluate(binary, name, *options):
    with tempfile.TemporaryDirectory() as tmp:
        result = run(binary, "eval", os.path.join(ROOT, "Replay", name), "--json", "--out", tmp,
                     *options)
        if result.returncode != 0:
            check(f"{name}: sightline eval runs", False, result.stderr.strip()[-300:])
            return None
        plots = all(os.path.getsize(os.path.join(tmp, p)) > 0
                    for p in ("error-vs-latency.png", "time-advantage.png"))
        check(f"{name}: eval writes its plots", plots)
        return json.loads(result.stdout.strip().splitlines()[-1])


def lookup(value, path):
    """The values at `path` (see EXPECT) as (where, value) pairs; a missing step gives None."""
    found = [("", value)]
    for step in path.split("."):
        key, _, pick = step.partition("[")
        following = []
        for where, v in found:
            if key == "*" and isinstance(v, dict):
                following += [(f"{where}.{k}", x) for k, x in sorted(v.items())]
                continue
            v = v.get(key) if isinstance(v, dict) else None
            if pick and isinstance(v, list):
                name, _, wanted = pick.rstrip("]").partition("=")
                v = next((e for e in v if str(e.get(name)) == wanted), None)
            following.append((f"{where}.{step}", v))
        found = following
    return [(where.lstrip("."), v) for where, v in found]


def figures(binary):
    scores = {name: evaluate(binary, name) for name in SYNTHETIC}
    for name, result in scores.items():
        if result is None:
            continue
        missing = [k for k in KEYS if k not in result]
        stale = [k for k in REMOVED if k in result]
        check(f"{name}: eval prints the documented keys and none of the removed ones",
              not missing and not stale, f"missing {missing}, removed but present {stale}")
    for name, path, low, high, what in EXPECT:
        if scores.get(name) is None:
            continue
        found = lookup(scores[name], path)
        if "*" in path:
            # A wildcard holds for every entry that has the value (cars that never enter the
            # window have no advantage), and at least one must.
            check(f"{name}: {path} has values", any(v is not None for _, v in found))
            found = [(where, v) for where, v in found if v is not None]
        for where, value in found:
            ok = (isinstance(value, (int, float)) and (low is None or value >= low)
                  and (high is None or value <= high))
            check(f"{name}: {what} ({where} in [{low}, {high}])", ok, f"{where} = {value}")
    highway = scores.get("highway")
    if highway:
        rows = [r for r in highway["position_error_samples"] if 180 <= r["latency_ms"] <= 220]
        extrapolated = float(np.median([r["extrapolated_m"] for r in rows])) if rows else math.inf
        raw = float(np.median([r["raw_m"] for r in rows])) if rows else 0
        low, high = HIGHWAY_200MS_RAW_M
        check(f"highway: extrapolated error <= {HIGHWAY_200MS_EXTRAPOLATED_MAX_M} m at ~200 ms,"
              f" raw {low}-{high} m",
              rows and extrapolated <= HIGHWAY_200MS_EXTRAPOLATED_MAX_M and low <= raw <= high,
              f"{len(rows)} agent-frames: extrapolated {extrapolated:.3f} m, raw {raw:.3f} m")
    return scores

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
            good += on_a_surface(header, agents, x, y, z, 0.08)
    share = good / max(1, checked)
    check(f"{name}: velodyne-decoder reads the generated capture as the scene",
          total > 0 and share >= 0.995,
          f"{total} points in {len(scans)} scans; {good}/{checked} sampled on a surface "
          f"within 8 cm, 4 sigma of the range noise ({share:.4f})")


def docs_example(binary):
    """docs/EVAL.md's example block is what `sightline eval Replay/urban` prints."""
    text = open(os.path.join(ROOT, "docs", "EVAL.md")).read()
    marker = "<!-- eval-example: sightline eval Replay/urban -->\n```\n"
    start = text.find(marker)
    shown = text[start + len(marker):text.find("\n```", start + len(marker))] if start >= 0 else ""
    with tempfile.TemporaryDirectory() as tmp:
        result = run(binary, "eval", os.path.join(ROOT, "Replay", "urban"), "--out", tmp)
    printed = "\n".join(line for line in result.stdout.strip().splitlines()
                        if not line.startswith("plots:"))
    differing = [(a, b) for a, b in zip(shown.splitlines(), printed.splitlines()) if a != b]
    check("docs/EVAL.md's example is what sightline eval Replay/urban prints",
          start >= 0 and shown == printed,
          f"first difference: {differing[:1]}" if differing else f"{len(printed.splitlines())} lines")


# The rig: the roof VLS-128 and the two corner VLP-16s together against each alone, on the
# same drive and truth (`sightline eval Replay/rig [--only-sensor NAME]`). The figures are
# printed and held by RIG_EXPECT; together must beat every one alone on both IoUs.
RIG_SENSORS = ["roof", "front-left", "front-right"]
RIG_EXPECT = {
    # name: (iou, iou_observed, false_free) ranges around the printed run (2026-12-07): a
    # replay is bit-identical, so these move only when the frames do.
    "all": ((0.0070, 0.0074), (0.43, 0.45), (0.014, 0.0165)),
    "roof": ((0.0069, 0.0073), (0.40, 0.42), (0.014, 0.0165)),
    "front-left": ((0.0049, 0.0053), (0.28, 0.30), (0.007, 0.009)),
    "front-right": ((0.0047, 0.0051), (0.34, 0.36), (0.009, 0.011)),
}


def rig(binary):
    scores = {"all": evaluate(binary, "rig")}
    for sensor in RIG_SENSORS:
        scores[sensor] = evaluate(binary, "rig", "--only-sensor", sensor)
    if any(v is None for v in scores.values()):
        return
    grid = {name: score["grid"] for name, score in scores.items()}
    for name, g in grid.items():
        print(f"rig {name}: iou {g['iou']:.4f}, iou_observed {g['iou_observed']:.4f},"
              f" false_free {g['false_free']:.4f}, false_occupied {g['false_occupied']:.4f}")
    for key in ("iou", "iou_observed"):
        alone = max(grid[s][key] for s in RIG_SENSORS)
        check(f"rig: all sensors together beat each alone on {key}", grid["all"][key] > alone,
              f"together {grid['all'][key]:.4f}, best alone {alone:.4f}")
    for name, ranges in RIG_EXPECT.items():
        for key, (low, high) in zip(("iou", "iou_observed", "false_free"), ranges):
            value = grid[name][key]
            check(f"rig {name}: {key} in [{low}, {high}]", low <= value <= high, f"{value:.4f}")


def main(binary):
    digests(binary)
    figures(binary)
    rig(binary)
    docs_example(binary)
    for name in ("blind-intersection", "highway", "urban"):
        independent_decode(name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
    finish()
