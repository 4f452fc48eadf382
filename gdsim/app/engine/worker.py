"""The simulation worker: owns the :class:`~gdsim.core.run.Run` and advances it off the GUI thread.

Threading model (Qt's rule; see ``STYLE.md``):

* :class:`SimulationWorker` is a parentless ``QObject`` moved to a ``QThread``. It owns the run
  and is driven only by queued signals, so its slots always execute in the worker thread.
* While playing, a zero-interval ``QTimer`` in the worker thread calls :meth:`~SimulationWorker.
  _tick`, which advances the run in time slices of about 15 ms and then returns to the worker's
  event loop, so commands (pause, a new learning rate, ...) interleave with the computation.
* Rows reach the GUI as coalesced :class:`~gdsim.app.model.frame.Frame` objects: at most ~60 a
  second, and never a new one while the GUI has not yet taken the previous one (back-pressure),
  so a slow GUI receives fewer, larger frames instead of a growing queue. A step, a reset or a
  change of configuration sends a frame at once.
* :class:`SimulationController` lives in the GUI thread: it starts the thread, turns method calls
  into queued signals, acknowledges frames, and stops the thread cleanly on shutdown.
* The GIL: while the GUI paints (Python code in pyqtgraph, with many short GIL releases in
  Qt calls), a computing worker would win the GIL back at every release and stretch a 20 ms
  paint to hundreds of milliseconds. So the GUI *holds* the worker while its views paint
  (:meth:`SimulationController.hold`/:meth:`~SimulationController.release`): between two
  chunks the worker waits, without the GIL, until the GUI is done. :class:`DisplayPacer`, the
  GUI's display timer (:mod:`gdsim.app.engine.pacer`), does the holding and paces the redraws so
  that the worker keeps most of the time.

The worker never touches a widget; the pacer only watches the views' paint events.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from gdsim.app.model.frame import Frame, make_frame
from gdsim.app.model.timeline import Plan, RecordedRun, replay, surface_key
from gdsim.core.config import RunConfig
from gdsim.core.run import Run

FRAME_INTERVAL = 1.0 / 60.0
"""Smallest time between two frames sent while playing (seconds)."""

SLICE = 0.015
"""How long one timer tick computes before returning to the worker's event loop (seconds)."""

_CHUNK_TIME = 0.004
"""Target duration of one ``Run.advance`` call inside a slice (seconds)."""

HOLD_TIMEOUT = 0.1
"""Longest the worker waits for a held GUI before computing again anyway (seconds)."""

GIL_YIELD = 0.00005
"""Seconds the worker sleeps between two chunks of computing, so a waiting GUI gets the GIL."""

SWITCH_INTERVAL = 0.002
"""``sys.setswitchinterval`` while the worker runs: how long the GUI thread may wait for the
GIL when the worker has it (Python's default is 5 ms)."""


