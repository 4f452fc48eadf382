#!/usr/bin/env python3
"""Render the application icon's PNGs from its SVG with Qt's own SVG renderer.

    python packaging/render_icons.py          # writes resources/icons/io.github.gdsim.gdsim-<N>.png
    python packaging/render_icons.py --check    # exit 1 if a committed PNG is missing or stale

The PNGs are committed (the app, the wheel, the PyInstaller bundle and desktop installs use
them); run this again after editing the SVG. It needs only PySide6 (QtSvg is part of
PySide6-Essentials) and runs headless (Qt's offscreen platform; no display needed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_ID = "io.github.gdsim.gdsim"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / f"{APP_ID}.svg"


def png_path(size: int) -> Path:
    return ICONS / f"{APP_ID}-{size}.png"


def render(svg: Path, size: int):
    """The icon drawn at ``size``×``size`` pixels as a premultiplied-ARGB QImage."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: cannot read {svg}")
    # Small sizes: draw at 4× and scale down smoothly, which keeps thin strokes from vanishing
    # or aliasing better than drawing straight into 16 pixels.
    scale = 4 if size <= 64 else 1
    image = QImage(size * scale, size * scale, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size * scale, size * scale))
    painter.end()
    if scale != 1:
        image = image.scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def _same(image, path: Path) -> bool:
    """Whether the PNG at ``path`` shows ``image``, up to the last bit of antialiasing (another
    Qt version may round an edge pixel differently; an edited SVG changes far more)."""
    import numpy as np
    from PySide6.QtGui import QImage

    if not path.exists():
        return False
    old = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
    if old.size() != image.size():
        return False

    def pixels(img) -> np.ndarray:
        rows = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
        return rows.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4] \
            .astype(np.int16)

    diff = np.abs(pixels(old) - pixels(image)).reshape(image.height(), image.width(), 4)
    changed = np.any(diff > 4, axis=2)  # rounding differences are a level or two
    return float(changed.mean()) < 0.01


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the committed PNGs match the SVG")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keep alive)
    stale = []
    for size in SIZES:
        image = render(SVG, size)
        path = png_path(size)
        if args.check:
            if not _same(image, path):
                stale.append(path.name)
            continue
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"render_icons: cannot write {path}")
        print(f"{path.relative_to(ICONS.parent.parent)}  {path.stat().st_size:>7} bytes")
    if stale:
        print("render_icons: stale or missing (run packaging/render_icons.py): "
              + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
