#!/usr/bin/env bash
# Installs what CrewDeck needs to build, test, package and run on Debian 12 (root or sudo).
# Idempotent: installs only what is missing.
#   scripts/deps.sh          install what is missing
#   scripts/deps.sh --list   print the package names, one per line (scripts/check-deps.sh
#                            checks that every CMake package the build found comes from one
#                            of these or from their Depends)
set -euo pipefail
PKGS=(
  # toolchain
  cmake ninja-build g++ pkg-config git
  # the format check (scripts/check-format.sh, run by .ci/run)
  clang-format
  # Qt 6 (Qt Charts' CMake config needs Qt6OpenGL/OpenGLWidgets: libqt6opengl6-dev)
  qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-charts-dev qt6-httpserver-dev
  libqt6opengl6-dev
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqt6svg6
  # FindOpenGL (through Qt6Gui) picks up whatever GL dev files are present: pin them all
  libgl-dev libegl-dev libglu1-mesa-dev
  libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins qt6-translations-l10n
  # the app's "Remember me": QtKeychain (Secret Service / KWallet through libsecret, D-Bus)
  qtkeychain-qt6-dev
  # server libraries (libssl-dev: the TLS key/certificate check; Qt's TLS backend uses libssl3)
  libhiredis-dev libsodium-dev libsqlite3-dev libssl-dev libssl3
  # what the server runs: the tool sandbox, git_clone, pytest
  bubblewrap python3 python3-pytest
  # services and tools the tests use
  redis-server postgresql
  xvfb xauth procps curl
  # test certificates for the TLS tests are made at test time (tests/support/tlscerts.h)
  openssl
  poppler-utils
  # packaging and its checks (cpack -G DEB with shlibdeps, scripts/check-install.sh)
  dpkg-dev file desktop-file-utils appstream lintian
)
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${PKGS[@]}"
  exit 0
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
