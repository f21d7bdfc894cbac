#!/usr/bin/env python3
"""The shape of the tree, checked (issue [I]): no hand-written Swift file over 600 lines, no
module over 3,500 lines of hand-written code, no function on the frame path over 80 lines,
one CLI file per command group, and every type and file that docs/ARCHITECTURE.md names exists.
Generated code (protoc's *.pb.swift) and descriptor data (Descriptors.swift) are exempt.
Prints each failed check (every check with -v), then "N passed, N failed"."""
import glob
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(root)
MAX_FILE, MAX_MODULE, MAX_FUNCTION = 600, 3500, 80
# Modules whose code runs for every packet, message or frame.
FRAME_PATH = ["SightlineNet", "SightlineLidar", "SightlineV2X", "SightlineTimeline", "SightlineGrid",
              "SightlineSchema", "SightlinePipeline", "SightlinePublish", "SightlineReplay",
              "SightlineLive", "SightlineUDP", "SightlineZMQ", "SightlinePcap", "SightlineMCAP"]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed += ok
    failed += not ok
    if not ok or "-v" in sys.argv:
        print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))


def hand_written(path):
    return not path.endswith(".pb.swift") and os.path.basename(path) != "Descriptors.swift"


def functions(lines):
    """(first line, length) of every func/init/subscript body, by brace depth."""
    for i, line in enumerate(lines):
        code = line.strip()
        if code.startswith("//") or not re.search(r"\b(func|init|subscript)\b[^=]*[({]", code):
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            text = re.sub(r"//.*", "", re.sub(r'"(\\.|[^"\\])*"', '""', lines[j]))
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if opened and depth <= 0:
                yield i + 1, j - i + 1
                break


sources = [p for p in glob.glob("Sources/**/*.swift", recursive=True) if hand_written(p)]
modules = {}
for path in sources:
    lines = open(path, encoding="utf-8").read().split("\n")
    modules[path.split("/")[1]] = modules.get(path.split("/")[1], 0) + len(lines)
    check(f"{path} is at most {MAX_FILE} lines", len(lines) <= MAX_FILE, f"{len(lines)} lines")
    if path.split("/")[1] in FRAME_PATH:
        long = [(line, n) for line, n in functions(lines) if n > MAX_FUNCTION]
        check(f"{path}: no function over {MAX_FUNCTION} lines", not long,
              ", ".join(f"line {line}: {n} lines" for line, n in long))
for module, count in sorted(modules.items()):
    check(f"module {module} is at most {MAX_MODULE} lines", count <= MAX_MODULE, f"{count} lines")

# The CLI: argument parsing, one file per command group, named after its command.
for path in glob.glob("Sources/sightline/*Command.swift"):
    text = open(path, encoding="utf-8").read()
    name = os.path.basename(path)[:-6]
    check(f"{path} holds {name}", re.search(r"\bstruct " + name + r"\b", text) is not None)

# Every type and file ARCHITECTURE.md names exists.
declared = set()
for path in sources + glob.glob("Tools/**/*.swift", recursive=True):
    declared.update(re.findall(
        r"^\s*(?:public |package |private |fileprivate |final |open |indirect )*"
        r"(?:struct|class|enum|protocol|typealias|actor|extension) (\w+)",
        open(path, encoding="utf-8").read(), re.M))
    declared.add(os.path.basename(path)[:-6])
declared.update(os.path.basename(p) for p in glob.glob("Sources/*"))  # modules
architecture = open("docs/ARCHITECTURE.md", encoding="utf-8").read()
named = set()
for span in re.findall(r"`([^`\n]+)`", architecture):
    head = re.match(r"([A-Z][A-Za-z0-9]*)(?:[.(<]|$)", span)
    if head and re.search(r"[a-z]", head.group(1)) and " " not in span.split("(")[0]:
        named.add(head.group(1))
missing = sorted(n for n in named if n not in declared)
check(f"the {len(named)} types docs/ARCHITECTURE.md names exist", not missing, ", ".join(missing))
paths = set(re.findall(r"`((?:Sources|Tools|Tests|Replay|Config|docs)/[^`\s]+)`", architecture))
gone = sorted(p for p in paths if not glob.glob(p.rstrip("/")))
check(f"the {len(paths)} paths docs/ARCHITECTURE.md names exist", not gone, ", ".join(gone))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
