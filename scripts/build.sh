#!/usr/bin/env bash
# Configures and builds into build/ (executables in build/bin/). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
FATAL=OFF
[ "${CI:-}" = "true" ] && FATAL=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCREWDECK_FATAL_WARNINGS=$FATAL "$@"
cmake --build build --parallel "$(nproc)"
