#!/usr/bin/env bash
# Install gdsim's desktop integration: the menu entry, the AppStream metadata and the icons.
#
#   packaging/install_desktop.sh              # for this user: ~/.local/share
#   sudo packaging/install_desktop.sh /usr/local/share
#   DESTDIR=pkgroot packaging/install_desktop.sh /usr/share   # staged, for a distro package
#
# The `gdsim` command itself comes from `pip install` (or the PyInstaller bundle, linked into
# PATH); the menu entry runs `gdsim %f`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
APP_ID=io.github.gdsim.gdsim
SHARE="${1:-${XDG_DATA_HOME:-$HOME/.local/share}}"
DEST="${DESTDIR:-}$SHARE"

install -Dm644 "$HERE/$APP_ID.desktop" "$DEST/applications/$APP_ID.desktop"
install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$DEST/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$ROOT/resources/icons/$APP_ID.svg" \
    "$DEST/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in 16 32 48 64 128 256 512; do
    install -Dm644 "$ROOT/resources/icons/$APP_ID-$size.png" \
        "$DEST/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done

# Refresh the caches when installing for real (not into a DESTDIR staging folder).
if [ -z "${DESTDIR:-}" ]; then
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$DEST/applications" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DEST/icons/hicolor" || true
fi
echo "installed gdsim's menu entry, metadata and icons under $DEST"
