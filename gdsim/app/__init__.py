"""The gdsim desktop app (PySide6 + pyqtgraph). Every Qt import of gdsim lives in this package.

``gdsim.app.MainWindow`` is imported lazily, so that the Qt-free modules of this package
(:mod:`gdsim.app.frame`, :mod:`gdsim.app.history`) can be used without loading Qt.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gdsim.app.main_window import MainWindow


def _pin_bool_refcounts() -> None:
    """Work around a reference-count bug of PySide6 6.12 on CPython < 3.12.

    There, every ``SignalInstance.emit()`` made from Python drops one reference to ``True``
    that it never took. After a few hundred emits (pyqtgraph emits many per redraw) the
    interpreter aborts with "Fatal Python error: bool_dealloc". CPython 3.12 made ``True`` and
    ``False`` immortal (PEP 683); this gives them the same property on older versions by
    adding 2⁴⁰ references, which no program can use up. It changes nothing else.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    import ctypes

    for value in (True, False):
        refcount = ctypes.c_ssize_t.from_address(id(value))
        if refcount.value < 1 << 39:
            refcount.value += 1 << 40


_pin_bool_refcounts()


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from gdsim.app.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MainWindow"]
