#!/bin/sh
# The policy throughput benchmark in one command: builds policy_throughput
# (RelWithDebInfo, in its own build directory) if needed, generates the 200-
# and 1000-rule policies, runs the benchmark with its defaults and writes
# bench/results/policy-throughput.json. Prints the Markdown table of
# docs/benchmarks.md.
#
#   bench/run_policy_bench.sh [policy_throughput options, e.g. --events 50000 --reps 5]
#
# BUILD_DIR overrides the build directory (default: build/bench).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/bench}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target policy_throughput >/dev/null
mkdir -p "$build/bench/policies" "$repo/bench/results"
for n in 200 1000; do
  out="$build/bench/policies/policy-$n.yaml"
  python3 "$repo/bench/make_policy.py" --rules $n --out "$out" 2>&1 | head -n 1 >&2
done
"$build/bench/policy_throughput" "$@" \
  --policy "$build/bench/policies/policy-200.yaml" \
  --policy "$build/bench/policies/policy-1000.yaml" \
  --json "$repo/bench/results/policy-throughput.json"
