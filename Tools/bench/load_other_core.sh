#!/usr/bin/env bash
# Busy load pinned to one core, so a benchmark pinned to another core runs beside a noisy
# neighbour (shared caches, memory bandwidth, interrupts) as on the target. Runs until it is
# killed with TERM (INT and HUP too when it was not started with & from a script, which
# ignores INT); its busy loops die with it.
#   Tools/bench/load_other_core.sh [CORE=1] [cpu|mem] [WORKERS=1]
#     cpu: a shell spin loop (pure CPU);  mem: Python copying a 64 MB buffer over and over
#     (CPU plus memory traffic through the shared last-level cache).
# Used by `Tools/bench/run.sh budget` as: Tools/bench/load_other_core.sh 1 & ... kill $!
set -euo pipefail

core=${1:-1}
kind=${2:-cpu}
workers=${3:-1}
cores=$(nproc --all)
if [ "$core" -ge "$cores" ]; then
  echo "load_other_core: core $core does not exist ($cores cores); no load started" >&2
  exit 1
fi

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 0' TERM INT HUP

for ((i = 0; i < workers; i++)); do
  case "$kind" in
    cpu) taskset -c "$core" bash -c 'while :; do :; done' & ;;
    mem) taskset -c "$core" python3 -c '
a = bytearray(64 << 20); b = bytearray(64 << 20)
while True:
    b[:] = a
' & ;;
    *) echo "load_other_core: kind is cpu or mem, not $kind" >&2; exit 2 ;;
  esac
  pids+=($!)
done
echo "load_other_core: $workers $kind busy loop(s) on core $core (pids ${pids[*]})" >&2
# wait returns as soon as a trapped signal arrives, then the EXIT trap kills the loops.
wait
