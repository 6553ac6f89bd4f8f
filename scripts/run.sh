#!/usr/bin/env bash
# Builds the sensor and runs it with the default configuration, printing
# every event as a JSON line on stdout (Ctrl-C stops it and prints the
# final health line).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
exec build/sensor/yagura-sensor --config config/sensor.yaml --output - "$@"
