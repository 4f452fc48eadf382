"""The display timer: paces the GUI's redraws while the engine plays."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer


class DisplayPacer(QObject):
    """Redraws at most every ``interval_ms`` while new rows keep arriving, in parts.

    When the GUI has unseen rows (:meth:`mark_dirty`), a redraw cycle starts as soon as the
    last one has rested long enough and at least ``interval_ms`` after the last one began: the
    redraw's parts (``parts()`` returns them, typically one per view) run one per turn of the
    event loop, so the views' painting and any input come between two parts and the loop is
    never blocked by all views at once. The cycle's duration ``busy`` (parts and their
    painting) sets the rest before the next one, ``busy · (1 − duty) / duty``: redraws take at
    most ``duty`` of the GUI thread's time. The next cycle is timed to the end of that rest
    (a single-shot timer), not left to a periodic tick that would add up to a period's wait.

    The engine computes in its own process (:mod:`gdsim.app.engine.worker`), so nothing here has to
    keep it off the GUI's interpreter lock.
    """

    def __init__(self, parts: Callable[[], Sequence[Callable[[], object]]],
                 interval_ms: int = 16, duty: float = 0.9,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parts = parts
        self.duty = duty
        self.interval = interval_ms / 1000.0
        self._dirty = False
        self._running = False
        self._pending: list[Callable[[], object]] = []
        self._cycle_start: float | None = None
        self._next = 0.0  # perf_counter time before which no cycle starts
        self._timer = QTimer(self)  # the next cycle
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._step = QTimer(self)  # the next part, after the event loop has painted
        self._step.setSingleShot(True)
        self._step.setInterval(0)
        self._step.timeout.connect(self._run_part)

    def start(self) -> None:
        self._running = True
        self._schedule()

    def stop(self) -> None:
        self._running = False
        self._timer.stop()
        self._step.stop()
        self._pending = []
        self._cycle_start = None

    def mark_dirty(self) -> None:
        self._dirty = True
        self._schedule()

    @property
    def busy(self) -> bool:
        """Whether a redraw cycle is under way."""
        return self._cycle_start is not None

    def _schedule(self) -> None:
        """Time the next cycle, if one is due and none is running or timed."""
        if not self._running or not self._dirty or self.busy or self._timer.isActive():
            return
        wait = max(0.0, self._next - time.perf_counter())
        self._timer.start(math.ceil(wait * 1000.0))

    def _tick(self) -> None:
        if not self._dirty or self.busy:
            return
        if time.perf_counter() < self._next:  # woken early (the timer's millisecond grain)
            self._schedule()
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
        self._next = max(now + busy * (1.0 - self.duty) / self.duty,
                         self._cycle_start + self.interval)
        self._cycle_start = None
        self._schedule()
