#!/usr/bin/env python3
"""Before and after a change, in one run: the decode ratio (against velodyne-decoder), the grid
ratio (against the naive C baseline, 1000x1000 at 0.1 m) and the whole-frame p50/p99 (bench
frame on core 0), for two sightline binaries, interleaved in rounds so that the machine's drift
falls on both alike. Usage (Tools/bench/run.sh compare calls it):
  before_after.py BEFORE_BIN AFTER_BIN CAPTURE SCANS C_BASELINE [ROUNDS]
Prints one line per measurement and a last line with the medians and after/before ratios."""
import statistics
import subprocess
import sys

before, after, capture, scans, c_baseline = sys.argv[1:6]
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 3
python = ".venv/bin/python"


def last_values(command, *keys):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    last = out.strip().splitlines()[-1]
    values = dict(part.split("=", 1) for part in last.split() if "=" in part)
    missing = [key for key in keys if key not in values]
    if missing:
        raise SystemExit(f"no {missing} in the last line of {' '.join(command)}:\n{out}")
    return [float(values[key]) for key in keys]


def last_value(command, key):
    return last_values(command, key)[0]


def c_grid():
    out = subprocess.run([c_baseline, scans, "1000", "0.1", "bresenham", "naive", "0.3", "5"],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split("ms/scan median")[1].split()[0])


results = {name: {"decode": [], "grid": [], "p50": [], "p99": []} for name in ("before", "after")}
for round_ in range(1, rounds + 1):
    peer = last_value([python, "Tools/bench/velodyne_decoder_stream.py", capture, "10"],
                      "points_per_s")
    c = c_grid()
    for name, binary in (("before", before), ("after", after)):
        points = last_value([binary, "bench", "decode", capture, "--repeat", "10"], "points_per_s")
        grid = last_value([binary, "bench", "grid", "--scans", scans, "--size", "1000",
                           "--resolution", "0.1"], "ms_per_scan")
        frame = ["taskset", "-c", "0", binary, "bench", "frame", capture, "--repeat", "10"]
        p50, p99 = last_values(frame, "ms_per_frame_p50", "ms_per_frame_p99")
        r = results[name]
        r["decode"].append(points / peer)
        r["grid"].append(c / grid)
        r["p50"].append(p50)
        r["p99"].append(p99)
        print(f"round {round_} {name}: decode {points / peer:.2f}x velodyne-decoder, "
              f"grid {c / grid:.2f}x C ({grid:.2f} vs {c:.2f} ms/scan), "
              f"frame p50 {p50:.3f} ms p99 {p99:.3f} ms", flush=True)

m = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}
b, a = m["before"], m["after"]
print(f"before_after decode_ratio={b['decode']:.2f}->{a['decode']:.2f} "
      f"grid_ratio={b['grid']:.2f}->{a['grid']:.2f} "
      f"frame_p50_ms={b['p50']:.3f}->{a['p50']:.3f} frame_p99_ms={b['p99']:.3f}->{a['p99']:.3f} "
      f"after_over_before decode={a['decode'] / b['decode']:.3f} grid={a['grid'] / b['grid']:.3f} "
      f"p50={a['p50'] / b['p50']:.3f} p99={a['p99'] / b['p99']:.3f}")
