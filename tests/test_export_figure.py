"""The export figure: layout (equal units on the map, loss plot beside or under it, caption
below), light and dark themes, a font scale; the window's three-run CSV and the dialog's
figure and data options."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QApplication

from gdsim.app import MainWindow, style
from gdsim.app.files.drawing import Stroke, Text
from gdsim.app.files.export_dialog import ExportDialog
from gdsim.app.files.figure import (
    DARK_BACKGROUND,
    ExportFigure,
    dark_color,
    dark_text,
    history_of,
    save_figure,
)
from gdsim.core import Run, RunConfig
from gdsim.core.session import load_session

PRESETS = Path(__file__).resolve().parent.parent / "gdsim" / "resources" / "presets"
AIDS = ("gradient", "step", "state", "scale", "taylor")


@pytest.fixture(scope="module")
def lesson_run() -> Run:
    run = Run(load_session(PRESETS / "06-momentum.json").configs)
    run.advance(300)
    return run


def figure_of(run: Run, **options: object) -> ExportFigure:
    return ExportFigure(run.surface, run.configs, history_of(run),
                        labels=[run.label(i) for i in range(run.runs)], aids=AIDS,
                        **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("content, size", [
    ("trajectory", QSize(760, 640)), ("trajectory", QSize(1200, 500)),
    ("both", QSize(1280, 620)), ("both", QSize(700, 900)),
])
def test_map_keeps_equal_units(qapp, lesson_run: Run, content: str, size: QSize) -> None:  # noqa: ANN001
    figure = figure_of(lesson_run, content=content, size=size)
    try:
        assert figure.map_axes_aspect() == pytest.approx(1.0, rel=0.03)
        (x0, x1), (y0, y1) = figure.surface_view.plot_item.getViewBox().viewRange()
        (vx0, vx1), (vy0, vy1) = lesson_run.surface.view
        span = max(vx1 - vx0, vy1 - vy0)
        assert (x0, x1, y0, y1) == pytest.approx((vx0, vx1, vy0, vy1), abs=0.05 * span)
        figure.drawing()  # the first paint sizes the axes: the layout must not move then
        assert figure.surface_view.plot_item.getViewBox().viewRange()[0] == \
            pytest.approx([x0, x1], abs=1e-6)
        map_box = figure.surface_view.geometry()
        caption = figure.caption.geometry()
        assert caption.top() >= map_box.bottom()  # caption below
        if content == "both":
            loss = figure.loss_plot.geometry()
            side_by_side = size.width() > size.height()
            if side_by_side:
                assert loss.left() > map_box.right() and loss.width() > 300
            else:
                assert loss.top() > map_box.bottom() and loss.height() > 200
    finally:
        figure.close()
        figure.deleteLater()


def test_font_scale_enlarges_text_and_lines_not_the_file(qapp, lesson_run: Run,  # noqa: ANN001
                                                         tmp_path: Path) -> None:
    sizes = {}
    for scale in (1.0, 1.5):
        figure = figure_of(lesson_run, font_scale=scale)
        try:
            drawing = figure.drawing()
            path = tmp_path / f"s{scale}.png"
            save_figure(figure, path, scale=2.0)
            with Image.open(path) as image:
                sizes[scale] = image.size
            title = next(op for op in drawing.ops if isinstance(op, Text)
                         and op.text == "Rosenbrock")
            widths = [op.width for op in drawing.ops if isinstance(op, Stroke)]
            sizes[f"text{scale}"] = title.font.pointSizeF() * scale
            sizes[f"line{scale}"] = max(widths) * scale
        finally:
            figure.close()
            figure.deleteLater()
    assert sizes[1.0] == sizes[1.5] == (1520, 1280)
    assert sizes["text1.5"] == pytest.approx(1.5 * sizes["text1.0"])
    assert sizes["line1.5"] == pytest.approx(1.5 * sizes["line1.0"])


def test_dark_theme(qapp, lesson_run: Run, tmp_path: Path, artifacts_dir: Path) -> None:  # noqa: ANN001
    figure = figure_of(lesson_run, theme="dark")
    try:
        path = artifacts_dir / "figure-dark.png"
        save_figure(figure, path, scale=1.0)
        area = figure.map_rect()
    finally:
        figure.close()
        figure.deleteLater()
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    background = np.array([DARK_BACKGROUND.red(), DARK_BACKGROUND.green(), DARK_BACKGROUND.blue()])
    corner = pixels[:20, :20].reshape(-1, 3)
    assert (np.abs(corner - background).sum(axis=1) < 6).all()  # dark outside the map
    caption = pixels[-90:, :600]
    assert (caption.mean(axis=2) > 180).sum() > 500  # light caption text
    inside = pixels[int(area.top()) + 40:int(area.bottom()) - 40,
                    int(area.left()) + 40:int(area.right()) - 40]
    assert inside.mean(axis=(0, 1))[1] > 120  # the map itself keeps its colours
    for colour in style.LANE_COLORS[:3]:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=2) < 30).sum() > 50  # runs keep theirs


def test_dark_colour_rules() -> None:
    from PySide6.QtGui import QColor

    assert dark_color(QColor("#FFFFFF")).lightnessF() < 0.15  # white background → dark
    assert dark_color(QColor(style.FOREGROUND)).lightnessF() > 0.75  # dark text → light
    orange = QColor(style.LANE_COLORS[1])
    assert dark_color(orange) == orange  # colours stay
    assert dark_text(QColor(style.AID_COLORS["taylor"])).lightnessF() > 0.6  # readable
    assert dark_text(QColor(style.AID_COLORS["taylor"])).hslHue() == \
        QColor(style.AID_COLORS["taylor"]).hslHue()


# --- the window -------------------------------------------------------------------------------
THREE = [RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3.0, 4.0), max_steps=1000),
         RunConfig(surface="bowl", optimizer="momentum", lr=0.05, start=(3.0, 4.0),
                   max_steps=1000, label="momentum"),
         RunConfig(surface="bowl", optimizer="adam", lr=0.3, start=(-2.0, 1.0),
                   max_steps=1000, label="adam")]


@pytest.fixture
def window(qtbot):  # noqa: ANN001, ANN201
    w = MainWindow(THREE)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None, timeout=10_000)
    for _ in range(7):
        before = w.history.steps
        w.action_step.trigger()
        qtbot.waitUntil(lambda b=before: w.history.steps == b + 1, timeout=10_000)
    return w


def test_window_csv_holds_every_run(window: MainWindow, tmp_path: Path) -> None:
    path = window.export(tmp_path / "all.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["run", "label", "step", "x", "y", "loss", "grad_x", "grad_y", "lr"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(3) for _ in range(8)]
    assert {r[1] for r in rows[1:] if r[0] == "2"} == {"adam"}
    run = window.run  # paused: safe to read
    for lane in range(3):
        data = np.array([r[2:] for r in rows[1:] if r[0] == str(lane)], dtype=float)
        np.testing.assert_array_equal(data[:, 1:3], run.trajectory.theta[:8, lane])
    window.select_run(2)
    one = window.export(tmp_path / "one.csv", selected_only=True)
    rows = list(csv.reader(one.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 9 and {r[0] for r in rows[1:]} == {"2"}


def test_window_exports_mp4(window: MainWindow, tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = window.export(tmp_path / "run.mp4", content="both", size=QSize(640, 320), frames=6,
                         fps=6)
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 6 and (frames[0].width, frames[0].height) == (640, 320)


def test_dialog_figure_and_data_options(window: MainWindow, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    target = tmp_path / "slide.png"
    seen: list[dict] = []

    def fill() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, ExportDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(5, fill)
            return
        dialog = dialogs[0]
        dialog.path_edit.setText(str(tmp_path / "x.csv"))
        state = {"csv_runs": dialog.selected_only_check.isVisibleTo(dialog),
                 "csv_theme": dialog.theme_combo.isVisibleTo(dialog)}
        dialog.path_edit.setText(str(tmp_path / "x.mp4"))
        state["mp4_frames"] = dialog.frames_spin.isVisibleTo(dialog)
        state["mp4_size"] = (dialog.width_spin.value(), dialog.height_spin.value())
        dialog.path_edit.setText(str(target))
        state["png_size"] = (dialog.width_spin.value(), dialog.height_spin.value())
        state["png_runs"] = dialog.selected_only_check.isVisibleTo(dialog)
        dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
        dialog.scale_spin.setValue(1.5)
        request = dialog.request()
        state["request"] = (request.theme, request.font_scale)
        seen.append(state)
        dialog.buttons.accepted.emit()

    QTimer.singleShot(0, fill)
    window.action_export.trigger()
    assert seen and target.exists()
    state = seen[0]
    assert state["csv_runs"] and not state["csv_theme"]
    assert state["mp4_frames"] and not state["png_runs"]
    assert state["png_size"] == (2 * state["mp4_size"][0], 2 * state["mp4_size"][1])
    assert state["request"] == ("dark", 1.5)
    with Image.open(target) as image:
        corner = np.asarray(image.convert("RGB"))[:10, :10].reshape(-1, 3).astype(int)
    assert corner.mean() < 60  # dark


def test_taylor_box_keeps_off_every_marker(qapp, lesson_run: Run) -> None:  # noqa: ANN001
    """Through the whole animation of the three-run lesson the Taylor box covers no run's
    start or current marker and no critical point (without the marker obstacles it covered
    one in 13 of these 40 frames)."""
    from gdsim.app.files.figure import gif_rows

    history = history_of(lesson_run)
    figure = figure_of(lesson_run)
    try:
        vb = figure.surface_view.plot_item.getViewBox()
        shown = 0
        for rows in gif_rows(history.length, 40):
            figure.set_history(history.prefix(rows))
            text = figure.surface_view.aids.taylor_text
            if not text.isVisible():
                continue
            shown += 1
            box = vb.mapSceneToView(text.sceneBoundingRect()).boundingRect()
            assert not [m for m in figure._marker_boxes() if box.intersects(m)], rows
        assert shown > 30
    finally:
        figure.close()
        figure.deleteLater()
