#!/usr/bin/env python3
"""Example localization publisher: what a vehicle's localization sends Sightline as its ego pose
(`[ego] source = "localization"`, docs/SCHEMA.md "Ego pose in"). pyzmq + protobuf only.

    .venv/bin/python Tools/python/sightline_pose_publisher.py --bind tcp://127.0.0.1:5580

and in the runtime's config:

    [ego]
    source = "localization"
    endpoint = "tcp://127.0.0.1:5580"

It publishes `pose\\0` + sightline.v1.LocalizationPose (Schemas/sightline/v1/pose.proto) at
--rate Hz for a vehicle driving a circle of --radius metres at --speed m/s around --lat/--lon,
stamped with the current UTC time (a real localization stamps the time the pose is of, on its
GNSS-disciplined clock). The message class comes from the committed descriptor set, as in
sightline_subscriber.py.
"""
import argparse
import math
import os
import time

import zmq
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTORS = os.path.join(HERE, "..", "..", "Schemas", "descriptors", "sightline.v1.binpb")
EARTH_RADIUS_M = 6378137.0


def pose_class(path=DESCRIPTORS):
    files = descriptor_pb2.FileDescriptorSet.FromString(open(path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("sightline.v1.LocalizationPose"))


def pose_at(cls, t, args):
    """base_link on the circle at t seconds: position, yaw along the path (CCW from east),
    a diagonal covariance (x, y, z, roll, pitch, yaw)."""
    omega = args.speed / args.radius
    angle = omega * t
    east, north = args.radius * math.cos(angle), args.radius * math.sin(angle)
    lat = args.lat + math.degrees(north / EARTH_RADIUS_M)
    lon = args.lon + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(args.lat))))
    covariance = [0.0] * 36
    for i, variance in enumerate((0.05 ** 2, 0.05 ** 2, 0.1 ** 2, 0.002, 0.002, 0.005)):
        covariance[i * 7] = variance
    return cls(time_ns=time.time_ns(), latitude_deg=lat, longitude_deg=lon, altitude_m=args.alt,
               roll_rad=0.0, pitch_rad=0.0, yaw_rad=angle + math.pi / 2, covariance=covariance,
               frame_id="base_link", speed_mps=args.speed, yaw_rate_rad_s=omega)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bind", default="tcp://127.0.0.1:5580")
    parser.add_argument("--topic", default="pose")
    parser.add_argument("--rate", type=float, default=50.0, help="poses per second")
    parser.add_argument("--lat", type=float, default=42.3)
    parser.add_argument("--lon", type=float, default=-83.4)
    parser.add_argument("--alt", type=float, default=180.0)
    parser.add_argument("--radius", type=float, default=50.0)
    parser.add_argument("--speed", type=float, default=5.0)
    parser.add_argument("--count", type=int, default=0, help="stop after N poses (0: never)")
    args = parser.parse_args()

    cls = pose_class()
    socket = zmq.Context().socket(zmq.PUB)
    socket.bind(args.bind)
    prefix = args.topic.encode() + b"\0"
    start, sent = time.monotonic(), 0
    while args.count == 0 or sent < args.count:
        socket.send(prefix + pose_at(cls, time.monotonic() - start, args).SerializeToString())
        sent += 1
        time.sleep(max(0.0, start + sent / args.rate - time.monotonic()))


if __name__ == "__main__":
    main()
