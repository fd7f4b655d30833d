#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring
# (the real Secret Service) and a fresh kernel session keyring, the way a
# desktop login provides them. Used by the tests, the e2e run and headless demos.
#   scripts/with-keyring.sh cargo test
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2
  exit 2
fi
# A fresh keyring directory each run: an existing login.keyring with another
# password would make gnome-keyring prompt for it on a display we do not have.
SALAL_KEYRING_HOME=$(mktemp -d /tmp/salal-keyring.XXXXXX)
export SALAL_KEYRING_HOME
trap 'rm -rf "$SALAL_KEYRING_HOME"' EXIT
XDG_DATA_HOME="$SALAL_KEYRING_HOME" dbus-run-session -- bash -c '
  set -euo pipefail
  echo -n "salal-session" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' salal-keyring "$@"
