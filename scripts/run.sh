#!/usr/bin/env bash
# Runs Salal on this machine with a demo clinic (no server needed): installs
# what is missing, builds, creates the demo clinic on first run, then shows it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salal/target}"
scripts/setup.sh
cargo build --release -q -p salal-cli
SALAL="$CARGO_TARGET_DIR/release/salal"
export SALAL_DATA_DIR="${SALAL_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/salal-demo}"
export SALAL_USER=admin SALAL_PASSWORD="orchard river demo clinic"

demo() {
  if [ ! -f "$SALAL_DATA_DIR/store.json" ]; then
    "$SALAL" demo --patients 500
  fi
  echo "Demo clinic in $SALAL_DATA_DIR (user admin, password \"$SALAL_PASSWORD\")."
  echo "Patients named García:"
  "$SALAL" search garcia --limit 10
  first=$("$SALAL" search garcia --limit 1 | cut -f1)
  [ -z "$first" ] || "$SALAL" patient show "$first"
}
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  demo
else
  # No desktop session: use a private keyring session (the demo database is re-created each time).
  export -f demo; export SALAL
  rm -rf "$SALAL_DATA_DIR"
  scripts/with-keyring.sh bash -c demo
fi
