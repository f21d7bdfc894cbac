#!/usr/bin/env python3
"""Checks that `sightline eval` plots are readable: SVG with a title, labelled axes with units,
numeric ticks, a legend naming every series, and the self-contained HTML report.

Usage: check_plots.py SIGHTLINE_BINARY

Runs `sightline eval Replay/blind-intersection --out TMP --html TMP/report.html`, then reads
each SVG with xml.etree: it parses, has a title, axis labels with units in parentheses, at
least 3 numeric tick labels on each numeric axis (in order, one tick mark each) and one per
agent on the agent axis, every mark inside the axes, and a legend naming every series. The
report must hold the figures table, both plots inline, and PNG frame pictures as data URIs
(no external assets). Then the report is opened in headless Chromium (Tools/oracle/chromium.py):
both plots render with their titles, axis labels and legends laid out on the page, every frame
picture decodes, and a screenshot (kept in .build/test-results/eval-report.png) is not blank.
Prints one line per check and ends with "N passed, N failed".
"""
import base64
import json
from html import escape
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from chromium import Browser
from oraclelib import check, finish

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
NS = "{http://www.w3.org/2000/svg}"
PLOTS = ["error-vs-latency.svg", "time-advantage.svg"]
UNIT = re.compile(r"\((ms|s|m)\)")


def classed(root, tag, name):
    """Elements `tag` whose class attribute includes `name`."""
    return [e for e in root.iter(NS + tag) if name in (e.get("class") or "").split()]


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def check_axis(plot, axis, agents):
    """An axis group: its label, tick marks and tick labels; returns (low, high) pixels."""
    label = classed(axis, "text", "axis-label")
    text = label[0].text if label else ""
    labels = [t.text for t in classed(axis, "text", "tick-label")]
    marks = classed(axis, "line", "tick")
    kind = "y" if "y" in axis.get("class").split() else "x"
    if "category" in axis.get("class").split():
        check(f"{plot}: {kind} axis label names what it lists, in parentheses",
              re.search(r"\(.+\)", text or "") is not None, repr(text))
        check(f"{plot}: {kind} axis has one tick label per agent",
              sorted(labels) == sorted(agents) and len(marks) == len(labels), str(labels))
        return None
    check(f"{plot}: {kind} axis label has its unit in parentheses",
          UNIT.search(text or "") is not None, repr(text))
    values = [number(v) for v in labels]
    numeric = len(values) >= 3 and None not in values and values == sorted(values)
    check(f"{plot}: {kind} axis has >= 3 numeric tick labels, in order, each with a tick mark",
          numeric and len(marks) == len(labels), str(labels))
    place = "x" if kind == "x" else "y"
    spots = [float(t.get(place)) for t in classed(axis, "text", "tick-label")]
    return (min(spots), max(spots)) if spots else None


def check_svg(path, agents):
    name = os.path.basename(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        check(f"{name}: parses as XML", False, str(error))
        return None
    check(f"{name}: parses as SVG", root.tag == NS + "svg")
    title = root.find(NS + "title")
    shown = classed(root, "text", "title")
    check(f"{name}: has a title", title is not None and (title.text or "").strip() != ""
          and shown and shown[0].text == title.text, title.text if title is not None else "none")
    axes = classed(root, "g", "axis")
    check(f"{name}: has an x and a y axis", len(axes) == 2, str(len(axes)))
    ranges = {}
    for axis in axes:
        kind = "y" if "y" in axis.get("class").split() else "x"
        ranges[kind] = check_axis(name, axis, agents)
    series = [g.get("data-series") for g in classed(root, "g", "series")]
    legend = [t.text for g in classed(root, "g", "legend") for t in classed(g, "text", "legend-label")]
    swatches = [r for g in classed(root, "g", "legend") for r in classed(g, "rect", "swatch")]
    check(f"{name}: legend names every series, each with a swatch",
          len(series) >= 2 and sorted(legend) == sorted(series) and len(swatches) == len(series),
          f"series {series}, legend {legend}")
    inside = True
    for group in classed(root, "g", "series"):
        for circle in group.iter(NS + "circle"):
            x, y = float(circle.get("cx")), float(circle.get("cy"))
            inside &= within(ranges.get("x"), x) and within(ranges.get("y"), y)
        for rect in group.iter(NS + "rect"):
            left, right = float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))
            inside &= within(ranges.get("x"), left) and within(ranges.get("x"), right)
    marks = sum(1 for g in classed(root, "g", "series") for e in g if e.tag in (NS + "circle", NS + "rect"))
    check(f"{name}: {marks} marks, all between the first and last ticks", marks > 0 and inside)
    return title.text if title is not None else None


