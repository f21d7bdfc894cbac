#!/usr/bin/env bash
# The main job (`make demo`): replays the bundled blind-intersection drive (synthetic, with
# ground truth) through the whole pipeline and shows the frames exactly as a separate
# subscriber process received them, then the replay's summary; records the run as MCAP (opens
# in Foxglove), draws its frames as PNG pictures, and scores the drive against its truth.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

swift build -c release --product sightline
bin=.build/release/sightline
drive=${SIGHTLINE_DRIVE:-Replay/blind-intersection}
endpoint=${SIGHTLINE_ENDPOINT:-tcp://127.0.0.1:5560}
out=.build/demo
rm -rf "$out" && mkdir -p "$out"

echo "== subscriber (sightline sub --connect $endpoint) =="
"$bin" sub --connect "$endpoint" --idle-timeout 30 --picture >"$out/subscriber.log" 2>&1 &
subscriber=$!
# The replay waits for the subscriber's subscription before it sends the first frame.
status=0
"$bin" replay "$drive" --config Config/sightline.toml --publish "$endpoint" \
  --wait-subscribers 1 --record "$out/drive.mcap" --digest >"$out/replay.log" 2>&1 || status=$?
wait "$subscriber" || true
# Every tenth frame line, the agents of the last frame, the summary and the grid as text.
grep -E "^seq=[0-9]*0 " "$out/subscriber.log" || true
sed -n '/^received /,$p' "$out/subscriber.log"
echo
echo "== replay (sightline replay $drive) =="
cat "$out/replay.log"
echo
echo "== pictures (sightline render --recording $out/drive.mcap --every 10 --legend) =="
"$bin" render --recording "$out/drive.mcap" --every 10 --legend --out "$out/pictures" || status=$?
echo
echo "== evaluation against the ground truth (sightline eval $drive) =="
"$bin" eval "$drive" --config Config/sightline.toml --out "$out/eval" \
  --html "$out/eval/report.html" || status=$?
echo
echo "the recording opens in Foxglove (grid, agents, map): $PWD/$out/drive.mcap"
echo "the last frame's picture: $PWD/$out/pictures/$(ls "$out/pictures" | tail -1)"
echo "the evaluation plots: $PWD/$out/eval/time-advantage.svg $PWD/$out/eval/error-vs-latency.svg"
echo "the evaluation report (open in a browser): $PWD/$out/eval/report.html"
exit "$status"
