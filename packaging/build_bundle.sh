#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle of gdsim into packaging/dist/gdsim/ (git-ignored) and
# print its size and the build time. Needs pyinstaller in the Python that runs gdsim
# (PYTHON, default: python3):  pip install pyinstaller
# DIST and WORK choose the output and scratch folders (default: packaging/dist, packaging/build).
#
#   packaging/build_bundle.sh            # build
#   packaging/dist/gdsim/gdsim --version # run it
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"
DIST="${DIST:-$HERE/dist}"
WORK="${WORK:-$HERE/build}"
cd "$ROOT"

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "build_bundle: PyInstaller is not installed for $PYTHON (pip install pyinstaller)" >&2
    exit 2
fi

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$HERE/gdsim.spec"
bundle="$DIST/gdsim"
# The interpreter's own libraries (libpython, lib-dynload) keep their debug information in
# some builds (pyenv: libpython alone is 23 MB, 5.7 MB without it). Drop only that, and only
# from them: the libraries that wheels ship (Qt, numpy, Pillow) are already stripped, and
# rewriting their patchelf-edited headers can break them.
if command -v strip >/dev/null; then
    find "$bundle/_internal" -maxdepth 1 -name 'libpython3*.so*' -type f \
        -exec strip --strip-debug {} +
    find "$bundle/_internal" -path '*/lib-dynload/*.so' -type f -exec strip --strip-debug {} +
fi
end=$(date +%s)

echo "bundle: $bundle"
echo "build time: $((end - start)) s"
echo "size: $(du -sh "$bundle" | cut -f1) ($(du -sb "$bundle" | cut -f1) bytes, $(find "$bundle" -type f | wc -l) files)"
