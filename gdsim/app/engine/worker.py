"""The simulation worker: a ``QObject`` in a ``QThread`` that drives the compute process.

Threading model (Qt's rule; see ``STYLE.md``):

* :class:`SimulationWorker` is a parentless ``QObject`` moved to a ``QThread``. When the thread
  starts, the worker starts a compute process (:mod:`gdsim.app.engine.compute`) that owns the
  :class:`~gdsim.core.run.Run` and steps it. The worker's slots, driven by queued signals,
  forward each command through a pipe; a ``QSocketNotifier`` on the pipe wakes the worker's
  event loop when the process sends something, and the worker emits it as a signal.
* Rows reach the GUI as coalesced :class:`~gdsim.app.model.frame.Frame` objects: at most ~60 a
  second, and never a new one while the GUI has not yet taken the previous one (back-pressure),
  so a slow GUI receives fewer, larger frames instead of a growing queue.
* :class:`SimulationController` lives in the GUI thread: it starts the thread, turns method calls
  into queued signals, acknowledges frames, and stops the thread (and with it the process) on
  shutdown.

Why a process: stepping is Python code holding the interpreter lock (GIL) almost all the time,
and so is painting with pyqtgraph. In one process the two fought over the lock (measured: the
app reached about half the headless steps/s, with 5–8 redraws a second, even with a tuned switch
interval and a hold protocol). A compute process steps on its own core with its own lock; the
worker thread only relays a few messages a second, and the GUI thread keeps the lock to itself.
Measured with ``tests/bench_app.py`` on a 2-core machine (offscreen and under Xvfb alike): the app
at 0.89–1.00 of the headless steps/s, about 50 redraws a second, the event loop's longest stall
7–27 ms (once 35 ms, in 33 runs of a scenario).

Start method: a fork server (where available) preloaded with the engine, so a window's compute
process starts in milliseconds and never carries Qt; ``spawn`` elsewhere, and for the rest of
the session once the fork server has failed to give a process within :data:`LAUNCH_TIMEOUT`
(every wait of the start is bounded, so a fork server that stops answering cannot hang the
window). The process is a daemon that ends on ``stop``, when the pipe closes (the app went
away), or is terminated at shutdown — nothing of the engine outlives the window.

The worker never touches a widget.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
import queue
import select
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, QThread, Signal, Slot

from gdsim.app.engine import compute
from gdsim.app.engine.compute import FRAME_INTERVAL
from gdsim.app.model.timeline import Plan
from gdsim.core.config import RunConfig
from gdsim.core.run import Run

LAUNCH_TIMEOUT = 20.0
"""Seconds a new compute process may take to come from the fork server before the start is
given up there and made again by ``spawn`` (a fork server that stopped answering must not
hang the window)."""

STOP_TIMEOUT = 0.5
"""Seconds the worker waits for the compute process to end by itself before terminating it."""

RUN_TIMEOUT = 30.0
"""Seconds :attr:`SimulationController.run` waits for the process's copy of the run."""


class LaunchTimeout(OSError):
    """A compute process did not come from the fork server in time."""


_FORKSERVER_FAILED = False
"""Set once the fork server has failed to give a process: later ones are spawned."""


def _context() -> BaseContext:
    """A fork server preloaded with the (Qt-free) engine where the platform has one; ``spawn``
    in a frozen bundle (PyInstaller's ``freeze_support`` handles spawned children)."""
    if ("forkserver" in multiprocessing.get_all_start_methods()
            and not getattr(sys, "frozen", False) and not _FORKSERVER_FAILED):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["gdsim.app.engine.compute", "gdsim.app.engine.maps_compute"])
        return ctx
    return multiprocessing.get_context("spawn")


def start_child(target: Any, args: tuple, name: str) -> tuple[BaseProcess, Connection]:
    """Start a daemon process running ``target(conn, *args)`` (a function of a Qt-free module)
    and return it with this side's end of its pipe ``conn``.

    From the fork server (see :func:`_context`); if the fork server gives no process within
    :data:`LAUNCH_TIMEOUT`, it is not used again in this session and the process is spawned.
    """
    global _FORKSERVER_FAILED
    while True:
        ctx = _context()
        conn, child_conn = ctx.Pipe()
        process = child_process(ctx, target, (child_conn, *args), name)
        try:
            process.start()
        except LaunchTimeout:
            conn.close()
            if ctx.get_start_method() != "forkserver":
                raise
            _FORKSERVER_FAILED = True
            continue
        finally:
            child_conn.close()
        return process, conn


