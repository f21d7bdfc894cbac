#!/usr/bin/env bash
# Benchmarks, side by side in one command so that the ratios hold on a noisy machine.
#   Tools/bench/run.sh decode [CAPTURE]   Sightline vs velodyne-decoder's stream API
#   Tools/bench/run.sh v2x [VECTORS]      BSM decodes per second on one core, allocations
# Results are appended to Tools/bench/RESULTS.md by hand after a run (see there).
set -euo pipefail
cd "$(dirname "$0")/../.."
Tools/setup.sh --test
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

what=${1:-decode}
case "$what" in
  decode)
    capture=${2:-../shared/data/lidar/vls128-strongest.pcap}
    swift build -c release --product sightline >/dev/null
    gcc -O2 -shared -fPIC -o .build/malloc_count.so Tools/bench/malloc_count.c -ldl
    echo "== velodyne-decoder $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("velodyne-decoder"))') stream API, $capture =="
    peer=$(.venv/bin/python Tools/bench/velodyne_decoder_stream.py "$capture" 20 | tee /dev/stderr | tail -1)
    echo "== sightline bench decode, $capture (malloc counter preloaded) =="
    ours=$(LD_PRELOAD=$PWD/.build/malloc_count.so .build/release/sightline bench decode "$capture" --repeat 20 | tee /dev/stderr | tail -1)
    python3 - "$peer" "$ours" <<'PY'
import sys
peer = int(sys.argv[1].split("=")[1]); ours = int(sys.argv[2].split("=")[1])
print(f"ratio sightline/velodyne-decoder = {ours / peer:.2f}x ({ours / 1e6:.1f} vs {peer / 1e6:.1f} M points/s)")
PY
    ;;
  v2x)
    vectors=${2:-Tests/SightlineV2XTests/Fixtures/bsm-real.jsonl}
    swift build -c release --product sightline >/dev/null
    gcc -O2 -shared -fPIC -o .build/malloc_count.so Tools/bench/malloc_count.c -ldl
    echo "== sightline bench v2x, $vectors (locate + decode, malloc counter preloaded) =="
    LD_PRELOAD=$PWD/.build/malloc_count.so taskset -c 0 .build/release/sightline bench v2x "$vectors"
    ;;
  *) echo "usage: $0 decode [CAPTURE] | v2x [VECTORS]" >&2; exit 2 ;;
esac
