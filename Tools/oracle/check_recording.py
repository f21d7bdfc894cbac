#!/usr/bin/env python3
"""Recordings a vehicle can keep ([N]): replays the blind-intersection drive with --record and
checks, with the official mcap reader (Python, with zstandard), that every chunk is zstd, that
every message reads, that each recorded FusedFrame decodes, and that the file stays small:
27.8 kB a frame when measured (Tools/bench/RESULTS.md), asserted at most 35 kB (the issue asks
200 kB; uncompressed it is 4.0 MB). Prints "N passed, N failed".
  check_recording.py SIGHTLINE"""
import os
import re
import subprocess
import sys
import tempfile

from mcap.reader import make_reader

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "Tools", "python"))
from sightline_subscriber import MESSAGES  # noqa: E402 (the schema's classes, from descriptors)

binary = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed += bool(ok)
    failed += not ok
    print(("PASS " if ok else "FAIL ") + name + (f" {detail}" if detail else ""), flush=True)


with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "drive.mcap")
    config = os.path.join(folder, "publish.toml")
    with open(config, "w") as f:
        f.write(f'[publish]\nendpoint = "ipc://{folder}/pub"\n')
    out = subprocess.run(
        [binary, "replay", os.path.join(root, "Replay/blind-intersection"), "--config", config,
         "--record", path], check=True, capture_output=True, text=True).stdout
    frames = int(re.search(r"recorded (\d+) frames", out).group(1))
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        chunks = list(summary.chunk_indexes)
        compressions = {chunk.compression for chunk in chunks}
        counted = summary.statistics.message_count
        topics = {}
        for schema, channel, message in reader.iter_messages():
            topics[channel.topic] = topics.get(channel.topic, 0) + 1
            if channel.topic == "/sightline/frame":
                frame = MESSAGES["FusedFrame"].FromString(message.data)
                topics["decoded"] = topics.get("decoded", 0) + (frame.layout.column_count > 0)
    check("every chunk is zstd", compressions == {"zstd"}, f"{len(chunks)} chunks: {compressions}")
    read = sum(v for k, v in topics.items() if k != "decoded")
    check("the official reader reads every message", read == counted and read > 0,
          f"{read} of {counted}")
    check("every recorded frame decodes as a FusedFrame",
          topics.get("decoded") == frames == topics.get("/sightline/frame"),
          f"{topics.get('decoded')} of {frames}")
    check("at most 35 kB a frame (measured 27.8 kB; uncompressed 4.0 MB)", size / frames <= 35_000,
          f"{size / frames / 1000:.1f} kB a frame, {size} bytes for {frames} frames")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
