"""Start the desktop app: ``gdsim`` (or ``python -m gdsim``) ends up in :func:`launch`."""

from __future__ import annotations

import sys
from pathlib import Path


def launch(session_file: Path | None = None, reset_settings: bool = False) -> int:
    """Create the application and the main window, run the event loop, return its exit code.

    Args:
        session_file: a saved session (or run configuration) to open; a file that cannot be
            read is reported on standard error and in the status bar, and the default run
            opens instead.
        reset_settings: forget remembered settings. The window does not remember any yet, so
            there is nothing to forget; the flag is accepted for the command line's sake.
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
    app.setDesktopFileName("gdsim")

    from gdsim.app.main_window import MainWindow
    from gdsim.core.session import SessionError, load_session

    window = MainWindow()
    window.resize(1280, 800)
    if session_file is not None:
        try:
            session = load_session(session_file)
            window.set_configs(session.configs)
            if session.title:
                window.setWindowTitle(f"{session.title} — gdsim")
        except (SessionError, ValueError) as exc:
            print(f"gdsim: {exc}", file=sys.stderr)
            window.show_message(f"Could not open the session: {exc}", error=True)
    window.show()
    return int(app.exec())
