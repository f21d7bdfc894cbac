#!/usr/bin/env python3
"""The C++ example subscriber (Tools/cpp), against `sightline sub` itself: built with make
(protoc, libprotobuf, libzmq), both subscribe to the same published stream, and the C++ one
must print exactly the lines `sightline sub` prints (frames, agents, stats and the summary),
receive every frame the replay published, lose none, and exit 0 at the end of the stream.
Then the same for hand-made messages that reach every branch of the lines and every kind of
malformed message, an idle time-out, and bad arguments. Prints "N passed, N failed".
  check_cpp_subscriber.py SIGHTLINE"""
import os
import re
import subprocess
import sys
import tempfile
import time
import zlib

import zmq

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "Tools", "python"))
from sightline_subscriber import MESSAGES  # noqa: E402 (the schema's classes, from descriptors)

binary = os.path.abspath(sys.argv[1])
example = os.path.join(root, "Tools", "cpp", "build", "sightline_subscriber")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed += bool(ok)
    failed += not ok
    print(("PASS " if ok else "FAIL ") + name + (f" {detail}" if detail else ""), flush=True)


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def start(command):
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            encoding="utf-8", errors="backslashreplace")


def wait(process, timeout=120):
    """(exit status, stdout, stderr); a process still running after `timeout` is killed."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        err += f"\n(killed after {timeout} s)"
    return process.returncode, out, err


def first_difference(expected, got):
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            return f"line {i + 1}: sightline sub {a!r}, C++ {b!r}"
    return f"sightline sub {len(expected)} lines, C++ {len(got)}"


def subscribers(endpoint, *options):
    """The C++ example and `sightline sub` on the same endpoint."""
    return (start([example, "--connect", endpoint, *options]),
            start([binary, "sub", "--connect", endpoint, *options]))


def compare(name, cpp, swift, frames_expected=True):
    """Checks the two subscribers' outputs line for line; returns the C++ (status, lines)."""
    cpp_status, cpp_out, cpp_err = wait(cpp)
    swift_status, swift_out, swift_err = wait(swift)
    cpp_lines, swift_lines = cpp_out.splitlines(), swift_out.splitlines()
    frames = [line for line in cpp_lines if line.startswith("seq=")]
    swift_frames = [line for line in swift_lines if line.startswith("seq=")]
    if frames_expected:
        check(f"{name}: frame lines identical to sightline sub's",
              frames == swift_frames and frames, f"{len(frames)} lines" if frames == swift_frames
              else first_difference(swift_frames, frames))
    check(f"{name}: whole output identical to sightline sub's (agents, stats, summary)",
          cpp_lines == swift_lines and swift_status == 0,
          f"{len(cpp_lines)} lines" if cpp_lines == swift_lines
          else first_difference(swift_lines, cpp_lines) + f" {swift_err.strip()[-300:]}")
    if cpp_status != 0 or cpp_err:
        print(f"  C++ subscriber exit {cpp_status}, stderr: {cpp_err.strip()[-500:]}")
    return cpp_status, cpp_lines


# --- Build -----------------------------------------------------------------------------------
build = subprocess.run(["make", "-C", os.path.join(root, "Tools", "cpp")], capture_output=True,
                       text=True)
check("make -C Tools/cpp builds the example (protoc, libprotobuf, libzmq)",
      build.returncode == 0 and os.access(example, os.X_OK), f"exit {build.returncode}")
if build.returncode != 0:
    print((build.stdout + build.stderr)[-3000:])
    finish()

