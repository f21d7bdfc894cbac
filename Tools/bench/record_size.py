#!/usr/bin/env python3
"""Recording size and cost, side by side: replays a drive with --record, chunks uncompressed
and zstd (publish.record_compression), ROUNDS times each in turn, and prints bytes per frame and
the replay's CPU time per frame (user + system, the whole process) for both, then their ratios.
  record_size.py SIGHTLINE DRIVE|CAPTURE.pcap [ROUNDS]    (Tools/bench/run.sh record calls it)"""
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

binary, drive = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
results = {"none": [], "zstd": []}
with tempfile.TemporaryDirectory() as folder:
    for round_ in range(rounds):
        for mode in results:
            config = os.path.join(folder, f"{mode}.toml")
            with open(config, "w") as f:
                f.write(f'[publish]\nendpoint = "ipc://{folder}/pub"\n'
                        f'record_compression = "{mode}"\n')
            path = os.path.join(folder, f"{mode}.mcap")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            source = ["--lidar", drive] if drive.endswith((".pcap", ".pcapng")) else [drive]
            out = subprocess.run([binary, "replay", *source, "--config", config, "--record", path],
                                 check=True, capture_output=True, text=True).stdout
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            frames = int(re.search(r"recorded (\d+) frames", out).group(1))
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            size = os.path.getsize(path)
            results[mode].append((size / frames, cpu * 1000 / frames))
            print(f"round {round_ + 1} {mode}: {frames} frames, {size} bytes "
                  f"({size / frames / 1000:.1f} kB a frame), CPU {cpu * 1000 / frames:.1f} ms a frame",
                  flush=True)
            os.remove(path)
none = [statistics.median(v) for v in zip(*results["none"])]
zstd = [statistics.median(v) for v in zip(*results["zstd"])]
print(f"record none_kB_per_frame={none[0] / 1000:.1f} zstd_kB_per_frame={zstd[0] / 1000:.1f} "
      f"size_ratio={none[0] / zstd[0]:.0f} none_cpu_ms_per_frame={none[1]:.1f} "
      f"zstd_cpu_ms_per_frame={zstd[1]:.1f} cpu_ratio={zstd[1] / none[1]:.2f}")
