#!/bin/sh
# Smoke test of the overhead benchmark: the whole suite end to end in its
# smallest form (run.py --mode smoke: baseline and Yagura uploading to a
# local collector, four tiny workloads, one repetition, the BPF statistics
# pass on one of them), then checks that it wrote its JSON and Markdown and
# that the sensor saw the workloads' events. Installs nothing and never starts auditd.
# Nothing about time is checked. Exits 77 (skipped) when not root, or when
# the kernel has no BTF, as the root tests do.
#   smoke_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -eu
src=$1
build=$2
dir=$3
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: not root: the overhead benchmark loads the sensor's BPF programs"
  exit 77
fi
if [ ! -e /sys/kernel/btf/vmlinux ]; then
  echo "SKIPPED: kernel has no BTF (/sys/kernel/btf/vmlinux): the sensor cannot load"
  exit 77
fi
mkdir -p "$dir"
rm -f "$dir/overhead.json" "$dir/overhead.md"
python3 "$src/bench/overhead/run.py" --repo "$src" --build "$build" --mode smoke --no-install \
  --work "$dir/work" --json "$dir/overhead.json" --markdown "$dir/overhead.md" >/dev/null
python3 - "$dir/overhead.json" "$dir/overhead.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["configs"] == ["baseline", "yagura-upload"], r["configs"]
runs = r["runs"]
assert len(runs) == 2 * len(r["workloads"]) == 8, len(runs)
for x in runs:
    if x["config"] != "baseline":
        # Loss is reported, not asserted; but a sensor that saw none of a
        # workload's events is not measuring it.
        assert x["captured"] > 0, (x["workload"], x["config"], x.get("health"))
        assert x["health"]["policy"]["name"], x["health"]
    if x["config"] == "yagura-upload":
        assert x["delivered"] > 0 and "upload" in x["health"], x
        if x["kind"] == "exec":
            assert x["latency_ns"]["n"] > 0, x
assert r["bpf_runs"] and all(x["bpf_programs"] for x in r["bpf_runs"]), r["bpf_runs"]
md = open(sys.argv[2]).read()
assert "overhead-results:begin" in md and "yagura-upload" in md, md[:500]
print("ok:", len(runs), "runs,", len(r["bpf_runs"]), "BPF statistics runs")
PY
