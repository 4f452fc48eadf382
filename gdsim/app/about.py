"""The About box and the application icon.

``about_text()`` is the About box's text (rich text, for tests too); ``show_about(parent)`` shows
it; ``app_icon()`` is the application icon built from the bundled PNGs (and the SVG when Qt's SVG
icon plugin is there). Importing this module needs no ``QApplication``: the icon is built on
first use and then cached.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import TYPE_CHECKING

from gdsim import __version__
from gdsim.paths import resource_path

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QWidget

APP_ID = "io.github.gdsim.gdsim"
APP_NAME = "gdsim"
DESCRIPTION = "Watch gradient descent work: optimizers walking the contour map of a loss surface."
LICENSE = "MIT"
HOMEPAGE = "https://github.com/gdsim/gdsim"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def _version_of(distribution: str, module: str) -> str:
    """The installed version of a library, from its module, else from its package metadata."""
    try:
        imported = __import__(module)
        version = getattr(imported, "__version__", None)
        if version:
            return str(version)
    except ImportError:
        pass
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        return dist_version(distribution)
    except PackageNotFoundError:
        return "not installed"


def library_versions() -> dict[str, str]:
    """The versions of the libraries the About box names, in display order."""
    from PySide6 import QtCore

    return {
        "Qt": QtCore.qVersion(),
        "PySide6": _version_of("PySide6-Essentials", "PySide6"),
        "pyqtgraph": _version_of("pyqtgraph", "pyqtgraph"),
        "numpy": _version_of("numpy", "numpy"),
    }


def about_text() -> str:
    """The About box's text (Qt rich text): name, version, description, licence, libraries."""
    versions = ", ".join(f"{html.escape(name)} {html.escape(ver)}"
                         for name, ver in library_versions().items())
    return (
        f"<h3>{APP_NAME} {html.escape(__version__)}</h3>"
        f"<p>{html.escape(DESCRIPTION)}</p>"
        f"<p>Licence: {LICENSE}<br>"
        f'<a href="{HOMEPAGE}">{HOMEPAGE}</a></p>'
        f"<p><small>{versions}</small></p>"
    )


def show_about(parent: QWidget | None = None) -> None:
    """Show the About box (modal) over ``parent``."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_text())
    icon = app_icon()
    if not icon.isNull():
        box.setIconPixmap(icon.pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The application icon: every bundled PNG size, plus the SVG if Qt can draw SVG icons.

    Needs a ``QGuiApplication`` (call it after creating the app); an empty ``QIcon`` if the
    icon files are missing.
    """
    from PySide6.QtGui import QIcon

    icon = QIcon()
    icons = resource_path("icons")
    for size in ICON_SIZES:
        png = icons / f"{APP_ID}-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    if icon.isNull():
        svg = icons / f"{APP_ID}.svg"
        if svg.is_file():
            icon.addFile(str(svg))
    return icon
