#!/usr/bin/env bash
# Benchmarks, side by side in one command so that the ratios hold on a noisy machine.
#   Tools/bench/run.sh decode [CAPTURE]   Sightline vs velodyne-decoder's stream API
#   Tools/bench/run.sh v2x [VECTORS]      BSM decodes per second on one core, allocations
#   Tools/bench/run.sh grid [street|open]   grid update vs the naive C baseline, same scans
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
  grid)
    scene=${2:-street}
    swift build -c release --product sightline >/dev/null
    mkdir -p .build/bench
    scans=.build/bench/$scene.bin
    if [ ! -f "$scans" ]; then
      .venv/bin/python -c "import numpy" 2>/dev/null || .venv/bin/pip install -q numpy
      if [ "$scene" = open ]; then
        .venv/bin/python ../shared/bench/gen_street_scans.py --half-width 40 --columns 2400 "$scans"
      else
        .venv/bin/python ../shared/bench/gen_street_scans.py "$scans"
      fi
    fi
    gcc -O2 -o .build/bench/grid2d_bench ../shared/bench/grid2d_bench.c -lm
    for round in 1 2 3; do
      c=$(.build/bench/grid2d_bench "$scans" 1000 0.1 bresenham naive 0.3 5 | grep -o "ms/scan median [0-9.]*" | head -1 | awk '{print $3}')
      ours=$(.build/release/sightline bench grid --scans "$scans" | tail -1 | cut -d= -f2)
      perpoint=$(.build/release/sightline bench grid --scans "$scans" --rays per-point | tail -1 | cut -d= -f2)
      python3 -c "print(f'round $round: C baseline {float(\"$c\"):.2f} ms/scan, Sightline polar {float(\"$ours\"):.2f} ms ({float(\"$c\")/float(\"$ours\"):.2f}x), per-point {float(\"$perpoint\"):.2f} ms ({float(\"$c\")/float(\"$perpoint\"):.2f}x)')"
    done
    ;;
  *) echo "usage: $0 decode [CAPTURE] | v2x [VECTORS] | grid [street|open]" >&2; exit 2 ;;
esac
