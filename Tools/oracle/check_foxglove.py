#!/usr/bin/env python3
"""Watching a run live in Foxglove ([N]): replays the blind-intersection drive at capture speed
with --foxglove and --record, connects as a Foxglove client with the `websockets` package
(ws-protocol v1, subprotocol foxglove.websocket.v1), checks /healthz, the 400 for a client
without the subprotocol, serverInfo and advertise, subscribes to /grid, and checks that every
foxglove.Grid it received is byte for byte the recording's /grid message with the same log time
(the official mcap reader). Prints "N passed, N failed".
  check_foxglove.py SIGHTLINE"""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

from foxglove_schemas_protobuf.Grid_pb2 import Grid
from google.protobuf import descriptor_pb2
from mcap.reader import make_reader
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "Tools", "oracle"))
from oraclelib import check, finish, free_port, wait_for_health  # noqa: E402

SUBPROTOCOL = "foxglove.websocket.v1"
TOPICS = {
    "/sightline/frame": "sightline.v1.FusedFrame",
    "/grid": "foxglove.Grid",
    "/grid/v2x": "foxglove.Grid",
    "/agents": "foxglove.SceneUpdate",
    "/ego/fix": "foxglove.LocationFix",
}


def check_handshake(ws):
    check("the server chose the subprotocol", ws.subprotocol == SUBPROTOCOL, str(ws.subprotocol))
    info = json.loads(ws.recv(timeout=5))
    check("serverInfo first, name sightline, no capabilities",
          info.get("op") == "serverInfo" and info.get("name") == "sightline"
          and info.get("capabilities") == [], json.dumps(info)[:200])
    advertise = json.loads(ws.recv(timeout=5))
    channels = {c["topic"]: c for c in advertise.get("channels", [])}
    check("advertise lists the recording's channels",
          advertise.get("op") == "advertise"
          and {t: c["schemaName"] for t, c in channels.items()} == TOPICS, str(list(channels)))
    check("every channel is protobuf with a protobuf schema",
          all(c["encoding"] == "protobuf" and c["schemaEncoding"] == "protobuf"
              for c in channels.values()))
    grid = channels.get("/grid", {})
    names = set()
    try:
        descriptors = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(grid["schema"]))
        names = {f"{f.package}.{m.name}" for f in descriptors.file for m in f.message_type}
    except (KeyError, ValueError) as error:
        names = {str(error)}
    check("the /grid schema is a FileDescriptorSet with foxglove.Grid", "foxglove.Grid" in names)
    return grid.get("id")


def receive_grids(ws, subscription):
    """Every MessageData for `subscription` until the server closes: (log time, payload)."""
    received, wrong = [], 0
    while True:
        try:
            message = ws.recv(timeout=60)
        except (ConnectionClosed, TimeoutError):
            return received, wrong
        if isinstance(message, str):
            continue  # status messages
        opcode, sub, stamp = struct.unpack_from("<BIQ", message)
        if opcode != 1 or sub != subscription:
            wrong += 1
            continue
        received.append((stamp, bytes(message[13:])))


def recorded_grids(path):
    with open(path, "rb") as f:
        return {message.log_time: bytes(message.data)
                for _, channel, message in make_reader(f).iter_messages(topics=["/grid"])}


def check_grids(received, wrong, recorded):
    check("received /grid messages", len(received) > 0, f"{len(received)}")
    check("every message for our subscription id", wrong == 0, f"{wrong} others")
    check("at least half the recorded frames arrived (capture speed, one fast client)",
          2 * len(received) >= len(recorded), f"{len(received)} of {len(recorded)}")
    stamps = [stamp for stamp, _ in received]
    check("log times increase", stamps == sorted(set(stamps)))
    same = sum(recorded.get(stamp) == payload for stamp, payload in received)
    check("every received grid equals the recording's /grid at its log time",
          same == len(received), f"{same} of {len(received)}")
    if received:
        stamp, payload = received[-1]
        grid = Grid.FromString(payload)
        nanos = grid.timestamp.seconds * 1_000_000_000 + grid.timestamp.nanos
        check("the grid decodes as foxglove.Grid stamped with the log time",
              nanos == stamp and grid.column_count > 0 and len(grid.data) > 0,
              f"{grid.column_count} columns")


def main():
    binary = sys.argv[1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        recording = os.path.join(folder, "drive.mcap")
        config = os.path.join(folder, "publish.toml")
        with open(config, "w") as f:
            f.write(f'[publish]\nendpoint = "ipc://{folder}/pub"\n')
        process = subprocess.Popen(
            [binary, "replay", os.path.join(root, "Replay/blind-intersection"), "--config", config,
             "--pace", "realtime", "--foxglove", f"127.0.0.1:{port}", "--record", recording],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            status, body = wait_for_health(base, process)
            check("GET /healthz answers 200 ok", status == 200 and body.strip() == "ok",
                  f"{status} {body[:80]!r}")
            refused = None
            try:
                with connect(f"ws://127.0.0.1:{port}/", open_timeout=10):
                    pass
            except InvalidStatus as error:
                refused = error.response.status_code
            check("a WebSocket client without the subprotocol gets 400", refused == 400,
                  str(refused))
            with connect(f"ws://127.0.0.1:{port}/", subprotocols=[SUBPROTOCOL],
                         max_size=None, open_timeout=10) as ws:
                channel = check_handshake(ws)
                ws.send(json.dumps(
                    {"op": "subscribe", "subscriptions": [{"id": 42, "channelId": channel}]}))
                received, wrong = receive_grids(ws, 42)
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        check("the replay ends cleanly", process.returncode == 0,
              f"exit {process.returncode} {err.strip()[-300:]}")
        recorded = recorded_grids(recording) if os.path.exists(recording) else {}
        check_grids(received, wrong, recorded)
    finish()


main()