class SimulationWorker(QObject):
    """Owns the run and advances it in time slices; talks to the GUI by signals only.

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

    def __init__(self, configs: Sequence[RunConfig],
                 gui_idle: threading.Event | None = None) -> None:
        super().__init__()  # parentless: it will be moved to the worker thread
        self._run: Run = RecordedRun(list(configs))  # frames carry its plan (undo, timeline)
        self._gui_idle = gui_idle  # cleared while the GUI redraws: then the worker waits
        self._generation = 0
        self._sent_rows = 0  # trajectory rows already sent in this generation
        self._playing = False
        self._speed = 0.0  # steps per second; 0 = as fast as possible
        self._owed = 0.0  # steps owed at a finite speed
        self._last_tick = 0.0
        self._chunk = 16  # steps per advance() call, adapted to take ~_CHUNK_TIME
        self._last_emit = -1.0
        self._awaiting_ack = False
        self._rate_samples: deque[tuple[float, int]] = deque()
        self._timer = QTimer(self)  # a child: moves with the worker
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    # --- read-only access -------------------------------------------------------------------
    @property
    def run(self) -> Run:
        """The core run. Read it only while the worker is paused (it is advanced in the worker
        thread while playing)."""
        return self._run

    @property
    def generation(self) -> int:
        """Increases whenever the run is reset or rebuilt."""
        return self._generation

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    # --- commands (slots; queued from the GUI) ----------------------------------------------
    @Slot()
    def start(self) -> None:
        """Announce the surface and send the first frame (called when the thread starts)."""
        self.sigSurface.emit(self._generation, self._run.surface)
        self._emit_frame(force=True)

    @Slot(object)
    def set_configs(self, configs: Sequence[RunConfig]) -> None:
        """Use ``configs``: a live change from the next step when the run allows it
        (:meth:`Run.update_configs`), otherwise a new run from the start (keeps playing)."""
        configs = list(configs)
        try:
            if self._run.needs_reset(configs):
                self._replace_run(RecordedRun(configs))
            else:
                self._run.update_configs(configs)
        except (ValueError, TypeError) as exc:
            self.sigMessage.emit(f"Cannot apply the configuration: {exc}")
            return
        if self._playing and not self._run.running:
            self._set_playing(False)
        self._emit_frame(force=True)

    @Slot(object, int)
    def restore(self, plan: Plan, steps: int) -> None:
        """Pause, and rebuild the run from ``plan`` at step ``steps`` by exact replay (undo,
        or an edit at a rewound timeline cursor; see :mod:`gdsim.app.model.timeline`)."""
        self._set_playing(False)
        try:
            run = replay(plan, steps)
        except (ValueError, TypeError) as exc:
            self.sigMessage.emit(f"Cannot restore the runs: {exc}")
            return
        self._replace_run(run)
        self._emit_frame(force=True)

    def _replace_run(self, run: Run) -> None:
        """A new run, a new generation; announce its surface if it changed."""
        old = self._run.config
        self._run = run
        self._new_generation()
        if surface_key(old) != surface_key(run.config):
            self.sigSurface.emit(self._generation, run.surface)

    @Slot()
    def play(self) -> None:
        """Advance freely at the current speed until paused or every run has stopped."""
        if self._run.running:
            self._set_playing(True)
        self._emit_frame(force=True)

    @Slot()
    def pause(self) -> None:
        self._set_playing(False)
        self._emit_frame(force=True)

    @Slot()
    def step(self) -> None:
        """Pause, then make exactly one update."""
        self._set_playing(False)
        self._run.advance(1)
        self._emit_frame(force=True)

    @Slot()
    def reset(self) -> None:
        """Pause and go back to the start: same configs, same seed, identical replay."""
        self._set_playing(False)
        self._run.reset()
        self._new_generation()
        self._emit_frame(force=True)

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second; 0 (or less) = as fast as possible."""
        self._speed = max(0.0, float(steps_per_second))
        self._owed = 0.0
        if self._playing:
            self._timer.start(self._interval_ms())

    @Slot(int)
    def set_step_limit(self, max_steps: int) -> None:
        """Set every run's step limit (a live change; a run stopped by the limit resumes)."""
        if max_steps < 0:
            self.sigMessage.emit(f"Invalid step limit: {max_steps} (must be ≥ 0)")
            return
        self.set_configs([c.with_changes(max_steps=int(max_steps)) for c in self._run.configs])

    @Slot()
    def frame_consumed(self) -> None:
        """The GUI has taken the last frame; the next one may be sent."""
        self._awaiting_ack = False

    @Slot()
    def stop(self) -> None:
        """Stop computing and hand the object back to the application's main thread.

        Connected to ``QThread.finished`` (a direct call in the finishing worker thread), so
        the timer is stopped in its own thread and the worker can be read and garbage-collected
        from the GUI thread afterwards.
        """
        self._playing = False
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())

    # --- the loop ---------------------------------------------------------------------------
    def _interval_ms(self) -> int:
        if self._speed <= 0:
            return 0
        return int(max(1.0, min(16.0, 1000.0 / self._speed)))

    def _set_playing(self, playing: bool) -> None:
        if playing == self._playing:
            return
        self._playing = playing
        if playing:
            self._owed = 1.0 if self._speed > 0 else 0.0  # the first step comes at once
            self._last_tick = time.perf_counter()
            self._rate_samples.clear()
            self._rate_samples.append((self._last_tick, self._run.steps))
            self._timer.start(self._interval_ms())
        else:
            self._timer.stop()

    def _new_generation(self) -> None:
        self._generation += 1
        self._sent_rows = 0
        self._owed = 0.0
        self._rate_samples.clear()
        self._rate_samples.append((time.perf_counter(), self._run.steps))

    def _tick(self) -> None:
        """One time slice of free running."""
        if not self._playing:
            return
        run = self._run
        now = time.perf_counter()
        deadline = now + SLICE
        if self._speed > 0:
            self._owed = min(self._owed + (now - self._last_tick) * self._speed,
                             max(1.0, 0.25 * self._speed))
        self._last_tick = now
        while True:
            n = self._chunk if self._speed <= 0 else min(self._chunk, int(self._owed))
            if n <= 0:
                break
            if self._gui_idle is not None and not self._gui_idle.is_set():
                self._gui_idle.wait(HOLD_TIMEOUT)  # the GUI is redrawing: leave it the GIL
                if time.perf_counter() >= deadline:
                    break
            # A real (tiny) sleep between chunks hands the GIL to a GUI thread that waits for
            # it: released and retaken at once, the GIL goes back to this busy thread, and a
            # waiting GUI can starve for hundreds of milliseconds (CPython's GIL convoy).
            time.sleep(GIL_YIELD)
            t0 = time.perf_counter()
            done = run.advance(n)
            elapsed = time.perf_counter() - t0
            if self._speed > 0:
                self._owed -= done
            if done == n and elapsed > 0:  # adapt the chunk to ~_CHUNK_TIME per call
                target = n * _CHUNK_TIME / elapsed
                self._chunk = int(min(max(1, target), 2 * n, 100_000))
            if not run.running:
                self._set_playing(False)
                self._emit_frame(force=True)
                return
            self._emit_frame()
            if time.perf_counter() >= deadline:
                break

    def _steps_per_second(self, now: float) -> float:
        if not self._playing:
            return 0.0
        samples = self._rate_samples
        samples.append((now, self._run.steps))
        while len(samples) > 2 and now - samples[1][0] >= 1.0:
            samples.popleft()
        t0, s0 = samples[0]
        return (self._run.steps - s0) / (now - t0) if now > t0 else 0.0

    def _emit_frame(self, force: bool = False) -> None:
        """Send the rows since the last frame: always if ``force``, else at display rate."""
        traj = self._run.trajectory
        assert traj is not None
        now = time.perf_counter()
        if not force and (self._awaiting_ack or traj.length <= self._sent_rows
                          or now - self._last_emit < FRAME_INTERVAL):
            return
        frame: Frame = make_frame(self._run, self._generation, self._sent_rows - 1,
                                  playing=self._playing,
                                  steps_per_second=self._steps_per_second(now))
        self._sent_rows = traj.length
        self._last_emit = now
        self._awaiting_ack = True
        self.sigFrame.emit(frame)


