#!/usr/bin/env bash
# End-to-end tests of Salal Clinic in the real window: builds the UI, the app
# (release), the `salal` command line (it makes the demo clinic of the printing
# and reminder flow) and the registry (the lookup flow runs a real one on a
# throwaway PostgreSQL) and the WebDriver client, then runs the flows under Xvfb (1366x768)
# inside a private D-Bus session with an unlocked keyring. Screenshots of every
# screen go to $CARGO_TARGET_DIR/e2e-screenshots/ (default target/).
# Needs: apt webkit2gtk-driver xvfb gnome-keyring dbus (scripts/setup.sh),
#        cargo tools wasm-bindgen-cli (= Cargo.lock) and tauri-driver 2.1.0.
# Exits non-zero when a flow fails; the last line is cargo test's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

for tool in tauri-driver WebKitWebDriver xvfb-run dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "e2e: $tool is missing; run scripts/setup.sh" >&2
    exit 1
  fi
done

scripts/build-ui.sh
# Separate invocations, always the same way: building app and client together
# unifies features differently and rebuilds most dependencies.
cargo build --release -p salal-app
cargo build --release -p salal-cli
cargo build --release -p salal-registry
cargo test -p salal-e2e --test e2e --no-run

export SALAL_E2E_APP="$CARGO_TARGET_DIR/release/salal-clinic"
export SALAL_E2E_CLI="$CARGO_TARGET_DIR/release/salal"
export SALAL_E2E_REGISTRY="$CARGO_TARGET_DIR/release/salal-registry"
export SALAL_E2E_SHOTS="$CARGO_TARGET_DIR/e2e-screenshots"
rm -rf "$SALAL_E2E_SHOTS" && mkdir -p "$SALAL_E2E_SHOTS"
# No accessibility bus or desktop portals on a headless run.
export NO_AT_BRIDGE=1 GTK_A11Y=none
LOG="$CARGO_TARGET_DIR/e2e.log"
set +e
timeout 900 scripts/with-postgres.sh scripts/with-keyring.sh xvfb-run -a -s "-screen 0 1366x768x24" \
  cargo test -p salal-e2e --test e2e -- --test-threads=1 2>"$LOG.stderr" | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
echo "e2e: screenshots in $SALAL_E2E_SHOTS ($(ls "$SALAL_E2E_SHOTS" | wc -l) files); driver and app messages in $LOG.stderr"
if [ "$status" -ne 0 ]; then
  # cargo test prints failures to stdout; show the tail of stderr for crashes of the driver or the app.
  tail -n 20 "$LOG.stderr" >&2 || true
  grep -E '^test result:' "$LOG" | tail -1 || echo "0 passed, 1 failed"
  exit "$status"
fi
grep -E '^test result:' "$LOG" | tail -1
