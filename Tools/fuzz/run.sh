#!/usr/bin/env bash
# libFuzzer harnesses for Sightline's parsers (README.md beside this file).
#   Tools/fuzz/run.sh build                      build the harnesses (instrumented, ASan)
#   Tools/fuzz/run.sh ci                         build, replay every regression file, then a
#                                                short fixed run of each harness; prints
#                                                "N passed, N failed"
#   Tools/fuzz/run.sh long [TARGET|all] [RUNS]   RUNS executions (default 10,000,000) per
#                                                target; a line per target in RESULTS.md
#   Tools/fuzz/run.sh repro TARGET FILE...       run inputs once (ASan prints the stack)
#   Tools/fuzz/run.sh minimize TARGET CRASH [NAME]
#                                                minimise a crash into regressions/TARGET/NAME
#   Tools/fuzz/run.sh seed                       seeds from shared data into seeds/ (seed.py)
# TARGET is v2x, velodyne, ouster, hesai, datagram, config, backtest, scenario or pose.
# Environment: SIGHTLINE_SHARED (shared data, default <project root>/../shared), FUZZ_SANITIZE
# (address, or none for a build without ASan, in .build-none), FUZZ_SCRATCH (build folder,
# default Tools/fuzz/.build), FUZZ_CI_SCALE (multiplies the ci run counts), FUZZ_SEED (ci's
# seed, 1), FUZZ_MAX_CRASHES (crashes a long run collects per target, 5).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
export SIGHTLINE_SHARED=${SIGHTLINE_SHARED:-$ROOT/../shared}
SANITIZE=${FUZZ_SANITIZE:-address}
SCRATCH=${FUZZ_SCRATCH:-$HERE/.build$([[ $SANITIZE == address ]] || echo "-$SANITIZE")}
# The Swift runtime's backtracer reads memory behind ASan's back (ASan then aborts it, leaving
# its helper process hanging) and slows every crash down; the sanitizer prints a symbolised
# stack anyway, and Swift still prints a precondition's message.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

TARGETS=(v2x velodyne ouster hesai datagram config backtest scenario pose)
declare -A BINARY=([v2x]=FuzzV2X [velodyne]=FuzzVelodyne [ouster]=FuzzOuster [hesai]=FuzzHesai [datagram]=FuzzDatagram [config]=FuzzConfig [backtest]=FuzzBacktest [scenario]=FuzzScenario [pose]=FuzzPose)
declare -A MAX_LEN=([v2x]=1500 [velodyne]=1300 [ouster]=16700 [hesai]=4096 [datagram]=9000 [config]=4096 [backtest]=8192 [scenario]=8192 [pose]=1024)
# ci: about 20-40 s each on one core of the 2-core machine (ASan build).
declare -A CI_RUNS=([v2x]=1000000 [velodyne]=800000 [ouster]=200000 [hesai]=150000 [datagram]=200000 [config]=150000 [backtest]=20000 [scenario]=60000 [pose]=200000)
declare -A LEAKS=([v2x]=1 [velodyne]=1 [ouster]=1 [hesai]=1 [datagram]=1 [config]=1 [backtest]=1 [scenario]=1 [pose]=1)
# `long` restarts a harness every CHUNK runs (a fresh process, so slow growth cannot pile up).
declare -A CHUNK=([v2x]=5000000 [velodyne]=5000000 [ouster]=2000000 [hesai]=5000000 [datagram]=2000000 [config]=2000000 [backtest]=2000000 [scenario]=2000000 [pose]=5000000)
declare -A ASAN=([v2x]= [velodyne]= [ouster]= [hesai]= [datagram]= [config]= [backtest]= [scenario]= [pose]=)
MAX_CRASHES=${FUZZ_MAX_CRASHES:-5}

die() { echo "fuzz: $*" >&2; exit 1; }
known() { [[ -n ${BINARY[$1]:-} ]] || die "unknown target '$1' (${TARGETS[*]})"; }
binary() { echo "$SCRATCH/release/${BINARY[$1]}"; }

flags() {
  local sanitizers=fuzzer
  [[ $SANITIZE == address ]] && sanitizers=fuzzer,address
  local clang=fuzzer-no-link
  [[ $SANITIZE == address ]] && clang=fuzzer-no-link,address
  # -sanitize=fuzzer on every Swift module (the project's and its dependencies') adds libFuzzer's
  # coverage counters and links libFuzzer; -fsanitize=fuzzer-no-link does the same for C/C++
  # (the C shims of dependencies). -assert-config Debug keeps the standard library's debug preconditions
  # (bounds checks of Unsafe*BufferPointer subscripts) on in the optimised build.
  echo -Xswiftc "-sanitize=$sanitizers" -Xswiftc -assert-config -Xswiftc Debug \
    -Xcc "-fsanitize=$clang"
}