_CONTROLLERS: set[SimulationController] = set()  # running ones, kept alive until shut down
_saved_switch_interval: list[float] = []  # Python's own, while any worker runs


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

    def __init__(self, configs: Sequence[RunConfig], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self.worker = SimulationWorker(configs, self._gui_idle)
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
                             (self._sigAck, w.frame_consumed)):
            signal.connect(slot, queued)
        w.sigFrame.connect(self._on_frame, queued)
        w.sigSurface.connect(self.sigSurface, queued)
        w.sigMessage.connect(self.sigMessage, queued)
        self.qthread.started.connect(w.start)
        self.qthread.finished.connect(w.stop, Qt.ConnectionType.DirectConnection)
        self._running = False

    @property
    def run(self) -> Run:
        """The worker's run; read it only while paused (see :attr:`SimulationWorker.run`)."""
        return self.worker.run

    def start(self) -> None:
        """Start the worker thread; the worker then sends the surface and a first frame."""
        if not self._running:
            self._running = True
            if not _CONTROLLERS:
                _saved_switch_interval[:] = [sys.getswitchinterval()]
                sys.setswitchinterval(min(_saved_switch_interval[0], SWITCH_INTERVAL))
            _CONTROLLERS.add(self)
            self.qthread.start()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the worker and wait for its thread to end; safe to call more than once.

        Returns whether the thread has finished.
        """
        self._gui_idle.set()
        if self._running:
            self._running = False
            self.qthread.quit()
            if not self.qthread.wait(timeout_ms):
                return False
            _CONTROLLERS.discard(self)
            if not _CONTROLLERS and _saved_switch_interval:
                sys.setswitchinterval(_saved_switch_interval.pop())
        return not self.qthread.isRunning()

    @property
    def running(self) -> bool:
        return self._running and self.qthread.isRunning()

    def hold(self) -> None:
        """Ask the worker to pause computing between chunks (the GUI is about to redraw)."""
        self._gui_idle.clear()

    def release(self) -> None:
        """Let the worker compute again."""
        self._gui_idle.set()

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

    def _on_frame(self, frame: Frame) -> None:
        self.sigFrame.emit(frame)  # receivers merge it synchronously ...
        if self._running:
            self._sigAck.emit()  # ... then the worker may send the next one


__all__ = ["FRAME_INTERVAL", "SimulationController", "SimulationWorker"]
