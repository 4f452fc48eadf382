"""The main window driven as a user drives it: combos, typed numbers, actions, clicks.

Every wait is on a condition or a signal (``qtbot.waitUntil`` / ``waitSignal``), never a sleep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QSlider,
    QWidget,
)

from gdsim.app import MainWindow
from gdsim.app.model.history import History
from gdsim.core.config import RunConfig

# The offscreen platform (headless CI) warns whenever a main window with docks is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

ENDLESS = RunConfig(surface="rosenbrock", optimizer="gd", max_steps=10**9, grad_tol=0.0)


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
    yield w
    w.close()


# --- helpers ------------------------------------------------------------------------------------
def history(w: MainWindow) -> History:
    assert w.history is not None
    return w.history


def wait_history(qtbot, w: MainWindow, condition: Callable[[History], bool],
                 timeout: int = 10_000) -> History:
    qtbot.waitUntil(lambda: w.history is not None and condition(w.history), timeout=timeout)
    return history(w)


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    """Select the box's text, type ``text`` and press Enter, like a user."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, name: str) -> None:
    """Pick the entry whose data is ``name`` with the keyboard (arrow keys on the combo)."""
    target = combo.findData(name)
    assert target >= 0, name
    combo.setFocus()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def pause(qtbot, w: MainWindow) -> History:
    """Trigger Run/Pause while running and wait for the paused frame."""
    assert w.action_run.isChecked()
    w.action_run.trigger()
    return wait_history(qtbot, w, lambda h: not h.playing)


def status(w: MainWindow) -> str:
    return w.status_state.text()


def lr_of_next_step(h: History, lane: int = 0) -> float:
    return float(h.lr[-1, lane])


# --- construction -------------------------------------------------------------------------------
def test_window_exposes_the_named_objects(window: MainWindow) -> None:
    w = window
    for name in ("action_run", "action_step", "action_reset", "action_export"):
        assert w.findChild(type(w.action_run), name) is not None, name
    for name in ("surface_combo", "optimizer_combo", "lr_spin", "batch_spin"):
        assert w.findChild(QWidget, name) is not None, name
    assert w.action_run.shortcut() == QKeySequence("Space")
    assert {s.toString() for s in w.action_step.shortcuts()} == {"Right", "S"}
    assert w.action_reset.shortcut() == QKeySequence("R")
    assert w.action_export.shortcut() == QKeySequence("Ctrl+E")
    assert w.configs == [RunConfig()]
    assert w.run.surface.name == "bowl"
    assert status(w) == "paused" and w.status_steps.text() == "step 0"


def test_every_control_has_a_one_sentence_tooltip(window: MainWindow) -> None:
    panels = (window.surface_panel, window.optimizer_panel, window.batch_panel,
              window.schedule_panel, window.runs_panel, window.speed_control)
    missing = []
    for panel in panels:
        for kind in (QAbstractSpinBox, QComboBox, QCheckBox, QSlider, QAbstractButton):
            for control in panel.findChildren(kind):
                if not control.toolTip().strip():
                    missing.append(f"{type(panel).__name__}.{control.objectName()}")
    assert not missing
    # The generated rows carry their ParamSpec's description.
    from gdsim.core.optimizers import OPTIMIZERS

    window.optimizer_panel.set_config(RunConfig(optimizer="adam"), 0.1)
    for spec in OPTIMIZERS["adam"].specs:
        if spec.name != "lr":
            control = window.optimizer_panel.params.controls[spec.name]
            assert control.toolTip().startswith(spec.description)
            assert control.toolTip().endswith(f"sessions: {spec.name}")  # the CLI's name


# --- the seeds' example -------------------------------------------------------------------------
def test_one_step_on_the_bowl_shows_the_seed_numbers(qtbot, window: MainWindow) -> None:
    w = window
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    h = history(w)
    assert h.steps == 1 and w.run.steps == 1
    values = w.inspector.values()
    assert values["theta"] == "(3, 4)"
    assert values["grad"] == "(6, 8)"
    assert values["grad_norm"] == "10"
    assert values["lr"] == "0.1"
    assert values["theta_next"] == "(2.4, 3.2)"
    assert (values["loss"], values["loss_next"]) == ("25", "16")
    assert w.status_steps.text() == "step 1" and w.status_loss.text() == "L = 16"


