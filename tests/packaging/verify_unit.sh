#!/usr/bin/env bash
# Installs the build into a staging root and checks the systemd unit there
# with systemd-analyze verify (which also checks that ExecStart exists).
set -euo pipefail
build_dir=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" cmake --install "$build_dir" --prefix /usr >/dev/null
# verify resolves the unit's dependencies (sysinit.target, ...) inside the root.
mkdir -p "$root/lib/systemd"
cp -r /lib/systemd/system "$root/lib/systemd/"
# ... and the commands it runs besides ours (ExecReload's kill).
mkdir -p "$root/bin"
cp /bin/kill "$root/bin/"
unit=/usr/lib/systemd/system/yagura-sensor.service
test -f "$root$unit"
test -x "$root/usr/sbin/yagura-sensor"
test -f "$root/etc/yagura/sensor.yaml"
"$root/usr/sbin/yagura-sensor" --help 2>/dev/null
systemd-analyze verify --root="$root" "$unit"
echo "verified $unit"
