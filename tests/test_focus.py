"""The keyboard and focus rules, driven with real key presses and clicks on the window."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QToolBar, QWidget

from gdsim.app import MainWindow
from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # noqa: ANN001
    w = MainWindow([RunConfig(surface="bowl", start=(3.0, 4.0), max_steps=10**6)])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.history is not None and QApplication.activeWindow() is w)
    yield w
    w.close()


def map_has_focus(w: MainWindow) -> bool:
    return QApplication.focusWidget() is w.surface_view.plot_widget


def type_text(qtbot, spin: QWidget, text: str) -> None:  # noqa: ANN001
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def toolbar_button(w: MainWindow, action) -> QWidget:  # noqa: ANN001
    bar = w.findChild(QToolBar, "simulation_toolbar")
    return bar.widgetForAction(action)


def test_lesson_1_set_eta_then_press_s_steps_with_it(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    w.findChild(type(w.action_run), "action_lesson_01-first-step").trigger()
    qtbot.waitUntil(lambda: w.model.lesson is not None and w.history.steps == 0
                    and w.model.configs[0].lr == 0.1)
    type_text(qtbot, w.lr_spin, "0.5")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_S)  # "press Step (S)", still in the η box
    qtbot.waitUntil(lambda: w.model.step_count() == 1)
    assert "s" not in w.lr_spin.text().lower()
    assert w.model.configs[0].lr == 0.5
    np.testing.assert_allclose(w.history.theta[1, 0], (0.0, 0.0), atol=1e-12)  # one step home
    assert map_has_focus(w)


def test_space_and_r_in_a_number_field_act_on_the_simulation(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    type_text(qtbot, w.lr_spin, "0.01")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.history.playing and w.model.configs[0].lr == 0.01)
    assert " " not in w.lr_spin.text()
    qtbot.keyClick(w.surface_view.plot_widget, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not w.history.playing)
    w.lr_spin.setFocus()
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: w.model.step_count() == 0)
    assert "r" not in w.lr_spin.text().lower()


def test_enter_commits_and_escape_cancels_and_both_return_to_the_map(
        qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    type_text(qtbot, w.lr_spin, "0.3")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.model.configs[0].lr == 0.3)
    assert map_has_focus(w)
    type_text(qtbot, w.lr_spin, "0.7")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_Escape)
    assert map_has_focus(w)
    assert w.model.configs[0].lr == 0.3 and w.lr_spin.value() == pytest.approx(0.3)
    assert not w.model.can_redo and w.model.can_undo  # one edit, the cancelled one is none


def test_arrows_in_a_number_field_edit_the_text(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    type_text(qtbot, w.lr_spin, "0.25")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_Left)
    assert w.model.step_count() == 0 and w.model.cursor is None
    assert w.lr_spin.hasFocus()


def test_a_click_on_a_toolbar_button_or_the_map_takes_the_focus_out(
        qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    type_text(qtbot, w.lr_spin, "0.2")
    qtbot.mouseClick(toolbar_button(w, w.action_step), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.model.step_count() == 1)
    assert w.model.configs[0].lr == 0.2 and w.history.lr[0, 0] == pytest.approx(0.2)
    assert not w.lr_spin.hasFocus()
    type_text(qtbot, w.lr_spin, "0.15")
    qtbot.mousePress(w.surface_view.plot_widget.viewport(), Qt.MouseButton.RightButton)
    qtbot.waitUntil(lambda: w.model.configs[0].lr == 0.15)
    assert not w.lr_spin.hasFocus()


@pytest.mark.parametrize("name", ["optimizer_combo", "runs_list", "speed_slider"])
def test_keys_act_when_the_focus_is_on_another_control(qtbot, window: MainWindow,  # noqa: ANN001
                                                      name: str) -> None:
    w = window
    control = w.findChild(QWidget, name)
    control.setFocus()
    qtbot.waitUntil(control.hasFocus)
    qtbot.keyClick(control, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: w.model.step_count() == 1)
    qtbot.keyClick(control, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.model.step_count() == 2)
    qtbot.keyClick(control, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: w.model.cursor == 1)
    assert w.optimizer_combo.currentData() == "gd"


def test_a_runs_name_is_typed_with_every_letter(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    item = w.runs_list.item(0)
    w.runs_list.editItem(item)  # what a double-click does
    editor = w.runs_list.findChild(QLineEdit)
    qtbot.waitUntil(lambda: editor is not None and editor.isVisible())
    editor.selectAll()
    qtbot.keyClicks(editor, "slow steps")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.model.labels == ["slow steps"])
    assert w.runs_list.item(0).text() == "slow steps"
    assert w.model.step_count() == 0  # no S, R or Space reached the simulation


def test_keys_act_in_the_read_only_lesson_text(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    w.documents.load_lesson("01-first-step")
    text = w.documents.lesson_panel.text
    qtbot.waitUntil(lambda: text.isVisible() and w.model.lesson is not None)
    text.setFocus()
    qtbot.waitUntil(text.hasFocus)
    qtbot.keyClick(text, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: w.model.step_count() == 1)


def test_shift_s_in_a_number_field_steps_back(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    w.action_step.trigger()
    w.action_step.trigger()
    qtbot.waitUntil(lambda: w.model.step_count() == 2)
    type_text(qtbot, w.lr_spin, "0.1")
    qtbot.keyClick(w.lr_spin, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.model.cursor == 1)
    assert "s" not in w.lr_spin.text().lower() and map_has_focus(w)
