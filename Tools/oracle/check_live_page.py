#!/usr/bin/env python3
"""The live page in a real browser ([N]): replays the blind-intersection drive at capture speed
with --foxglove and --record, opens http://HOST:PORT/ in headless Chromium (Debian's), waits
until the page has drawn frames with agents, and takes a screenshot. Checks:
  - the page is one self-contained file (no external scripts, styles or images);
  - what the page decoded (its own protobuf reader) equals the recording's FusedFrame at the
    same sequence, read by the official mcap reader and Google's protobuf: the grid's cell
    counts, the agents' ids, positions and consistency;
  - the screenshot shows the grid (unknown, free and occupied shades over a large area), the
    agents (their consistency colours), the ego (its blue), the scale bar and the legend;
  - /metrics and /healthz answer on the same listener.
The screenshot is kept in .build/test-results/live-page.png. Prints "N passed, N failed".
  check_live_page.py SIGHTLINE"""
import json
import os
import re
import subprocess
import sys
import tempfile

from mcap.reader import make_reader
from mcap_protobuf.decoder import DecoderFactory
from PIL import Image

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(root, "Tools", "oracle"))
from chromium import Browser  # noqa: E402
from oraclelib import check, finish, free_port, http_get as get, wait_for_health  # noqa: E402

SCREENSHOT = os.path.join(root, ".build", "test-results", "live-page.png")
# The page's colours (LivePage.swift): consistency, ego.
AGENT_COLOURS = {"confirmed": (0x1A, 0xB8, 0x33), "occluded": (0xFF, 0x99, 0x00),
                 "contradicted": (0xE6, 0x1A, 0x1A)}
EGO = (0x1A, 0x66, 0xFF)


def check_page_source(base):
    status, kind, html = get(base + "/")
    check("GET / answers the live page (text/html)", status == 200 and "text/html" in kind,
          f"{status} {kind}")
    check("the page draws on a canvas and speaks foxglove.websocket.v1",
          "<canvas" in html and "foxglove.websocket.v1" in html)
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)
    external += re.findall(r"@import|url\(\s*[\"']?https?:", html)
    check("the page loads no external assets", not external, str(external[:3]))
    status, kind, metrics = get(base + "/metrics")
    check("/metrics on the same listener: 404 in a replay (metrics are a live run's), "
          "or the exposition", status in (200, 404), str(status))
    check("GET /healthz answers ok", get(base + "/healthz")[:1] == (200,))


def watch(browser, base):
    """Opens the page and waits for a frame with a painted agent well inside the view (the
    pedestrian comes out from behind the building); returns the page's state."""
    browser.open(base + "/")
    state = browser.wait_for(
        "window.sightline && sightline.frames >= 5 && "
        "sightline.frame.agents.some(a => a.consistency > 0 && sightline.frame.header.ego && "
        "Math.hypot(a.east - sightline.frame.header.ego.east, "
        "a.north - sightline.frame.header.ego.north) < 35) && "
        "JSON.stringify({frames: sightline.frames, sequence: sightline.sequence, "
        "cells: sightline.cells, errors: sightline.errors, "
        "agents: sightline.frame.agents.map(a => [a.id, a.east, a.north, a.consistency]), "
        "lidar: document.getElementById('lidar').textContent, "
        "rate: document.getElementById('rate').textContent, "
        "view: document.getElementById('view').getBoundingClientRect().toJSON()})", seconds=60)
    return state


def recorded_frames(path):
    frames = {}
    with open(path, "rb") as f:
        reader = make_reader(f, decoder_factories=[DecoderFactory()])
        for _, _, _, frame in reader.iter_decoded_messages(topics=["/sightline/frame"]):
            frames[frame.header.sequence] = frame
    return frames