build() {
  local log
  # shellcheck disable=SC2046
  log=$(cd "$HERE" && nice -n 10 swift build -c release --package-path "$HERE" \
    --scratch-path "$SCRATCH" $(flags) 2>&1) || {
    echo "$log" >&2
    echo "fuzz: swift build failed" >&2
    return 1
  }
  for target in "${TARGETS[@]}"; do
    [[ -x $(binary "$target") ]] || { echo "fuzz: no $(binary "$target")" >&2; return 1; }
  done
}

# Common libFuzzer options for TARGET.
options() {
  local target=$1 dict="$HERE/dict/$1.dict"
  echo -max_len="${MAX_LEN[$target]}" -rss_limit_mb=2048 -timeout=10 \
    -detect_leaks="${LEAKS[$target]}"
  [[ -f $dict ]] && echo -dict="$dict"
  return 0
}

# Existing input folders for TARGET, in the order libFuzzer should read them.
inputs() {
  local target=$1 folder
  for folder in "$HERE/corpus/$target" "$HERE/seeds/$target" "$HERE/regressions/$target"; do
    [[ -d $folder ]] && echo "$folder"
  done
  return 0
}

regression_files() {
  [[ -d $HERE/regressions/$1 ]] || return 0
  find "$HERE/regressions/$1" -type f ! -name '.*' ! -name '*.md' | sort
}

ci() {
  local started passed=0 failed=0 target file log rc runs work
  started=$(date +%s)
  build || { echo "0 passed, 1 failed"; return 1; }
  work=$(mktemp -d)
  CI_WORK=$work
  trap 'rm -rf "$CI_WORK"' EXIT
  for target in "${TARGETS[@]}"; do
    # One test per regression file: it must run through without a crash.
    while IFS= read -r file; do
      [[ -n $file ]] || continue
      # shellcheck disable=SC2046
      if ASAN_OPTIONS=${ASAN[$target]} nice -n 10 "$(binary "$target")" $(options "$target") \
        -runs=1 "$file" >"$work/replay.log" 2>&1; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        echo "FAIL $target regression ${file#"$HERE"/}" >&2
        tail -n 40 "$work/replay.log" >&2
      fi
    done < <(regression_files "$target")

    # One test per harness: a fixed number of runs from the committed corpus.
    runs=$((CI_RUNS[$target] * ${FUZZ_CI_SCALE:-1}))
    mkdir -p "$work/$target" "$work/artifacts"
    log="$work/$target.log"
    rc=0
    # shellcheck disable=SC2046
    ASAN_OPTIONS=${ASAN[$target]} nice -n 10 "$(binary "$target")" $(options "$target") \
      -runs="$runs" -seed="${FUZZ_SEED:-1}" \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/$target-" \
      "$work/$target" $(inputs "$target" | grep -v /seeds/) >"$log" 2>&1 || rc=$?
    if [[ $rc -eq 0 ]] && ! compgen -G "$work/artifacts/$target-*" >/dev/null; then
      passed=$((passed + 1))
      echo "ok   $target: $(summary "$log")"
    else
      failed=$((failed + 1))
      echo "FAIL $target (exit $rc)" >&2
      grep -v '^#' "$log" | tail -n 60 >&2
      for file in "$work"/artifacts/"$target"-*; do
        [[ -f $file ]] || continue
        mkdir -p "$HERE/artifacts"
        cp "$file" "$HERE/artifacts/"
        echo "     input kept: Tools/fuzz/artifacts/$(basename "$file")" >&2
      done
    fi
  done
  echo "fuzz: ci took $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

# "N runs, N exec/s, cov: N ft: N" from a libFuzzer log.
summary() {
  local log=$1 runs rate line
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  line=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -n 1)
  echo "${runs:-?} runs, ${rate:-?} exec/s, ${line:-cov: ? ft: ?}"
}

long() {
  local which=${1:-all} runs=${2:-10000000} target
  if [[ $which == all ]]; then set -- "${TARGETS[@]}"; else known "$which"; set -- "$which"; fi
  build || exit 1
  if [[ ! -d $HERE/seeds && -d $SIGHTLINE_SHARED/data ]]; then python3 "$HERE/seed.py"; fi
  for target in "$@"; do long_one "$target" "$runs"; done
}

