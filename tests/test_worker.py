"""The simulation worker in its thread, driven through the controller's queued commands."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from gdsim.app.engine.worker import SimulationController
from gdsim.app.model.frame import Frame
from gdsim.app.model.history import History
from gdsim.core.config import RunConfig
from gdsim.core.run import Run

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


def test_shutdown_while_playing_stops_the_thread(qtbot) -> None:
    controller = SimulationController([ENDLESS])
    rec = Recorder(controller)
    with qtbot.waitSignal(controller.sigFrame, timeout=5000):
        controller.start()
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps > 100, timeout=5000)
    assert controller.shutdown(timeout_ms=5000)
    assert not controller.qthread.isRunning() and controller.qthread.isFinished()
    # The worker is back in the GUI thread and its run can be read.
    assert controller.run.steps >= rec.last.steps
    assert controller.shutdown()  # idempotent


def test_the_worker_keeps_up_with_the_headless_engine(qtbot, make_controller) -> None:
    """Generous bound here (CI machines vary); tests/bench_app.py measures it properly."""
    headless = Run(ENDLESS)
    t0 = time.perf_counter()
    headless.advance(3000)
    headless_rate = 3000 / (time.perf_counter() - t0)
    controller, rec = make_controller([ENDLESS])
    controller.play()
    qtbot.waitUntil(lambda: rec.last.steps >= 6000, timeout=20_000)
    command(qtbot, controller, controller.pause, lambda f: not f.playing)
    playing = [f for f in rec.frames if f.playing and f.steps_per_second > 0]
    assert max(f.steps_per_second for f in playing) > 0.25 * headless_rate
