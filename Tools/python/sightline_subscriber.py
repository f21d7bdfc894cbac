#!/usr/bin/env python3
"""Example Sightline subscriber: pyzmq + protobuf, nothing from Sightline but its schema.

    python3 -m venv .venv && .venv/bin/pip install pyzmq protobuf
    .venv/bin/python Tools/python/sightline_subscriber.py --connect tcp://127.0.0.1:5560

It subscribes to the `grid`, `agents` and `stats` topics, decodes each message with the
schema in Schemas/sightline/v1/fused_frame.proto, prints one line per frame, counts frames lost
from gaps in the sequence numbers, and stops at the end-of-stream `stats` message.

The message classes are built from the committed descriptor set
(Schemas/descriptors/sightline.v1.binpb), so no protoc is needed. With protoc, the usual way
works too: `protoc -ISchemas --python_out=. sightline/v1/fused_frame.proto`, then
`from sightline.v1 import fused_frame_pb2`.
"""
import argparse
import os
import sys
import zlib

import zmq
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTORS = os.path.join(HERE, "..", "..", "Schemas", "descriptors", "sightline.v1.binpb")
TOPICS = (b"grid\0", b"agents\0", b"stats\0")


def load_messages(path=DESCRIPTORS):
    """The sightline.v1 message classes: {"FusedFrame": cls, "AgentsFrame": cls, "Stats": cls}."""
    files = descriptor_pb2.FileDescriptorSet.FromString(open(path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"sightline.v1.{name}"))
            for name in ("FusedFrame", "AgentsFrame", "Stats")}


MESSAGES = load_messages()


def decode(message):
    """(topic, decoded protobuf message) of one ZeroMQ message; topic is "grid", "agents" or
    "stats". Raises ValueError on an unknown topic."""
    for prefix, name in zip(TOPICS, ("FusedFrame", "AgentsFrame", "Stats")):
        if message.startswith(prefix):
            return prefix[:-1].decode(), MESSAGES[name].FromString(message[len(prefix):])
    raise ValueError(f"unknown topic in {message[:16]!r}")


def layer(frame, name):
    """A layer's cell bytes ("occupancy", "v2x", "log_odds", "source"), inflated when the frame
    was published with compression = "zlib"; empty when the frame does not carry it."""
    stored = getattr(frame, name)
    zlib_encoded = frame.layer_encoding == MESSAGES["FusedFrame"].DESCRIPTOR.fields_by_name[
        "layer_encoding"].enum_type.values_by_name["LAYER_ENCODING_ZLIB"].number
    return zlib.decompress(stored) if stored and zlib_encoded else stored


def occupancy(frame):
    """The fused grid as a list of rows of int8 (-1 unknown, 0..100), row 0 = cell row 0."""
    layout, cells = frame.layout, memoryview(layer(frame, "occupancy")).cast("b")
    return [cells[r * layout.row_stride:(r + 1) * layout.row_stride] for r in range(layout.row_count)]


class SequenceCheck:
    """Counts lost and out-of-order frames from the publisher's sequence numbers."""

    def __init__(self):
        self.expected, self.received, self.lost, self.out_of_order = 0, 0, 0, 0

    def frame(self, sequence):
        self.received += 1
        if sequence < self.expected:
            self.out_of_order += 1
            return
        self.lost += sequence - self.expected
        self.expected = sequence + 1

    def end(self, frames_published):
        if frames_published > self.expected:
            self.lost += frames_published - self.expected


def describe(frame):
    h, b, c = frame.header, frame.budget, frame.cell_counts
    line = (f"frame seq={h.sequence} t={h.reference_time_ns / 1e9:.3f} {h.frame_id}"
            f" grid={frame.layout.column_count}x{frame.layout.row_count}@{frame.layout.cell_size_m:g}m"
            f" occupied={c.occupied} free={c.free} unknown={c.unknown} agents={len(frame.agents)}")
    if b.degraded:
        line += f" DEGRADED({b.Degradation.Name(b.degradation)}, skipped={b.points_skipped})"
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect", default="tcp://127.0.0.1:5560")
    parser.add_argument("--latest", action="store_true",
                        help="keep only the newest grid frame (ZMQ_CONFLATE; grid topic only)")
    parser.add_argument("--idle-timeout", type=float, default=30, help="seconds")
    parser.add_argument("--quiet", action="store_true", help="only the summary line")
    parser.add_argument("--require-continuous", action="store_true",
                        help="exit 1 unless every frame arrived, in order")
    args = parser.parse_args()

    socket = zmq.Context.instance().socket(zmq.SUB)
    if args.latest:
        # CONFLATE keeps one message for the whole socket, so subscribe to one topic only.
        socket.setsockopt(zmq.CONFLATE, 1)
        socket.setsockopt(zmq.SUBSCRIBE, b"grid\0")
    else:
        for topic in TOPICS:
            socket.setsockopt(zmq.SUBSCRIBE, topic)
    socket.setsockopt(zmq.RCVTIMEO, int(args.idle_timeout * 1000))
    socket.connect(args.connect)

    check, published, ended = SequenceCheck(), None, False
    try:
        while not ended:
            topic, message = decode(socket.recv())
            if topic == "grid":
                check.frame(message.header.sequence)
                if not args.quiet:
                    print(describe(message), flush=True)
            elif topic == "stats" and message.end_of_stream:
                published, ended = message.frames_published, True
                check.end(published)
    except zmq.Again:
        print(f"no message for {args.idle_timeout} s; stopping", flush=True)
    print(f"received {check.received} frames, lost {check.lost}, out of order {check.out_of_order}"
          + (f", publisher sent {published}" if published is not None else ""), flush=True)
    if args.require_continuous and (check.lost or check.out_of_order or not ended):
        sys.exit(1)


if __name__ == "__main__":
    main()
