"""The gdsim desktop app (PySide6 + pyqtgraph). Every Qt import of gdsim lives in this package.

``gdsim.app.MainWindow`` is imported lazily, so that the Qt-free modules of this package
(:mod:`gdsim.app.frame`, :mod:`gdsim.app.history`) can be used without loading Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdsim.app.main_window import MainWindow


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from gdsim.app.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MainWindow"]
