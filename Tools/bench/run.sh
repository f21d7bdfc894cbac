#!/usr/bin/env bash
# Benchmarks, side by side in one command so that the ratios hold on a noisy machine.
#   Tools/bench/run.sh decode [CAPTURE]   Sightline vs velodyne-decoder's stream API
#   Tools/bench/run.sh ouster             Sightline vs ouster-sdk (its packet reader,
#                                         FrameBatcher and XYZLut) on every shared Ouster
#                                         capture; ouster-sdk goes into .venv-ouster
#   Tools/bench/run.sh hesai              Sightline's points/s on every shared Hesai capture
#   Tools/bench/run.sh v2x [VECTORS]      BSM decodes per second on one core, allocations
#   Tools/bench/run.sh grid [street|open] [both|1000|500|WxRES]
#                                         grid update vs the naive C baseline (1000x1000 at
#                                         0.1 m and 500x500 at 0.2 m), and vs OctoMap
#   Tools/bench/run.sh frame [CAPTURE]    whole frame on core 0, malloc counter preloaded
#   Tools/bench/run.sh rig                  the rig's frame (VLS-128 + 2 VLP-16) vs the VLS-128 alone
#   Tools/bench/run.sh record [DRIVE]       recording bytes and CPU per frame, uncompressed
#                                         against zstd chunks
#   Tools/bench/run.sh compare BEFORE_BINARY [CAPTURE]
#                                         decode ratio, grid ratio and frame p50/p99 of an
#                                         earlier build beside this one, interleaved (ROUNDS)
#   Tools/bench/run.sh budget [CAPTURE] [BUDGET_MS] [AGENTS]
#                                         budget overruns on core 0 with a busy load on core 1,
#                                         with 256 V2X cars in wide ellipses (AGENTS)
#   Tools/bench/run.sh units              what each kind of grid work costs on core 0, fitted
#                                         over four captures with and without 64 V2X cars:
#                                         the figures of WorkCosts.reference
#   Tools/bench/run.sh load [SECONDS]     a 100k/s V2X flood beside VLS-128-rate LiDAR into
#                                         `sightline run` (Tools/oracle/load_run.py, 60 s); ends
#                                         with rss_peak_mib=<x> frames=<n> sweeps_dropped=<n>
#   Tools/bench/run.sh latency [CAPTURE]  end to end, last packet sent to frame received, of a
#                                         live run fed over loopback UDP at the capture's rate
#                                         (default: the bundled VLP-16 and the VLS-128)
# Environment: SCRATCH (swift build scratch path, default .build; binaries and scan files go
# under it), GRID_SIZES (instead of the grid section's third argument), OCTOMAP_SCANS (scans
# given to OctoMap, default 40, 0 skips it), LATENCY_SECONDS (per capture, default 15).
# Results are appended to Tools/bench/RESULTS.md by hand after a run (see there).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The Python peers (.venv) only for the sections that compare against them; latency is ours alone.
case "${1:-decode}" in
  latency) Tools/setup.sh ;;
  *) Tools/setup.sh --test ;;
esac
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

SCRATCH=${SCRATCH:-.build}
sightline=$SCRATCH/release/sightline
malloc_count=$(realpath -m "$SCRATCH")/malloc_count.so

# Quiet when it works; the whole build log when it does not.
build_sightline() {
  local log
  log=$(swift build -c release --scratch-path "$SCRATCH" --product sightline 2>&1) || {
    echo "$log" >&2
    echo "bench: swift build -c release --scratch-path $SCRATCH failed" >&2
    exit 1
  }
}
build_malloc_count() { gcc -O2 -shared -fPIC -o "$malloc_count" Tools/bench/malloc_count.c -ldl; }

# OctoMap from apt when it is missing, in Tools/setup.sh's way; returns 1 (OctoMap skipped,
# the rest of the grid section still runs) when it cannot be installed.
ensure_octomap() {
  dpkg -s liboctomap-dev >/dev/null 2>&1 && return 0
  local sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "bench: liboctomap-dev is missing and there is neither root nor sudo; OctoMap skipped" >&2
      return 1
    fi
    sudo_cmd="sudo"
  fi
  echo "bench: installing liboctomap-dev"
  # env, so that DEBIAN_FRONTEND survives sudo's environment reset
  if ! { $sudo_cmd apt-get update -qq &&
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liboctomap-dev >/dev/null; }; then
    echo "bench: installing liboctomap-dev failed; OctoMap skipped" >&2
    return 1
  fi
}

