#!/usr/bin/env bash
# Installs what Sightline needs on a fresh Debian machine, and nothing that is already there.
#   Tools/setup.sh          system packages (libzmq, libpcap, libpng, zlib, pkg-config)
#   Tools/setup.sh --test   also the Python peer decoder used by the tests, in .venv/, and
#                           what the C++ example subscriber builds with (protoc, g++, make)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libzmq3-dev libpcap-dev libpng-dev zlib1g-dev libzstd-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
  # Tools/cpp: protoc and the protobuf C++ library, a compiler and make. Chromium opens the
  # live page and the eval report headless.
  packages+=(protobuf-compiler libprotobuf-dev g++ make chromium)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
  command -v swift >/dev/null 2>&1 || { echo "setup: Swift 6.1 or later is required" >&2; exit 1; }
fi

if [ "${1:-}" = "--test" ]; then
  # Independent peers the tests compare against: velodyne-decoder decodes the same captures,
  # pyzmq subscribes to what we publish; scipy pairs points with nebula's reference clouds.
  # Pillow opens the PNG pictures we write, as an independent reader; protobuf decodes frames
  # (the example subscriber); the official mcap reader and foxglove schemas check recordings.
  if ! .venv/bin/python -c "import velodyne_decoder, zmq, scipy, PIL, google.protobuf, mcap, \
mcap_protobuf, foxglove_schemas_protobuf, websockets" >/dev/null 2>&1; then
    echo "setup: installing velodyne-decoder, pyzmq, scipy, Pillow, protobuf, mcap into .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check "velodyne-decoder==3.1.0" "pyzmq>=25" \
      scipy Pillow "protobuf>=5" "mcap>=1.2" "mcap-protobuf-support>=0.5" \
      "foxglove-schemas-protobuf>=0.3" "websockets>=12"
  fi
fi
