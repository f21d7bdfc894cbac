#!/usr/bin/env python3
"""Checks `sightline replay` against independent peers, live, on a capture.

Usage: check_replay.py SIGHTLINE_BINARY CAPTURE.pcap COMMITTED_REFERENCE.json

It runs sightline and velodyne-decoder on the same capture and compares, sweep by sweep, the
point counts and the time stamp of the last packet, while a pyzmq subscriber decodes the
published frames by the protobuf schema alone (Tools/python/sightline_subscriber.py), and the
official `mcap` reader checks the recording made in the same run. It also checks that the committed reference, which the
Swift tests use offline, still matches what velodyne-decoder produces. Prints one line per
check and ends with "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile
import threading

import velodyne_decoder as vd
import zmq

from oraclelib import check, finish

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from sightline_subscriber import decode, layer  # noqa: E402  (the example subscriber)

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python",
                       "sightline_subscriber.py")




def summarise(message):
    """A published `grid` message, decoded by the protobuf schema alone."""
    topic, frame = decode(message)
    assert topic == "grid"
    cells = memoryview(layer(frame, "occupancy")).cast("b")
    layout, counts = frame.layout, frame.cell_counts
    return {
        "sequence": frame.header.sequence, "deterministic": frame.header.deterministic,
        "points": frame.header.points_in_sweep, "cells": len(cells),
        "declared": layout.column_count * layout.row_count,
        "v2x_ok": len(layer(frame, "v2x")) in (0, len(cells)), "body": message[len(b"grid\0"):],
        "counts_match": (sum(1 for c in cells if c > 50) == counts.occupied
                         and sum(1 for c in cells if 0 <= c <= 50) == counts.free
                         and sum(1 for c in cells if c == -1) == counts.unknown
                         and counts.occupied + counts.free + counts.unknown == len(cells)),
    }


def subscribe(endpoint, frames, ready):
    context = zmq.Context.instance()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.SUBSCRIBE, b"grid\0")
    socket.setsockopt(zmq.SUBSCRIBE, b"stats\0")
    socket.setsockopt(zmq.RCVTIMEO, 20000)
    socket.connect(endpoint)
    ready.set()
    try:
        while True:
            message = socket.recv()
            if message.startswith(b"stats\0"):
                if decode(message)[1].end_of_stream:
                    break
                continue
            frames.append(summarise(message))
    except zmq.Again:
        pass
    socket.close()


def check_recording(path, frames):
    """The MCAP recording, read by the official reader with the schemas it embeds."""
    from mcap.reader import make_reader, NonSeekingReader
    from mcap_protobuf.decoder import DecoderFactory
    from foxglove_schemas_protobuf.Grid_pb2 import Grid
    from foxglove_schemas_protobuf.SceneUpdate_pb2 import SceneUpdate

    with open(path, "rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        summary = reader.get_summary()
        decoded = list(reader.iter_decoded_messages(log_time_order=False))
    with open(path, "rb") as f:
        streamed = sum(1 for _ in NonSeekingReader(f, validate_crcs=True).iter_messages())
    by_topic = {}
    for schema, channel, message, proto in decoded:
        by_topic.setdefault(channel.topic, []).append((schema, message, proto))
    stats = summary.statistics
    check("MCAP: every message decodes with its embedded schema",
          len(decoded) == stats.message_count == streamed,
          f"decoded {len(decoded)} statistics {stats.message_count} streamed with CRCs {streamed}")
    check("MCAP: chunked and indexed", stats.chunk_count >= 1
          and len(summary.chunk_indexes) == stats.chunk_count, f"{stats.chunk_count} chunks")
    check("MCAP: per-channel counts match the statistics",
          all(len(by_topic.get(channel.topic, [])) == stats.channel_message_counts.get(cid, 0)
              for cid, channel in summary.channels.items()))
    expected = len(frames)
    check("MCAP: one frame, grid and scene update per published frame",
          [len(by_topic.get(t, [])) for t in ("/sightline/frame", "/grid", "/agents")]
          == [expected] * 3, str({t: len(v) for t, v in by_topic.items()}))
    check("MCAP: log times never go backwards on any channel",
          all(all(a[1].log_time <= b[1].log_time for a, b in zip(v, v[1:]))
              for v in by_topic.values()))
    check("MCAP: recorded frames are the published bytes",
          [m.data for _, m, _ in by_topic.get("/sightline/frame", [])]
          == [f["body"] for f in frames])
    grids = [Grid.FromString(m.data) for _, m, _ in by_topic.get("/grid", [])]
    frames_recorded = [p for _, _, p in by_topic.get("/sightline/frame", [])]
    check("MCAP: foxglove.Grid layout is consistent (int8 cells, row_stride x rows = data)",
          all(g.fields[0].type == 2 and g.cell_stride == 1 and g.row_stride == g.column_count
              and len(g.data) == g.row_stride * f.layout.row_count and g.cell_size.x > 0
              for g, f in zip(grids, frames_recorded))
          and len(grids) == expected)
    check("MCAP: foxglove.Grid cells equal the frame's occupancy layer",
          all(g.data == f.occupancy and g.pose.position.x == f.layout.origin.east_m
              for g, f in zip(grids, frames_recorded)))
    scenes = [SceneUpdate.FromString(m.data) for _, m, _ in by_topic.get("/agents", [])]
    check("MCAP: scene updates hold the ego and every agent",
          all(len(s.entities) == 1 + len(f.agents) and s.entities[0].id == "ego"
              for s, f in zip(scenes, frames_recorded)) and len(scenes) == expected)


def replay_to_subscriber(binary, capture, endpoint, extra, before_replay=lambda: None):
    """Runs `sightline replay` publishing to a pyzmq subscriber thread; returns the finished
    process and the frames the subscriber decoded. `extra` must wait for the subscribers."""
    frames, ready = [], threading.Event()
    listener = threading.Thread(target=subscribe, args=(endpoint, frames, ready))
    listener.start()
    ready.wait()
    before_replay()
    run = subprocess.run([binary, "replay", "--lidar", capture, "--publish", endpoint] + extra,
                         capture_output=True, text=True, timeout=120)
    listener.join()
    return run, frames


def main(binary, capture, committed):
    peer = [
        (round(stamp.device * 1e9), len(points))
        for stamp, points in vd.read_pcap(capture, vd.Config(cut_angle=0), as_pcl_structs=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        recording = os.path.join(tmp, "drive.mcap")
        endpoint = f"ipc://{tmp}/oracle"
        processes = []

        def start_example():
            # The documented example subscriber, as a process of its own.
            processes.append(subprocess.Popen(
                [sys.executable, EXAMPLE, "--connect", endpoint, "--quiet", "--require-continuous"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))

        run, frames = replay_to_subscriber(
            binary, capture, endpoint,
            ["--report", report_path, "--wait-subscribers", "2", "--record", recording],
            start_example)
        example = processes[0]
        example_output = example.communicate(timeout=60)[0].strip()
        check("the example subscriber (Tools/python) got every frame in order",
              example.returncode == 0, example_output)
        check("sightline replay exits 0", run.returncode == 0, run.stderr.strip())
        if run.returncode != 0:
            return
        with open(report_path) as f:
            ours = json.load(f)["sweeps"]
        check_recording(recording, frames)

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

    check("pyzmq subscriber got every frame in order",
          [f["sequence"] for f in frames] == list(range(len(peer))),
          str([f["sequence"] for f in frames]))
    check("frames decode by the documented protobuf schema, counts match the cells",
          all(f["cells"] == f["declared"] and f["counts_match"] and f["v2x_ok"] for f in frames)
          and len(frames) > 0)
    check("replay frames are made under the deterministic work budget",
          all(f["deterministic"] for f in frames))
    check("published point counts match the peer",
          [f["points"] for f in frames] == peer_counts)

    # The same drive with zlib layers: Python's own zlib inflates them to the same grids.
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "zlib.toml")
        with open(config, "w") as f:
            f.write('[publish]\ncompression = "zlib"\n')
        run, zlib_frames = replay_to_subscriber(
            binary, capture, f"ipc://{tmp}/zlib", ["--config", config, "--wait-subscribers", "1"])
    raw_bytes = sum(len(f["body"]) for f in frames)
    zlib_bytes = sum(len(f["body"]) for f in zlib_frames)
    check("zlib layers inflate (Python zlib) to grids whose counts match",
          run.returncode == 0 and len(zlib_frames) == len(frames)
          and all(f["counts_match"] and f["cells"] == f["declared"] for f in zlib_frames),
          f"{zlib_bytes} bytes against {raw_bytes} raw")

    with open(committed) as f:
        reference = json.load(f)
    check("committed reference still matches velodyne-decoder",
          [s["points"] for s in reference["sweeps"]] == peer_counts)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    finish()
