#!/bin/sh
# The overhead benchmark in one command, as root: what the sensor costs the
# host, beside auditd and libbpf-tools, on the same workloads in the same run
# (docs/benchmarks.md). Installs the build dependencies (scripts/install-deps.sh)
# and the peers (apt-get: auditd, libbpf-tools, bpftool) when missing, builds
# the sensor, the collector and the workloads (RelWithDebInfo, in its own
# build directory), starts and stops every peer itself and leaves the audit
# rules and flags as it found them. Writes bench/results/overhead.json and
# bench/results/overhead.md, replaces the results in docs/benchmarks.md, and
# prints the Markdown. About 15 minutes.
#
#   bench/run_overhead_bench.sh [--quick] [run.py options, e.g. --reps 5 --configs baseline,auditd]
#
# --quick: smaller workloads, one repetition, results in the build directory
# only (for development). BUILD_DIR overrides the build directory (default:
# build/bench).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build/bench}
command="${BUILD_DIR:+BUILD_DIR=$BUILD_DIR }bench/run_overhead_bench.sh $*"
if [ "$(id -u)" -ne 0 ]; then
  echo "run_overhead_bench: run as root: it loads the sensor's BPF programs and runs auditd" >&2
  exit 77
fi
bash "$repo/scripts/install-deps.sh" >&2
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target yagura-sensor yagura-collector yb-workload yb-marker \
  yb-overhead-info >/dev/null
if [ "${1:-}" = "--quick" ]; then
  shift
  exec python3 "$repo/bench/overhead/run.py" --repo "$repo" --build "$build" --mode quick \
    --json "$build/bench/overhead-quick.json" --markdown "$build/bench/overhead-quick.md" \
    --command "$command" "$@"
fi
exec python3 "$repo/bench/overhead/run.py" --repo "$repo" --build "$build" --mode full \
  --json "$repo/bench/results/overhead.json" --markdown "$repo/bench/results/overhead.md" \
  --docs "$repo/docs/benchmarks.md" --command "$command" "$@"
