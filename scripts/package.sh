#!/usr/bin/env bash
# scripts/package.sh: the Debian packages as a distribution would build them. A Release build
# with Debian's hardening flags (dpkg-buildflags) and prefix /usr in build-pkg/, then
# `cpack -G DEB` (crewdeck and crewdeck-server in build-pkg/packages/) and lintian over both.
# Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export DEB_BUILD_MAINT_OPTIONS="hardening=+all"
CXXFLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
cmake -S . -B build-pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DCREWDECK_BUILD_TESTS=OFF -DCREWDECK_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" "$@"
cmake --build build-pkg --parallel "$(nproc)"
(cd build-pkg && cpack -G DEB)
ls -l build-pkg/packages/*.deb
lintian --info --tag-display-limit 0 build-pkg/packages/*.deb
