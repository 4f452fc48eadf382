"""The simulation worker in its thread, driven through the controller's queued commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gdsim.app.engine import compute
from gdsim.app.engine.compute import Engine
from gdsim.app.engine.worker import SimulationController, _context
from gdsim.app.model.frame import Frame
from gdsim.app.model.history import History
from gdsim.core.config import RunConfig

BOWL = RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3.0, 4.0))
ENDLESS = RunConfig(surface="rosenbrock", optimizer="gd", max_steps=10**9, grad_tol=0.0)


class Recorder:
    """Collects the frames a controller delivers and stitches them into a History."""

    def __init__(self, controller: SimulationController) -> None:
        self.frames: list[Frame] = []
        self.history: History | None = None
        self.surfaces: list[object] = []
        self.messages: list[str] = []
        controller.sigFrame.connect(self.add)
        controller.sigSurface.connect(lambda gen, surface: self.surfaces.append(surface))
        controller.sigMessage.connect(self.messages.append)

    def add(self, frame: Frame) -> None:
        self.frames.append(frame)
        runs, dim = frame.theta.shape[1:]
        if self.history is None or (self.history.runs, self.history.dim) != (runs, dim):
            self.history = History(runs, dim)
        self.history.add(frame)

    @property
    def last(self) -> Frame:
        return self.frames[-1]


@pytest.fixture
def make_controller(qtbot) -> Iterator:
    made: list[SimulationController] = []

    def make(configs=(BOWL,)) -> tuple[SimulationController, Recorder]:
        controller = SimulationController(list(configs))
        recorder = Recorder(controller)
        with qtbot.waitSignal(controller.sigFrame, timeout=5000):
            controller.start()
        made.append(controller)
        return controller, recorder

    yield make
    for controller in made:
        assert controller.shutdown()


def command(qtbot, controller: SimulationController, action, check=None) -> Frame:
    """Send a command and wait for the frame it answers with."""
    with qtbot.waitSignal(controller.sigFrame, timeout=5000, check_params_cb=check) as blocker:
        action()
    return blocker.args[0]


def test_start_sends_the_surface_and_the_start_point(make_controller) -> None:
    controller, rec = make_controller()
    assert len(rec.surfaces) == 1 and rec.surfaces[0].name == "bowl"
    frame = rec.last
    assert frame.steps == 0 and frame.generation == 0 and not frame.playing
    np.testing.assert_allclose(frame.theta[-1, 0], (3.0, 4.0))
    assert frame.loss[-1, 0] == pytest.approx(25.0)


def test_step_makes_exactly_one_update_with_the_seed_numbers(qtbot, make_controller) -> None:
    controller, rec = make_controller()
    frame = command(qtbot, controller, controller.step)
    assert frame.steps == 1
    h = rec.history
    assert h.length == 2
    np.testing.assert_allclose(h.grad[0, 0], (6.0, 8.0))
    np.testing.assert_allclose(h.theta[1, 0], (2.4, 3.2))
    assert h.loss[0, 0] == pytest.approx(25.0) and h.loss[1, 0] == pytest.approx(16.0)
    assert h.lr[0, 0] == pytest.approx(0.1)
    frame = command(qtbot, controller, controller.step)
    assert frame.steps == 2 and rec.history.length == 3


def test_play_coalesces_rows_at_display_rate_and_pause_stops(qtbot, make_controller) -> None:
    controller, rec = make_controller([ENDLESS])
    start = time.perf_counter()
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps >= 5000, timeout=10_000)
    elapsed = time.perf_counter() - start
    playing = [f for f in rec.frames if f.playing]
    # Never one signal per step: frames carry many rows each, at no more than ~60 per second.
    assert len(playing) < rec.last.steps / 10
    assert len(playing) <= 60 * elapsed + 5
    assert max(f.rows for f in playing) > 10
    frame = command(qtbot, controller, controller.pause, lambda f: not f.playing)
    paused_at = frame.steps
    # After the pause, one step is exactly one more update.
    frame = command(qtbot, controller, controller.step)
    assert frame.steps == paused_at + 1
    assert rec.history.length == paused_at + 2
    # The stitched history equals the engine's own trajectory.
    np.testing.assert_array_equal(rec.history.theta, controller.run.trajectory.theta)
    np.testing.assert_array_equal(rec.history.lr[:-1], controller.run.trajectory.lr[:-1])


def test_reset_replays_identically(qtbot, make_controller) -> None:
    config = RunConfig(surface="linear-regression", optimizer="adam", batch_size=4, seed=3)
    controller, rec = make_controller([config])
    for _ in range(5):
        command(qtbot, controller, controller.step)
    first = rec.history.theta.copy()
    frame = command(qtbot, controller, controller.reset)
    assert frame.steps == 0 and frame.generation == 1 and rec.history.length == 1
    for _ in range(5):
        command(qtbot, controller, controller.step)
    np.testing.assert_array_equal(rec.history.theta, first)


def test_live_change_keeps_the_run_and_a_reset_change_rebuilds_it(qtbot, make_controller) -> None:
    controller, rec = make_controller()
    for _ in range(3):
        command(qtbot, controller, controller.step)
    theta = rec.history.theta.copy()
    frame = command(qtbot, controller, lambda: controller.set_configs([BOWL.with_changes(lr=0.05)]))
    assert frame.generation == 0 and frame.steps == 3
    assert frame.lr[-1, 0] == pytest.approx(0.05)  # the rate of the next update
    frame = command(qtbot, controller, controller.step)
    np.testing.assert_array_equal(rec.history.theta[:4], theta)
    assert rec.history.lr[3, 0] == pytest.approx(0.05)
    assert rec.history.lr[2, 0] == pytest.approx(0.1)
    # A new batch size needs a new run: back to step 0, same surface (not announced again).
    frame = command(qtbot, controller,
                    lambda: controller.set_configs([BOWL.with_changes(batch_size=10)]))
    assert frame.generation == 1 and frame.steps == 0 and len(rec.surfaces) == 1
    # A new surface is announced before its first frame.
    frame = command(qtbot, controller,
                    lambda: controller.set_configs([RunConfig(surface="rosenbrock")]))
    assert frame.generation == 2 and rec.surfaces[-1].name == "rosenbrock"


def test_comparison_of_several_runs(qtbot, make_controller) -> None:
    configs = [BOWL.with_changes(lr=lr) for lr in (0.01, 0.1, 0.9)]
    controller, rec = make_controller(configs)
    command(qtbot, controller, controller.step)
    assert rec.history.theta.shape == (2, 3, 2)
    np.testing.assert_allclose(rec.history.theta[1, :, 0], [3 - 0.06, 2.4, 3 - 5.4])


def test_speed_limit_paces_the_steps(qtbot, make_controller) -> None:
    controller, rec = make_controller([ENDLESS])
    controller.set_speed(50.0)
    start = time.perf_counter()
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps >= 10, timeout=10_000)
    elapsed = time.perf_counter() - start
    assert elapsed >= 9 / 50  # the first step comes at once, then one every 20 ms
    command(qtbot, controller, controller.pause, lambda f: not f.playing)
    assert rec.last.steps < 50


def test_step_limit_stops_the_run_and_raising_it_resumes(qtbot, make_controller) -> None:
    controller, rec = make_controller([ENDLESS])
    command(qtbot, controller, lambda: controller.set_step_limit(20))
    controller.play()
    qtbot.waitUntil(lambda: not rec.last.playing and rec.last.steps == 20, timeout=5000)
    assert rec.last.lanes[0].status == "step limit"
    frame = command(qtbot, controller, lambda: controller.set_step_limit(30))
    assert frame.lanes[0].status == "running"
    frame = command(qtbot, controller, controller.step)
    assert frame.steps == 21


def test_divergence_stops_the_run(qtbot, make_controller) -> None:
    controller, rec = make_controller([BOWL.with_changes(lr=5.0)])
    controller.play()
    qtbot.waitUntil(lambda: not rec.last.playing and rec.last.steps > 0, timeout=5000)
    assert rec.last.lanes[0].status == "diverged"
    # Still responsive: a reset brings it back.
    frame = command(qtbot, controller, controller.reset)
    assert frame.steps == 0 and frame.lanes[0].status == "running"


def test_an_invalid_configuration_is_reported_and_the_run_kept(qtbot, make_controller) -> None:
    controller, rec = make_controller()
    bad = [BOWL, BOWL.with_changes(seed=1)]  # runs compared together must share the seed
    with qtbot.waitSignal(controller.sigMessage, timeout=5000) as blocker:
        controller.set_configs(bad)
    assert "share" in blocker.args[0]
    frame = command(qtbot, controller, controller.step)
    assert frame.generation == 0 and frame.steps == 1


def test_shutdown_while_playing_ends_the_thread_and_the_compute_process(qtbot) -> None:
    controller = SimulationController([ENDLESS])
    rec = Recorder(controller)
    with qtbot.waitSignal(controller.sigFrame, timeout=5000):
        controller.start()
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps > 100, timeout=5000)
    process = controller.process
    assert process is not None and process.is_alive()
    assert controller.shutdown(timeout_ms=5000)
    assert not controller.qthread.isRunning() and controller.qthread.isFinished()
    # Nothing of the engine is left: the process has ended and its pipe is closed.
    assert not process.is_alive() and process.exitcode is not None
    assert controller.shutdown()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        controller.run  # noqa: B018 - the property is what is tested


def test_the_run_can_be_read_from_the_engine(qtbot, make_controller) -> None:
    controller, rec = make_controller([BOWL])
    for _ in range(3):
        command(qtbot, controller, controller.step)
    run = controller.run
    assert run.steps == 3 == rec.last.steps
    np.testing.assert_array_equal(run.trajectory.theta[: run.trajectory.length],
                                  rec.history.theta)


def test_the_compute_process_ends_when_the_app_goes_away() -> None:
    """A crashed app closes its end of the pipe: the process notices between two chunks."""
    ctx = _context()
    conn, child_conn = ctx.Pipe()
    process = ctx.Process(target=compute.serve, args=(child_conn, (ENDLESS,)), daemon=True)
    process.start()
    child_conn.close()
    assert conn.recv()[0] == "surface" and conn.recv()[0] == "frame"
    conn.send(("play",))
    assert conn.recv()[0] == "frame"
    conn.close()
    process.join(10)
    assert process.exitcode == 0


def test_the_engine_sends_no_new_frame_before_the_last_is_taken() -> None:
    sent: list[tuple] = []
    engine = Engine([ENDLESS], sent.append)
    engine.start()
    assert [m[0] for m in sent] == ["surface", "frame"]
    engine.ack()
    engine.play()
    assert sent[-1][1].playing
    count = len(sent)
    for _ in range(50):
        engine.work()
    assert len(sent) == count  # back-pressure: the frame sent by play() is not acknowledged
    engine.ack()
    while len(sent) == count:
        engine.work()
    frame = sent[-1][1]
    assert frame.playing and frame.rows > 1 and frame.first_row == 0
    engine.pause()
    assert not sent[-1][1].playing and sent[-1][1].steps == engine.run.steps


def test_undo_of_a_restart_takes_the_replaced_run_back_without_a_replay(monkeypatch) -> None:
    """A map click after a long run restarts it; undo asks for the old plan at its step: the
    engine takes the run it replaced back as it was (no replay), and redo the other one; a
    state it does not keep (another step) is replayed exactly."""
    sent: list[tuple] = []
    engine = Engine([ENDLESS], sent.append)
    engine.start()
    for _ in range(300):
        engine.step()
    before, plan = engine.run, engine.run.plan
    theta = before.theta.copy()
    engine.set_configs([ENDLESS.with_changes(start=(0.5, 0.5))])  # a restart
    assert engine.run is not before and engine.run.steps == 0
    clicked = engine.run
    for _ in range(7):
        engine.step()
    clicked_plan = clicked.plan
    replays: list[int] = []
    real_replay = compute.replay
    monkeypatch.setattr(compute, "replay",
                        lambda p, n, *a: (replays.append(n), real_replay(p, n, *a))[1])
    engine.restore(plan, 300)  # undo
    assert engine.run is before and replays == []
    np.testing.assert_array_equal(engine.run.theta, theta)
    frame = sent[-1][1]
    assert frame.first_row == 0 and frame.steps == 300  # the whole record again
    np.testing.assert_array_equal(frame.theta[-1], theta)
    engine.restore(clicked_plan, 7)  # redo
    assert engine.run is clicked and replays == []
    engine.restore(plan, 120)  # a state nobody kept: replayed, exactly
    assert replays == [120]
    np.testing.assert_array_equal(engine.run.theta, before.trajectory.theta[120])


def test_a_script_without_a_main_guard_opens_one_window(tmp_path) -> None:
    """The compute process never runs the app's main script again (multiprocessing would)."""
    script = tmp_path / "script.py"
    script.write_text(
        "import os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QEventLoop, qInstallMessageHandler\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from gdsim.app import MainWindow\n"
        "qInstallMessageHandler(lambda *a: None)\n"
        "app = QApplication([])\n"
        "print('main module ran', flush=True)\n"
        "w = MainWindow()\n"
        "while w.history is None:\n"
        "    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)\n"
        "w.close()\n"
        "print('closed', w.controller.process.exitcode, flush=True)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main module ran", "closed 0"]


