"""Exports from the window, sessions, lessons and remembered settings — driven as a user does."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, QSize, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog

from gdsim.app import MainWindow
from gdsim.app.files.export_dialog import ExportDialog
from gdsim.app.files.settings import Settings
from gdsim.app.main import create_window
from gdsim.app.style import LANE_COLORS
from gdsim.core import RunConfig
from gdsim.core.lessons import list_lessons

BOWL = RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3.0, 4.0), max_steps=1000)


def make_window(qtbot, configs=None, settings=None) -> MainWindow:  # noqa: ANN001
    window = MainWindow(configs, settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.history is not None, timeout=10_000)
    return window


def step(qtbot, window: MainWindow, times: int) -> None:  # noqa: ANN001
    for _ in range(times):
        before = window.history.steps
        window.action_step.trigger()
        qtbot.waitUntil(lambda b=before: window.history.steps == b + 1, timeout=10_000)


def settings_in(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def status_message(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


@pytest.fixture
def stepped(qtbot):  # noqa: ANN001, ANN201
    window = make_window(qtbot, [BOWL, BOWL.with_changes(optimizer="momentum", lr=0.05,
                                                         label="momentum")])
    step(qtbot, window, 12)
    return window


def test_png_export_defaults_to_twice_the_screen_size(stepped: MainWindow,
                                                      tmp_path: Path) -> None:
    path = stepped.export(tmp_path / "map.png")
    assert path == tmp_path / "map.png"
    view = stepped.surface_view.size()
    with Image.open(path) as png:
        image = np.asarray(png.convert("RGB"))
    assert image.shape[:2] == (2 * view.height(), 2 * view.width())
    assert len(np.unique(image.reshape(-1, 3) // 8, axis=0)) > 200  # not blank
    for colour in LANE_COLORS[:2]:  # both trajectories are drawn
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(image.astype(int) - rgb).sum(axis=2) < 30).sum() > 50


def test_png_of_a_chosen_size_and_both_plots(stepped: MainWindow, tmp_path: Path) -> None:
    path = stepped.export(tmp_path / "both.png", content="both", size=QSize(1600, 800))
    with Image.open(path) as image:
        assert image.size == (1600, 800)


def test_svg_and_pdf_exports(stepped: MainWindow, tmp_path: Path) -> None:
    svg = stepped.export(tmp_path / "map.svg")
    text = svg.read_text()
    assert ET.fromstring(text).tag.endswith("svg")
    assert LANE_COLORS[0].lower() in text.lower() and "x² + y²" in text
    pdf = stepped.export(tmp_path / "loss.pdf", content="loss")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1


def test_csv_and_json_hold_the_runs_values(stepped: MainWindow, tmp_path: Path) -> None:
    stepped.select_run(1)
    path = stepped.export(tmp_path / "t.csv")
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["step", "x", "y", "loss", "grad_x", "grad_y", "lr"]
    data = np.array(rows[1:], dtype=float)
    run = stepped.run  # paused: safe to read
    np.testing.assert_array_equal(data[:, 1:3], run.trajectory.theta[:13, 1])
    np.testing.assert_array_equal(data[:, 3], run.trajectory.loss[:13, 1])
    assert np.all(data[:, 6] == 0.05)
    doc = json.loads(stepped.export(tmp_path / "run.json").read_text())
    assert [t["label"] for t in doc["trajectories"]][1] == "momentum"
    assert doc["trajectories"][0]["theta"]["x"][:2] == [3.0, 2.4]
    assert doc["runs"][1]["optimizer"] == "momentum"


def test_gif_export_with_progress(stepped: MainWindow, tmp_path: Path) -> None:
    path = stepped.export(tmp_path / "a.gif", content="both", size=QSize(640, 320), frames=8,
                          fps=10)
    with Image.open(path) as gif:
        assert gif.n_frames == 8 and gif.size == (640, 320)


def test_cancelled_gif_leaves_nothing(stepped: MainWindow, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    def cancel() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                widget.cancel()
                return
        QTimer.singleShot(5, cancel)

    QTimer.singleShot(0, cancel)
    assert stepped.export(tmp_path / "a.gif", frames=200, fps=10) is None
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in status_message(stepped)


def test_bad_export_paths_give_a_message_and_nothing_else(stepped: MainWindow,
                                                          tmp_path: Path) -> None:
    assert stepped.export(tmp_path / "x.bmp") is None
    assert "Unknown export format '.bmp'" in status_message(stepped)
    assert stepped.export(tmp_path / "missing" / "x.png") is None
    assert "does not exist" in status_message(stepped)
    assert list(tmp_path.iterdir()) == []
    assert stepped.isVisible() and stepped.history.steps == 12  # nothing lost


def test_export_dialog_from_the_menu(stepped: MainWindow, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    target = tmp_path / "dialog.svg"
    seen: list[ExportDialog] = []

    def fill() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, ExportDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(5, fill)
            return
        dialog = dialogs[0]
        seen.append(dialog)
        dialog.path_edit.setText(str(tmp_path / "bad.xyz"))
        dialog.buttons.accepted.emit()  # rejected inline: the dialog stays open
        assert "Unknown export format" in dialog.error_label.text() and dialog.isVisible()
        dialog.set_content("both")
        dialog.path_edit.setText(str(target))
        assert not dialog.frames_spin.isVisible()
        dialog.buttons.accepted.emit()

    QTimer.singleShot(0, fill)
    stepped.action_export.trigger()
    assert seen and target.exists()
    assert ET.parse(target).getroot().tag.endswith("svg")


def test_save_and_reopen_a_session_replays_identically(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    configs = [RunConfig(surface="linear-regression", optimizer="adam", batch_size=8, seed=4,
                         max_steps=30),
               RunConfig(surface="linear-regression", optimizer="gd", seed=4, max_steps=30)]
    window = make_window(qtbot, configs)
    window.surface_view.plot_item.setRange(xRange=(-1, 4), yRange=(-3, 2), padding=0)
    path = window.documents.save_session(tmp_path / "s.json")
    saved = json.loads(path.read_text())["view"]  # the map keeps x:y = 1:1, so one widens
    assert saved["x_range"][0] <= -1 and saved["x_range"][1] >= 4
    assert saved["y_range"][0] <= -3 and saved["y_range"][1] >= 2
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.run.running, timeout=20_000)
    first = window.run.trajectory.theta.copy()

    other = make_window(qtbot)
    assert other.documents.open_session(path)
    qtbot.waitUntil(lambda: other.configs == configs and other.history is not None
                    and other.history.runs == 2, timeout=10_000)
    shown = other.current_view()
    assert shown["x_range"][0] <= -1 and shown["x_range"][1] >= 4
    assert shown["y_range"][0] <= -3 and shown["y_range"][1] >= 2
    other.action_run.trigger()
    qtbot.waitUntil(lambda: not other.run.running, timeout=20_000)
    np.testing.assert_array_equal(other.run.trajectory.theta, first)


@pytest.mark.parametrize("content, field", [
    ("{oops", "not valid JSON"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"lr": -2}]}', "runs[0].lr"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{}], "view": {"x_range": [2, 1]}}',
     "view.x_range"),
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ('{"seed": ' + "9" * 5000 + "}", "too many digits"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"label": "\\ud800"}]}',
     "runs[0].label"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"surface": [1, 2]}]}',
     "runs[0].surface"),
])
def test_corrupt_session_is_rejected_and_nothing_changes(qtbot, tmp_path: Path, content: str,  # noqa: ANN001
                                                         field: str) -> None:
    window = make_window(qtbot, [BOWL])
    step(qtbot, window, 3)
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert not window.documents.open_session(path)
    assert field in status_message(window)
    assert window.configs == [BOWL] and window.history.steps == 3


def test_every_lesson_loads_and_runs(qtbot) -> None:  # noqa: ANN001
    window = make_window(qtbot)
    lessons = list_lessons()
    assert len(lessons) >= 12
    menu_actions = {a.objectName() for a in window.documents.lessons_menu.actions()}
    for lesson in lessons:
        action_name = f"action_lesson_{lesson.key}"
        assert action_name in menu_actions
        window.findChild(type(window.action_run), action_name).trigger()
        expected = list(lesson.session.configs)
        labels = [c.label for c in expected]
        qtbot.waitUntil(lambda e=expected, la=labels: window.configs == e
                        and window.history is not None and window.history.steps == 0
                        and [lane.label for lane in window.history.lanes] == la,
                        timeout=10_000)
        assert window.documents.lesson_dock.isVisible()
        assert window.documents.lesson_panel.title.text() == lesson.title
        assert lesson.title in window.windowTitle()
        step(qtbot, window, 2)


def test_lesson_view_is_applied(qtbot) -> None:  # noqa: ANN001
    window = make_window(qtbot)
    window.documents.load_lesson("03-learning-rate")
    qtbot.waitUntil(lambda: window.history is not None and window.history.runs == 3,
                    timeout=10_000)
    view = window.current_view()  # the lesson's box, widened on one axis to keep x:y = 1:1
    assert view["x_range"][0] <= -5.99 and view["x_range"][1] >= 5.99
    assert view["y_range"][0] <= -5.99 and view["y_range"][1] >= 5.99
    assert min(view["x_range"][1] - view["x_range"][0],
               view["y_range"][1] - view["y_range"][0]) == pytest.approx(12, abs=0.05)


def test_settings_remember_layout_runs_and_folders(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    settings = settings_in(tmp_path)
    window = create_window(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.history is not None, timeout=10_000)
    configs = [RunConfig(surface="booth", optimizer="adam", lr=0.3, max_steps=77)]
    window.set_configs(configs)
    window.resize(701, 603)  # within the offscreen screen (800 × 800): restoreGeometry clamps
    export = window.export(tmp_path / "x.csv")
    assert export is not None
    window.close()

    again = create_window(settings=settings_in(tmp_path))
    qtbot.addWidget(again)
    assert again.configs == configs
    assert again.size() == QSize(701, 603)
    assert settings_in(tmp_path).export_dir() == tmp_path
    again.close()

    fresh = create_window(reset_settings=True, settings=settings_in(tmp_path))
    qtbot.addWidget(fresh)
    assert fresh.configs == [RunConfig()]
    fresh.close()


def test_opening_a_file_at_launch(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    lesson = list_lessons()[5]
    path = tmp_path / "lesson.json"
    path.write_text(lesson.session.to_json())
    window = create_window(session_file=path, settings=settings_in(tmp_path))
    qtbot.addWidget(window)
    assert window.configs == list(lesson.session.configs)
    assert window.documents.lesson_panel.title.text() == lesson.title
    window.close()


def test_a_failing_save_is_one_message(qtbot, tmp_path: Path,  # noqa: ANN001
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import gdsim.core.session as session_module

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    window = make_window(qtbot, [BOWL])
    monkeypatch.setattr(session_module, "write_atomic", full_disk)
    assert window.documents.save_session(tmp_path / "s.json") is None
    message = status_message(window)
    assert "No space left on device" in message and message.count("s.json") == 1


# --- the Lesson panel follows the runs (issue 9) ------------------------------------------------
def test_the_lesson_panel_says_when_the_runs_are_no_longer_the_lessons(qtbot, tmp_path: Path) -> None:  # noqa: ANN001, E501
    window = make_window(qtbot)
    panel = window.documents.lesson_panel
    assert panel.state == "empty"
    window.documents.load_lesson("01-first-step")
    qtbot.waitUntil(lambda: panel.state == "lesson")
    assert not panel.restart_button.isVisible()
    window.surface_combo.setCurrentIndex(window.surface_combo.findData("rosenbrock"))
    qtbot.waitUntil(lambda: panel.state == "changed")
    assert panel.restart_button.isVisible() and "changed" in panel.changed.text()
    panel.restart_button.click()
    qtbot.waitUntil(lambda: panel.state == "lesson" and window.model.configs[0].surface == "bowl")
    path = tmp_path / "plain.json"
    assert window.save_session(path) == path
    data = json.loads(path.read_text())
    data.pop("title", None)
    data.pop("explanation", None)
    path.write_text(json.dumps(data))
    assert window.open_session(path)
    qtbot.waitUntil(lambda: panel.state == "empty")
    assert panel.title.text() == "" and not window.documents.lesson_dock.isVisible()
    window.action_undo.trigger()  # opening a session is undoable: the lesson comes back
    qtbot.waitUntil(lambda: panel.state == "lesson")


def test_a_relaunch_restores_the_lesson_and_its_state(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    window = create_window(settings=settings_in(tmp_path))
    qtbot.addWidget(window)
    window.show()
    window.documents.load_lesson("03-learning-rate")
    qtbot.waitUntil(lambda: window.documents.lesson_panel.state == "lesson")
    window.close()
    again = create_window(settings=settings_in(tmp_path))
    qtbot.addWidget(again)
    lesson = next(le for le in list_lessons() if le.key == "03-learning-rate")
    assert again.model.lesson is not None and again.model.lesson.key == lesson.key
    assert again.documents.lesson_panel.state == "lesson"
    assert again.documents.lesson_panel.title.text() == lesson.title
    assert not again.model.can_undo
    again.close()
