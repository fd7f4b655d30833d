#!/usr/bin/env bash
# Builds $CARGO_TARGET_DIR/installers/salal-clinic_<version>_amd64.deb from the release
# binary, with dpkg-deb only (no tauri-cli, nothing downloaded). The package
# layout matches what `cargo tauri build --bundles deb` makes with
# installers/tauri.bundle.json: binary in /usr/bin, desktop entry, icons.
#   installers/linux/build-deb.sh          # builds UI + app first
#   SKIP_BUILD=1 installers/linux/build-deb.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if [ -z "${SKIP_BUILD:-}" ]; then
  scripts/build-ui.sh
  cargo build --release -p salal-app
fi
BIN="$CARGO_TARGET_DIR/release/salal-clinic"
VERSION=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
ARCH=$(dpkg --print-architecture)
OUT="$CARGO_TARGET_DIR/installers"
PKG="$OUT/pkgroot"
rm -rf "$PKG" && mkdir -p "$PKG/DEBIAN" "$PKG/usr/bin" "$PKG/usr/share/applications" "$PKG/usr/share/doc/salal-clinic"
# Debug line tables stay in the build; the package carries a stripped copy.
strip -o "$PKG/usr/bin/salal-clinic" "$BIN"
install -m 0644 installers/linux/salal-clinic.desktop "$PKG/usr/share/applications/salal-clinic.desktop"
for size in 32 128 256; do
  dir="$PKG/usr/share/icons/hicolor/${size}x${size}/apps"
  mkdir -p "$dir" && install -m 0644 "src-tauri/icons/${size}x${size}.png" "$dir/salal-clinic.png"
done
cp LICENSE "$PKG/usr/share/doc/salal-clinic/copyright" 2>/dev/null \
  || echo "Salal Clinic, licensed under Apache-2.0." > "$PKG/usr/share/doc/salal-clinic/copyright"
SIZE_KB=$(du -sk "$PKG/usr" | cut -f1)
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: salal-clinic
Version: $VERSION
Architecture: $ARCH
Maintainer: Salal project <salal@example.org>
Installed-Size: $SIZE_KB
Depends: libwebkit2gtk-4.1-0 (>= 2.40), libgtk-3-0, libsoup-3.0-0, libjavascriptcoregtk-4.1-0, libssl3, libdbus-1-3
Recommends: gnome-keyring | kwalletmanager, fonts-dejavu-core
Section: misc
Priority: optional
Homepage: https://salal.example.org
Description: Salal Clinic - immunization records for small clinics
 The offline-first desktop app of the Salal Immunization Information System:
 find and register patients, record vaccine doses, refusals and immunity,
 in English and Spanish. Data is kept encrypted on this computer; the key is
 kept in the desktop keyring.
CONTROL
mkdir -p "$OUT"
DEB="$OUT/salal-clinic_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$PKG" "$DEB" >/dev/null
rm -rf "$PKG"
echo "build-deb: $DEB ($(du -h "$DEB" | cut -f1))"