what=${1:-decode}
case "$what" in
  decode)
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    build_sightline
    build_malloc_count
    echo "== velodyne-decoder $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("velodyne-decoder"))') stream API, $capture =="
    # Captured, then printed: `tee /dev/stderr` would truncate a log file that stderr goes to.
    peer=$(.venv/bin/python Tools/bench/velodyne_decoder_stream.py "$capture" 20)
    echo "$peer"
    peer=$(tail -1 <<<"$peer")
    echo "== sightline bench decode, $capture (malloc counter preloaded) =="
    ours=$(LD_PRELOAD=$malloc_count "$sightline" bench decode "$capture" --repeat 20)
    echo "$ours"
    ours=$(tail -1 <<<"$ours")
    python3 - "$peer" "$ours" <<'PY'
import sys
peer = int(sys.argv[1].split("=")[1]); ours = int(sys.argv[2].split("=")[1])
print(f"ratio sightline/velodyne-decoder = {ours / peer:.2f}x ({ours / 1e6:.1f} vs {peer / 1e6:.1f} M points/s)")
PY
    ;;
  ouster)
    build_sightline
    build_malloc_count
    # ouster-sdk has many dependencies: a venv of its own, made once.
    if ! .venv-ouster/bin/python -c "import ouster.sdk" >/dev/null 2>&1; then
      python3 -m venv .venv-ouster
      .venv-ouster/bin/pip install -q --disable-pip-version-check "ouster-sdk==1.0.1" numpy
    fi
    for name in ouster-os0-32-dual ouster-os1-32-legacy ouster-os1-128-fusa-dual-partial; do
      capture=../shared/data/lidar/$name.pcap
      metadata=../shared/data/lidar/$name.json
      echo "== ouster-sdk 1.0.1 vs sightline bench decode, $name (200 passes each) =="
      peer=$(.venv-ouster/bin/python Tools/bench/ouster_sdk_decode.py "$capture" "$metadata" 200 | tail -1)
      ours=$(LD_PRELOAD=$malloc_count "$sightline" bench decode "$capture" --metadata "$metadata" --repeat 200)
      echo "$ours" | grep -v "^pass" | tail -3
      ours=$(tail -1 <<<"$ours")
      python3 - "$peer" "$ours" <<'PY'