with tempfile.TemporaryDirectory(prefix="sightline-cpp-") as folder:
    # --- Replays: both subscribers on one stream (the replay waits for the two) ----------------
    wall_config = os.path.join(folder, "wall-zlib.toml")
    with open(wall_config, "w") as f:
        # Wall-time budget (proc_ms, and DEGRADED when it runs out), zlib layers, every layer.
        f.write('[frame]\nbudget = "wall"\nbudget_ms = 15.0\n'
                '[grid]\npublish_log_odds_layer = true\npublish_source_layer = true\n'
                '[publish]\ncompression = "zlib"\n')
    replays = [
        ("vlp16-strongest-gps", ["--lidar", "Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap"]),
        ("blind-intersection (V2X agents)", ["Replay/blind-intersection"]),
        ("blind-intersection, wall budget and zlib layers",
         ["Replay/blind-intersection", "--config", wall_config]),
    ]
    for number, (name, arguments) in enumerate(replays):
        endpoint = f"ipc://{folder}/replay{number}"
        cpp, swift = subscribers(endpoint, "--idle-timeout", "60")
        replay = subprocess.run(
            [binary, "replay", *arguments, "--publish", endpoint, "--wait-subscribers", "2"],
            cwd=root, capture_output=True, text=True, timeout=300)
        published = re.search(r"(\d+) frames published", replay.stdout)
        if replay.returncode != 0 or not published:
            check(f"{name}: the replay runs", False,
                  f"exit {replay.returncode}: {(replay.stdout + replay.stderr)[-500:]}")
            cpp.kill(), swift.kill(), wait(cpp), wait(swift)
            continue
        published = int(published.group(1))
        status, lines = compare(name, cpp, swift)
        summary = lines[-1] if lines else ""
        received = sum(line.startswith("seq=") for line in lines)
        check(f"{name}: every published frame received, lost 0",
              summary == f"received {published} frames, lost 0, publisher sent {published}"
              and received == published, f"replay: {published} published; C++: {summary!r}")
        check(f"{name}: exits 0 at the end-of-stream stats",
              status == 0 and any(line.startswith("  stats (end of stream)") for line in lines),
              f"exit {status}")

    # --- Hand-made messages: every branch of the lines, and malformed ones ---------------------
    FusedFrame, AgentsFrame, Stats = (MESSAGES[n] for n in ("FusedFrame", "AgentsFrame", "Stats"))

    def grid(sequence, **fields):
        frame = FusedFrame()
        frame.header.sequence = sequence
        frame.layout.column_count, frame.layout.row_count = 3, 2
        frame.layout.row_stride, frame.layout.cell_stride = 3, 1
        frame.occupancy = bytes([255, 0, 100, 50, 51, 255])
        for path, value in fields.items():  # header__sequence=1: frame.header.sequence = 1
            *owners, field = path.split("__")
            owner = frame
            for part in owners:
                owner = getattr(owner, part)
            setattr(owner, field, value)
        return b"grid\0" + frame.SerializeToString()

    agents = AgentsFrame()
    agents.header.sequence, agents.header.ego_known = 2, True
    agents.header.ego.east_m, agents.header.ego.north_m = -0.04, 1234.56
    for i, (kind, model, consistency) in enumerate([(0, 0, 0), (1, 1, 1), (2, 2, 2), (3, 1, 3),
                                                     (7, 5, 9)]):
        agent = agents.agents.add()
        agent.id, agent.kind, agent.model = 0xDEADBEEF - i, kind, model
        agent.consistency = consistency
        agent.cov_ee_m2, agent.cov_nn_m2 = 0.3 * i, 0.7 + i
        agent.latency_ns = [3_500_000, -3_500_000, 0, 123_456_789, 1][i]
        agent.distance_travelled_m = 0.05 * i
    agents.agents[3].cov_ee_m2 = -40  # a broken covariance: σ is nan
    no_agents = AgentsFrame()
    no_agents.header.sequence = 3  # nothing to print: no agents, no ego
    stats = Stats()
    stats.frames_published = 3
    stats.counters.lidar_packets, stats.counters.lidar_packets_missing = 1000, 7
    stats.counters.v2x_received, stats.counters.v2x_accepted = 20, 17
    stats.counters.sweeps_dropped = 2
    for reason, count in (("v2x.duplicate", 3), ("lidar.late_packet", 1)):
        drop = stats.counters.drops.add()
        drop.reason, drop.count = reason, count
    end = Stats()
    end.frames_published, end.end_of_stream, end.input_error = 5, True, True

    bad_utf8_reason = b"stats\0" + bytes([0x22, 0x05, 0x3A, 0x03, 0x0A, 0x01, 0xFF])
    messages = [
        grid(0, header__sensor_time_ns=1_700_000_000_123_456_789, header__partial_sweep=True,
             header__azimuth_coverage_cdeg=12345, header__points_in_sweep=10,
             budget__points_used=5, cell_counts__occupied=2, cell_counts__free=2,
             cell_counts__unknown=2, budget__processing_ns=1_234_567, budget__budget_ns=20_000_000,
             budget__degraded=True, budget__degradation=1, budget__points_skipped=3,
             budget__free_space_reach_m=12.25, agent_summary__painted=2,
             agent_summary__confirmed=1, agent_summary__occluded=1, header__grid_reset=True),
        # Lost frame 1; zlib layers; an unknown degradation; 70000 painted (shown as 65535).
        grid(2, header__sensor_time_ns=-1_500_000, header__deterministic=True,
             budget__work_units=42, budget__degraded=True, budget__degradation=9,
             budget__free_space_reach_m=float("inf"), agent_summary__painted=70000,
             agent_summary__contradicted=3, layer_encoding=1,
             occupancy=zlib.compress(bytes(6)), log_odds=zlib.compress(bytes(12))),
        b"agents\0" + agents.SerializeToString(),
        b"agents\0" + no_agents.SerializeToString(),
        # Out of order (counted, not lost), with a NaN reach.
        grid(1, header__sensor_time_ns=0, budget__degraded=True, budget__degradation=4,
             budget__free_space_reach_m=float("nan")),
        b"stats\0" + stats.SerializeToString(),
        # The budget ran out among the agents (the newest degradation).
        grid(3, budget__degraded=True, budget__degradation=5, budget__points_skipped=10,
             agent_summary__skipped_for_budget=4),
        # Malformed, each counted: not protobuf; too few cells; a damaged zlib layer; an unknown
        # layer encoding; log_odds of the wrong size; truncated agents and stats; a string that
        # is not UTF-8; a zlib layer with too many cells.
        b"grid\0\xff\xff\xff",
        grid(4, occupancy=bytes(5)),
        grid(4, layer_encoding=1, occupancy=b"\x78\x9c\x00\x01garbage"),
        grid(4, layer_encoding=7),
        grid(4, log_odds=bytes(6)),
        b"agents\0\x0a\x05\x01",
        b"stats\0\x08",
        bad_utf8_reason,
        grid(4, layer_encoding=1, occupancy=zlib.compress(bytes(7))),
    ]
    malformed = 9 + 1  # and the second part of the multipart message below

    context = zmq.Context()
    publisher = context.socket(zmq.XPUB)
    publisher.setsockopt(zmq.XPUB_VERBOSE, 1)
    publisher.setsockopt(zmq.LINGER, 5000)
    endpoint = f"ipc://{folder}/made"
    publisher.bind(endpoint)
    cpp, swift = subscribers(endpoint, "--idle-timeout", "30")
    subscriptions, deadline = 0, time.monotonic() + 20
    while subscriptions < 6 and time.monotonic() < deadline:  # 3 topics each
        if publisher.poll(500):
            subscriptions += publisher.recv()[:1] == b"\x01"
    for message in messages:
        publisher.send(message)
    publisher.send_multipart([b"stats\0" + stats.SerializeToString(), b"second part"])
    publisher.send(b"stats\0" + end.SerializeToString())
    status, lines = compare("hand-made messages", cpp, swift)
    publisher.close()
    context.term()
    summary = lines[-1] if lines else ""
    check("hand-made messages: malformed ones counted, lost and input error reported",
          status == 0 and summary == "received 4 frames, lost 2, publisher sent 5, "
          f"{malformed} malformed; the publisher's input ended with an error",
          f"exit {status}: {summary!r}")

    # --- Idle time-out, and bad arguments ------------------------------------------------------
    cpp, swift = subscribers(f"ipc://{folder}/nobody", "--idle-timeout", "0.25")
    status, lines = compare("idle time-out", cpp, swift, frames_expected=False)
    check("idle time-out: stops, says so, exits 0",
          status == 0 and lines == ["no message for 0.25 s; stopping", "received 0 frames, lost 0"],
          f"exit {status}: {lines}")
    wrong = []
    for arguments in (["--bogus"], ["--idle-timeout", "soon"], ["--idle-timeout", "-1"],
                      ["--idle-timeout=nan"], ["--connect"], ["extra"],
                      ["--connect", "nowhere://x"]):
        status, out, err = wait(start([example, *arguments]), timeout=10)
        if status not in (1, 64) or out or not err.startswith("error: "):
            wrong.append(f"{arguments}: exit {status}, stdout {out!r}, stderr {err!r}")
    check("bad arguments: one error line on stderr, exit 64 (1 for a bad endpoint)", not wrong,
          "; ".join(wrong))

finish()
