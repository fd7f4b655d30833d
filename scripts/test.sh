#!/usr/bin/env bash
# Runs every Salal test on this machine: installs what is missing, then the
# unit, integration and property tests of every crate, the CDC CDSi test cases,
# and (once the desktop app is built) the end-to-end tests in the real window.
# Tests that need the OS keyring run inside a private D-Bus session with an
# unlocked gnome-keyring (scripts/with-keyring.sh); tests of the registry and
# of sync run against a throwaway PostgreSQL cluster (scripts/with-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salal/target}"

scripts/setup.sh

# The desktop shell embeds the built UI, so it must exist before the workspace compiles.
if [ -x scripts/build-ui.sh ]; then
  scripts/build-ui.sh
fi

echo "== workspace tests"
scripts/with-postgres.sh scripts/with-keyring.sh cargo test --workspace --no-fail-fast

echo "== CDC CDSi test cases"
MIN_PASS_RATE=$(cat forecast/MIN_PASS_RATE 2>/dev/null || echo 0)
cargo run --release -q -p salal-forecast --bin cdsi-check -- \
  --min-pass-rate "$MIN_PASS_RATE" "${SALAL_CDSI_CASES:-../shared/cdsi/testcases/dev.jsonl}"

if [ -x scripts/fuzz-hl7.sh ]; then
  echo "== HL7 parser and batch reader fuzzed (${SALAL_FUZZ_SECONDS:-30} s each)"
  scripts/fuzz-hl7.sh "${SALAL_FUZZ_SECONDS:-30}"
fi

if [ -x scripts/e2e.sh ]; then
  echo "== end-to-end tests in the desktop window"
  scripts/e2e.sh
fi

if [ -x installers/linux/build-deb.sh ]; then
  echo "== Linux package: build the .deb, install it, start it headless"
  installers/linux/build-deb.sh
  if [ "$(id -u)" -eq 0 ]; then
    installers/linux/smoke-test.sh
  else
    echo "package install skipped: dpkg -i needs root"
  fi
fi