def test_run_pause_and_single_steps(qtbot, window: MainWindow) -> None:
    w = window
    w.set_configs([ENDLESS])
    wait_history(qtbot, w, lambda h: h.generation >= 1)
    w.speed_control.set_speed(0)  # as fast as possible
    w.action_run.trigger()
    assert w.action_run.isChecked()
    wait_history(qtbot, w, lambda h: h.playing and h.steps > 200)
    qtbot.waitUntil(lambda: status(w) == "running" and w.status_speed.text().endswith("steps/s"))
    h = pause(qtbot, w)
    assert not w.action_run.isChecked() and status(w) == "paused"
    paused_at = h.steps
    assert w.run.steps == paused_at  # the worker stopped where the last frame says
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    assert history(w).steps == paused_at + 1 == w.run.steps
    assert history(w).length == paused_at + 2


def test_user_picks_surface_optimizer_and_types_a_learning_rate(qtbot,
                                                                window: MainWindow) -> None:
    w = window
    choose(qtbot, w.surface_combo, "rosenbrock")
    qtbot.waitUntil(lambda: w.surface_view.surface is not None
                    and w.surface_view.surface.name == "rosenbrock")
    choose(qtbot, w.optimizer_combo, "adam")
    type_into(qtbot, w.lr_spin, "0.02")
    assert w.configs[0].surface == "rosenbrock"
    assert (w.configs[0].optimizer, w.configs[0].lr) == ("adam", 0.02)
    h = wait_history(qtbot, w, lambda h: h.lanes[0].optimizer == "adam"
                     and lr_of_next_step(h) == pytest.approx(0.02))
    assert h.steps == 0
    np.testing.assert_allclose(h.theta[0, 0], (-1.5, 2.0))
    w.action_step.trigger()
    h = wait_history(qtbot, w, lambda h: h.steps == 1)
    # Adam's first step has length ≈ η in every coordinate.
    np.testing.assert_allclose(np.abs(h.theta[1, 0] - h.theta[0, 0]), 0.02, rtol=1e-6)
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    h = wait_history(qtbot, w, lambda h: not h.playing and h.steps > 1)
    assert status(w) in ("converged", "step limit")


def test_reset_goes_back_to_step_0_and_replays_identically(qtbot, window: MainWindow) -> None:
    w = window
    choose(qtbot, w.batch_panel.mode_combo, "sgd")  # seeded shuffles: still reproducible
    wait_history(qtbot, w, lambda h: h.lanes[0].batch_size == 1)
    type_into(qtbot, w.step_limit_spin, "40")
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    first = wait_history(qtbot, w, lambda h: not h.playing and h.steps == 40)
    assert status(w) == "step limit"
    trajectory = first.theta.copy()
    generation = first.generation
    w.action_reset.trigger()
    h = wait_history(qtbot, w, lambda h: h.generation > generation)
    assert h.steps == 0 and h.length == 1 and w.status_steps.text() == "step 0"
    np.testing.assert_array_equal(h.theta[0], trajectory[0])
    w.action_run.trigger()
    again = wait_history(qtbot, w, lambda h: not h.playing and h.steps == 40)
    np.testing.assert_array_equal(again.theta, trajectory)


def test_clicking_the_map_moves_the_start_and_resets(qtbot, window: MainWindow) -> None:
    w = window
    for _ in range(3):
        w.action_step.trigger()
    h = wait_history(qtbot, w, lambda h: h.steps == 3)
    generation = h.generation
    view = w.surface_view
    vb = view.plot_item.getViewBox()
    target = QPointF(-1.5, 2.5)
    pos = view.plot_widget.mapFromScene(vb.mapViewToScene(target))
    qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    h = wait_history(qtbot, w, lambda h: h.generation > generation)
    assert h.steps == 0
    start = np.array(w.configs[0].start)
    pixel = max(abs(vb.viewPixelSize()[0]), abs(vb.viewPixelSize()[1]))
    np.testing.assert_allclose(start, (-1.5, 2.5), atol=2 * pixel)
    np.testing.assert_allclose(h.theta[0, 0], start)
    # The Surface panel shows the new start.
    assert w.surface_panel.start_spins[0].value() == pytest.approx(start[0])


def test_a_far_too_large_learning_rate_diverges_and_the_window_responds(
        qtbot, window: MainWindow) -> None:
    w = window
    type_into(qtbot, w.lr_spin, "5")
    wait_history(qtbot, w, lambda h: lr_of_next_step(h) == 5.0)
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    qtbot.waitUntil(lambda: status(w) == "diverged", timeout=10_000)
    assert not w.action_run.isChecked()
    # Still responsive: a smaller rate and a reset bring it back.
    type_into(qtbot, w.lr_spin, "0.1")
    w.action_reset.trigger()
    qtbot.waitUntil(lambda: status(w) == "paused" and history(w).steps == 0)
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    assert w.inspector.values()["theta_next"] == "(2.4, 3.2)"


