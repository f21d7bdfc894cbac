#!/usr/bin/env python3
"""Builds the bundled real-data V2X log for the bundled VLP-16 drive.

Usage: make_replay_log.py SHARED_V2X_DIR OUT.jsonl

The payloads are real BSMs from shared/data/v2x (jpo-ode logs, Apache-2.0): every one whose
secMark falls in 1.2–2.8 s of the minute, which is when the bundled LiDAR capture was made
(2016-01-21 08:18:02.34–02.73 UTC). Where the raw radio log (raw/*.hex) holds a line that
contains the frame, that line is used exactly as it was found.
Receive times are placed in that same minute at secMark + a latency of 40–120 ms (fixed
pseudo-random), then moved onto the drive's host clock, which ran 368 ms ahead of GNSS time
(`sightline check` measures it from the LiDAR packets against their capture times), as a
receiver on that host would have stamped them. One message is
repeated 3 ms later, as a second radio would deliver it, to exercise duplicate removal.
"""
import json
import os
import random
import sys

MINUTE_START_NS = 1453364280 * 10**9  # 2016-01-21T08:18:00Z
HOST_AHEAD_NS = 368 * 10**6  # the capture host's clock against GNSS, from `sightline check`


def main(shared, out):
    rows = [json.loads(line) for line in open(os.path.join(shared, "bsm-real.jsonl"))]
    raw_lines = [line.strip() for line in
                 open(os.path.join(shared, "raw", "bsmLogDuringEvent_commsignia.gz.hex")) if line.strip()]
    rng = random.Random(20261129)
    entries = []
    for row in rows:
        sec_mark = row["coreData"]["secMark"]
        if not 1200 <= sec_mark <= 2800 or "decoder-input" in row["source"]:
            continue
        payload = next((raw for raw in raw_lines if row["hex"] in raw), row["hex"])
        t_ns = MINUTE_START_NS + sec_mark * 10**6 + rng.randint(40, 120) * 10**6 + HOST_AHEAD_NS
        entries.append({"t_ns": t_ns, "source": row["source"].rsplit("/", 1)[-1],
                        "topic": "", "format": "uper", "payload_hex": payload})
    entries.sort(key=lambda e: e["t_ns"])
    duplicate = dict(entries[len(entries) // 2])
    duplicate["t_ns"] += 3 * 10**6
    duplicate["source"] = "second-radio"
    entries.append(duplicate)
    entries.sort(key=lambda e: e["t_ns"])
    with open(out, "w") as f:
        f.write("# Real BSMs (jpo-ode, Apache-2.0) placed in the minute of the bundled VLP-16 drive;"
                " see Tools/v2x/make_replay_log.py\n")
        for entry in entries:
            f.write(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {len(entries)} entries to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
