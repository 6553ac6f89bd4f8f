#!/usr/bin/env bash
# Creates a development PKI for Yagura: a CA, the collector's server
# certificate (for localhost and 127.0.0.1) and client certificates for
# sensors and CSIRT administrators. For trying Yagura and for tests only;
# docs/operations.md explains how to use an existing PKI instead.
#
#   scripts/dev-pki.sh DIR [--sensor NAME]... [--admin NAME]... [--collector-name DNS]
#
# Writes into DIR (created 0700): ca.pem ca.key collector.pem collector.key,
# sensor-NAME.pem/.key and admin-NAME.pem/.key; a client certificate's
# common name is the identity the collector sees (a sensor's sensor_id).
# Existing files are kept, so the command can add certificates to a PKI it
# made earlier. Default: one sensor named after this host, admin "csirt".
set -euo pipefail

usage() { echo "usage: $0 DIR [--sensor NAME]... [--admin NAME]... [--collector-name DNS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift
sensors=() admins=() collector_names=(localhost)
while [ $# -gt 0 ]; do
  case $1 in
    --sensor) [ $# -ge 2 ] || usage; sensors+=("$2"); shift 2 ;;
    --admin) [ $# -ge 2 ] || usage; admins+=("$2"); shift 2 ;;
    --collector-name) [ $# -ge 2 ] || usage; collector_names+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
[ ${#sensors[@]} -gt 0 ] || [ ${#admins[@]} -gt 0 ] || { sensors=("$(hostname)"); admins=(csirt); }

mkdir -p "$dir" && chmod 700 "$dir"
cd "$dir"
days=825

if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 3650 -subj "/O=Yagura development/CN=Yagura development CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue NAME CN EXTENSIONS
issue() {
  local name=$1 cn=$2 ext=$3
  [ -f "$name.pem" ] && return 0
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/O=Yagura development/CN=$cn" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days $days \
    -out "$name.pem" -extfile <(printf '%s\n' "$ext") 2>/dev/null
  rm -f "$name.csr"
  chmod 600 "$name.key"
}

san="subjectAltName=IP:127.0.0.1,IP:::1"
for n in "${collector_names[@]}"; do san+=",DNS:$n"; done
issue collector "${collector_names[0]}" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
$san"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
for s in "${sensors[@]}"; do issue "sensor-$s" "$s" "$client_ext"; done
for a in "${admins[@]}"; do issue "admin-$a" "$a" "$client_ext"; done
chmod 600 ./*.key
echo "dev-pki: $(pwd): CA, collector (${collector_names[*]}), sensors: ${sensors[*]:-}, admins: ${admins[*]:-}"
