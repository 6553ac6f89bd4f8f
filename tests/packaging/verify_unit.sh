#!/usr/bin/env bash
# Installs the build into a staging root and checks the systemd units there
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
for daemon in yagura-sensor yagura-collector; do
  unit=/usr/lib/systemd/system/$daemon.service
  test -f "$root$unit"
  test -x "$root/usr/sbin/$daemon"
  test -f "$root/etc/yagura/${daemon#yagura-}.yaml"
  "$root/usr/sbin/$daemon" --help 2>/dev/null
  systemd-analyze verify --root="$root" "$unit"
  echo "verified $unit"
done
