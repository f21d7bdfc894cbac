#!/usr/bin/env bash
# Regenerates the synthetic drives in Replay/ (the same bytes every time) and records each
# drive's replay digest in its drive.toml, so that `make test` can hold replays bit-identical.
#   Tools/scenario/regenerate.sh [NAME ...]     default: every Replay/*/scenario.toml
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product sightline-scenario
swift build -c release --product sightline
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  # Drives whose capture others reuse ([lidar] from) come first.
  for file in Replay/*/scenario.toml; do
    grep -q '^from = ' "$file" || names+=("$(basename "$(dirname "$file")")")
  done
  for file in Replay/*/scenario.toml; do
    grep -q '^from = ' "$file" && names+=("$(basename "$(dirname "$file")")")
  done
fi
for name in "${names[@]}"; do
  .build/release/sightline-scenario "Replay/$name/scenario.toml"
  digest=$(.build/release/sightline replay "Replay/$name" --publish "inproc://regenerate" --digest \
    | sed -n 's/^digest=//p')
  printf '[expect]\n# sightline replay DRIVE --digest must print this (bit-identical replays).\ndigest = "%s"\n' \
    "$digest" >>"Replay/$name/drive.toml"
  echo "$name: digest=$digest"
done
