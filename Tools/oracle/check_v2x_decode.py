#!/usr/bin/env python3
"""Checks `sightline v2x decode` against the expected values of the shared J2735 vectors.

Usage: check_v2x_decode.py SIGHTLINE_BINARY V2X_DIR

The expected values were produced by two independent ASN.1 toolchains (see the vectors'
MANIFEST.md). For every vector: the BSM `coreData` (or PSM object), Part II ids and the regional
flag must equal the expected ones exactly. For the raw payloads, exactly as they were found,
every line must yield a J2735 frame (or, for the ETSI CAM file, an error). Ends with
"N passed, N failed".
"""
import json
import os
import subprocess
import sys

from oraclelib import check, finish




def decode(binary, lines):
    run = subprocess.run([binary, "v2x", "decode", "-"], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(run.stderr)
    return [json.loads(line) for line in run.stdout.splitlines()]


def vectors(binary, directory, name, expected_key):
    rows = [json.loads(line) for line in open(os.path.join(directory, name)) if line.strip()]
    outputs = decode(binary, [row["hex"] for row in rows])
    check(f"{name}: one output per vector", len(outputs) == len(rows), f"{len(outputs)} of {len(rows)}")
    wrong = []
    for index, (row, out) in enumerate(zip(rows, outputs)):
        if "coreData" in row:
            ok = (out.get("type") == "BSM" and out.get("coreData") == row["coreData"]
                  and ("partII_ids" not in row or out.get("partII") == row["partII_ids"])
                  and out.get("regional") == row.get("hasRegional"))
        else:
            ok = out.get("type") == "PSM" and out.get("psm") == row[expected_key]
        if not ok:
            wrong.append(index)
    check(f"{name}: every vector decodes to exactly the expected values", not wrong,
          f"{len(rows) - len(wrong)} of {len(rows)} exact; first wrong: {wrong[:5]}")


def raw(binary, directory):
    folder = os.path.join(directory, "raw")
    for name in sorted(os.listdir(folder)):
        lines = [line.strip() for line in open(os.path.join(folder, name)) if line.strip()]
        outputs = decode(binary, lines)
        types = [out.get("type", "error") for out in outputs]
        if name.startswith("cam-"):
            check(f"raw/{name}: ETSI CAMs are not mistaken for J2735", set(types) == {"error"},
                  str(sorted(set(types))))
            continue
        check(f"raw/{name}: every payload yields a decoded J2735 frame", "error" not in types,
              f"{types.count('BSM')} BSM, {types.count('PSM')} PSM, {types.count('OTHER')} other,"
              f" {types.count('error')} errors of {len(lines)}")


def main(binary, directory):
    vectors(binary, directory, "bsm-real.jsonl", None)
    vectors(binary, directory, "bsm-generated.jsonl", None)
    vectors(binary, directory, "psm-real.jsonl", "decoded2020")
    vectors(binary, directory, "psm-generated.jsonl", "decoded")
    raw(binary, directory)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    finish()
