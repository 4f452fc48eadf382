"""The display timer: paces the GUI's redraws and keeps the worker off the GIL while painting."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from gdsim.app.engine.worker import SimulationController


class DisplayPacer(QObject):
    """The display timer: paces the GUI's redraws, and keeps the worker off the GIL while the
    GUI paints.

    *Holding.* Whenever a watched view is about to paint (a redraw, an auto-range, the user
    zooming), the worker is held until a check finds the views quiet: no new paint event since
    the previous check. pyqtgraph's painting is Python code calling Qt, which releases the GIL
    at every call; a computing worker would win it back each time and stretch a 10 ms paint
    to hundreds of milliseconds.

    *Pacing.* Every ``interval_ms``, if the GUI has unseen rows (:meth:`mark_dirty`) and the
    last redraw has rested long enough, a redraw cycle starts: the redraw's parts (``parts()``
    returns them, typically one per view) run one at a time, each followed by its painting, so
    the event loop is never blocked by all views' painting at once. The hold's duration
    ``busy`` then sets the rest before the next cycle, ``busy · (1 − duty) / duty``: redraws
    and their painting take at most ``duty`` of the time, the worker the rest.
    """

    QUIET_CHECK_MS = 1
    MAX_HOLD = 0.25  # seconds: release the worker even if some view keeps repainting

    def __init__(self, controller: SimulationController,
                 parts: Callable[[], Sequence[Callable[[], object]]],
                 interval_ms: int = 16, duty: float = 0.4,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._parts = parts
        self.duty = duty
        self._dirty = False
        self._painted = False
        self._hold_start: float | None = None
        self._pending: list[Callable[[], object]] = []
        self._checks = 0
        self._next = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def watch(self, widgets: Iterable[QWidget]) -> None:
        """Hold the worker whenever one of these widgets (the plots' viewports) paints."""
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self._painted = True
            self._begin_hold()
        return False

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._pending = []
        self._end_hold()

    def mark_dirty(self) -> None:
        self._dirty = True

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the worker off the GIL for a short piece of GUI work (merging a frame)."""
        self._controller.hold()
        try:
            yield
        finally:
            if not self.busy:
                self._controller.release()

    @property
    def busy(self) -> bool:
        """Whether the worker is held for painting or a redraw cycle."""
        return self._hold_start is not None

    def _begin_hold(self) -> None:
        if self._hold_start is None:
            self._hold_start = time.perf_counter()
            self._checks = 0
            self._controller.hold()
            QTimer.singleShot(self.QUIET_CHECK_MS, self._check_quiet)

    def _tick(self) -> None:
        if not self._dirty or self.busy or time.perf_counter() < self._next:
            return
        self._dirty = False
        self._pending = list(self._parts())
        if self._pending:
            self._begin_hold()
            self._run_part()

    def _run_part(self) -> None:
        self._painted = False
        self._checks = 0
        self._pending.pop(0)()

    def _check_quiet(self) -> None:
        if self._hold_start is None:
            return
        self._checks += 1
        elapsed = time.perf_counter() - self._hold_start
        # Quiet: no paint since the last check, and painting has had a chance to happen.
        quiet = not self._painted and self._checks >= 2
        self._painted = False
        if quiet and self._pending and elapsed <= self.MAX_HOLD:
            self._run_part()
        elif quiet or elapsed > self.MAX_HOLD:
            for part in self._pending:  # out of time: the rest at once
                part()
            self._pending = []
            self._next = time.perf_counter() + elapsed * (1.0 - self.duty) / self.duty
            self._end_hold()
            return
        QTimer.singleShot(self.QUIET_CHECK_MS, self._check_quiet)

    def _end_hold(self) -> None:
        self._hold_start = None
        self._controller.release()