def child_process(ctx: BaseContext, target: Any, args: tuple,
                  name: str) -> multiprocessing.process.BaseProcess:
    """A daemon process of ``ctx`` running ``target(*args)`` (a function of a Qt-free module),
    not started; from the fork server without the app's ``__main__`` (see below)."""
    if ctx.get_start_method() == "forkserver":
        return _EngineProcess(target=target, args=args, name=name, daemon=True)
    return ctx.Process(target=target, args=args, name=name, daemon=True)


if "forkserver" in multiprocessing.get_all_start_methods():
    from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
    from multiprocessing.context import ForkServerProcess, set_spawning_popen

    class _EnginePopen(popen_forkserver.Popen):
        """The fork server's launch, without re-importing the app's ``__main__`` in the child.

        multiprocessing runs the parent's main script again in each child (as ``__mp_main__``)
        so that functions defined there can be the target. The engine's target lives in
        :mod:`gdsim.app.engine.compute`, and a script that opens a window at its top level (no
        ``if __name__ == "__main__"``) would open one again in the child, so the child is told
        nothing about the main module. Otherwise as ``popen_forkserver.Popen._launch``.
        """

        def _launch(self, process_obj: multiprocessing.process.BaseProcess) -> None:
            prep_data = spawn.get_preparation_data(process_obj._name)
            prep_data.pop("init_main_from_name", None)
            prep_data.pop("init_main_from_path", None)
            buf = io.BytesIO()
            set_spawning_popen(self)
            try:
                reduction.dump(prep_data, buf)
                reduction.dump(process_obj, buf)
            finally:
                set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)
            parent_w = os.dup(w)  # the child's sentinel of this process, as in the original
            self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
            deadline = time.monotonic() + LAUNCH_TIMEOUT
            try:
                _write_before(w, buf.getbuffer(), deadline)
            finally:
                os.close(w)
            if not wait([self.sentinel], max(0.0, deadline - time.monotonic())):
                raise LaunchTimeout(
                    f"the fork server gave no process within {LAUNCH_TIMEOUT:g} s")
            self.pid = forkserver.read_signed(self.sentinel)

    def _write_before(fd: int, data: memoryview, deadline: float) -> None:
        """Write all of ``data`` to the pipe ``fd`` unless ``deadline`` (monotonic seconds)
        passes first (then :class:`LaunchTimeout`): a child that never reads cannot block."""
        os.set_blocking(fd, False)
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                raise LaunchTimeout(f"the new process read nothing within {LAUNCH_TIMEOUT:g} s")
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                continue

    class _EngineProcess(ForkServerProcess):
        @staticmethod
        def _Popen(process_obj: multiprocessing.process.BaseProcess) -> _EnginePopen:  # noqa: N802
            return _EnginePopen(process_obj)


def end_process(process: BaseProcess) -> None:
    """Wait for a compute process to end, at most :data:`STOP_TIMEOUT`; then terminate it,
    and kill it if that is not enough either."""
    process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.terminate()
        process.join(STOP_TIMEOUT)
    if process.is_alive():
        process.kill()
        process.join(STOP_TIMEOUT)


def send_or_lost(conn: Connection | None, message: tuple[Any, ...],
                 lost: Callable[[], None]) -> None:
    """Send ``message`` down a compute process's pipe (nothing once it is closed); a broken
    pipe means the process has gone: ``lost()``."""
    if conn is None:
        return
    try:
        conn.send(message)
    except (BrokenPipeError, ConnectionResetError, OSError):
        lost()