@pytest.mark.parametrize("text", ["-1", "nan", "abc", "1e400"])
def test_bad_input_is_reported_inline_and_nothing_is_lost(qtbot, window: MainWindow,
                                                          text: str) -> None:
    w = window
    before = w.configs
    type_into(qtbot, w.lr_spin, text)
    message = w.statusBar().currentMessage()
    assert ("Invalid" in message or "must be" in message) and "lr" in message
    assert w.configs == before
    assert w.lr_spin.value() == pytest.approx(0.1)  # the box shows the value in force
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    assert history(w).steps == 1


def test_an_invalid_combination_is_reported_and_the_controls_revert(
        qtbot, window: MainWindow) -> None:
    w = window
    choose(qtbot, w.optimizer_combo, "nesterov")
    before = w.configs
    momentum = w.optimizer_panel.params.controls["momentum"]
    type_into(qtbot, momentum, "0")  # in momentum's range, but Nesterov needs momentum > 0
    assert "Nesterov" in w.statusBar().currentMessage()
    assert w.configs == before
    assert momentum.value() == pytest.approx(0.9)


def test_changing_lr_while_running_takes_effect_without_a_reset(qtbot,
                                                                window: MainWindow) -> None:
    w = window
    type_into(qtbot, w.lr_spin, "0.004")  # bowl: |θ| shrinks by 0.992 a step, no convergence
    w.speed_control.set_speed(500)
    w.action_run.trigger()
    h = wait_history(qtbot, w, lambda h: h.playing and h.steps >= 20)
    generation = h.generation
    type_into(qtbot, w.lr_spin, "0.006")
    h = wait_history(qtbot, w, lambda h: np.any(h.lr[: h.length - 1, 0] == 0.006)
                     and h.steps > 40)
    assert w.action_run.isChecked() and h.generation == generation  # no reset
    h = pause(qtbot, w)
    lr = h.lr[: h.length - 1, 0]
    changed = int(np.argmax(lr == 0.006))
    assert changed >= 20 and np.all(lr[:changed] == 0.004) and np.all(lr[changed:] == 0.006)
    # Continuous: every row follows from the previous one by θ ← θ − η∇L with that row's η.
    theta = h.theta[:, 0]
    np.testing.assert_allclose(theta[1:], theta[:-1] * (1 - 2 * lr[:, None]), rtol=1e-12)
    np.testing.assert_allclose(theta[0], (3.0, 4.0))


def test_changing_the_batch_size_resets_the_run(qtbot, window: MainWindow) -> None:
    w = window
    for _ in range(3):
        w.action_step.trigger()
    h = wait_history(qtbot, w, lambda h: h.steps == 3)
    generation = h.generation
    type_into(qtbot, w.batch_spin, "10")
    h = wait_history(qtbot, w, lambda h: h.generation > generation)
    assert h.steps == 0 and h.lanes[0].batch_size == 10
    assert w.configs[0].batch_size == 10
    assert w.batch_panel.mode_combo.currentData() == "mini"


def test_changing_the_seed_resets_and_the_surface_changes_all_runs(qtbot,
                                                                   window: MainWindow) -> None:
    w = window
    w.runs_panel.add_button.click()
    h = wait_history(qtbot, w, lambda h: h.runs == 2)
    assert len(w.configs) == 2 and w.selected_run == 1
    # The panels edit the selected run only ...
    type_into(qtbot, w.lr_spin, "0.3")
    assert [c.lr for c in w.configs] == [None, 0.3]
    h = wait_history(qtbot, w, lambda h: lr_of_next_step(h, 1) == 0.3)
    np.testing.assert_allclose(h.lr[-1], (0.1, 0.3))
    # ... but the seed and the surface are shared.
    generation = h.generation
    type_into(qtbot, w.surface_panel.seed_spin, "7")
    h = wait_history(qtbot, w, lambda h: h.generation > generation)
    assert [c.seed for c in w.configs] == [7, 7]
    choose(qtbot, w.surface_combo, "ellipse")
    qtbot.waitUntil(lambda: w.surface_view.surface.name == "ellipse")
    assert {c.surface for c in w.configs} == {"ellipse"}
    # Selecting run 1 shows its configuration; removing it leaves one run.
    w.runs_panel.runs_list.setCurrentRow(0)
    assert w.selected_run == 0 and w.configs[0].lr is None
    w.runs_panel.remove_button.click()
    wait_history(qtbot, w, lambda h: h.runs == 1)
    assert len(w.configs) == 1


