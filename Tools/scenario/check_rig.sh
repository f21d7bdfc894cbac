#!/usr/bin/env bash
# Holds the rig drive's generation deterministic: regenerates Replay/rig into a scratch folder
# and compares its capture's sha256 with Replay/rig/rig.pcap.sha256 (the capture, about 44 MB,
# is not committed) and every committed file with the one written now. Prints one line per
# check, then "N passed, N failed" (make test counts it).
#   Tools/scenario/check_rig.sh [SIGHTLINE-SCENARIO]   default: builds the release one
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
generator=${1:-}
if [ -z "$generator" ]; then
  swift build -c release --product sightline-scenario >/dev/null || {
    echo "FAIL sightline-scenario builds"
    echo "0 passed, 1 failed"
    exit 1
  }
  generator=.build/release/sightline-scenario
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
check() {
  if [ "$2" = ok ]; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1${3:+: $3}"
  fi
}
if "$generator" Replay/rig/scenario.toml "$scratch" >"$scratch/log" 2>&1; then
  check "rig: generates" ok
else
  check "rig: generates" fail "$(tail -3 "$scratch/log")"
fi
expected=$(cut -d' ' -f1 Replay/rig/rig.pcap.sha256)
found=$(cd "$scratch" && sha256sum rig.pcap 2>/dev/null | cut -d' ' -f1)
[ -n "$found" ] && [ "$found" = "$expected" ] && verdict=ok || verdict=fail
check "rig: rig.pcap's sha256 is Replay/rig/rig.pcap.sha256's" $verdict "$found, not $expected"
# The capture the drive replays (tests read Replay/rig): this one, once it is the right one.
if [ "$verdict" = ok ] && ! cmp -s "$scratch/rig.pcap" Replay/rig/rig.pcap; then
  cp "$scratch/rig.pcap" Replay/rig/rig.pcap
fi
# The capture itself: one pcap, records in time order, every sensor on its own port.
order=$(python3 - "$scratch/rig.pcap" <<'PY' 2>&1
import collections, struct, sys
with open(sys.argv[1], "rb") as f:
    f.read(24)
    last, ordered, ports = 0, True, collections.Counter()
    while len(header := f.read(16)) == 16:
        seconds, fraction, length, _ = struct.unpack("<IIII", header)
        frame = f.read(length)
        time = seconds * 10**9 + fraction
        ordered, last = ordered and time >= last, time
        ports[struct.unpack(">H", frame[36:38])[0]] += 1
print("ordered" if ordered else "out of order", dict(sorted(ports.items())))
PY
)
[ "$order" = "ordered {2368: 28125, 2369: 3391, 2370: 3391, 8308: 45}" ] && verdict=ok || verdict=fail
check "rig: records in time order, 2368 (VLS-128), 2369 and 2370 (VLP-16), 8308 (GPRMC)" \
  $verdict "$order"
for file in truth.jsonl v2x.jsonl pose.jsonl README.md; do
  cmp -s "Replay/rig/$file" "$scratch/$file" && verdict=ok || verdict=fail
  check "rig: $file is the committed one" $verdict
done
# drive.toml: as written, before the [expect] digest regenerate.sh records.
sed '/^\[expect\]/,$d' Replay/rig/drive.toml | cmp -s - "$scratch/drive.toml" && verdict=ok ||
  verdict=fail
check "rig: drive.toml is the committed one (up to its [expect])" $verdict
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
