"""The network in the window: its views replace the map, follow the runs and the timeline, and
its parameters are edited like any other (choices, layer sizes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gdsim.app import MainWindow
from gdsim.app.main import create_window
from gdsim.app.panels.choice_field import ChoiceField, IntsField
from gdsim.core.lessons import lesson_path
from gdsim.core.surfaces.network import Network

LESSON = "14-network-adam-vs-sgd"


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:  # noqa: ANN001
    from PySide6.QtCore import QSettings

    from gdsim.app.files.settings import Settings

    w = create_window(settings=Settings(QSettings(str(tmp_path / "s.ini"),
                                                  QSettings.Format.IniFormat)))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    assert w.open_session(lesson_path(LESSON))
    qtbot.waitUntil(lambda: isinstance(w.network_view.surface, Network))
    return w


def step(qtbot, w: MainWindow, n: int) -> None:  # noqa: ANN001
    target = w.model.step_count(0) + n
    for _ in range(n):
        w.action_step.trigger()
    qtbot.waitUntil(lambda: w.model.step_count(0) >= target, timeout=10_000)


def test_the_network_views_replace_the_map(qtbot, window: MainWindow,  # noqa: ANN001
                                           artifacts_dir: Path) -> None:
    w = window
    assert w.map_stack.currentWidget() is w.network_view
    assert not w.surface_view.isVisible() and w.network_view.isVisible()
    assert w.surface_panel.start_note.isVisible()  # 105 weights: no start boxes
    assert not any(spin.isVisible() for spin in w.surface_panel.start_spins)
    step(qtbot, w, 25)
    view = w.network_view
    image = view.decision.image.image
    assert image is not None and image.shape == (80, 80)
    assert 0.0 <= np.nanmin(image) < 0.5 < np.nanmax(image) <= 1.0  # both classes predicted
    for c, item in enumerate(view.decision.points):
        x, _ = item.getData()
        assert len(x) == int(np.sum(view.surface.y == c))
    # The selected run's mini-batch of 10 is ringed.
    assert len(view.decision.batch.getData()[0]) == 10
    norms = view.training.norm_curves
    assert set(norms) == {"W1", "W2", "W3"} and len(norms["W1"].getData()[0]) == 26
    assert len(view.training.accuracy_curve.getData()[0]) == 26
    qtbot.waitUntil(lambda: view.landscape.slice is not None, timeout=20_000)
    assert view.landscape.slice.loss.shape == (41, 41)
    assert "not the whole surface" in view.landscape.note.text()
    path = view.landscape.paths[0].getData()
    assert len(path[0]) == 26  # every recorded step of the selected run, projected
    values = w.inspector.values()
    assert {"layer1", "layer2", "layer3"} <= set(values)
    assert "|∇W|" in values["layer1"] and "105 values" in values["theta_next"]
    w.grab().save(str(artifacts_dir / "window-network.png"))


def test_the_timeline_rewinds_the_decision_map(qtbot, window: MainWindow) -> None:  # noqa: ANN001
    w = window
    step(qtbot, w, 20)
    live = w.network_view.decision.image.image.copy()
    w.model.set_cursor(2)
    qtbot.waitUntil(lambda: w.model.cursor == 2)
    # The views redraw from the record at the display pace: wait for the rewound map.
    qtbot.waitUntil(lambda: len(w.network_view.training.norm_curves["W1"].getData()[0]) == 3
                    and not np.allclose(w.network_view.decision.image.image, live))


def test_choices_and_layer_sizes_are_edited_in_the_surface_panel(
    qtbot, window: MainWindow,  # noqa: ANN001
) -> None:
    w = window
    controls = w.surface_panel.params.controls
    activation, hidden = controls["activation"], controls["hidden"]
    assert isinstance(activation, ChoiceField) and isinstance(hidden, IntsField)
    activation.setCurrentIndex(activation.findData("relu"))
    qtbot.waitUntil(lambda: w.model.configs[0].surface_params.get("activation") == "relu")
    hidden.setText("4, 3")
    hidden.editingFinished.emit()
    qtbot.waitUntil(lambda: tuple(w.model.configs[0].surface_params.get("hidden", ())) == (4, 3))
    qtbot.waitUntil(lambda: w.network_view.surface is not None
                    and w.network_view.surface.dim == (2 * 4 + 4) + (4 * 3 + 3) + (3 + 1))
    before = w.model.configs
    hidden.setText("8,99")
    hidden.editingFinished.emit()
    message = w.statusBar().currentMessage()
    assert "hidden" in message and "32" in message
    assert hidden.text() == "4,3" and w.model.configs == before
    w.action_undo.trigger()
    qtbot.waitUntil(lambda: tuple(w.model.configs[0].surface_params.get("hidden", ())) != (4, 3))


def test_a_slice_finishing_after_a_surface_change_is_dropped(
    qtbot, window: MainWindow,  # noqa: ANN001
) -> None:
    w = window
    view = w.network_view
    step(qtbot, w, 3)
    qtbot.waitUntil(lambda: not view.landscape.busy, timeout=20_000)  # the first slice
    assert view.landscape.compute(w.model.shown_history(), 0)
    old = view.landscape._token
    hidden = w.surface_panel.params.controls["hidden"]
    hidden.setText("3")
    hidden.editingFinished.emit()
    qtbot.waitUntil(lambda: view.surface is not None and view.surface.dim == 2 * 3 + 3 + 3 + 1)
    assert view.landscape._token > old and view.landscape.slice is None
    step(qtbot, w, 3)
    view.recompute()
    qtbot.waitUntil(lambda: view.landscape.slice is not None, timeout=20_000)
    assert len(view.landscape.slice.plane.centre) == view.surface.dim
    w._redraw()  # the projection uses the new plane: no broadcast error in a slot


def test_row_caches_compute_each_row_once_and_notice_another_path() -> None:
    from gdsim.app.model.network_stats import RowCache

    calls: list[int] = []

    def compute(rows: np.ndarray) -> np.ndarray:
        calls.append(len(rows))
        return rows.sum(axis=1)

    cache = RowCache(compute)
    rows = np.random.default_rng(0).normal(size=(10, 4))
    np.testing.assert_allclose(cache.update(rows[:6]), rows[:6].sum(axis=1))
    np.testing.assert_allclose(cache.update(rows), rows.sum(axis=1))
    np.testing.assert_allclose(cache.update(rows[:3]), rows[:3].sum(axis=1))  # a rewound prefix
    assert calls == [6, 4]
    other = rows.copy()
    other[2:] += 1.0  # another run from step 2 on (an edit at a rewound cursor, an undo)
    np.testing.assert_allclose(cache.update(other[:5]), other[:5].sum(axis=1))
    assert calls == [6, 4, 5]
