#!/usr/bin/env bash
# End to end with the real binary: keygen -> sign -> verify passes; one
# changed byte of the policy fails with exit 1; keygen refuses to overwrite.
set -euo pipefail
ctl=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$ctl" policy keygen --out csirt >/dev/null
test "$(stat -c %a csirt.key)" = 600 || fail "csirt.key is not mode 600"
test -f csirt.pub || fail "no csirt.pub"

printf 'name: baseline\nversion: 42\nrules: []\n' > policy.yaml
"$ctl" policy sign --key csirt.key policy.yaml >/dev/null
test -f policy.yaml.sig || fail "no default policy.yaml.sig"
"$ctl" policy verify --trusted csirt.pub policy.yaml >/dev/null || fail "good policy refused"

# Change one byte: 42 -> 43.
sed -i 's/42/43/' policy.yaml
rc=0
"$ctl" policy verify --trusted csirt.pub policy.yaml >/dev/null 2>err.txt || rc=$?
test "$rc" = 1 || fail "tampered policy: exit $rc, expected 1"
grep -q 'bad signature' err.txt || fail "tampered policy: unexpected error: $(cat err.txt)"

rc=0
"$ctl" policy keygen --out csirt >/dev/null 2>&1 || rc=$?
test "$rc" = 1 || fail "keygen over an existing key: exit $rc, expected 1"

rc=0
"$ctl" policy verify policy.yaml >/dev/null 2>&1 || rc=$?
test "$rc" = 2 || fail "verify without --trusted: exit $rc, expected 2"

echo "yaguractl sign/verify ok"
