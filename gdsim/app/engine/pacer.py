"""The display timer: paces the GUI's redraws while the engine plays."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer


class DisplayPacer(QObject):
    """Redraws at most every ``interval_ms`` while new rows keep arriving, in parts.

    Every ``interval_ms``, if the GUI has unseen rows (:meth:`mark_dirty`) and the last redraw
    has rested long enough, a redraw cycle starts: the redraw's parts (``parts()`` returns them,
    typically one per view) run one per turn of the event loop, so the views' painting and any
    input come between two parts and the loop is never blocked by all views at once. The
    cycle's duration ``busy`` (parts and their painting) sets the rest before the next one,
    ``busy · (1 − duty) / duty``: redraws take at most ``duty`` of the GUI thread's time.

    The engine computes in its own process (:mod:`gdsim.app.engine.worker`), so nothing here has to
    keep it off the GUI's interpreter lock.
    """

    def __init__(self, parts: Callable[[], Sequence[Callable[[], object]]],
                 interval_ms: int = 16, duty: float = 0.9,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parts = parts
        self.duty = duty
        self._dirty = False
        self._pending: list[Callable[[], object]] = []
        self._cycle_start: float | None = None
        self._next = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._step = QTimer(self)  # the next part, after the event loop has painted
        self._step.setSingleShot(True)
        self._step.setInterval(0)
        self._step.timeout.connect(self._run_part)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._step.stop()
        self._pending = []
        self._cycle_start = None

    def mark_dirty(self) -> None:
        self._dirty = True

    @property
    def busy(self) -> bool:
        """Whether a redraw cycle is under way."""
        return self._cycle_start is not None

    def _tick(self) -> None:
        if not self._dirty or self.busy or time.perf_counter() < self._next:
            return
        self._dirty = False
        self._pending = list(self._parts())
        if self._pending:
            self._cycle_start = time.perf_counter()
            self._run_part()

    def _run_part(self) -> None:
        if self._cycle_start is None:
            return
        if self._pending:
            self._pending.pop(0)()
            self._step.start()  # painting and input first, then the next part (or the end)
            return
        now = time.perf_counter()
        busy = now - self._cycle_start
        self._next = now + busy * (1.0 - self.duty) / self.duty
        self._cycle_start = None
