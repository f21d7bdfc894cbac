#!/usr/bin/env python3
"""Sends VLS-128-rate traffic over loopback to `sightline run` and checks that nothing is lost.

Usage: loopback_run.py SIGHTLINE_BINARY VLS128_CAPTURE.pcap [SECONDS]

The packets are the capture's real VLS-128 payloads, replayed in a loop with their block
azimuths and timestamps rewritten to continue smoothly (so the stream is one endless rotation),
sent from Python's own socket at the sensor's nominal 6253.9 packets/s. Ends with
"N passed, N failed".
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

from oraclelib import check, finish

RATE = 6253.9
# endless_rotation advances 60 cdeg a packet: a revolution (a sweep) is 600 packets.
PACKETS_PER_REVOLUTION = 600



def payloads(path):
    data = open(path, "rb").read()
    offset, out = 24, []
    while offset + 16 <= len(data):
        length = struct.unpack_from("<I", data, offset + 8)[0]
        frame = data[offset + 16:offset + 16 + length]
        offset += 16 + length
        if len(frame) == 1248 and struct.unpack_from(">H", frame, 36)[0] == 2368:
            out.append(bytearray(frame[42:]))
    return out


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endless_rotation(capture, count):
    """`count` packets of the capture, azimuths and times rewritten to continue one rotation."""
    source = payloads(capture)
    # Three firing sequences per packet, 20 cdeg apart at 600 RPM; 160 µs per packet.
    packets = []
    for index in range(count):
        packet = bytearray(source[index % len(source)])
        azimuth = (index * 36000 // PACKETS_PER_REVOLUTION) % 36000
        for block in range(12):
            struct.pack_into("<H", packet, block * 100 + 2, (azimuth + 20 * (block // 4)) % 36000)
        micros = int(1_000_000 + index * 1e6 / RATE) % 3_600_000_000
        struct.pack_into("<I", packet, 1200, micros)
        packets.append(bytes(packet))
    return packets


def send_at_rate(packets, port):
    """Sends the packets to 127.0.0.1:port at the sensor's rate; returns the seconds taken."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    started = time.perf_counter()
    for index, packet in enumerate(packets):
        due = started + index / RATE
        while True:
            now = time.perf_counter()
            if now >= due:
                break
            if due - now > 0.002:
                time.sleep(due - now - 0.001)
        sender.sendto(packet, ("127.0.0.1", port))
    return time.perf_counter() - started


def main(binary, capture, seconds):
    count = int(RATE * seconds)
    packets = endless_rotation(capture, count)

    port, position_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "run.json")
        run = subprocess.Popen(
            [binary, "run", "--bind", "127.0.0.1", "--port", str(port), "--position-port",
             str(position_port), "--publish", f"ipc://{tmp}/frames", "--idle-exit", "2",
             "--report", report], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)  # let it bind
        elapsed = send_at_rate(packets, port)
        out, err = run.communicate(timeout=60)
        check("sightline run exits 0", run.returncode == 0, err.strip())
        if run.returncode != 0:
            return
        summary = json.load(open(report))
    print(f"sent {count} packets in {elapsed:.1f} s ({count / elapsed:.0f}/s)")
    print(out.strip())
    check(f"ran at least {seconds:.0f} s at VLS-128 rate", elapsed >= seconds * 0.98 and
          count / elapsed >= RATE * 0.97, f"{count / elapsed:.0f}/s for {elapsed:.1f} s")
    check("every datagram received", summary["datagramsReceived"] == count,
          f"{summary['datagramsReceived']} of {count}")
    check("every packet decoded", summary["decodedPackets"] == count,
          f"{summary['decodedPackets']} of {count}")
    check("no packet lost (sequence gaps)", summary["packetsLost"] == 0, str(summary["packetsLost"]))
    check("no kernel drops", summary.get("kernelDrops") in (0, None), str(summary.get("kernelDrops")))
    check_lidar_frames(summary, count)


def check_lidar_frames(summary, count, busy_share=0.0):
    """A frame with LiDAR for (nearly) every revolution sent, none dropped as older than a frame
    without LiDAR (frames without LiDAR, sent while the stream had not started, are not
    counted). `busy_share`: the share of revolutions that may be dropped, counted, while the
    frame loop was busy (an overloaded machine); 0 on a machine with room."""
    with_lidar = sum(1 for s in summary["sweeps"] if s["packets"] > 0)
    busy = summary["sweepsDroppedFrameLoopBusy"]
    revolutions = count // PACKETS_PER_REVOLUTION
    title = ("a frame with LiDAR for every revolution" if busy_share == 0 else
             f"a frame with LiDAR for every revolution, or dropped while busy "
             f"(at most {busy_share:.0%}) and counted")
    check(title,
          with_lidar + busy >= revolutions - 2 and busy <= busy_share * revolutions
          and summary["sweepsOlderThanFrameWithoutLidar"] == 0,
          f"{with_lidar} frames with LiDAR for {revolutions} revolutions "
          f"({summary['sweepsPublished']} published; dropped: "
          f"{summary['sweepsDroppedFrameLoopBusy']} frame loop busy, "
          f"{summary['sweepsOlderThanFrameWithoutLidar']} older than a frame without LiDAR; "
          f"{summary['lidarClockChanges']} LiDAR clock changes followed)")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 10.0)
    finish()
