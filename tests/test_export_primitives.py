"""File writers: every format read back, atomic writes, clear errors, remembered settings."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from gdsim.app.files.export import (
    ExportCancelled,
    ExportError,
    export_format,
    render_image,
    write_gif,
    write_pdf,
    write_png,
    write_run_json,
    write_svg,
    write_trajectory_csv,
)
from gdsim.app.files.figure import history_of
from gdsim.app.files.settings import Settings
from gdsim.core import Run, RunConfig
from gdsim.core.session import load_session


@pytest.fixture
def plot(qtbot):  # noqa: ANN001, ANN201
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.plot([0, 1, 2, 3], [3, 1, 2, 0], pen=pg.mkPen("r", width=3), name="trajectory")
    widget.setLabel("bottom", "x")
    return widget


def test_png_is_twice_the_size_and_not_blank(plot, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "p.png"
    write_png(plot, path)
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[:2] == (600, 800)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20
    assert (image[..., 0] > 200).sum() > 100  # the red curve is there


def test_svg_parses_and_holds_the_curve(plot, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "p.svg"
    write_svg(plot, path, title="t")
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert "polyline" in path.read_text() or "path" in path.read_text()


def test_pdf_has_one_page(plot, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "p.pdf"
    write_pdf(plot, path, title="t")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + \
        data.count(b"/Type/Page\n") >= 1


def test_gif_frames_and_cancel(plot, tmp_path: Path) -> None:  # noqa: ANN001
    def frame(i: int) -> QImage:
        plot.setXRange(0, 3 + i)  # every frame differs, as a growing trajectory does
        return render_image(plot, 0.5)

    path = tmp_path / "a.gif"
    write_gif(frame, 5, path, fps=10)
    with Image.open(path) as gif:
        assert gif.n_frames == 5
        assert gif.info["duration"] == 100
    target = tmp_path / "cancelled.gif"
    with pytest.raises(ExportCancelled):
        write_gif(lambda i: render_image(plot, 0.5), 5, target, fps=10,
                  progress=lambda done: done < 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif"]


def test_bad_paths_give_clear_messages(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="Unknown export format '.bmp'"):
        export_format(tmp_path / "x.bmp")
    with pytest.raises(ExportError, match="does not exist"):
        export_format(tmp_path / "missing" / "x.png")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(ExportError, match="not writable"):
            export_format(locked / "x.png")
    finally:
        locked.chmod(0o700)


def test_failed_write_leaves_nothing(plot, tmp_path: Path) -> None:  # noqa: ANN001
    def broken(i: int) -> QImage:
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_gif(broken, 3, tmp_path / "x.gif", fps=5)
    assert list(tmp_path.iterdir()) == []


def test_csv_and_json_of_a_run(tmp_path: Path) -> None:
    run = Run([RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3, 4), max_steps=5),
               RunConfig(surface="bowl", optimizer="adam", lr=0.1, max_steps=3)])
    run.advance(10)
    history = history_of(run)
    write_trajectory_csv(history, run.surface.param_names, tmp_path / "t.csv")
    rows = (tmp_path / "t.csv").read_text().splitlines()
    assert rows[0] == "step,x,y,loss,grad_x,grad_y,lr" and rows[2].startswith("1,2.4,3.2,16.0")
    write_run_json(history, run.configs, run.surface.param_names, tmp_path / "r.json")
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["trajectories"][1]["steps"] == 3
    assert doc["trajectories"][0]["theta"]["x"][:2] == [3.0, 2.4]
    assert load_session(tmp_path / "r.json").configs == run.configs  # reopens as a session


def test_settings_round_trip_and_reset(tmp_path: Path, qapp) -> None:  # noqa: ANN001
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings = Settings(store)
    assert settings.last_session() is None
    configs = [RunConfig(surface="booth", optimizer="adam", lr=0.2)]
    settings.save_session(configs)
    settings.set_export_dir(tmp_path)
    settings.sync()
    again = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.last_session().configs == tuple(configs)
    assert again.export_dir() == tmp_path
    store.setValue("run/session", "{corrupt")
    assert Settings(store).last_session() is None  # falls back, does not raise
    settings.clear()
    assert settings.last_session() is None and settings.export_dir() == Path.home()