def test_set_configs_loads_a_comparison(qtbot, window: MainWindow) -> None:
    w = window
    configs = [RunConfig(lr=lr, label=name) for lr, name in
               ((0.01, "too small"), (0.1, "right"), (1.05, "too large"))]
    w.set_configs(configs)
    assert w.configs == configs
    h = wait_history(qtbot, w, lambda h: h.runs == 3)
    assert [lane.label for lane in h.lanes] == ["too small", "right", "too large"]
    assert w.runs_panel.runs_list.count() == 3
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    h = wait_history(qtbot, w, lambda h: not h.playing and h.steps > 0)
    assert h.lanes[2].status == "diverged" and h.lanes[1].status == "converged"
    with pytest.raises(ValueError, match="share"):
        w.set_configs([RunConfig(), RunConfig(seed=3)])


def test_step_limit_and_speed_controls(qtbot, window: MainWindow) -> None:
    w = window
    w.set_configs([ENDLESS])
    type_into(qtbot, w.step_limit_spin, "25")
    assert w.configs[0].max_steps == 25
    w.speed_control.set_speed(0)
    assert w.speed_control.label.text() == "max"
    w.action_run.trigger()
    wait_history(qtbot, w, lambda h: not h.playing and h.steps == 25)
    assert status(w) == "step limit" and w.status_steps.text() == "step 25"
    # Raising the limit lets the run go on from where it stopped.
    type_into(qtbot, w.step_limit_spin, "30")
    w.action_run.trigger()
    wait_history(qtbot, w, lambda h: not h.playing and h.steps == 30)


def test_keyboard_shortcuts(qtbot, window: MainWindow) -> None:
    w = window
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.surface_view.setFocus()
    qtbot.keyClick(w, Qt.Key.Key_S)
    wait_history(qtbot, w, lambda h: h.steps == 1)
    qtbot.keyClick(w, Qt.Key.Key_Right)
    wait_history(qtbot, w, lambda h: h.steps == 2)
    qtbot.keyClick(w, Qt.Key.Key_R)
    wait_history(qtbot, w, lambda h: h.steps == 0)


def test_data_surfaces_show_the_data_view(qtbot, window: MainWindow) -> None:
    w = window
    assert not w.data_view.isVisible()
    choose(qtbot, w.surface_combo, "linear-regression")
    qtbot.waitUntil(w.data_view.isVisible)
    choose(qtbot, w.surface_combo, "bowl")
    qtbot.waitUntil(lambda: not w.data_view.isVisible())


def test_export_writes_the_trajectory_plot_as_png(qtbot, window: MainWindow, tmp_path) -> None:
    from PIL import Image

    w = window
    w.action_step.trigger()
    wait_history(qtbot, w, lambda h: h.steps == 1)
    path = w.export(tmp_path / "trajectory.png")
    assert path == tmp_path / "trajectory.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= 1200
    assert "Exported" in w.statusBar().currentMessage()


def test_closing_the_window_while_running_stops_the_worker(qtbot) -> None:
    w = MainWindow([ENDLESS])
    qtbot.addWidget(w)
    w.show()
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    wait_history(qtbot, w, lambda h: h.playing and h.steps > 100)
    thread, process = w.controller.qthread, w.controller.process
    assert thread.isRunning() and process is not None and process.is_alive()
    w.close()
    assert thread.isFinished() and not thread.isRunning()
    assert not process.is_alive() and process.exitcode is not None  # nothing outlives it
    assert history(w).steps > 100  # what was received stays readable


def test_screenshot_of_the_default_window(qtbot, window: MainWindow, artifacts_dir) -> None:
    w = window
    w.resize(1280, 800)
    for _ in range(3):
        w.action_step.trigger()
    wait_history(qtbot, w, lambda h: h.steps == 3)
    qtbot.waitUntil(lambda: w.status_steps.text() == "step 3")
    image = w.grab()
    assert (image.width(), image.height()) == (1280, 800)
    assert image.save(str(artifacts_dir / "window.png"))


