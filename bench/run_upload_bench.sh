#!/bin/sh
# The upload benchmark in one command: builds upload_throughput
# (RelWithDebInfo, in its own build directory) if needed, runs it with its
# defaults and writes bench/results/upload.json. Prints the Markdown tables
# of docs/benchmarks.md. Needs no root: the collector runs in process, on
# loopback, with a development PKI (scripts/dev-pki.sh) and its SQLite
# database in a temporary directory ($TMPDIR, else /tmp: the disk measured).
#
#   bench/run_upload_bench.sh [upload_throughput options, e.g. --batches 200 --reps 5]
#
# BUILD_DIR overrides the build directory (default: build/bench).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/bench}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target upload_throughput >/dev/null
mkdir -p "$repo/bench/results"
"$build/bench/upload_throughput" "$@" --json "$repo/bench/results/upload.json"
