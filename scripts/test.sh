#!/usr/bin/env bash
# Builds and runs every test. Unit tests run anywhere; root tests load the
# real BPF programs and are reported as skipped (with the reason) when not
# run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 600