def test_launch_opens_a_session_and_returns_the_exit_code(qtbot, tmp_path) -> None:
    from gdsim.app.main import launch
    from gdsim.core.session import Session, save_session

    configs = (RunConfig(optimizer="adam", label="Adam"), RunConfig(optimizer="rmsprop"))
    path = tmp_path / "compare.json"
    save_session(Session(configs, title="Adam vs RMSprop"), path)
    seen: list[MainWindow] = []

    def inspect_and_close() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(10, inspect_and_close)
            return
        seen.append(windows[0])
        windows[0].close()

    QTimer.singleShot(0, inspect_and_close)
    assert launch(session_file=path) == 0
    (window,) = seen
    assert window.configs == list(configs)
    assert window.windowTitle().startswith("Adam vs RMSprop")
    assert QApplication.applicationName() == "gdsim"
    assert not window.controller.qthread.isRunning()


# --- labels follow the settings (issue 9) -------------------------------------------------------
def runs_texts(w: MainWindow) -> list[str]:
    return [w.runs_list.item(i).text() for i in range(w.runs_list.count())]


def load_lesson_1(qtbot, w: MainWindow) -> None:
    w.documents.load_lesson("01-first-step")
    qtbot.waitUntil(lambda: w.model.lesson is not None and history(w).steps == 0
                    and w.model.configs[0].lr == 0.1)


def test_a_lessons_label_follows_a_new_learning_rate(qtbot, window: MainWindow) -> None:
    w = window
    load_lesson_1(qtbot, w)
    assert runs_texts(w) == ["Gradient descent, η = 0.1"]
    type_into(qtbot, w.lr_spin, "1.5")
    qtbot.waitUntil(lambda: runs_texts(w) == ["Gradient descent, η = 1.5"])
    qtbot.waitUntil(lambda: w.loss_plot.lanes[0].loss.opts["name"] == "Gradient descent, η = 1.5")


def test_add_labels_both_runs_by_what_they_run(qtbot, window: MainWindow) -> None:
    w = window
    load_lesson_1(qtbot, w)
    type_into(qtbot, w.lr_spin, "0.5")
    qtbot.waitUntil(lambda: w.model.configs[0].lr == 0.5)
    w.runs_panel.add_button.click()
    qtbot.waitUntil(lambda: w.runs_list.count() == 2)
    assert runs_texts(w) == ["Gradient descent, η = 0.5", "Gradient descent, η = 0.5 (2)"]


def test_another_optimizer_is_named_in_the_label(qtbot, window: MainWindow) -> None:
    w = window
    load_lesson_1(qtbot, w)
    choose(qtbot, w.optimizer_combo, "adam")
    qtbot.waitUntil(lambda: runs_texts(w)[0].startswith("Adam, η = "))
    assert "Gradient descent" not in runs_texts(w)[0]


def test_double_click_renames_a_run_and_the_name_stays(qtbot, window: MainWindow) -> None:
    w = window
    w.runs_panel.sigRenamed.emit(0, "baseline")  # what the list's editor emits on Enter
    qtbot.waitUntil(lambda: runs_texts(w) == ["baseline"])
    type_into(qtbot, w.lr_spin, "0.3")
    qtbot.waitUntil(lambda: w.model.configs[0].lr == 0.3)
    assert runs_texts(w) == ["baseline"] and w.model.configs[0].label == "baseline"


# --- a new plot panel is its own module plus one line in the window -----------------------------
class LossReadout(QLabel):
    """A newcomer's panel: the selected run's loss at the step shown."""

    def __init__(self) -> None:
        super().__init__()
        self.lane = 0
        self.labels: list[str] = []

    def set_lanes(self, labels: list[str]) -> None:
        self.labels = labels

    def set_selected_lane(self, lane: int) -> None:
        self.lane = lane

    def update_history(self, history: History) -> None:
        rows = history.lane_rows(self.lane)
        self.setText(f"{self.labels[self.lane]}: L = {history.loss[rows - 1, self.lane]:.6g}")


class WindowWithReadout(MainWindow):
    def _build_views(self) -> None:
        super()._build_views()
        self.readout = self._add_plot(LossReadout(), dock="Loss readout")


def test_a_plot_panel_registered_with_one_line_follows_the_model(qtbot) -> None:
    w = WindowWithReadout([RunConfig(surface="bowl", start=(3.0, 4.0))])
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    assert w.findChild(QWidget, "loss_readout_dock") is not None
    for _ in range(3):
        w.action_step.trigger()
    qtbot.waitUntil(lambda: w.readout.text() == "Gradient descent, η = 0.1: L = 6.5536")
    w.timeline.slider.setValue(1)  # the panel follows the timeline like every view
    qtbot.waitUntil(lambda: w.readout.text().endswith("L = 16"))
    with pytest.raises(TypeError, match="no PlotView"):
        w._add_plot(QLabel())
    w.close()
