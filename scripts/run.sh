#!/usr/bin/env bash
# One command to try Salal Clinic: installs what is missing (scripts/setup.sh),
# builds the UI and the desktop app, creates a demo clinic in the app-data
# folder if there is none (no server needed), and starts the app.
#   scripts/run.sh                  # 2,000 demo patients
#   SALAL_DEMO_PATIENTS=100000 scripts/run.sh
# The demo administrator and password are printed below before the window opens.
# On a desktop session the OS keyring keeps the database key. On a machine with
# no keyring or display (a server, a container), the script starts a private
# keyring kept in ~/.local/share/salal-demo-keyring and a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salal/target}"

DATA_DIR="${SALAL_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/org.salal.clinic}"
DEMO_USER=admin
DEMO_PASSWORD="orchard river demo clinic"   # the CLI's demo password
PATIENTS="${SALAL_DEMO_PATIENTS:-2000}"

if [ -z "${SALAL_RUN_INSIDE:-}" ]; then
  scripts/setup.sh
  scripts/build-ui.sh
  cargo build --release -p salal-app
  cargo build --release -p salal-cli
  has_keyring() {
    [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || return 1
    local method
    for method in ListNames ListActivatableNames; do
      timeout 5 dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        "org.freedesktop.DBus.$method" 2>/dev/null | grep -q '"org.freedesktop.secrets"' && return 0
    done
    return 1
  }
  if has_keyring; then
    SALAL_RUN_INSIDE=1 exec "$0" "$@"
  fi
  # No Secret Service here: a private D-Bus session with a keyring that lasts
  # between runs (its own folder, unlocked with a fixed password).
  KEYRING_HOME="$HOME/.local/share/salal-demo-keyring"
  mkdir -p "$KEYRING_HOME"
  echo "run: no desktop keyring found; using a private one in $KEYRING_HOME"
  export SALAL_RUN_INSIDE=1 SALAL_KEYRING_HOME="$KEYRING_HOME" SALAL_DATA_DIR="$DATA_DIR"
  exec env XDG_DATA_HOME="$KEYRING_HOME" dbus-run-session -- bash -c '
    echo -n "salal-demo" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$0" "$@"' "$0" "$@"
fi

if [ ! -f "$DATA_DIR/store.json" ]; then
  echo "run: creating a demo clinic with $PATIENTS patients in $DATA_DIR"
  SALAL_PASSWORD="$DEMO_PASSWORD" "$CARGO_TARGET_DIR/release/salal" --data-dir "$DATA_DIR" demo --patients "$PATIENTS"
fi

cat <<MSG

  Salal Clinic (demo clinic)
  data:      $DATA_DIR
  user name: $DEMO_USER
  password:  $DEMO_PASSWORD

MSG
export SALAL_DEMO=1
APP=("$CARGO_TARGET_DIR/release/salal-clinic" --data-dir "$DATA_DIR")
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display; starting the app on a virtual one (xvfb-run, 1366x768)"
  exec xvfb-run -a -s "-screen 0 1366x768x24" "${APP[@]}"
fi
exec "${APP[@]}"