def within(span, value):
    return span is None or span[0] - 0.5 <= value <= span[1] + 0.5


def check_report(path, titles, printed):
    try:
        html = open(path, encoding="utf-8").read()
    except OSError as error:
        check("report.html is written", False, str(error))
        return
    table = [line for line in printed if not line.startswith(("plots:", "report:"))]
    missing = [line for line in table if escape(line, quote=False) not in html]
    check("report.html holds the figures table (as printed, and as HTML tables)",
          "<table" in html and table and not missing,
          f"{html.count('<table')} tables; missing {missing[:2]}")
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    inline = []
    for svg in svgs:
        try:
            element = ET.fromstring(svg)
            inline.append(element.findtext(NS + "title"))
        except ET.ParseError:
            inline.append(None)
    check("report.html holds both plots inline (well-formed SVG)",
          len(svgs) >= 2 and all(t in inline for t in titles if t), str(inline))
    uris = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    pngs = [base64.b64decode(u)[:8] == b"\x89PNG\r\n\x1a\n" for u in uris]
    check("report.html holds frame pictures as PNG data URIs", pngs and all(pngs),
          f"{len(uris)} pictures")
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?!data:|#)([^"']+)""", html)
    external += re.findall(r"<link\b|<script\b[^>]*\bsrc", html)
    check("report.html is self-contained (no external assets)", not external, str(external[:3]))


# What the browser laid out: per SVG its title and how many axis labels, tick labels and legend
# labels have a visible box; per picture whether it decoded; and the tables.
LAYOUT = """JSON.stringify({
  svgs: [...document.querySelectorAll('svg')].map(svg => {
    const shown = (selector) => [...svg.querySelectorAll(selector)]
      .filter(e => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
    const box = svg.getBoundingClientRect();
    return { title: (svg.querySelector('title') || {}).textContent, width: box.width,
             height: box.height, axisLabels: shown('.axis-label').length,
             ticks: shown('.tick-label').length, legend: shown('.legend-label').length };
  }),
  pictures: [...document.images].map(img => img.complete && img.naturalWidth > 0),
  tables: document.querySelectorAll('table').length })"""


def check_report_in_browser(path, titles):
    shot = os.path.join(ROOT, ".build", "test-results", "eval-report.png")
    with Browser(width=1200, height=1600) as browser:
        browser.open("file://" + os.path.abspath(path))
        found = browser.wait_for("document.readyState === 'complete' && " + LAYOUT, seconds=30)
        browser.screenshot(shot)
    layout = json.loads(found) if found else {"svgs": [], "pictures": [], "tables": 0}
    svgs = layout["svgs"]
    check("Chromium: the report renders both plots, with their titles",
          sorted(s["title"] for s in svgs if s["width"] > 100 and s["height"] > 100)
          == sorted(t for t in titles if t), str([(s["title"], s["width"]) for s in svgs]))
    check("Chromium: each plot lays out two axis labels, tick labels and a legend",
          svgs and all(s["axisLabels"] == 2 and s["ticks"] >= 6 and s["legend"] >= 2
                       for s in svgs), str(svgs))
    check("Chromium: every frame picture decodes",
          layout["pictures"] and all(layout["pictures"]), str(layout["pictures"]))
    check("Chromium: the figures table is there", layout["tables"] >= 1, str(layout["tables"]))
    with open(shot, "rb") as f:
        image = f.read()
    check("Chromium: the report's screenshot is a picture, not a blank page",
          len(image) > 20_000, f"{len(image)} bytes")


def main(binary):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.html")
        run = subprocess.run([binary, "eval", os.path.join(ROOT, "Replay", "blind-intersection"),
                              "--out", tmp, "--html", report],
                             capture_output=True, text=True, timeout=600)
        check("sightline eval --html exits 0", run.returncode == 0, run.stderr.strip()[-300:])
        if run.returncode != 0:
            return
        printed = run.stdout.splitlines()
        agents = [line.split()[0] for line in printed if re.match(r"^[0-9a-f]{8}\s", line)]
        check("eval prints its agents", len(agents) > 0, str(agents))
        titles = [check_svg(os.path.join(tmp, plot), agents) for plot in PLOTS]
        shown = os.path.join(ROOT, "docs", "pictures", "blind-intersection-time-advantage.svg")
        with open(shown, "rb") as a, open(os.path.join(tmp, "time-advantage.svg"), "rb") as b:
            check("README's plot is the one eval writes today (else copy eval's "
                  "time-advantage.svg to docs/pictures/blind-intersection-time-advantage.svg)",
                  a.read() == b.read())
        check_report(report, titles, printed)
        check_report_in_browser(report, titles)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
    finish()