def test_the_compute_process_loads_no_qt() -> None:
    """The fork server imports the engine module: it must not carry PySide6 or pyqtgraph."""
    code = ("import sys, gdsim.app.engine.compute; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_crashed_engine_is_reported_and_shutdown_still_works(qtbot, make_controller) -> None:
    controller, rec = make_controller([ENDLESS])
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps > 100, timeout=5000)
    with qtbot.waitSignal(controller.sigMessage, timeout=5000) as blocker:
        controller.process.kill()
    assert "stopped unexpectedly" in blocker.args[0]
    controller.pause()  # commands to a lost engine are dropped, not raised
    assert controller.shutdown()
    assert controller.process.exitcode is not None


def test_a_fork_server_that_never_answers_is_given_up_for_spawn(qtbot, monkeypatch,
                                                                make_controller) -> None:
    """A fork server that accepts a request but gives no process must not hang the window:
    after LAUNCH_TIMEOUT the engine is spawned instead, and later ones are too."""
    from multiprocessing import forkserver

    from gdsim.app.engine import worker

    kept: list[int] = []

    def silent(fds: list[int]) -> tuple[int, int]:
        status_r, status_w = os.pipe()  # nobody ever writes the pid
        data_r, data_w = os.pipe()  # nobody ever reads the process
        kept.extend((status_w, data_r))
        return status_r, data_w

    monkeypatch.setattr(forkserver, "connect_to_new_process", silent)
    monkeypatch.setattr(worker, "LAUNCH_TIMEOUT", 0.5)
    monkeypatch.setattr(worker, "_FORKSERVER_FAILED", False)
    try:
        controller, rec = make_controller([BOWL])
        assert worker._FORKSERVER_FAILED
        assert worker._context().get_start_method() == "spawn"
        command(qtbot, controller, controller.step)
        assert rec.last.steps == 1
        np.testing.assert_allclose(rec.history.theta[-1, 0], [2.4, 3.2])
    finally:
        for fd in kept:
            os.close(fd)
