#!/usr/bin/env bash
# Installs everything Salal needs to build, run and test on a fresh Debian 12
# machine: system packages, the wasm32 target and the pinned cargo tools.
# Idempotent: skips what is already there. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  # build
  build-essential pkg-config libssl-dev libdbus-1-dev
  # desktop app (Tauri 2 / WebKitGTK)
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev librsvg2-dev
  libayatana-appindicator3-dev libxdo-dev
  # tests: headless display, WebDriver, Secret Service keyring, PostgreSQL, PDF tools
  xvfb webkit2gtk-driver xdotool imagemagick gnome-keyring dbus libsecret-tools keyutils
  postgresql poppler-utils zbar-tools
  # fonts for the UI and printed certificates
  fonts-dejavu fonts-dejavu-core fonts-noto-core
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${missing[@]}"
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
if grep -q '^name = "wasm-bindgen"$' Cargo.lock 2>/dev/null; then
  WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB" ]; then
    # No --locked: its lockfile pins crates newer than the registry serves.
    cargo install wasm-bindgen-cli --version "$WB"
  fi
fi
if [ -d src-tauri ] && ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version 2.1.0 --locked
fi
# The HL7 fuzz targets (scripts/fuzz-hl7.sh).
if [ -d hl7/fuzz ] && ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
# An independent HL7 parser that reads every message salal-hl7 builds.
if ! python3 -c "import hl7apy" >/dev/null 2>&1; then
  python3 -m pip install -q hl7apy==1.3.5
fi
