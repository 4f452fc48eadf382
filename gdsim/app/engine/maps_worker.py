"""Computing a map off the GUI, with partial results, progress and Cancel.

The map itself is computed in a process of its own (:mod:`gdsim.app.engine.maps_compute`,
started on the first job and kept for the next ones), never in the GUI's process: a thread there
shared the GUI's interpreter lock, and on a busy machine the GUI thread waited for it whenever
the operating system preempted the computing thread while it held the lock (measured: stalls of
100–300 ms of the GUI with two other busy processes on the two cores; a process leaves the GUI at
the machine's noise floor).

:class:`MapWorker` is a parentless ``QObject`` moved to its own ``QThread`` (Qt's rule, as
:mod:`gdsim.app.engine.worker`): it starts the process, forwards jobs, cancels and
acknowledgements through a pipe, and a ``QSocketNotifier`` on the pipe wakes it to relay the
process's messages as signals. The GUI thread never reads the pipe (a large partial map arriving
in pieces would block it). A job is a picklable callable ``job(progress, cancelled) -> result``
(see :mod:`gdsim.app.engine.maps_compute`); :class:`MapRunner` is the GUI thread's handle.
"""

from __future__ import annotations

import atexit
import weakref
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, QThread, Signal, Slot

from gdsim.app.engine import maps_compute
from gdsim.app.engine.maps_compute import Job
from gdsim.app.engine.worker import end_process, send_or_lost, start_child

LOST = "The maps process stopped unexpectedly; compute again to restart it."


class MapWorker(QObject):
    """Drives the maps process. Signals carry the job's id so stale results are ignored.

    Signals:
        sigPartial(int, object): a partial result of job ``id``.
        sigFinished(int, object): the job's final (possibly cancelled) result.
        sigFailed(int, str): the job raised ``ValueError`` (bad settings), or the process
            failed: its message.
    """

    sigPartial = Signal(int, object)
    sigFinished = Signal(int, object)
    sigFailed = Signal(int, str)

    def __init__(self) -> None:
        super().__init__()  # parentless: it will be moved to the worker thread
        self._conn: Connection | None = None
        self._notifier: QSocketNotifier | None = None
        self.process: BaseProcess | None = None
        self._last_job = 0

    def _ensure_process(self) -> None:
        if self._conn is not None:
            return
        self.process, conn = start_child(maps_compute.serve, (), "gdsim-maps")
        self._conn = conn
        self._notifier = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._receive)

    @Slot(int, object)
    def run_job(self, job_id: int, job: Job) -> None:
        self._last_job = job_id
        try:
            self._ensure_process()
            self._send("job", job_id, job)
        except (OSError, ValueError) as exc:  # the process could not start
            self.sigFailed.emit(job_id, f"Cannot compute the map: {exc}")

    @Slot(int)
    def cancel_job(self, job_id: int) -> None:
        self._send("cancel", job_id)

    @Slot(int)
    def drawn(self, job_id: int) -> None:
        """The GUI has drawn the last partial result of ``job_id``."""
        self._send("ack", job_id)

    def _send(self, *message: Any) -> None:
        send_or_lost(self._conn, message, self._lost)

    def _receive(self) -> None:
        """Relay every message waiting in the pipe."""
        try:
            while self._conn is not None and self._conn.poll():
                name, job_id, payload = self._conn.recv()
                if name == "partial":
                    self.sigPartial.emit(job_id, payload)
                elif name == "finished":
                    self.sigFinished.emit(job_id, payload)
                elif name == "failed":
                    self.sigFailed.emit(job_id, payload)
        except (EOFError, ConnectionResetError, OSError):
            self._lost()

    def _lost(self) -> None:
        """The process has gone without being asked to: the next job starts a new one."""
        self._close()
        self.sigFailed.emit(self._last_job, LOST)

    def _close(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.process is not None:
            end_process(self.process)
            self.process = None

    @Slot()
    def stop(self) -> None:
        """End the process (it stops after its current chunk) and hand the object back to the
        application's main thread. Connected to ``QThread.finished`` (a direct call in the
        finishing worker thread)."""
        self._send("stop")
        self._close()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())


_RUNNERS: weakref.WeakSet[MapRunner] = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """A script that exits without closing its map windows must not leave a thread running
    (Qt aborts with "QThread: Destroyed while thread is still running")."""
    for runner in list(_RUNNERS):
        runner.shutdown()


class MapRunner(QObject):
    """The GUI thread's handle on a :class:`MapWorker`, its thread and its process.

    Signals (in the GUI thread): ``sigPartial(result)``, ``sigFinished(result)``,
    ``sigFailed(message)`` — of the current job only.
    """

    sigPartial = Signal(object)
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    _sigRun = Signal(int, object)
    _sigCancel = Signal(int)
    _sigDrawn = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("gdsim-maps")
        self._worker = MapWorker()
        self._worker.moveToThread(self._thread)
        queued = Qt.ConnectionType.QueuedConnection
        self._sigRun.connect(self._worker.run_job, queued)
        self._sigCancel.connect(self._worker.cancel_job, queued)
        self._sigDrawn.connect(self._worker.drawn, queued)
        self._worker.sigPartial.connect(self._partial, queued)
        self._worker.sigFinished.connect(self._finished, queued)
        self._worker.sigFailed.connect(self._failed, queued)
        self._thread.finished.connect(self._worker.stop, Qt.ConnectionType.DirectConnection)
        self._job_id = 0
        self.busy = False
        self._thread.start()
        _RUNNERS.add(self)

    def start(self, job: Job) -> None:
        """Run ``job`` (picklable); a job still running is cancelled and its results
        ignored."""
        if self.busy:
            self._sigCancel.emit(self._job_id)
        self._job_id += 1
        self.busy = True
        self._sigRun.emit(self._job_id, job)

    def cancel(self) -> None:
        """Ask the running job to stop after its current chunk (it reports what it has)."""
        if self.busy:
            self._sigCancel.emit(self._job_id)

    def _partial(self, job_id: int, result: object) -> None:
        try:
            if job_id == self._job_id and self.busy:
                self.sigPartial.emit(result)  # drawn by the connected slots, synchronously
        finally:
            self._sigDrawn.emit(job_id)

    def _finished(self, job_id: int, result: object) -> None:
        if job_id == self._job_id:
            self.busy = False
            self.sigFinished.emit(result)

    def _failed(self, job_id: int, message: str) -> None:
        if job_id == self._job_id:
            self.busy = False
            self.sigFailed.emit(message)

    def shutdown(self) -> None:
        """Cancel, then stop the thread and the process; idempotent."""
        self.cancel()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait(5000)
