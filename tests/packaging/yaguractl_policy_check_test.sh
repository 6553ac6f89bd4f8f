#!/usr/bin/env bash
# yaguractl policy check / test as a CSIRT runs them: a good policy passes, a
# broken one is refused with its position, recorded events show their hits.
set -euo pipefail
ctl=$1
policy=$2  # the default policy
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$ctl" policy check "$policy" >"$dir/out"
grep -q "policy yagura-default version" "$dir/out"
grep -q "^0 warnings" "$dir/out"

cat >"$dir/broken.yaml" <<'YAML'
policy: {name: broken, version: 2}
rules:
  - id: r1
    action: drop
    when: {process.exe: {prefx: /tmp/}}
YAML
if "$ctl" policy check "$dir/broken.yaml" 2>"$dir/err"; then
  echo "a broken policy passed the check" >&2
  exit 1
fi
grep -q "broken.yaml:5:26: .*prefx" "$dir/err" || { cat "$dir/err" >&2; exit 1; }

cat >"$dir/events.jsonl" <<'JSON'
{"type":"exec","ktime_ns":1,"snapshot":false,"process":{"exe":"/bin/sh","command_line":"sh -c id"},"parent":{"exe":"/usr/sbin/nginx"}}
{"type":"health","ktime_ns":2}
{"type":"fork","ktime_ns":3,"process":{"exe":"/bin/sh"}}
JSON
"$ctl" policy test "$policy" "$dir/events.jsonl" >"$dir/out" 2>"$dir/err"
grep -q "events.jsonl:1: exec /bin/sh sh -c id -> keep, alert" "$dir/out"
grep -q "exec.shell-from-network-service: alert" "$dir/out"
grep -q "events.jsonl:3: fork /bin/sh -> drop" "$dir/out"
grep -q "2 events (1 lines skipped): 1 kept, 1 dropped, 1 with alerts" "$dir/out"
grep -q "events.jsonl:2: skipped" "$dir/err"
echo "yaguractl policy check/test: ok"
