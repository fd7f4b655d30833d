#!/usr/bin/env bash
# Builds the Salal Clinic UI (Leptos, wasm32) into ui/dist without downloading
# anything: cargo for wasm32, then the wasm-bindgen CLI pinned to the
# wasm-bindgen version in Cargo.lock, then the hand-written index, loader and CSS.
# Everything that compiles src-tauri needs ui/dist first (Tauri embeds it).
#   scripts/build-ui.sh            release build (what the app ships)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock 2>/dev/null || true)
if ! command -v wasm-bindgen >/dev/null; then
  echo "build-ui: wasm-bindgen CLI missing; run scripts/setup.sh (cargo install wasm-bindgen-cli --version $WB)" >&2
  exit 1
fi
if [ -n "$WB" ] && [ "$(wasm-bindgen --version)" != "wasm-bindgen $WB" ]; then
  echo "build-ui: $(wasm-bindgen --version) does not match wasm-bindgen $WB in Cargo.lock;" \
       "run: cargo install wasm-bindgen-cli --version $WB" >&2
  exit 1
fi

cargo build --profile wasm-release --target wasm32-unknown-unknown -p salal-ui
rm -rf ui/dist.tmp && mkdir -p ui/dist.tmp
wasm-bindgen --target web --no-typescript --remove-name-section --out-dir ui/dist.tmp \
  "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/salal-ui.wasm"
cp ui/index.html ui/boot.js ui/style.css ui/dist.tmp/
# Unchanged output keeps the old folder (and its times), so the desktop app,
# which embeds it, is not rebuilt: a second start opens in seconds.
if [ -d ui/dist ] && diff -rq ui/dist ui/dist.tmp >/dev/null 2>&1; then
  rm -rf ui/dist.tmp
  echo "build-ui: ui/dist unchanged"
  exit 0
fi
# Swap in one step so a running build of src-tauri never sees a half-written folder.
rm -rf ui/dist && mv ui/dist.tmp ui/dist
echo "build-ui: ui/dist ready ($(du -sh ui/dist | cut -f1))"