long_one() {
  local target=$1 runs=$2 work="$HERE/work/$1" artifacts="$HERE/artifacts/$1"
  local log="$HERE/work/$1.log" started seconds rc executed=0 rates=() cov ft crashes before
  local chunk part status="" n line
  mkdir -p "$work" "$artifacts"
  : >"$log"
  before=$(find "$artifacts" -type f | wc -l)
  echo "fuzz: $target: $runs runs (log: ${log#"$HERE"/})"
  started=$(date +%s)
  # In chunks: a new process per chunk frees whatever the code under test keeps, and a
  # crash ends only its chunk (up to MAX_CRASHES), so one run can collect several bugs.
  while [[ $executed -lt $runs ]]; do
    chunk=$((runs - executed < CHUNK[$target] ? runs - executed : CHUNK[$target]))
    rc=0
    # shellcheck disable=SC2046
    ASAN_OPTIONS=${ASAN[$target]} nice -n 10 "$(binary "$target")" $(options "$target") \
      -runs="$chunk" -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" \
      $(inputs "$target") >"$log.part" 2>&1 || rc=$?
    cat "$log.part" >>"$log"
    part=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log.part" | tail -n 1)
    executed=$((executed + ${part:-0}))
    line=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log.part" | tail -n 1)
    [[ -n $line ]] && rates+=("$line")
    if [[ $rc -ne 0 ]]; then
      n=$(($(find "$artifacts" -type f | wc -l) - before))
      status="exit $rc"
      echo "fuzz: $target: chunk ended with exit $rc after ${part:-?} runs ($n new artifacts)"
      grep -E 'Assertion|Fatal error|Precondition failed|runtime failure|ERROR: (Address|Leak)Sanitizer|SUMMARY' \
        "$log.part" | head -n 5 || true  # none (stopped from outside): not a reason to stop here
      [[ $n -lt $MAX_CRASHES && ${part:-0} -gt 0 ]] || break
    fi
  done
  rm -f "$log.part"
  seconds=$(($(date +%s) - started))
  cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]*' | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -E '^#[0-9]+' "$log" | grep -o 'ft: [0-9]*' | tail -n 1 | cut -d' ' -f2)
  crashes=$(($(find "$artifacts" -type f | wc -l) - before))
  [[ -n $status && $crashes -eq 0 ]] && crashes=$status
  local rate=$((seconds > 0 ? executed / seconds : executed))
  [[ -f $HERE/RESULTS.md ]] || printf '%s\n\n%s\n%s\n' "# Fuzzing results" \
    "| date (UTC) | target | executions | seconds | exec/s | cov / ft | crashes |" \
    "| --- | --- | --- | --- | --- | --- | --- |" >"$HERE/RESULTS.md"
  echo "| $(date -u +%Y-%m-%dT%H:%MZ) | $target | $executed | $seconds | $rate |" \
    "${cov:-?} / ${ft:-?} | $crashes |" >>"$HERE/RESULTS.md"
  echo "fuzz: $target: $executed runs in $seconds s, $rate exec/s, cov ${cov:-?} ft ${ft:-?}," \
    "crashes: $crashes"
  if [[ $crashes != 0 ]]; then
    echo "fuzz: inputs in Tools/fuzz/artifacts/$target/; minimise one with:"
    echo "      Tools/fuzz/run.sh minimize $target Tools/fuzz/artifacts/$target/<file> <name>"
  fi
}

repro() {
  local target=$1
  shift
  known "$target"
  [[ -x $(binary "$target") ]] || build || exit 1
  # shellcheck disable=SC2046
  ASAN_OPTIONS=${ASAN[$target]} "$(binary "$target")" $(options "$target") -runs=1 "$@"
}

minimize() {
  local target=$1 crash=$2 name=${3:-} out
  known "$target"
  [[ -f $crash ]] || die "no such file: $crash"
  [[ -x $(binary "$target") ]] || build || exit 1
  mkdir -p "$HERE/regressions/$target"
  out="$HERE/regressions/$target/${name:-$(basename "$crash")}"
  # shellcheck disable=SC2046
  ASAN_OPTIONS=${ASAN[$target]} nice -n 10 "$(binary "$target")" $(options "$target") \
    -minimize_crash=1 -runs=200000 \
    -exact_artifact_path="$out" "$crash" || true
  # libFuzzer leaves nothing (or an empty file) when it cannot make the input smaller.
  [[ -s $out ]] || cp "$crash" "$out"
  echo "fuzz: $(wc -c <"$out") bytes in ${out#"$HERE"/}"
}

case ${1:-} in
  build) build || exit 1 ;;
  ci) ci ;;
  long) shift; long "$@" ;;
  repro) shift; [[ $# -ge 2 ]] || die "usage: run.sh repro TARGET FILE..."; repro "$@" ;;
  minimize) shift; [[ $# -ge 2 ]] || die "usage: run.sh minimize TARGET CRASH [NAME]"; minimize "$@" ;;
  seed) python3 "$HERE/seed.py" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
