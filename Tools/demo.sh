#!/usr/bin/env bash
# The main job (`make demo`): replays the bundled drive through the whole pipeline and shows the
# frames exactly as a separate subscriber process received them, then the replay's summary,
# records the run as MCAP (opens in Foxglove) and draws its frames as PNG pictures.
set -euo pipefail
cd "$(dirname "$0")/.."
Tools/setup.sh
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

swift build -c release --product sightline
bin=.build/release/sightline
capture=Replay/vlp16-strongest-gps/vlp16-strongest-gps.pcap
endpoint=${SIGHTLINE_ENDPOINT:-tcp://127.0.0.1:5560}

echo "== subscriber (sightline sub --connect $endpoint) =="
"$bin" sub --connect "$endpoint" --idle-timeout 30 --picture &
subscriber=$!
# The replay waits for the subscriber's subscription before it sends the first frame.
replay_log=$(mktemp)
status=0
mkdir -p .build/demo
recording=.build/demo/vlp16-strongest-gps.mcap
"$bin" replay --lidar "$capture" --v2x Replay/vlp16-strongest-gps/v2x-real-bsm.jsonl \
  --config Config/sightline.toml --publish "$endpoint" --wait-subscribers 1 \
  --record "$recording" >"$replay_log" 2>&1 || status=$?
wait "$subscriber" || true
echo
echo "== replay (sightline replay --lidar $capture) =="
cat "$replay_log"
rm -f "$replay_log"
echo
echo "== pictures (sightline render --recording $recording) =="
rm -rf .build/demo-pictures
"$bin" render --recording "$recording" --out .build/demo-pictures || status=$?
echo "the recording opens in Foxglove (grid, agents, map): $PWD/$recording"
echo "open the last frame's picture: $PWD/.build/demo-pictures/$(ls .build/demo-pictures | tail -1)"
exit "$status"
