#!/usr/bin/env bash
# Installs every build and test dependency of Yagura from Debian 12 packages.
# Idempotent: apt-get skips what is already installed.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git
  # BPF: clang compiles bpf/*.bpf.c, bpftool links objects and generates skeletons
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  # userspace libraries named by the design card
  libboost-dev libprotobuf-dev protobuf-compiler libzstd-dev libssl-dev
  # policy: YAML parsing and a linear-time regex engine
  libyaml-cpp-dev libre2-dev
  # uploader (HTTPS client) and collector storage
  libcurl4-openssl-dev libsqlite3-dev
  # tests
  catch2 nlohmann-json3-dev systemd python3 procps iproute2 util-linux openssl
  sudo  # the "admin using sudo" near miss of the detection tests
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
