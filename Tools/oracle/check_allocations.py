#!/usr/bin/env python3
"""The hot paths allocate nothing once warm ([P]): the release build's own benchmarks run with
the malloc counter (Tools/bench/malloc_count.c) preloaded, on optimised code as a vehicle runs
it (a debug build's closures and boxes allocate where the optimiser removes them).
  - decode, every vendor: no allocation in the second half of each pass's packets, once a new
    stream's buffers have grown (`allocations_steady_state`);
  - V2X: locating and decoding BSMs (`allocations_in_timed_loops`);
  - the grid stage (`SweepToFrame`: decay, 32 V2X cars with 24 painted nearest first, LiDAR,
    layers, encoding) over every sweep of a capture after a warm-up pass
    (`allocations_grid_stage`).
Captures from ../shared are used when they are beside the checkout (they are in CI); the
bundled VLP-16 capture and the Ouster and V2X fixtures always.
  check_allocations.py MALLOC_COUNT_SO SIGHTLINE"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oraclelib import check, finish  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shared = os.path.join(root, "..", "shared", "data", "lidar")
ouster = os.path.join(root, "Tests", "SightlineLidarTests", "Fixtures", "ouster")
counter, binary = sys.argv[1], sys.argv[2]


def bench(*args):
    result = subprocess.run([binary, "bench", *args], capture_output=True, text=True,
                            env={**os.environ, "LD_PRELOAD": os.path.abspath(counter)})
    return result.returncode, result.stdout + result.stderr


def figure(output, key):
    found = re.search(rf"\b{key}=(\d+)", output)
    return int(found.group(1)) if found else None


decodes = [("VLP-16 (bundled)", [os.path.join(root, "Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap")]),
           ("Ouster RNG19 (fixture)", [os.path.join(ouster, "ouster-os0-32-single-synthetic.pcap"),
                                       "--metadata", os.path.join(ouster, "ouster-os0-32-single-synthetic.json")])]
if os.path.isdir(shared):
    decodes += [
        ("VLS-128", [os.path.join(shared, "vls128-strongest.pcap")]),
        ("Ouster LEGACY", [os.path.join(shared, "ouster-os1-32-legacy.pcap"),
                           "--metadata", os.path.join(shared, "ouster-os1-32-legacy.json")]),
        ("Hesai QT64", [os.path.join(shared, "hesai-qt64-dual-first-last.pcap"), "--model", "PandarQT64",
                        "--calibration", os.path.join(shared, "calibration", "hesai-PandarQT64.csv")]),
        ("Hesai QT128", [os.path.join(shared, "hesai-qt128-dual-last-strongest.pcap"), "--model",
                         "PandarQT128", "--calibration",
                         os.path.join(shared, "calibration", "hesai-PandarQT128.csv")]),
    ]
for name, args in decodes:
    status, output = bench("decode", *args, "--repeat", "3")
    steady = figure(output, "allocations_steady_state")
    check(f"decode {name}: no allocation once warm", status == 0 and steady == 0,
          f"allocations_steady_state={steady} (all: {figure(output, 'allocations_in_timed_loops')})"
          if status == 0 else output[-400:])

status, output = bench("v2x", os.path.join(root, "Tests/SightlineV2XTests/Fixtures/bsm-real.jsonl"),
                       "--repeat", "2")
found = figure(output, "allocations_in_timed_loops")
check("V2X locate + decode: no allocation", status == 0 and found == 0,
      f"allocations_in_timed_loops={found}" if status == 0 else output[-400:])

capture = (os.path.join(shared, "vls128-strongest.pcap") if os.path.isdir(shared)
           else os.path.join(root, "Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap"))
status, output = bench("frame", capture, "--repeat", "1")
found = figure(output, "allocations_grid_stage")
check(f"grid stage with V2X cars, {os.path.basename(capture)}: no allocation once warm",
      status == 0 and found == 0,
      f"allocations_grid_stage={found}" if status == 0 else output[-400:])
finish()
