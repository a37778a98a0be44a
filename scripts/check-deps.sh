#!/usr/bin/env bash
# scripts/check-deps.sh [BUILD_DIR]: every package the configured build found must come from a
# package that scripts/deps.sh installs, or from one of their Depends (recursively). So a
# package that merely happens to be on this machine (as libqt6opengl6-dev once was) fails CI
# here instead of failing a fresh install.
#
# What it checks, from BUILD_DIR/CMakeCache.txt (default build/):
#   *_DIR        CMake package configs (Qt6Core_DIR, Qt6OpenGL_DIR, ...) and include dirs
#   *_LIBRARY    libraries found by find modules (SQLite3_LIBRARY)
#   pkgcfg_lib_* libraries found through pkg-config (hiredis, libsodium)
#   the compiler, ninja and pkg-config
# Each path is mapped to its Debian package with `dpkg -S`.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
CACHE="$BUILD/CMakeCache.txt"
[ -f "$CACHE" ] || { echo "check-deps: $CACHE not found (configure first)" >&2; exit 2; }
SRC="$(pwd -P)"
BLD="$(cd "$BUILD" && pwd -P)"

mapfile -t LISTED < <(scripts/deps.sh --list)
# The Depends closure of the listed packages, as installed here (PreDepends and Depends; every
# alternative of an "a | b" counts). `apt-cache depends --installed` stays within what dpkg has.
CLOSURE="$(mktemp)"
trap 'rm -f "$CLOSURE"' EXIT
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${LISTED[@]}" 2>/dev/null |
  sed -n -e 's/^\([^ <][^ ]*\)$/\1/p' -e 's/^ *|\?\(Pre\)\?Depends: <\?\([^>]*\)>\?$/\2/p' |
  sed 's/:.*//' | sort -u > "$CLOSURE"
printf '%s\n' "${LISTED[@]}" >> "$CLOSURE"
sort -u -o "$CLOSURE" "$CLOSURE"

# Owner packages of a path ("pkg1, pkg2: /path" or "pkg:amd64: /path"), trying the merged-/usr
# twins too (/lib/x86_64-linux-gnu vs /usr/lib/x86_64-linux-gnu).
owners() {
  local p="$1" cand out
  for cand in "$p" "$(readlink -f "$p")" "${p#/usr}" "/usr$p"; do
    [ -n "$cand" ] || continue
    if out="$(dpkg -S "$cand" 2>/dev/null | grep -v '^diversion by')" && [ -n "$out" ]; then
      printf '%s\n' "$out" | head -n1 | sed 's/: \/.*//' | tr ',' '\n' | sed 's/^ *//; s/:.*//'
      return 0
    fi
  done
  return 1
}

# A package config dir is represented by its config file (more precise than the dir, which
# several packages may share).
representative() {
  local p="$1" f
  if [ -d "$p" ]; then
    for f in "$p"/*Config.cmake "$p"/*-config.cmake; do
      [ -f "$f" ] && { printf '%s\n' "$f"; return; }
    done
  fi
  printf '%s\n' "$p"
}

entries="$(grep -E '^([A-Za-z0-9_.+-]+_(DIR|LIBRARY)|pkgcfg_lib_[A-Za-z0-9_]+|CMAKE_CXX_COMPILER|CMAKE_MAKE_PROGRAM|PKG_CONFIG_EXECUTABLE):(PATH|FILEPATH|STRING|INTERNAL)=/' "$CACHE" |
  grep -vE '^(CMAKE_INSTALL_|CMAKE_CACHEFILE_DIR|CMAKE_HOME_DIRECTORY|[A-Za-z0-9_]+_(BINARY|SOURCE)_DIR)' || true)"
fails=0
checked=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  name="${line%%:*}"
  path="${line#*=}"
  case "$path" in
    *-NOTFOUND|"") continue ;;
    "$SRC"/*|"$BLD"/*) continue ;;  # the project's own dirs
  esac
  [ -e "$path" ] || continue
  rep="$(representative "$path")"
  checked=$((checked + 1))
  if ! pkgs="$(owners "$rep")"; then
    echo "check-deps: $name=$path belongs to no Debian package (built by hand?)"
    fails=$((fails + 1))
    continue
  fi
  ok=""
  while IFS= read -r pkg; do
    grep -qxF "$pkg" "$CLOSURE" && { ok="$pkg"; break; }
  done <<< "$pkgs"
  if [ -z "$ok" ]; then
    echo "check-deps: $name=$path comes from $(echo $pkgs | tr ' ' ','), which scripts/deps.sh does not install (nor anything it depends on): add it to PKGS"
    fails=$((fails + 1))
  fi
done <<< "$entries"

if ((fails)); then
  echo "check-deps: $fails of $checked found packages are not installed by scripts/deps.sh" >&2
  exit 1
fi
echo "check-deps: all $checked packages the build in $BUILD found come from scripts/deps.sh ($(wc -l < "$CLOSURE") packages with Depends)"