import sys
peer = int(sys.argv[1].split("=")[1]); ours = int(sys.argv[2].split("=")[1])
print(f"ratio sightline/ouster-sdk = {ours / peer:.2f}x ({ours / 1e6:.1f} vs {peer / 1e6:.1f} M points/s)")
PY
    done
    ;;
  hesai)
    build_sightline
    build_malloc_count
    # No Hesai decoder installs from the registries (nebula is C++/ROS 2): ours alone, with
    # the point counts that the Hesai tests check against nebula's reference scans.
    for pair in Pandar40P:hesai-40p-dual-last-strongest PandarQT64:hesai-qt64-dual-first-last \
      PandarXT32:hesai-xt32-dual-last-strongest PandarQT128:hesai-qt128-dual-last-strongest; do
      model=${pair%%:*}
      capture=../shared/data/lidar/${pair#*:}.pcap
      echo "== sightline bench decode, $capture ($model, 20 passes, malloc counter preloaded) =="
      LD_PRELOAD=$malloc_count "$sightline" bench decode "$capture" --model "$model" \
        --calibration "../shared/data/lidar/calibration/hesai-$model.csv" --repeat 20 | tail -2
    done
    ;;
  v2x)
    vectors=${2:-Tests/SightlineV2XTests/Fixtures/bsm-real.jsonl}
    build_sightline
    build_malloc_count
    echo "== sightline bench v2x, $vectors (locate + decode, malloc counter preloaded) =="
    LD_PRELOAD=$malloc_count taskset -c 0 "$sightline" bench v2x "$vectors"
    ;;
  grid)
    # Three rounds, each running the C baseline and Sightline (polar and per-point rays) for
    # every grid size, so that each ratio comes from runs seconds apart. Ratios are
    # C/Sightline and OctoMap/Sightline: above 1 means Sightline is faster. All figures are
    # median wall-clock ms per scan. The last line sums up: for each size the median C and
    # Sightline (polar) figures of the three rounds and the median of the three round ratios.
    scene=${2:-street}
    case "$scene" in street | open) ;; *) echo "grid: scene is street or open, not $scene" >&2; exit 2 ;; esac
    sizes=${3:-${GRID_SIZES:-both}}
    case "$sizes" in
      both | all) sizes="1000x0.1 500x0.2" ;;
      1000) sizes="1000x0.1" ;;
      500) sizes="500x0.2" ;;
    esac
    for size in $sizes; do
      [[ "$size" =~ ^[0-9]+x[0-9.]+$ ]] || { echo "grid: size is both, 1000, 500 or WxRES (e.g. 500x0.2), not $size" >&2; exit 2; }
    done
    octomap_scans=${OCTOMAP_SCANS:-40}
    build_sightline
    mkdir -p "$SCRATCH/bench"
    gen=(../shared/bench/gen_street_scans.py)
    [ "$scene" = open ] && gen+=(--half-width 40 --columns 2400)
    scans=$SCRATCH/bench/$scene.bin
    if [ ! -f "$scans" ]; then
      .venv/bin/python -c "import numpy" 2>/dev/null || .venv/bin/pip install -q numpy
      .venv/bin/python "${gen[@]}" "$scans"
    fi
    gcc -O2 -o "$SCRATCH/bench/grid2d_bench" ../shared/bench/grid2d_bench.c -lm
    results=$(mktemp)
    trap 'rm -f "$results"' EXIT
    for round in 1 2 3; do
      for size in $sizes; do
        w=${size%x*} res=${size#*x}
        c=$("$SCRATCH/bench/grid2d_bench" "$scans" "$w" "$res" bresenham naive 0.3 5 | grep -o "ms/scan median [0-9.]*" | head -1 | awk '{print $3}')
        ours=$("$sightline" bench grid --scans "$scans" --size "$w" --resolution "$res" | tail -1 | cut -d= -f2)
        perpoint=$("$sightline" bench grid --scans "$scans" --size "$w" --resolution "$res" --rays per-point | tail -1 | cut -d= -f2)
        echo "grid $size $c $ours $perpoint" >>"$results"
        python3 -c "print(f'round $round $size: C baseline {$c:.2f} ms/scan, Sightline polar {$ours:.2f} ms ({$c/$ours:.2f}x), per-point {$perpoint:.2f} ms ({$c/$perpoint:.2f}x)')"
      done
    done
    # OctoMap (shared/bench/octomap_bench.cpp): insertPointCloud into a 3-D octree at 0.2 m,
    # max range 50 m (the half-width of both 2-D windows), every point including the ground,
    # each voxel updated at most once per scan. Sightline updates a 2-D rolling window and
    # skips the ground, so this is a throughput anchor against the standard mapping library,
    # not a like-for-like comparison; the closest Sightline figure is 500x0.2 (same cell size).
    # OctoMap takes 0.4-1 s per scan, so it runs once, on the first OCTOMAP_SCANS scans (the
    # generator is deterministic, so they are the first scans of the full file), and Sightline
    # runs again on that same file for the ratio.
    if [ "$octomap_scans" -gt 0 ] && ensure_octomap; then
      octomap_bench=$SCRATCH/bench/octomap_bench
      if [ ! -x "$octomap_bench" ] || [ ../shared/bench/octomap_bench.cpp -nt "$octomap_bench" ]; then
        g++ -O2 -std=c++17 ../shared/bench/octomap_bench.cpp -o "$octomap_bench" -loctomap -loctomath
      fi
      subset=$scans
      if [ "$octomap_scans" -lt 100 ]; then
        subset=$SCRATCH/bench/$scene-$octomap_scans.bin
        [ -f "$subset" ] || .venv/bin/python "${gen[@]}" --scans "$octomap_scans" "$subset"
      fi
      echo "== OctoMap, $subset: 3-D octree at 0.2 m, max range 50 m =="
      octo=$("$octomap_bench" "$subset" 0.2 50)
      echo "$octo"
      octo=$(grep -o "ms/scan median [0-9.]*" <<<"$octo" | head -1 | awk '{print $3}')
      for size in $sizes; do
        w=${size%x*} res=${size#*x}
        ours=$("$sightline" bench grid --scans "$subset" --size "$w" --resolution "$res" | tail -1 | cut -d= -f2)
        echo "octomap $size $octo $ours" >>"$results"
        python3 -c "print(f'OctoMap ms/scan {$octo:.1f} on $octomap_scans scans; Sightline polar $size {$ours:.2f} ms; ratio OctoMap/Sightline {$octo/$ours:.0f}x')"
      done
    fi
    python3 - "$scene" "$octomap_scans" "$results" <<'PY'
import statistics, sys
scene, octomap_scans, path = sys.argv[1], sys.argv[2], sys.argv[3]
grid, octomap = {}, []
for line in open(path):
    kind, size, *v = line.split()
    if kind == "grid":
        grid.setdefault(size, []).append(tuple(map(float, v)))
    else:
        octomap.append((size, float(v[0]), float(v[1])))
parts = []
for size, runs in grid.items():
    c = statistics.median(r[0] for r in runs)
    ours = statistics.median(r[1] for r in runs)
    ratio = statistics.median(r[0] / r[1] for r in runs)
    parts.append(f"{size}: C {c:.2f} ms, Sightline {ours:.2f} ms, ratio {ratio:.2f}x")
if octomap:
    vs = ", ".join(f"ratio {o / s:.0f}x vs Sightline {size} ({s:.2f} ms)" for size, o, s in octomap)
    parts.append(f"OctoMap 3-D 0.2 m ({octomap_scans} scans): {octomap[0][1]:.1f} ms, {vs}")
else:
    parts.append("OctoMap: skipped")
print(f"grid {scene} " + "; ".join(parts))
PY
    ;;
  record)
    # Recording size and CPU cost, uncompressed chunks against zstd, on a drive or a capture.
    drive=${2:-Replay/blind-intersection}
    build_sightline
    python3 Tools/bench/record_size.py "$sightline" "$drive" "${ROUNDS:-3}"
    ;;
  compare)
    # Before and after a change, interleaved in rounds: the decode ratio, the grid ratio and
    # the whole-frame p50/p99 of a baseline binary (built from the commit before the change,
    # e.g. in a git worktree) and of this checkout's release build.
    before=${2:?usage: run.sh compare BEFORE_BINARY [CAPTURE]}
    capture=${3:-../shared/data/lidar/vls128-strongest.pcap}
    build_sightline
    mkdir -p "$SCRATCH/bench"
    scans=$SCRATCH/bench/street.bin
    if [ ! -f "$scans" ]; then
      .venv/bin/python -c "import numpy" 2>/dev/null || .venv/bin/pip install -q numpy
      .venv/bin/python ../shared/bench/gen_street_scans.py "$scans"
    fi
    gcc -O2 -o "$SCRATCH/bench/grid2d_bench" ../shared/bench/grid2d_bench.c -lm
    python3 Tools/bench/before_after.py "$before" "$sightline" "$capture" "$scans" \
      "$SCRATCH/bench/grid2d_bench" "${ROUNDS:-3}"
    ;;
  frame)
    # One whole frame (decode, sweep, grid, publish) per call, on core 0, with the malloc
    # counter preloaded; the command's last line is ms_per_frame_p50=<x> ms_per_frame_p99=<y>.
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    build_sightline
    build_malloc_count
    echo "== sightline bench frame, $capture (core 0, malloc counter preloaded) =="
    LD_PRELOAD=$malloc_count taskset -c 0 "$sightline" bench frame "$capture"
    ;;
  rig)
    # A roof VLS-128 with two corner VLP-16s (Replay/rig) against the VLS-128 alone on the same
    # drive, interleaved in rounds on core 0; each line ends ms_per_frame_p50=<x> ms_per_frame_p99=<y>.
    build_sightline
    [ -f Replay/rig/rig.pcap ] || Tools/scenario/check_rig.sh >/dev/null
    for round in $(seq "${ROUNDS:-3}"); do
      echo "== round $round: roof + front-left + front-right =="
      taskset -c 0 "$sightline" bench frame Replay/rig --repeat 10 | tail -2
      echo "== round $round: roof alone (--only-sensor roof) =="
      taskset -c 0 "$sightline" bench frame Replay/rig --repeat 10 --only-sensor roof | tail -2
    done
    ;;
  subscribers)
    # The frame loop with no subscriber, one that reads and one that never reads (TCP, SNDHWM
    # 4), interleaved in rounds; the last line gives the p50 ratios against no subscriber.
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    build_sightline
    echo "== sightline bench subscribers, $capture (3 rounds of 25 passes per case) =="
    "$sightline" bench subscribers "$capture" --repeat 25 --rounds 3
    ;;
  foxglove)
    # The frame loop serving Foxglove with no client, one that reads and decodes every message
    # and one that never reads (4 KiB receive buffer), interleaved in rounds; besides the frame
    # times, what the server held for the client and the resident memory. The last line gives
    # the p50 ratios, stalled against reading last.
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    build_sightline
    echo "== sightline bench foxglove, $capture (3 rounds of 25 passes per case) =="
    "$sightline" bench foxglove "$capture" --repeat 25 --rounds 3
    ;;
  budget)
    # The enforced frame budget under contention: a busy loop pinned to core 1 (the other core
    # on the 2-core target) for the whole run, Sightline pinned to core 0; the command prints
    # the distribution of budget overruns.
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    budget=${3:-5}
    agents=${4:-256}
    build_sightline
    Tools/bench/load_other_core.sh 1 &
    load=$!
    trap 'kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true' EXIT
    sleep 0.5
    kill -0 "$load" 2>/dev/null || { echo "budget: the load on core 1 did not start" >&2; exit 1; }
    echo "== sightline bench budget, $capture, budget $budget ms, $agents V2X cars (core 0, busy load on core 1) =="
    taskset -c 0 "$sightline" bench budget "$capture" --frames 10000 --budget-ms "$budget" \
      --agents "$agents"
    ;;
  units)
    build_sightline
    shared=../shared/data/lidar
    echo "== sightline bench units (core 0): VLP-16 x2, HDL-32E, VLS-128, without and with 64 V2X cars =="
    taskset -c 0 "$sightline" bench units Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap \
      "$shared/vlp16-dual.pcap" "$shared/hdl32e-strongest-gps.pcap" "$shared/vls128-strongest.pcap" \
      --repeat 8 --agents 64
    ;;
  load)
    seconds=${2:-60}
    build_sightline
    echo "== load: V2X flood at 100000/s beside VLS-128-rate LiDAR, $seconds s =="
    .venv/bin/python Tools/oracle/load_run.py "$sightline" \
      ../shared/data/lidar/vls128-strongest.pcap "$seconds"
    ;;
  latency)
    # A capture sent over loopback UDP at its own rate (looped, restamped) into a live run, the
    # sender, the run and a ZeroMQ subscriber in one process on one clock; each frame's latency
    # runs from the send of its sweep's last packet to its arrival. Both captures unpinned: the
    # run's ingest and frame threads share the 2 cores with the sender and the subscriber.
    seconds=${LATENCY_SECONDS:-15}
    if [ $# -ge 2 ]; then
      captures=("$2")
    else
      captures=(Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap ../shared/data/lidar/vls128-strongest.pcap)
    fi
    build_sightline
    summary=()
    for capture in "${captures[@]}"; do
      echo "== sightline bench latency, $capture ($seconds s) =="
      out=$("$sightline" bench latency "$capture" --seconds "$seconds")
      echo "$out"
      summary+=("$(basename "$capture"): $(grep '^e2e_ms frames=' <<<"$out")")
    done
    echo "== latency, both =="
    printf '%s\n' "${summary[@]}"
    ;;
  *)
    echo "usage: $0 decode [CAPTURE] | v2x [VECTORS] | grid [street|open] [both|1000|500|WxRES] | subscribers [CAPTURE]" >&2
    echo "       | foxglove [CAPTURE]" >&2
    echo "       | frame [CAPTURE] | budget [CAPTURE] [BUDGET_MS] [AGENTS] | units | load [SECONDS]" >&2
    echo "       | latency [CAPTURE]" >&2
    exit 2
    ;;
esac
