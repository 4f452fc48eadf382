"""Start the desktop app: ``gdsim`` (or ``python -m gdsim``) ends up in :func:`launch`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdsim.app.files.settings import Settings
    from gdsim.app.main_window import MainWindow


def launch(session_file: Path | None = None, reset_settings: bool = False) -> int:
    """Create the application and the main window, run the event loop, return its exit code.

    Args:
        session_file: a saved session, lesson or run configuration to open; a file that cannot
            be read is reported on standard error and in the status bar, and the remembered or
            default runs open instead.
        reset_settings: forget the remembered window layout, last runs and folders first.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # High-DPI scaling is on in Qt 6; pass fractional scale factors (1.25, 1.5) through
        # instead of rounding them, so text and plots are sharp and sized as the desktop says.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
    app.setApplicationName("gdsim")
    app.setApplicationDisplayName("gdsim")
    app.setOrganizationName("gdsim")
    # The desktop entry's name: how a Wayland desktop matches the window to its icon.
    app.setDesktopFileName("io.github.gdsim.gdsim")

    from gdsim.app.about import app_icon

    app.setWindowIcon(app_icon())
    window = create_window(session_file, reset_settings)
    window.show()
    return int(app.exec())


def create_window(session_file: Path | None = None, reset_settings: bool = False,
                  settings: Settings | None = None) -> MainWindow:
    """The main window as a launch sets it up (a QApplication must exist).

    Restores the remembered geometry, dock layout and runs (after forgetting them if
    ``reset_settings``), then opens ``session_file`` if given.
    """
    from gdsim.app.files.settings import Settings
    from gdsim.app.main_window import MainWindow

    settings = settings if settings is not None else Settings()
    if reset_settings:
        settings.clear()
    window = MainWindow(settings=settings)
    if settings.geometry() is None:
        window.resize(1280, 800)
    window.documents.restore(configs_given=session_file is not None)
    if session_file is not None and not window.documents.open_session(session_file):
        print(f"gdsim: could not open {session_file}; see the status bar", file=sys.stderr)
    return window
