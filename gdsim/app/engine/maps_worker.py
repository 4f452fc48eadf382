"""Computing a map off the GUI thread, with partial results, progress and Cancel.

:class:`MapWorker` is a parentless ``QObject`` moved to its own ``QThread`` (Qt's rule, as
:mod:`gdsim.app.engine.worker`); a job reaches it through a queued signal and runs there to the
end. A job is a callable ``job(progress, cancelled) -> result`` over the Qt-free maps of
:mod:`gdsim.core.maps`: ``progress(partial)`` sends a partial result to the GUI (queued), and
``cancelled()`` is polled between the map's chunks. Cancel sets the job's thread-safe flag
(the busy worker could not read a queued signal); the job then returns its partial result.

The GIL: a computing worker would win the GIL back at every short release of the GUI thread
and stretch a 15 ms paint of a partial map past 100 ms. So after sending a partial result the
worker waits, without the GIL, until the GUI has drawn it (or ``ACK_TIMEOUT`` passes); between
chunks it sleeps a little, and while a job runs Python's switch interval is shortened, so the
GUI thread never waits long for the interpreter.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

Job = Callable[[Callable[[Any], None], Callable[[], bool]], Any]

GIL_YIELD = 0.0002
"""Seconds the worker sleeps between two chunks, so a waiting GUI thread gets the GIL."""

SWITCH_INTERVAL = 0.001
"""``sys.setswitchinterval`` while a map computes (Python's default is 5 ms)."""

ACK_TIMEOUT = 0.25
"""Longest the worker waits for the GUI to draw a partial result (seconds)."""

NICENESS = 10
"""How much lower the worker thread's scheduling priority is than the GUI's (Linux nice
levels): when both want a core, the operating system runs the GUI thread first."""


def _lower_this_threads_priority() -> None:
    """Raise the calling thread's nice level (Linux: per thread), where the OS allows it."""
    try:
        import os

        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    except (AttributeError, OSError):
        pass


class MapWorker(QObject):
    """Runs map jobs in its thread. Signals carry the job's id so stale results are ignored.

    Signals:
        sigPartial(int, object): a partial result of job ``id``.
        sigFinished(int, object): the job's final (possibly cancelled) result.
        sigFailed(int, str): the job raised ``ValueError`` (bad settings): its message.
    """

    sigPartial = Signal(int, object)
    sigFinished = Signal(int, object)
    sigFailed = Signal(int, str)

    _niced = False

    @Slot(int, object)
    def run_job(self, job_id: int, task: tuple[Job, threading.Event, threading.Event]) -> None:
        job, cancel, drawn = task
        if not self._niced:
            _lower_this_threads_priority()
            self._niced = True
        previous = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)

        def cancelled() -> bool:
            time.sleep(GIL_YIELD)
            return cancel.is_set()

        def progress(partial: Any) -> None:
            drawn.clear()
            self.sigPartial.emit(job_id, partial)
            drawn.wait(ACK_TIMEOUT)  # without the GIL, while the GUI draws it

        try:
            result = job(progress, cancelled)
        except ValueError as exc:
            self.sigFailed.emit(job_id, str(exc))
        else:
            self.sigFinished.emit(job_id, result)
        finally:
            sys.setswitchinterval(previous)


_RUNNERS: weakref.WeakSet[MapRunner] = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """A script that exits without closing its map windows must not leave a thread running
    (Qt aborts with "QThread: Destroyed while thread is still running")."""
    for runner in list(_RUNNERS):
        runner.shutdown()


class MapRunner(QObject):
    """The GUI thread's handle on a :class:`MapWorker` and its thread.

    Signals (in the GUI thread): ``sigPartial(result)``, ``sigFinished(result)``,
    ``sigFailed(message)`` — of the current job only.
    """

    sigPartial = Signal(object)
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    _sigRun = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("gdsim-maps")
        self._worker = MapWorker()
        self._worker.moveToThread(self._thread)
        self._sigRun.connect(self._worker.run_job)
        self._worker.sigPartial.connect(self._partial)
        self._worker.sigFinished.connect(self._finished)
        self._worker.sigFailed.connect(self._failed)
        self._job_id = 0
        self._cancel = threading.Event()
        self._drawn = threading.Event()
        self.busy = False
        self._thread.start()
        _RUNNERS.add(self)

    def start(self, job: Job) -> None:
        """Run ``job``; a job still running is cancelled and its results ignored."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._job_id += 1
        self.busy = True
        self._sigRun.emit(self._job_id, (job, self._cancel, self._drawn))

    def cancel(self) -> None:
        """Ask the running job to stop after its current chunk (it reports what it has)."""
        self._cancel.set()

    def _partial(self, job_id: int, result: object) -> None:
        try:
            if job_id == self._job_id and self.busy:
                self.sigPartial.emit(result)  # drawn by the connected slots, synchronously
        finally:
            self._drawn.set()

    def _finished(self, job_id: int, result: object) -> None:
        if job_id == self._job_id:
            self.busy = False
            self.sigFinished.emit(result)

    def _failed(self, job_id: int, message: str) -> None:
        if job_id == self._job_id:
            self.busy = False
            self.sigFailed.emit(message)

    def shutdown(self) -> None:
        """Cancel, then stop the thread (waits for the current chunk); idempotent."""
        self.cancel()
        self._drawn.set()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait(5000)
