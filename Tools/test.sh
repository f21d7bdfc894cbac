#!/usr/bin/env bash
# The test command (`make test`, and CI through .ci/run): builds, runs every Swift test
# (Swift Testing and XCTest) and the live check against velodyne-decoder, then prints one line
# "N passed, N failed" that counts them all.
set -uo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh --test || exit 1
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

results=.build/test-results
rm -rf "$results" && mkdir -p "$results"

swift build --build-tests || { echo "0 passed, 1 failed"; exit 1; }
# The rig drive's capture (44 MB, not committed): regenerated into Replay/rig before the tests
# replay it, its sha256 and files as committed.
Tools/scenario/check_rig.sh | tee "$results/rig.log"
rig_status=${PIPESTATUS[0]}
# The malloc counter (Tools/bench/malloc_count.c) is preloaded, so the allocation checks of the
# hot paths run rather than skip; the MCAP writer's standard recording and the Velodyne packet
# writer's captures go to files that independent readers check below (the official mcap reader,
# velodyne-decoder). A skipped test counts as a failure.
malloc_count=$PWD/.build/malloc_count.so
gcc -O2 -shared -fPIC -o "$malloc_count" Tools/bench/malloc_count.c -ldl ||
  { echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$results/peer-captures"
SIGHTLINE_MCAP_ORACLE_OUT=$PWD/$results/interop.mcap \
  SIGHTLINE_PEER_CHECK_DIR=$PWD/$results/peer-captures LD_PRELOAD=$malloc_count \
  swift test --skip-build --xunit-output "$results/xunit.xml" 2>&1 | tee "$results/swift-test.log"
swift_status=${PIPESTATUS[0]}
.venv/bin/python Tools/oracle/check_peer_captures.py "$results/peer-captures" \
  | tee "$results/peer-captures.log"
peer_status=${PIPESTATUS[0]}
.venv/bin/python Tools/oracle/check_mcap_interop.py "$results/interop.mcap" \
  | tee "$results/mcap-interop.log"
mcap_status=${PIPESTATUS[0]}

.venv/bin/python Tools/oracle/check_replay.py .build/debug/sightline \
  Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap \
  Tests/SightlineLidarTests/Fixtures/vlp16-strongest-gps.velodyne-decoder.json \
  | tee "$results/oracle.log"
oracle_status=${PIPESTATUS[0]}

# Point-by-point against velodyne-decoder on every Velodyne capture we have: the bundled one,
# and the shared set beside the checkout when it is there (it is in CI).
captures=(Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap)
for capture in ../shared/data/lidar/{hdl32e-strongest-gps,vls128-strongest,vlp16-dual}.pcap; do
  [ -f "$capture" ] && captures+=("$capture")
done
.venv/bin/python Tools/oracle/compare_decode.py .build/debug/sightline "${captures[@]}" \
  | tee "$results/decode-oracle.log"
decode_status=${PIPESTATUS[0]}

# J2735: `sightline v2x decode` against the expected values of every shared vector (the copies
# in the test fixtures, so this runs without shared/ too).
.venv/bin/python Tools/oracle/check_v2x_decode.py .build/debug/sightline \
  Tests/SightlineV2XTests/Fixtures | tee "$results/v2x.log"
v2x_status=${PIPESTATUS[0]}

# Pictures: `sightline render` read back by Pillow and checked against the frames' counts.
.venv/bin/python Tools/oracle/check_pictures.py .build/debug/sightline \
  Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap | tee "$results/pictures.log"
pictures_status=${PIPESTATUS[0]}

# The tree's shape (issue [I]): file, module and frame-path function sizes, one command per
# CLI file, and every type and path docs/ARCHITECTURE.md names.
python3 Tools/oracle/check_structure.py | tee "$results/structure.log"
structure_status=${PIPESTATUS[0]}

# Sanity check against nebula's reference clouds, decoded with nebula's own calibration.
: >"$results/nebula.log"
nebula_status=0
shared=../shared/data/lidar
for pair in "vls128-strongest VLS-128 VLS128" "vlp16-dual VLP-16 VLP16"; do
  set -- $pair
  [ -f "$shared/reference/$1.nebula.pcd" ] || continue
  .venv/bin/python Tools/oracle/compare_nebula.py .build/debug/sightline "$shared/$1.pcap" \
    "$shared/reference/$1.nebula.pcd" "$2" "$shared/calibration/nebula-$3.yaml" \
    | tee -a "$results/nebula.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || nebula_status=1
done

# The release build: the live check needs its speed, the drives check its replays.
release_status=0
swift build -c release --product sightline >"$results/release-build.log" 2>&1 || {
  release_status=1
  tail -20 "$results/release-build.log"
}

# Checks of the release build: each logs to $results/NAME.log; without a release build, each
# counts as one failure.
release_failed=0
release_check() {
  local name=$1
  shift
  if [ "$release_status" -eq 0 ]; then
    "$@" .build/release/sightline | tee "$results/$name.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || release_failed=1
  else
    echo "0 passed, 1 failed" >"$results/$name.log"
    release_failed=1
  fi
}
# Drives: bit-identical replays, the evaluation figures of the synthetic drives, and
# velodyne-decoder reading their generated captures as the scene.
release_check drives .venv/bin/python Tools/oracle/check_drives.py
# Allocations: the hot paths of the optimised build allocate nothing once warm (decode of every
# vendor, V2X, the grid stage with agents), through the benchmarks with the malloc counter.
release_check allocations .venv/bin/python Tools/oracle/check_allocations.py "$malloc_count"
# Recordings: a drive recorded with zstd chunks, read back by the official mcap reader.
release_check recording .venv/bin/python Tools/oracle/check_recording.py
# Foxglove: a client of the WebSocket server during a replay gets the recording's grids.
release_check foxglove .venv/bin/python Tools/oracle/check_foxglove.py
# The live page at / in headless Chromium during a replay: what it decoded equals the
# recording, and its screenshot shows the grid, the agents, the ego and the legend.
release_check livepage .venv/bin/python Tools/oracle/check_live_page.py
# Plots: eval's SVG plots (title, axes, ticks, units, legend) and the self-contained report.
release_check plots .venv/bin/python Tools/oracle/check_plots.py
# C++: the example subscriber in Tools/cpp (protoc-generated classes, libzmq's C API), built
# with make, prints exactly what `sightline sub` prints for the same streams, losing nothing.
release_check cpp .venv/bin/python Tools/cpp/check_cpp_subscriber.py

# Live: VLS-128-rate traffic over loopback into `sightline run` (a release build: the debug
# build decodes slower than a VLS-128 sends), which must lose nothing.
loopback_status=1
if [ -f ../shared/data/lidar/vls128-strongest.pcap ]; then
  if [ "$release_status" -eq 0 ]; then
    .venv/bin/python Tools/oracle/loopback_run.py .build/release/sightline \
      ../shared/data/lidar/vls128-strongest.pcap 10 | tee "$results/loopback.log"
    loopback_status=${PIPESTATUS[0]}
  else
    echo "0 passed, 1 failed" >"$results/loopback.log"
  fi
else
  echo "0 passed, 0 failed (no shared VLS-128 capture beside the checkout)" | tee "$results/loopback.log"
  loopback_status=0
fi

# Load: a 100k msg/s V2X flood beside VLS-128-rate LiDAR (10 s here; 60 s by hand), and a soak
# of a drive played in a loop (90 s here; an hour by hand): bounded memory, drops counted.
load_status=0
if [ "$release_status" -eq 0 ] && [ -f ../shared/data/lidar/vls128-strongest.pcap ]; then
  .venv/bin/python Tools/oracle/load_run.py .build/release/sightline \
    ../shared/data/lidar/vls128-strongest.pcap 10 | tee "$results/load.log"
  load_status=${PIPESTATUS[0]}
elif [ "$release_status" -ne 0 ]; then
  echo "0 passed, 1 failed" >"$results/load.log"
  load_status=1
else
  echo "0 passed, 0 failed (no shared VLS-128 capture beside the checkout)" | tee "$results/load.log"
fi
soak_status=1
if [ "$release_status" -eq 0 ]; then
  .venv/bin/python Tools/oracle/soak_run.py .build/release/sightline Replay/blind-intersection 90 \
    | tee "$results/soak.log"
  soak_status=${PIPESTATUS[0]}
else
  echo "0 passed, 1 failed" >"$results/soak.log"
fi

# Fuzzing: the libFuzzer harnesses (their own instrumented release build), every crash input
# in the regression corpus, then a short fixed run of each (Tools/fuzz/README.md).
Tools/fuzz/run.sh ci 2>&1 | tee "$results/fuzz.log"
fuzz_status=${PIPESTATUS[0]}

# Sum the xunit files (one per test library that ran) and the oracle's own line.
read -r passed failed < <(python3 - "$results" <<'PY'
import glob, re, sys, xml.etree.ElementTree as ET
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/xunit*.xml"):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        passed += tests - bad - skipped
        failed += bad + skipped  # a test that did not run checked nothing
for log in ("oracle.log", "mcap-interop.log", "peer-captures.log", "allocations.log", "decode-oracle.log", "v2x.log", "pictures.log", "structure.log", "recording.log",
            "cpp.log", "plots.log", "foxglove.log", "livepage.log", "nebula.log", "drives.log", "rig.log", "loopback.log", "load.log", "soak.log", "fuzz.log"):
    text = open(sys.argv[1] + "/" + log).read()
    found = re.findall(r"^(\d+) passed, (\d+) failed", text, re.M)
    if found:
        passed += sum(int(p) for p, _ in found); failed += sum(int(f) for _, f in found)
    elif log != "nebula.log":
        failed += 1
print(passed, failed)
PY
)
if [ "$swift_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the test process died before writing its results
fi
echo "$passed passed, $failed failed"
[ "$swift_status" -eq 0 ] && [ "$mcap_status" -eq 0 ] && [ "$peer_status" -eq 0 ] && [ "$oracle_status" -eq 0 ] && [ "$decode_status" -eq 0 ] \
  && [ "$v2x_status" -eq 0 ] && [ "$pictures_status" -eq 0 ] && [ "$nebula_status" -eq 0 ] \
  && [ "$structure_status" -eq 0 ] && [ "$rig_status" -eq 0 ] \
  && [ "$release_failed" -eq 0 ] && [ "$loopback_status" -eq 0 ] && [ "$load_status" -eq 0 ] \
  && [ "$soak_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ] && [ "$failed" -eq 0 ]