class SimulationWorker(QObject):
    """Drives the compute process; talks to the GUI by signals only.

    Create it in the GUI thread, then ``moveToThread`` (the :class:`SimulationController` does
    both). Every public slot must be invoked through a queued signal once the worker is moved.

    Signals:
        sigFrame(Frame): new trajectory rows (see :mod:`gdsim.app.model.frame`).
        sigSurface(int, Surface): the run was rebuilt on a different surface (its generation
            and the surface object, which is never modified afterwards).
        sigMessage(str): a command could not be carried out (e.g. an invalid configuration);
            the previous run is kept.
    """

    sigFrame = Signal(object)
    sigSurface = Signal(int, object)
    sigMessage = Signal(str)

    def __init__(self, configs: Sequence[RunConfig]) -> None:
        super().__init__()  # parentless: it will be moved to the worker thread
        self._configs = tuple(configs)
        self._conn: Connection | None = None
        self._notifier: QSocketNotifier | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        """The compute process (``None`` before the thread starts)."""
        self.runs: queue.Queue[Run] = queue.Queue()
        """Copies of the run the process sent (answers to :meth:`get_run`)."""

    # --- commands (slots; queued from the GUI) ----------------------------------------------
    @Slot()
    def start(self) -> None:
        """Start the compute process; it announces the surface and sends a first frame."""
        self.process, conn = start_child(compute.serve, (self._configs,), "gdsim-engine")
        self._conn = conn
        self._notifier = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._receive)

    @Slot(object)
    def set_configs(self, configs: Sequence[RunConfig]) -> None:
        """Use ``configs``: a live change from the next step when the run allows it
        (:meth:`Run.update_configs`), otherwise a new run from the start (keeps playing)."""
        self._send("set_configs", tuple(configs))

    @Slot(object, int)
    def restore(self, plan: Plan, steps: int) -> None:
        """Pause, and rebuild the run from ``plan`` at step ``steps`` by exact replay (undo,
        or an edit at a rewound timeline cursor; see :mod:`gdsim.app.model.timeline`)."""
        self._send("restore", tuple(plan), int(steps))

    @Slot()
    def play(self) -> None:
        """Advance freely at the current speed until paused or every run has stopped."""
        self._send("play")

    @Slot()
    def pause(self) -> None:
        self._send("pause")

    @Slot()
    def step(self) -> None:
        """Pause, then make exactly one update."""
        self._send("step")

    @Slot()
    def reset(self) -> None:
        """Pause and go back to the start: same configs, same seed, identical replay."""
        self._send("reset")

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second; 0 (or less) = as fast as possible."""
        self._send("set_speed", float(steps_per_second))

    @Slot(int)
    def set_step_limit(self, max_steps: int) -> None:
        """Set every run's step limit (a live change; a run stopped by the limit resumes)."""
        self._send("set_step_limit", int(max_steps))

    @Slot()
    def frame_consumed(self) -> None:
        """The GUI has taken the last frame; the next one may be sent."""
        self._send("ack")

    @Slot()
    def get_run(self) -> None:
        """Ask the process for a copy of its run; it arrives in :attr:`runs`."""
        self._send("get_run")

    @Slot()
    def stop(self) -> None:
        """End the compute process and hand the object back to the application's main thread.

        Connected to ``QThread.finished`` (a direct call in the finishing worker thread): the
        process is asked to stop, waited for at most :data:`STOP_TIMEOUT`, then terminated (it
        may be in the middle of a long replay for an undo, which reads no commands).
        """
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        self._send("stop")
        if self.process is not None:
            end_process(self.process)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())

    # --- the pipe ---------------------------------------------------------------------------
    def _send(self, *message: Any) -> None:
        send_or_lost(self._conn, message, self._lost)

    def _receive(self) -> None:
        """Relay every message waiting in the pipe."""
        conn = self._conn
        try:
            while conn is not None and conn.poll():
                name, *args = conn.recv()
                if name == "frame":
                    self.sigFrame.emit(args[0])
                elif name == "surface":
                    self.sigSurface.emit(args[0], args[1])
                elif name == "message":
                    self.sigMessage.emit(args[0])
                elif name == "run":
                    self.runs.put(args[0])
        except (EOFError, ConnectionResetError, OSError):
            self._lost()

    def _lost(self) -> None:
        """The process has gone without being asked to (a crash)."""
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self.sigMessage.emit("The simulation engine stopped unexpectedly")


_CONTROLLERS: set[SimulationController] = set()  # running ones, kept alive until shut down


@atexit.register
def _shutdown_all() -> None:
    """A script that exits without closing its window must not leave a thread running (Qt
    aborts with "QThread: Destroyed while thread is still running")."""
    for controller in list(_CONTROLLERS):
        controller.shutdown()


