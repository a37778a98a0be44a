#!/usr/bin/env bash
# scripts/check-install.sh [BUILD_DIR]: what a packager and an operator get from a built tree
# (default build/), checked the way Debian's tools check it:
#   - `cmake --install` into a temporary root lays out every file (binaries, .desktop, hicolor
#     icons, AppStream metainfo, systemd unit, man pages, copyright/changelog);
#   - desktop-file-validate, appstreamcli validate --no-net, systemd-analyze verify (where
#     systemd is installed), man pages render without warnings;
#   - the installed app answers --help/--version without a display;
#   - `cpack -G DEB` makes crewdeck and crewdeck-server packages whose Depends name the Qt
#     libraries (shlibdeps) and, for the server, bubblewrap; lintian reports no errors.
# Needs the packages of scripts/deps.sh's "packaging" group. Run by .ci/run after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="$(cd "${1:-build}" && pwd -P)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail() { echo "check-install: $*" >&2; exit 1; }

prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")"
app_id="$(sed -n 's/^CREWDECK_APP_ID:STRING=//p' "$BUILD/CMakeCache.txt")"
root="$TMP/root"
DESTDIR="$root" cmake --install "$BUILD" >/dev/null
p="$root$prefix"
echo "check-install: installed into $root (prefix $prefix):"
(cd "$root" && find . -type f | sort | sed 's/^\./  /')

expect=(
  bin/crewdeck bin/crewdeck-server
  "share/applications/$app_id.desktop"
  "share/metainfo/$app_id.metainfo.xml"
  "share/icons/hicolor/scalable/apps/$app_id.svg"
  "share/icons/hicolor/48x48/apps/$app_id.png"
  "share/icons/hicolor/128x128/apps/$app_id.png"
  "share/icons/hicolor/256x256/apps/$app_id.png"
  lib/systemd/system/crewdeck-server.service
  share/man/man1/crewdeck.1.gz share/man/man1/crewdeck-server.1.gz
  share/doc/crewdeck/copyright share/doc/crewdeck-server/copyright
)
for f in "${expect[@]}"; do
  [ -f "$p/$f" ] || fail "missing after install: $prefix/$f"
done
for size in 48 128 256; do
  file "$p/share/icons/hicolor/${size}x${size}/apps/$app_id.png" | grep -q "PNG image data, $size x $size" ||
    fail "the ${size}x${size} icon is not a ${size}x${size} PNG"
done

desktop-file-validate "$p/share/applications/$app_id.desktop"
appstreamcli validate --no-net "$p/share/metainfo/$app_id.metainfo.xml"
for m in crewdeck crewdeck-server; do
  warn="$(zcat "$p/share/man/man1/$m.1.gz" | groff -man -Tutf8 -ww -z 2>&1 || true)"
  [ -z "$warn" ] || fail "man page $m.1: $warn"
done
unit="$p/lib/systemd/system/crewdeck-server.service"
grep -q "^ExecStart=$prefix/bin/crewdeck-server serve$" "$unit" || fail "the unit does not start $prefix/bin/crewdeck-server"
if command -v systemd-analyze >/dev/null; then
  # As installed, except that ExecStart names the binary in the temporary root (verify checks
  # that it exists) and man finds the page there (Documentation=man:crewdeck-server(1)).
  sed "s|^ExecStart=$prefix/bin/|ExecStart=$p/bin/|" "$unit" > "$TMP/crewdeck-server.service"
  out="$(cd "$TMP" && MANPATH="$p/share/man:" systemd-analyze verify "$TMP/crewdeck-server.service" 2>&1)" ||
    fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  echo "check-install: systemd-analyze verify: ok"
else
  echo "check-install: systemd-analyze not installed: the unit is not verified"
fi
env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM= "$p/bin/crewdeck" --help | grep -q -- '--server' ||
  fail "crewdeck --help without a display"
env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM= "$p/bin/crewdeck" --version | grep -q '^crewdeck ' ||
  fail "crewdeck --version without a display"

# Debian packages, from the same build tree into a private output directory.
(cd "$BUILD" && cpack -G DEB -B "$TMP/deb" >"$TMP/cpack.log" 2>&1) || { cat "$TMP/cpack.log"; fail "cpack -G DEB failed"; }
app_deb="$(ls "$TMP"/deb/crewdeck_*.deb)"
server_deb="$(ls "$TMP"/deb/crewdeck-server_*.deb)"
for deb in "$app_deb" "$server_deb"; do
  echo "check-install: $(basename "$deb"):"
  dpkg-deb -f "$deb" Package Version Depends Recommends | sed 's/^/  /'
done
dpkg-deb -f "$app_deb" Depends | grep -q 'libqt6widgets6' || fail "crewdeck does not depend on libqt6widgets6"
dpkg-deb -f "$app_deb" Depends | grep -q 'libqt6charts6' || fail "crewdeck does not depend on libqt6charts6"
dpkg-deb -f "$server_deb" Depends | grep -q 'libqt6httpserver6' || fail "crewdeck-server does not depend on libqt6httpserver6"
dpkg-deb -f "$server_deb" Depends | grep -q 'bubblewrap' || fail "crewdeck-server does not depend on bubblewrap"
dpkg-deb -f "$app_deb" Depends | grep -q 'libqt6svg6' || fail "crewdeck does not depend on libqt6svg6 (its icons)"
dpkg-deb -c "$server_deb" > "$TMP/server.contents"
dpkg-deb -c "$app_deb" > "$TMP/app.contents"
grep -q ' \./usr/lib/systemd/system/crewdeck-server\.service$' "$TMP/server.contents" || fail "no unit in crewdeck-server"
grep -q " \./usr/share/applications/$app_id\.desktop$" "$TMP/app.contents" || fail "no .desktop in crewdeck"
if command -v lintian >/dev/null; then
  # Errors fail; warnings are listed (scripts/package.sh builds with Debian's hardening flags,
  # which a plain developer build lacks).
  lintian --tag-display-limit 0 "$app_deb" "$server_deb" > "$TMP/lintian.txt" 2>&1 || true
  sed 's/^/  lintian: /' "$TMP/lintian.txt"
  if grep -q '^E: ' "$TMP/lintian.txt"; then fail "lintian reports errors"; fi
fi
echo "check-install: ok"
