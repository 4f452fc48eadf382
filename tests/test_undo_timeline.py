"""Undo/redo and the timeline, driven from the window as a user drives it (keys, menus, the
scrubber, clicks on the map). Every wait is on a condition, never a sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from gdsim.app import MainWindow
from gdsim.app.model.history import History
from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

ENDLESS = RunConfig(surface="rosenbrock", optimizer="gd", max_steps=10**9, grad_tol=0.0)


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # noqa: ANN001
    w = MainWindow([ENDLESS, ENDLESS.with_changes(lr=0.0005)])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.history is not None and QApplication.activeWindow() is w)
    w.surface_view.plot_widget.setFocus()
    yield w
    w.close()


def wait(qtbot, w: MainWindow, condition: Callable[[History], bool],  # noqa: ANN001
         timeout: int = 10_000) -> History:
    qtbot.waitUntil(lambda: w.history is not None and condition(w.history), timeout=timeout)
    assert w.history is not None
    return w.history


def steps(qtbot, w: MainWindow, n: int) -> History:  # noqa: ANN001
    target = w.model.step_count() + n
    for _ in range(n):
        qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_S)
    return wait(qtbot, w, lambda h: w.model.step_count() == target)


def click_map(qtbot, w: MainWindow, x: float, y: float) -> None:  # noqa: ANN001
    view = w.surface_view
    vb = view.plot_item.getViewBox()
    pos = view.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_edit_menu_and_shortcuts(window: MainWindow) -> None:
    w = window
    menus = {a.text(): a.menu() for a in w.menuBar().actions() if isinstance(a.menu(), QMenu)}
    assert w.action_undo in menus["&Edit"].actions() and w.action_redo in menus["&Edit"].actions()
    assert w.action_undo.shortcut() == QKeySequence("Ctrl+Z")
    assert w.action_redo.shortcut() == QKeySequence("Ctrl+Shift+Z")
    assert {s.toString() for s in w.action_step_back.shortcuts()} == {"Left", "Shift+S"}
    assert not w.action_undo.isEnabled()


def test_a_stray_map_click_is_taken_back_with_ctrl_z(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    before = steps(qtbot, w, 30).theta.copy()
    generation = w.history.generation
    click_map(qtbot, w, -1.234, 2.345)
    h = wait(qtbot, w, lambda h: h.generation > generation)
    assert w.model.step_count() == 0
    start = w.model.configs[0].start
    assert start == w.model.configs[1].start
    width = np.diff(w.current_view_box(), axis=1).min()
    decimals = -int(np.floor(np.log10(width / 50)))  # about a 50th of the view
    assert all(round(x, decimals) == x for x in start)  # round numbers …
    np.testing.assert_allclose(start, (-1.234, 2.345), atol=width / 50)  # … where clicked
    assert "Ctrl+Z" in w.statusBar().currentMessage()
    assert w.action_undo.isEnabled()
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    h = wait(qtbot, w, lambda h: w.model.step_count() == 30)
    assert w.model.configs[0].start is None
    assert "Ctrl+Shift+Z" in w.statusBar().currentMessage()
    np.testing.assert_array_equal(h.theta, before)  # both runs, to the step they had reached
    assert w.runs_list.count() == 2
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait(qtbot, w, lambda h: w.model.step_count() == 0 and w.model.configs[0].start == start)


def test_undo_of_panel_edits_and_of_add_and_remove(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    steps(qtbot, w, 5)
    w.runs_panel.add_button.click()
    qtbot.waitUntil(lambda: w.runs_list.count() == 3)
    w.optimizer_combo.setCurrentIndex(w.optimizer_combo.findData("adam"))
    qtbot.waitUntil(lambda: w.model.configs[2].optimizer == "adam")
    assert "Adam" in w.runs_list.item(2).text()
    w.action_undo.trigger()
    qtbot.waitUntil(lambda: w.model.configs[2].optimizer == "gd"
                    and w.optimizer_combo.currentData() == "gd")
    w.action_undo.trigger()
    wait(qtbot, w, lambda h: h.runs == 2 and w.model.step_count() == 5)
    assert w.runs_list.count() == 2


def test_the_scrubber_shows_step_k_everywhere_from_the_record(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    h = steps(qtbot, w, 20)
    computed = w.run.steps
    slider = w.timeline.slider
    assert slider.maximum() == 20 and slider.value() == 20
    slider.setValue(7)  # as a drag does
    qtbot.waitUntil(lambda: w.model.cursor == 7)
    qtbot.waitUntil(lambda: w.inspector.values().get("step", "").startswith("7"))
    point = w.surface_view.lanes.current_point(0)
    np.testing.assert_allclose(point.ravel(), h.theta[7, 0])
    assert w._loss_cursor.isVisible() and w._loss_cursor.value() == 7
    assert w.status_state.text() == "rewound"
    assert w.run.steps == computed  # nothing was recomputed


def test_step_back_and_forward_through_the_record(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    h = steps(qtbot, w, 10)
    record = h.theta.copy()
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: w.model.cursor == 9)
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.model.cursor == 8)
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_S)  # forward, from the record
    qtbot.waitUntil(lambda: w.model.cursor == 9)
    np.testing.assert_array_equal(w.model.shown_history().theta[-1], record[9])
    assert w.model.step_count() == 10
    w.action_step.trigger()
    qtbot.waitUntil(lambda: w.model.cursor is None)  # at the end: live again
    assert w.model.step_count() == 10


def test_run_from_a_rewound_cursor_continues_from_the_end(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    steps(qtbot, w, 10)
    w.timeline.slider.setValue(3)
    qtbot.waitUntil(lambda: w.model.cursor == 3)
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_Space)
    wait(qtbot, w, lambda h: h.steps > 30)
    assert w.model.cursor is None
    w.action_run.trigger()
    wait(qtbot, w, lambda h: not h.playing)


def test_editing_at_a_rewound_cursor_continues_from_there(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    record = steps(qtbot, w, 12).theta.copy()
    w.timeline.slider.setValue(4)
    qtbot.waitUntil(lambda: w.model.cursor == 4)
    w.lr_spin.setValue(0.0001)  # what if η had been smaller from here?
    h = wait(qtbot, w, lambda h: w.model.cursor is None and h.steps == 4)
    np.testing.assert_array_equal(h.theta, record[:5])
    h = steps(qtbot, w, 1)
    assert h.lr[4, 0] == pytest.approx(0.0001)
    assert not np.array_equal(h.theta[5], record[5])
    w.action_undo.trigger()  # the dropped steps come back
    h = wait(qtbot, w, lambda h: w.model.step_count() == 12)
    np.testing.assert_array_equal(h.theta, record)


def test_another_optimizer_at_a_rewound_cursor_continues_from_there(
        qtbot, window: MainWindow) -> None:  # noqa: ANN001
    """"What if I had switched to Adam at step 4?": the run goes on from θ_4 with Adam (no
    restart from θ₀), and undo brings back the gradient-descent steps after it."""
    w = window
    record = steps(qtbot, w, 12).theta.copy()
    w.timeline.slider.setValue(4)
    qtbot.waitUntil(lambda: w.model.cursor == 4)
    combo = w.optimizer_combo
    combo.setCurrentIndex(combo.findData("adam"))
    h = wait(qtbot, w, lambda h: w.model.cursor is None and h.steps == 4
             and h.lanes[0].optimizer == "adam")
    np.testing.assert_array_equal(h.theta, record[:5])
    h = steps(qtbot, w, 1)
    assert h.lanes[1].optimizer == "gd"  # the other run keeps its rule
    np.testing.assert_array_equal(h.theta[5, 1], record[5, 1])
    # Adam's first step from θ_4 moves each coordinate by about η.
    np.testing.assert_allclose(np.abs(h.theta[5, 0] - h.theta[4, 0]), h.lr[4, 0], rtol=1e-6)
    w.action_undo.trigger()
    h = wait(qtbot, w, lambda h: w.model.step_count() == 12 and h.lanes[0].optimizer == "gd")
    np.testing.assert_array_equal(h.theta, record)


def test_closing_during_a_long_replay_ends_the_worker(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    steps(qtbot, w, 2)
    w.controller.restore(w.model.plan, 10**9)  # what undo of a very long run asks
    # Hours of replay without the interruption; the thread ends well within the wait.
    assert w.controller.shutdown(timeout_ms=20_000)
