#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, starts the server with demo data
# and, when there is a display, the desktop app logged in to it. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
DATA="${CREWDECK_DATA_DIR:-$HOME/.local/share/crewdeck-demo}"
LISTEN="${CREWDECK_LISTEN:-127.0.0.1:8080}"
export CREWDECK_PYTHON="${CREWDECK_PYTHON:-/usr/bin/python3}"
# Plain HTTP on loopback: the demo never speaks TLS, whatever the shell has set (TLS for
# deployments: docs/deploy.md, "TLS without nginx").
unset CREWDECK_TLS_CERT CREWDECK_TLS_KEY
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/bin/crewdeck ]; then
  build/bin/crewdeck-server serve --demo --listen "$LISTEN" --data-dir "$DATA" &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -sf "http://$LISTEN/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  printf '%s\n' "${CREWDECK_DEMO_PASSWORD:-demo-password}" |
    build/bin/crewdeck --server "http://$LISTEN" --email demo@crewdeck.local --password-stdin
else
  echo "No display: running the server alone (demo login demo@crewdeck.local / demo-password)."
  exec build/bin/crewdeck-server serve --demo --listen "$LISTEN" --data-dir "$DATA"
fi
