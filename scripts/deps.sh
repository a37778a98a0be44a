#!/usr/bin/env bash
# Installs what CrewDeck needs to build, test and run on Debian 12 (root or sudo).
# Idempotent: installs only what is missing.
set -euo pipefail
PKGS=(
  cmake ninja-build g++ pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-charts-dev qt6-httpserver-dev
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqt6svg6 libgl-dev
  libqt6sql6-sqlite libqt6sql6-psql qt6-qpa-plugins qt6-translations-l10n
  libhiredis-dev libsodium-dev libsqlite3-dev
  redis-server postgresql
  xvfb xauth python3 python3-pytest procps curl
  poppler-utils
)
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
