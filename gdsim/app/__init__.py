"""The gdsim desktop app (PySide6 + pyqtgraph). Every Qt import of gdsim lives in this package.

The folders show the architecture:

* :mod:`gdsim.app.model` — Qt-free: frames, history, edits, snapshots, contouring, decimation,
  number formatting (importing it loads no PySide6 and no pyqtgraph);
* :mod:`gdsim.app.engine` — the simulation worker in its ``QThread``, its compute process and
  the display pacer;
* :mod:`gdsim.app.plots` — the views: thin pyqtgraph widgets that draw what they are given;
* :mod:`gdsim.app.panels` — the side panels that edit the selected run's configuration;
* :mod:`gdsim.app.files` — sessions, lessons, export and remembered settings;
* this package's own modules — the window (:mod:`~gdsim.app.main_window`), its actions, style,
  About box and the ``launch`` entry point (:mod:`~gdsim.app.main`).

``gdsim.app.MainWindow`` is imported lazily, so that importing :mod:`gdsim.app.model` loads no Qt.
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
