"""The Maps menu, driven from the main window like a user: compute, watch partial results,
cancel, and click a map to load that run."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gdsim.app import MainWindow
from gdsim.app.maps_window import BasinsPanel, MapPanel, MomentumPanel, RacePanel, SweepPanel
from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = MainWindow([RunConfig(surface="himmelblau", optimizer="gd", lr=0.005)])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
    yield w
    w.close()


def open_map(qtbot, w: MainWindow, name: str) -> MapPanel:
    w.findChild(type(w.maps_menu.actions[name]), f"action_maps_{name}").trigger()
    panel = w.maps_menu.panels[name]
    qtbot.waitUntil(panel.isVisible)
    return panel


def compute(qtbot, panel: MapPanel, timeout: int = 60_000) -> object:
    with qtbot.waitSignal(panel.sigComputed, timeout=timeout) as blocker:
        qtbot.mouseClick(panel.compute_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def click_plot(qtbot, plot_widget, x: float, y: float) -> None:
    vb = plot_widget.getPlotItem().getViewBox()
    pos = plot_widget.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_the_maps_menu_opens_every_map_with_the_current_run(qtbot, window: MainWindow) -> None:
    titles = [a.text() for a in window.maps_menu.menu.actions()]
    assert len(titles) == 5 and "Race, &tuned…" in titles
    for name in ("sweep", "lr_find", "basins", "momentum", "race"):
        panel = open_map(qtbot, window, name)
        assert panel.config == window.configs[0]
        assert "Himmelblau" in panel.context.text()
        panel.close()


def test_clicking_a_basin_loads_that_start(qtbot, window: MainWindow, artifacts_dir) -> None:
    panel = open_map(qtbot, window, "basins")
    assert isinstance(panel, BasinsPanel)
    panel.grid_spin.setValue(24)
    panel.steps_spin.setValue(600)
    a, b = compute(qtbot, panel)
    assert a.config.optimizer == "gd" and b.config.optimizer == "adam"
    assert a.grid == 24 and a.progress.complete
    panel.grab().save(str(artifacts_dir / "maps_basins_window.png"))
    generation = window.history.generation
    click_plot(qtbot, panel.plot_a.plot, 2.1, 1.3)
    qtbot.waitUntil(lambda: window.history.generation > generation, timeout=10_000)
    config = window.configs[0]
    lane = a.lane_at(2.1, 1.3)
    assert config.start == tuple(a.start[lane]) and config.optimizer == "gd"
    np.testing.assert_allclose(window.history.theta[0, 0], a.start[lane])
    # the right-hand map loads its own optimizer
    click_plot(qtbot, panel.plot_b.plot, -3.0, -3.0)
    qtbot.waitUntil(lambda: window.configs[0].optimizer == "adam", timeout=10_000)
    assert window.configs[0].start == tuple(b.start[b.lane_at(-3.0, -3.0)])


def test_clicking_the_sweep_loads_that_rate(qtbot, window: MainWindow) -> None:
    panel = open_map(qtbot, window, "sweep")
    assert isinstance(panel, SweepPanel)
    panel.rates.low.setText("1e-4")
    panel.rates.high.setText("0.1")
    panel.points_spin.setValue(60)
    panel.steps_spin.setValue(300)
    result = compute(qtbot, panel)
    assert result.progress.complete and len(result.lr) == 60
    click_plot(qtbot, panel.plot.loss_plot, np.log10(result.lr[20]), 0.0)
    qtbot.waitUntil(lambda: window.configs[0].lr == result.lr[20], timeout=10_000)
    assert window.configs[0].optimizer == "gd" and window.configs[0].surface == "himmelblau"


def test_cancel_keeps_the_partial_map_and_the_window_usable(qtbot, window: MainWindow) -> None:
    panel = open_map(qtbot, window, "basins")
    panel.second.setCurrentIndex(panel.second.findData(""))  # one map
    panel.grid_spin.setValue(256)
    panel.steps_spin.setValue(100_000)
    with qtbot.waitSignal(panel.runner.sigPartial, timeout=30_000):
        qtbot.mouseClick(panel.compute_button, Qt.MouseButton.LeftButton)
    assert panel.busy and not panel.compute_button.isEnabled()
    with qtbot.waitSignal(panel.sigComputed, timeout=30_000) as blocker:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    (partial,) = blocker.args[0]
    assert partial.progress.cancelled and 0 < partial.progress.done < 100_000
    assert "Cancelled" in panel.message.text()
    assert panel.compute_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert panel.progress.value() < panel.progress.maximum()
    # the main window still runs, and the map computes again
    window.action_step.trigger()
    qtbot.waitUntil(lambda: window.history.steps == 1, timeout=10_000)
    panel.grid_spin.setValue(8)
    panel.steps_spin.setValue(50)
    (again,) = compute(qtbot, panel)
    assert again.progress.complete and again.grid == 8


def test_a_bad_setting_is_reported_and_nothing_runs(qtbot, window: MainWindow) -> None:
    panel = open_map(qtbot, window, "sweep")
    panel.rates.low.setText("fast")
    qtbot.mouseClick(panel.compute_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == "η min: not a number: 'fast'"
    assert not panel.busy and panel.compute_button.isEnabled()
    panel.rates.low.setText("1")
    panel.rates.high.setText("0.1")
    qtbot.mouseClick(panel.compute_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == "lr: need 0 < lr-min ≤ lr-max (finite), got 1 and 0.1"
    assert not panel.busy


def test_momentum_map_click_loads_rate_and_momentum(qtbot, window: MainWindow) -> None:
    window.set_configs([RunConfig(surface="ellipse", optimizer="momentum")])
    qtbot.waitUntil(lambda: window.surface.name == "ellipse", timeout=10_000)
    panel = open_map(qtbot, window, "momentum")
    assert isinstance(panel, MomentumPanel)
    panel.rates.low.setText("0.001")
    panel.rates.high.setText("1")
    panel.lr_spin.setValue(12)
    panel.mu_spin.setValue(10)
    panel.steps_spin.setValue(200)
    result = compute(qtbot, panel)
    assert result.theory is not None
    click_plot(qtbot, panel.plot.plot, np.log10(result.lr[4]), result.mu[7])
    qtbot.waitUntil(lambda: window.configs[0].lr == result.lr[4], timeout=10_000)
    assert window.configs[0].optimizer_params["momentum"] == result.mu[7]


def test_race_table_export_and_race_in_the_window(qtbot, window: MainWindow, tmp_path) -> None:
    panel = open_map(qtbot, window, "race")
    assert isinstance(panel, RacePanel)
    panel.optimizers.setText("gd,momentum,adam")
    panel.steps_spin.setValue(200)
    panel.points_spin.setValue(20)
    result = compute(qtbot, panel)
    assert panel.table.rowCount() == 3
    assert panel.table.item(2, 0).text() == "adam"
    assert panel.table.item(2, 1).text() == f"{result.lr[2]:.4g}"
    path = panel.export_csv(str(tmp_path / "race.csv"))
    rows = list(csv.reader(Path(path).read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["optimizer", "lr", "final_loss", "steps_to_tol", "status"]
    assert [float(r[1]) for r in rows[1:]] == result.lr.tolist()
    qtbot.mouseClick(panel.race_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.configs) == 3, timeout=10_000)
    assert [c.lr for c in window.configs] == result.lr.tolist()
    assert [c.optimizer for c in window.configs] == ["gd", "momentum", "adam"]


def test_map_windows_follow_the_model_and_a_loaded_map_run_is_undoable(
        qtbot, window: MainWindow) -> None:
    panel = open_map(qtbot, window, "sweep")
    assert isinstance(panel, SweepPanel)
    window.model.edit(lambda cs: [cs[0].with_changes(optimizer="adam", lr=None)])
    qtbot.waitUntil(lambda: panel.config.optimizer == "adam", timeout=10_000)
    assert "Adam" in panel.context.text()
    assert float(panel.rates.low.text()) == pytest.approx(window.configs[0].resolved_lr() / 1e3,
                                                          rel=1e-2)
    panel.points_spin.setValue(20)
    panel.steps_spin.setValue(100)
    result = compute(qtbot, panel)
    before = window.configs
    panel.plot.pick_log_lr(float(np.log10(result.lr[5])))
    qtbot.waitUntil(lambda: window.configs[0].lr == result.lr[5], timeout=10_000)
    # the user's rate range is kept when only the rate changed
    assert float(panel.rates.low.text()) == pytest.approx(before[0].resolved_lr() / 1e3, rel=1e-2)
    window.action_undo.trigger()
    qtbot.waitUntil(lambda: window.configs == before, timeout=10_000)


def test_maps_compute_in_a_process_of_their_own(qtbot, window: MainWindow) -> None:
    """Not in a thread of the GUI's process (which shared the GUI's interpreter lock and
    stalled it on a busy machine); one process serves the window's jobs, and one that dies is
    reported and replaced by the next Compute."""
    import os

    panel = open_map(qtbot, window, "basins")
    panel.second.setCurrentIndex(panel.second.findData(""))
    panel.grid_spin.setValue(8)
    panel.steps_spin.setValue(20)
    (first,) = compute(qtbot, panel)
    process = panel.runner._worker.process
    assert first.progress.complete and process is not None and process.is_alive()
    assert process.pid != os.getpid()
    compute(qtbot, panel)
    assert panel.runner._worker.process is process
    process.kill()
    qtbot.waitUntil(lambda: "stopped unexpectedly" in panel.message.text(), timeout=10_000)
    assert panel.compute_button.isEnabled()
    (again,) = compute(qtbot, panel)
    assert again.progress.complete and panel.runner._worker.process is not process