def check_decoding(state, frames):
    frame = frames.get(state["sequence"])
    check("the page's frame is in the recording", frame is not None, str(state["sequence"]))
    if frame is None:
        return
    cells = bytes(frame.occupancy)
    signed = [c - 256 if c > 127 else c for c in cells]
    expected = {"unknown": sum(v < 0 for v in signed),
                "free": sum(0 <= v <= 50 for v in signed),
                "occupied": sum(v > 50 for v in signed)}
    check("the page's grid has the recording's cells (unknown, free, occupied)",
          state["cells"] == expected, f"{state['cells']} vs {expected}")
    page = sorted(state["agents"])
    truth = sorted([a.id, a.east_m, a.north_m, a.consistency] for a in frame.agents)
    same = len(page) == len(truth) and all(
        p[0] == t[0] and abs(p[1] - t[1]) < 1e-9 and abs(p[2] - t[2]) < 1e-9 and p[3] == t[3]
        for p, t in zip(page, truth))
    check("the page's agents are the recording's (id, position, consistency)", same,
          f"{len(page)} on the page, {len(truth)} recorded")


def pixels_of(image):
    flat = getattr(image, "get_flattened_data", None)
    return list(flat() if flat else image.getdata())


def near(pixel, colour, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def check_screenshot(path, view):
    image = Image.open(path).convert("RGB")
    width, height = image.size
    split = round(view["right"])  # the canvas, then the sidebar
    canvas = image.crop((0, 0, split, height))
    pixels = pixels_of(canvas)
    total = len(pixels)
    grey = lambda lo, hi: sum(  # noqa: E731
        1 for r, g, b in pixels if lo <= r <= hi and abs(r - g) <= 2 and abs(g - b) <= 2)
    unknown, free, occupied = grey(136, 144), grey(200, 248), grey(0, 60)
    check("the screenshot shows a grid over most of the view (unknown, free, occupied shades)",
          unknown + free + occupied > 0.5 * total and unknown > 0.01 * total
          and free > 0.01 * total and occupied > 50,
          f"unknown {unknown}, free {free}, occupied {occupied} of {total} px")
    found = {name: sum(1 for p in pixels if near(p, colour))
             for name, colour in AGENT_COLOURS.items()}
    check("the screenshot shows agents in their consistency colours",
          sum(found.values()) >= 150, str(found))
    ego = sum(1 for p in pixels if near(p, EGO))
    check("the screenshot shows the ego", ego >= 30, f"{ego} px")
    sidebar = image.crop((split, 0, width, height))
    swatches = sum(1 for p in pixels_of(sidebar) if near(p, AGENT_COLOURS["occluded"], 4))
    check("the legend shows the consistency colours", swatches >= 100, f"{swatches} px")


def main():
    binary = sys.argv[1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        recording = os.path.join(folder, "drive.mcap")
        config = os.path.join(folder, "publish.toml")
        with open(config, "w") as f:
            f.write(f'[publish]\nendpoint = "ipc://{folder}/pub"\n'
                    f'[foxglove]\nlisten = "127.0.0.1:{port}"\n')
        process = subprocess.Popen(
            [binary, "replay", os.path.join(root, "Replay/blind-intersection"), "--config", config,
             "--pace", "realtime", "--record", recording],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            check("the replay serves foxglove.listen from its config",
                  wait_for_health(base, process)[0] == 200)
            check_page_source(base)
            with Browser() as browser:
                state = watch(browser, base)
                check("the page drew frames with agents, without errors",
                      bool(state) and '"errors":[]' in state, str(state)[:300])
                if state:
                    state = json.loads(state)
                    check("the page says the LiDAR is OK and gives a frame rate",
                          state["lidar"] == "OK" and state["rate"].endswith("Hz"),
                          f"{state['lidar']}, {state['rate']}")
                browser.screenshot(SCREENSHOT)
            if isinstance(state, dict):
                check_screenshot(SCREENSHOT, state["view"])
            _, stderr = process.communicate(timeout=180)
            check("the replay says where to watch", f"watch live at {base}/" in stderr,
                  stderr[-300:])
            check("the replay ended cleanly", process.returncode == 0, str(process.returncode))
            if isinstance(state, dict):
                check_decoding(state, recorded_frames(recording))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finish()


if __name__ == "__main__":
    main()
