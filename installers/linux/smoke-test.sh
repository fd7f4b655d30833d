#!/usr/bin/env bash
# Installs the .deb with dpkg -i and starts the installed app headless (Xvfb,
# private keyring) on an empty data folder; passes when the window "Salal
# Clinic" appears and the app is still running after a few seconds. Leaves a
# screenshot next to the package. Run as root (dpkg -i).
#   installers/linux/smoke-test.sh [path/to/salal-clinic_*.deb]
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
DEB="${1:-$(ls -t "$TARGET"/installers/salal-clinic_*.deb | head -1)}"
echo "smoke: dpkg -i $DEB"
dpkg -i "$DEB" >/dev/null
command -v salal-clinic >/dev/null
test -f /usr/share/applications/salal-clinic.desktop
SHOT="$(dirname "$DEB")/smoke-test.png"
export SHOT
NO_AT_BRIDGE=1 timeout 120 scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1366x768x24" bash -c '
  set -euo pipefail
  DATA=$(mktemp -d)
  salal-clinic --data-dir "$DATA/clinic" >"$DATA/app.log" 2>&1 &
  APP=$!
  for _ in $(seq 1 60); do
    if xdotool search --name "^Salal Clinic$" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  sleep 3
  if ! kill -0 "$APP" 2>/dev/null; then
    echo "smoke: the app exited early"; tail -20 "$DATA/app.log"; exit 1
  fi
  if ! xdotool search --name "^Salal Clinic$" >/dev/null 2>&1; then
    echo "smoke: no Salal Clinic window"; kill "$APP"; exit 1
  fi
  import -window root "$SHOT"
  kill "$APP"; wait "$APP" 2>/dev/null || true
  rm -rf "$DATA"
'
echo "smoke: ok (installed, started headless, window shown; screenshot $SHOT)"
