#!/bin/sh
# Smoke test of the policy benchmark: generates a 200-rule policy, runs the
# benchmark on a tiny workload and checks that it wrote its JSON with every
# configuration. Nothing about time is checked.
#   smoke_test.sh BENCH_BINARY WORK_DIR
set -eu
bench=$1
dir=$2
here=$(dirname "$0")
mkdir -p "$dir"
rm -f "$dir/result.json"
python3 "$here/make_policy.py" --rules 200 --out "$dir/policy-200.yaml" 2>/dev/null
"$bench" --events 2000 --reps 1 --policy "$dir/policy-200.yaml" --json "$dir/result.json"
python3 - "$dir/result.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
names = [c["name"] for c in result["configs"]]
assert names == ["baseline (no policy)", "built-in default policy", "policy-200.yaml"], names
assert result["configs"][2]["rules"] == 200
for c in result["configs"]:
    assert c["events"] == c["kept"] + c["dropped"] > 0, c
print("ok:", ", ".join(names))
PY
