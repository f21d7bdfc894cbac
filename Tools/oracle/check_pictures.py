#!/usr/bin/env python3
"""Checks `sightline render` with an independent PNG reader (Pillow).

Usage: check_pictures.py SIGHTLINE_BINARY CAPTURE.pcap

It renders every frame of the capture and replays the same capture with a JSON report, then
opens each picture with Pillow: one picture per frame, the grid's size, RGB, and the last
picture's grey / light / dark pixels match the frame's unknown / free / occupied cell counts
(within the few pixels the ego's mark covers). Ends with "N passed, N failed".
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

from PIL import Image

from oraclelib import check, finish


def main(binary, capture):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "pictures")
        run = subprocess.run([binary, "render", "--lidar", capture, "--out", out],
                             capture_output=True, text=True, timeout=300)
        check("sightline render exits 0", run.returncode == 0, run.stderr.strip())
        if run.returncode != 0:
            return
        report_path = os.path.join(tmp, "report.json")
        replay = subprocess.run([binary, "replay", "--lidar", capture, "--publish",
                                 f"ipc://{tmp}/frames", "--report", report_path],
                                capture_output=True, text=True, timeout=300)
        check("sightline replay exits 0", replay.returncode == 0, replay.stderr.strip())
        with open(report_path) as f:
            sweeps = json.load(f)["sweeps"]
        pictures = sorted(glob.glob(os.path.join(out, "frame-*.png")))
        check("one picture per frame", len(pictures) == len(sweeps),
              f"{len(pictures)} pictures, {len(sweeps)} frames")
        check("the last line names the last picture",
              run.stdout.strip().splitlines()[-1].endswith(os.path.basename(pictures[-1])))
        images = [Image.open(path) for path in pictures]
        for image in images:
            image.load()  # decodes every row: a broken zlib stream fails here
        check("Pillow decodes every picture as RGB",
              all(image.mode == "RGB" for image in images))
        check("pictures are the grid's size (1000 x 1000 by default)",
              all(image.size == (1000, 1000) for image in images),
              str({image.size for image in images}))
        last = images[-1]
        raw = last.tobytes()
        pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
        grey = sum(1 for p in pixels if p == (128, 128, 128))
        light = sum(1 for p in pixels if p[0] == p[1] == p[2] and p[0] >= 155)
        dark = sum(1 for p in pixels if p[0] == p[1] == p[2] and p[0] <= 98)
        sweep = sweeps[-1]
        # The ego's mark covers at most 13 + 13 + 40 pixels.
        check("grey pixels = unknown cells", abs(grey - sweep["unknownCells"]) <= 70,
              f"{grey} vs {sweep['unknownCells']}")
        check("light pixels = free cells", abs(light - sweep["freeCells"]) <= 70,
              f"{light} vs {sweep['freeCells']}")
        check("dark pixels = occupied cells", abs(dark - sweep["occupiedCells"]) <= 70,
              f"{dark} vs {sweep['occupiedCells']}")
        check("the ego is marked", any(p == (230, 0, 230) for p in pixels))
        check_legend(binary, capture, tmp, pictures[-1])


def check_legend(binary, capture, tmp, plain_path):
    """--legend: the same grid pixels, with a strip below holding the scale bar and the key."""
    out = os.path.join(tmp, "legend")
    run = subprocess.run([binary, "render", "--lidar", capture, "--out", out, "--legend"],
                         capture_output=True, text=True, timeout=300)
    check("sightline render --legend exits 0", run.returncode == 0, run.stderr.strip())
    if run.returncode != 0:
        return
    annotated = Image.open(os.path.join(out, os.path.basename(plain_path))).convert("RGB")
    plain = Image.open(plain_path).convert("RGB")
    check("--legend keeps the grid's pixels and adds a strip below",
          annotated.size[0] == plain.size[0] and annotated.size[1] > plain.size[1]
          and annotated.crop((0, 0) + plain.size).tobytes() == plain.tobytes(),
          f"{annotated.size} vs {plain.size}")
    strip = annotated.crop((0, plain.size[1], annotated.size[0], annotated.size[1]))
    raw = strip.tobytes()
    colours = {tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)}
    check("the strip holds the key's colours (occupied, free, unknown, ego)",
          {(0, 0, 0), (255, 255, 255), (128, 128, 128), (230, 0, 230)} <= colours,
          f"{len(colours)} colours")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    finish()