class SimulationController(QObject):
    """The GUI thread's handle on the worker: starts and stops its thread, sends commands.

    Every command method emits a signal connected (queued) to the worker's slot of the same
    name, so it returns at once; the effect arrives as a frame on :attr:`sigFrame`.

    Signals:
        sigFrame(Frame), sigSurface(int, Surface), sigMessage(str): forwarded from the worker,
            delivered in the GUI thread.
    """

    sigFrame = Signal(object)
    sigSurface = Signal(int, object)
    sigMessage = Signal(str)

    _sigSetConfigs = Signal(object)
    _sigPlay = Signal()
    _sigPause = Signal()
    _sigStep = Signal()
    _sigReset = Signal()
    _sigSetSpeed = Signal(float)
    _sigSetStepLimit = Signal(int)
    _sigRestore = Signal(object, int)
    _sigAck = Signal()
    _sigGetRun = Signal()

    def __init__(self, configs: Sequence[RunConfig], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = SimulationWorker(configs)
        self.qthread = QThread()
        self.qthread.setObjectName("gdsim-simulation")
        self.worker.moveToThread(self.qthread)
        queued = Qt.ConnectionType.QueuedConnection
        w = self.worker
        for signal, slot in ((self._sigSetConfigs, w.set_configs), (self._sigPlay, w.play),
                             (self._sigPause, w.pause), (self._sigStep, w.step),
                             (self._sigReset, w.reset), (self._sigSetSpeed, w.set_speed),
                             (self._sigSetStepLimit, w.set_step_limit),
                             (self._sigRestore, w.restore),
                             (self._sigAck, w.frame_consumed), (self._sigGetRun, w.get_run)):
            signal.connect(slot, queued)
        w.sigFrame.connect(self._on_frame, queued)
        w.sigSurface.connect(self.sigSurface, queued)
        w.sigMessage.connect(self.sigMessage, queued)
        self.qthread.started.connect(w.start)
        self.qthread.finished.connect(w.stop, Qt.ConnectionType.DirectConnection)
        self._running = False

    @property
    def run(self) -> Run:
        """A copy of the engine's run as it is now, fetched from the compute process (blocks
        until it arrives). For tests and scripts; read it while paused.

        Raises:
            RuntimeError: the engine is not running (before :meth:`start`, after shutdown).
        """
        if not self.running:
            raise RuntimeError("the simulation engine is not running")
        self._sigGetRun.emit()
        try:
            return self.worker.runs.get(timeout=RUN_TIMEOUT)
        except queue.Empty:
            raise RuntimeError("the simulation engine did not answer") from None

    @property
    def process(self) -> multiprocessing.process.BaseProcess | None:
        """The compute process (for tests: it has ended once :meth:`shutdown` returns)."""
        return self.worker.process

    def start(self) -> None:
        """Start the worker thread; the worker then starts the compute process, which sends
        the surface and a first frame."""
        if not self._running:
            self._running = True
            _CONTROLLERS.add(self)
            self.qthread.start()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the compute process and the worker thread, and wait for both; safe to call more
        than once. Returns whether the thread has finished."""
        if self._running:
            self._running = False
            self.qthread.quit()
            if not self.qthread.wait(timeout_ms):
                return False
            _CONTROLLERS.discard(self)
        return not self.qthread.isRunning()

    @property
    def running(self) -> bool:
        return self._running and self.qthread.isRunning()

    # --- commands ---------------------------------------------------------------------------
    def set_configs(self, configs: Sequence[RunConfig]) -> None:
        self._sigSetConfigs.emit(tuple(configs))

    def play(self) -> None:
        self._sigPlay.emit()

    def pause(self) -> None:
        self._sigPause.emit()

    def step(self) -> None:
        self._sigStep.emit()

    def reset(self) -> None:
        self._sigReset.emit()

    def set_speed(self, steps_per_second: float) -> None:
        self._sigSetSpeed.emit(float(steps_per_second))

    def set_step_limit(self, max_steps: int) -> None:
        self._sigSetStepLimit.emit(int(max_steps))

    def restore(self, plan: Plan, steps: int) -> None:
        self._sigRestore.emit(tuple(plan), int(steps))

    def _on_frame(self, frame: object) -> None:
        self.sigFrame.emit(frame)  # receivers merge it synchronously ...
        if self._running:
            self._sigAck.emit()  # ... then the worker may send the next one


__all__ = ["FRAME_INTERVAL", "SimulationController", "SimulationWorker"]
