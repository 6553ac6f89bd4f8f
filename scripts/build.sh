#!/usr/bin/env bash
# Installs dependencies (Debian 12) and builds everything into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYAGURA_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
