"""Animations: a GIF whose palette keeps the runs' and aids' colours, differenced frames and a
small file; an H.264 MP4 read back with PyAV (the library that writes it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gdsim.app import style
from gdsim.app.files.export import ExportCancelled, qimage_to_pil, write_mp4
from gdsim.app.files.figure import ExportFigure, history_of, plot_run, save_figure
from gdsim.core import Run
from gdsim.core.session import load_session

pytestmark = pytest.mark.slow

PRESETS = Path(__file__).resolve().parent.parent / "gdsim" / "resources" / "presets"
AIDS = ("gradient", "step", "state", "scale", "taylor")


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


@pytest.fixture(scope="module")
def lesson_run() -> Run:
    run = Run(load_session(PRESETS / "06-momentum.json").configs)
    run.advance(300)
    return run


def figure_of(run: Run, **options: object) -> ExportFigure:
    return ExportFigure(run.surface, run.configs, history_of(run), content="both",
                        labels=[run.label(i) for i in range(run.runs)], aids=AIDS,
                        **options)  # type: ignore[arg-type]


def test_gif_keeps_colours_and_ends_like_the_png(qapp, lesson_run: Run, tmp_path: Path,  # noqa: ANN001
                                                 artifacts_dir: Path) -> None:
    figure = figure_of(lesson_run)
    try:
        gif, png = tmp_path / "run.gif", tmp_path / "last.png"
        save_figure(figure, gif, scale=1.0, history=history_of(lesson_run), frames=60, fps=15)
        save_figure(figure, png, scale=1.0)
    finally:
        figure.close()
        figure.deleteLater()
    size = gif.stat().st_size
    with Image.open(png) as image:
        still = np.asarray(image.convert("RGB")).astype(int)
    print(f"GIF: 60 frames of {still.shape[1]}×{still.shape[0]}, {size / 1e6:.2f} MB")
    assert size < 5_000_000
    with Image.open(gif) as animation:
        assert animation.n_frames == 60
        palette = np.array(animation.getpalette()[:768]).reshape(-1, 3)
        animation.seek(59)
        last = np.asarray(animation.convert("RGB")).astype(int)
    Image.fromarray(last.astype(np.uint8)).save(artifacts_dir / "animation-last-frame.png")
    assert last.shape == still.shape
    assert np.abs(last - still).mean() < 2.5  # the same picture, quantised
    for colour in (*style.LANE_COLORS[:3], style.AID_COLORS["gradient"]):
        assert (np.abs(palette - rgb(colour)).sum(axis=1) == 0).any(), colour  # exactly
        in_png = (np.abs(still - rgb(colour)).sum(axis=2) == 0).sum()
        in_gif = (np.abs(last - rgb(colour)).sum(axis=2) == 0).sum()
        assert in_png > 30 and in_gif >= 0.9 * in_png, (colour, in_png, in_gif)
    orange = rgb(style.LANE_COLORS[1])
    near_orange = (np.abs(still - orange).sum(axis=2) < 40)
    hues = last[near_orange]
    assert (np.abs(hues - orange).sum(axis=1) < 40).mean() > 0.95  # orange stays orange


def test_gif_frames_store_only_what_changed(qapp, lesson_run: Run, tmp_path: Path) -> None:  # noqa: ANN001
    figure = figure_of(lesson_run)
    try:
        gif = tmp_path / "run.gif"
        save_figure(figure, gif, scale=1.0, history=history_of(lesson_run), frames=6, fps=5)
    finally:
        figure.close()
        figure.deleteLater()
    with Image.open(gif) as animation:
        width, height = animation.size
        tiles = []
        for i in range(1, animation.n_frames):
            animation.seek(i)
            tiles.append(animation.tile[0][1])  # the rectangle this frame stores
    assert any((x1 - x0) * (y1 - y0) < 0.9 * width * height for x0, y0, x1, y1 in tiles)


def test_mp4_reads_back_with_pyav(qapp, lesson_run: Run, tmp_path: Path,  # noqa: ANN001
                                  artifacts_dir: Path) -> None:
    av = pytest.importorskip("av")
    figure = figure_of(lesson_run, theme="dark")
    path = tmp_path / "run.mp4"
    try:
        save_figure(figure, path, scale=1.0, history=history_of(lesson_run), frames=24, fps=12)
        still = qimage_to_pil(figure.image(1.0))
    finally:
        figure.close()
        figure.deleteLater()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert float(stream.average_rate) == pytest.approx(12)
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(frames) == 24
    even = (still.width + still.width % 2, still.height + still.height % 2)
    assert frames[-1].shape == (even[1], even[0], 3)
    Image.fromarray(frames[-1]).save(artifacts_dir / "animation-mp4-last-frame.png")
    last = frames[-1][:still.height, :still.width].astype(int)
    assert np.abs(last - np.asarray(still).astype(int)).mean() < 6  # lossy, but the picture
    print(f"MP4: {len(frames)} frames of {even}, {path.stat().st_size / 1e3:.0f} kB")


def test_mp4_cancel_leaves_nothing(qapp, tmp_path: Path) -> None:  # noqa: ANN001
    pytest.importorskip("av")
    from PySide6.QtGui import QImage

    def frame(i: int) -> QImage:
        image = QImage(64, 48, QImage.Format.Format_RGB32)
        image.fill(i * 10)
        return image

    with pytest.raises(ExportCancelled):
        write_mp4(frame, 10, tmp_path / "x.mp4", fps=10, progress=lambda done: done < 4)
    assert list(tmp_path.iterdir()) == []


def test_plot_run_writes_mp4(qapp, lesson_run: Run, tmp_path: Path) -> None:  # noqa: ANN001
    av = pytest.importorskip("av")
    plot_run(lesson_run, tmp_path / "cli.mp4", frames=5, fps=5)
    with av.open(str(tmp_path / "cli.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 5
