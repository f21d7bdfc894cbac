#!/usr/bin/env bash
# Regenerates the synthetic drives in Replay/ (the same bytes every time) and records each
# drive's replay digest in its drive.toml, so that `make test` can hold replays bit-identical.
#   Tools/scenario/regenerate.sh [NAME ...]     default: every Replay/*/scenario.toml
# A rig's drive ([[lidar.sensor]]; Replay/rig) has a capture too big to commit: its sha256 is
# recorded in <name>.pcap.sha256 instead (Tools/scenario/check_rig.sh holds it and writes the
# capture before the tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product sightline-scenario
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
built=no
for name in "${names[@]}"; do
  .build/release/sightline-scenario "Replay/$name/scenario.toml"
  if grep -q '^\[\[lidar\.sensor\]\]' "Replay/$name/scenario.toml"; then
    (cd "Replay/$name" && sha256sum "$name.pcap" >"$name.pcap.sha256")
    echo "$name: $(cat "Replay/$name/$name.pcap.sha256")"
  fi
  if [ "$built" = no ]; then
    swift build -c release --product sightline
    built=yes
  fi
  digest=$(.build/release/sightline replay "Replay/$name" --publish "inproc://regenerate" --digest \
    | sed -n 's/^digest=//p')
  printf '[expect]\n# sightline replay DRIVE --digest must print this (bit-identical replays).\ndigest = "%s"\n' \
    "$digest" >>"Replay/$name/drive.toml"
  echo "$name: digest=$digest"
done
