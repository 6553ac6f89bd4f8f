#!/usr/bin/env bash
# Builds Yagura and runs it on this machine: a local collector, and the
# sensor with the default configuration and built-in policy uploading to it
# over mutual TLS on loopback. The collector prints what arrives (batches)
# and each alert its detections raise (rule, host and tags, what happened,
# lineage, next step); Ctrl-C stops both.
#
# Everything it creates stays under build/dev/: a development PKI
# (scripts/dev-pki.sh), the collector's database, alerts (alerts.jsonl) and
# reports, the sensor's state and spool, its JSON lines and log. Ask the collector while it runs, e.g.:
#   build/ctl/yaguractl hosts --collector https://127.0.0.1:8443 --ca build/dev/pki/ca.pem \
#     --cert build/dev/pki/admin-csirt.pem --key build/dev/pki/admin-csirt.key
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2

dev=$(pwd)/build/dev
port=${YAGURA_DEV_PORT:-8443}
sensor_id=$(hostname)
mkdir -p "$dev/state"
bash scripts/dev-pki.sh "$dev/pki" --sensor "$sensor_id" --admin csirt >&2

# The shipped configuration, writing its JSON lines under build/dev, plus
# the upload to the local collector.
sed "s|^output: .*|output: $dev/events.jsonl|" config/sensor.yaml >"$dev/sensor.yaml"
cat >>"$dev/sensor.yaml" <<YAML

upload:
  collector: https://127.0.0.1:$port
  sensor_id: $sensor_id
  tls: {ca: $dev/pki/ca.pem, cert: $dev/pki/sensor-$sensor_id.pem, key: $dev/pki/sensor-$sensor_id.key}
  spool: {dir: $dev/state/spool}
YAML

# The shipped collector configuration, keeping its files under build/dev.
sed -e "s|/var/lib/yagura-collector/alerts.jsonl|$dev/alerts.jsonl|" \
  -e "s|/var/lib/yagura-collector/reports|$dev/reports|" config/collector.yaml >"$dev/collector.yaml"
mkdir -p "$dev/reports"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

rm -f "$dev/collector.ready"
build/collector/server/yagura-collector --config "$dev/collector.yaml" --pki "$dev/pki" \
  --store "$dev/collector.db" --listen "127.0.0.1:$port" --ready-file "$dev/collector.ready" \
  --show-arrivals &
pids+=($!)
for _ in $(seq 100); do [ -f "$dev/collector.ready" ] && break; sleep 0.1; done
[ -f "$dev/collector.ready" ] || { echo "run: the collector did not start" >&2; exit 1; }

build/sensor/yagura-sensor --config "$dev/sensor.yaml" --state-dir "$dev/state" \
  2>"$dev/sensor.log" &
pids+=($!)
echo "run: collector on https://127.0.0.1:$port, sensor '$sensor_id' uploading (log: $dev/sensor.log); Ctrl-C stops" >&2
wait -n "${pids[@]}"
