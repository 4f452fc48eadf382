"""Writing figures and runs to files: PNG, SVG, PDF, animated GIF, CSV and JSON.

Vector formats render the figure widget through Qt's own paint engines (``QSvgGenerator``,
``QPdfWriter``) — pyqtgraph 0.14's SVGExporter fails under current Qt (pyqtgraph issue #3485).
PNG renders into a ``QImage`` at any scale. Every writer goes through a temporary file in the
target folder that replaces the target only when complete, so a failed or cancelled export
leaves no partial file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from gdsim.app.model.history import History
from gdsim.core.config import RunConfig
from gdsim.core.csvio import trajectory_table, write_table
from gdsim.core.fileio import atomic_path
from gdsim.core.session import Session

FIGURE_FORMATS = {".png": "PNG image", ".svg": "SVG drawing", ".pdf": "PDF document",
                  ".gif": "Animated GIF"}
DATA_FORMATS = {".csv": "Trajectory (CSV)", ".json": "Run: configuration and trajectory (JSON)"}
ALL_FORMATS = {**FIGURE_FORMATS, **DATA_FORMATS}


class ExportError(Exception):
    """An export cannot be done; the message says why, in words for the user."""


class ExportCancelled(ExportError):
    """The user cancelled an export; nothing was written."""


def export_format(path: Path, allowed: dict[str, str] = ALL_FORMATS) -> str:
    """The format of ``path`` by its extension, after checking its folder is writable.

    Raises:
        ExportError: unknown extension, missing folder, or a folder that cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in allowed:
        choices = ", ".join(allowed)
        shown = f"'{path.suffix}'" if path.suffix else "no extension"
        raise ExportError(f"Unknown export format {shown} for {path.name}: use one of {choices}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"Cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"Cannot write {path}: the folder {folder} is not writable")
    if path.is_dir():
        raise ExportError(f"Cannot write {path}: it is a folder")
    return suffix


def _check_written(ok: bool, path: Path) -> None:
    if not ok:
        raise ExportError(f"Cannot write {path}: Qt could not save the file")


def render_image(widget: QWidget, scale: float = 2.0, size: QSize | None = None) -> QImage:
    """The widget painted into an image ``scale`` times its size, or exactly ``size``
    (vector items and text are drawn at that resolution, not enlarged)."""
    if size is None:
        size = QSize(round(widget.width() * scale), round(widget.height() * scale))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(size.width() / widget.width(), size.height() / widget.height())
        QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
    return image


def write_png(widget: QWidget, path: Path, scale: float = 2.0, size: QSize | None = None
              ) -> None:
    with atomic_path(path) as tmp:
        _check_written(render_image(widget, scale, size).save(str(tmp), "PNG"), path)


def write_svg(widget: QWidget, path: Path, title: str = "", description: str = "") -> None:
    with atomic_path(path) as tmp:
        generator = QSvgGenerator()
        generator.setFileName(str(tmp))
        generator.setSize(widget.size())
        generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
        generator.setTitle(title)
        generator.setDescription(description)
        painter = QPainter()
        if not painter.begin(generator):
            raise ExportError(f"Cannot write {path}: the SVG generator did not start")
        try:
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()
        _check_written(tmp.stat().st_size > 0, path)


def write_pdf(widget: QWidget, path: Path, title: str = "") -> None:
    """One page sized to the figure, drawn as vectors."""
    with atomic_path(path) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title)
        writer.setCreator("gdsim")
        writer.setResolution(96)
        page = QPageSize(QSizeF(widget.width(), widget.height()), QPageSize.Unit.Point,
                         name="figure", matchPolicy=QPageSize.SizeMatchPolicy.ExactMatch)
        writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        painter = QPainter()
        if not painter.begin(writer):
            raise ExportError(f"Cannot write {path}: the PDF writer did not start")
        try:
            rect = painter.viewport()
            factor = min(rect.width() / widget.width(), rect.height() / widget.height())
            painter.scale(factor, factor)
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()


def qimage_to_pil(image: QImage):  # noqa: ANN201 - PIL.Image.Image, imported lazily
    """The image's pixels as a PIL RGB image (copied straight, no encoding round trip)."""
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw",
                            "RGB", rgb.bytesPerLine(), 1).copy()


def write_gif(frames: Callable[[int], QImage], count: int, path: Path, fps: float,
              progress: Callable[[int], bool] | None = None) -> None:
    """An animated GIF of ``count`` frames at ``fps`` frames per second.

    ``frames(i)`` paints frame i; ``progress(i)`` is called after each frame and returns False
    to cancel (raising :class:`ExportCancelled`, with nothing written).
    """
    if count < 1:
        raise ExportError("An animation needs at least one frame")
    if not 0 < fps <= 100:
        raise ExportError(f"Invalid frame rate {fps:g}: choose between 1 and 100 frames/s")
    images = []
    for i in range(count):
        images.append(qimage_to_pil(frames(i)).quantize(colors=255, dither=0))
        if progress is not None and not progress(i + 1):
            raise ExportCancelled("Export cancelled")
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(1000 / fps), loop=0, optimize=False)


def write_trajectory_csv(history: History, param_names: tuple[str, ...], path: Path,
                         lane: int = 0) -> None:
    """One lane's trajectory with the columns of ``gdsim run --csv``."""
    table = trajectory_table(history.theta, history.loss, history.grad, history.lr,
                             history.lane_rows(lane), lane)
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as stream:
            write_table(stream, param_names, table)


def run_document(history: History, configs: Sequence[RunConfig],
                 param_names: tuple[str, ...]) -> dict:
    """Every run as JSON-ready data: the session (configs) plus each lane's trajectory."""
    lanes = []
    for lane, info in enumerate(history.lanes):
        rows = history.lane_rows(lane)
        lanes.append({
            "label": info.label,
            "status": info.status,
            "steps": rows - 1,
            "theta": {n: history.theta[:rows, lane, i].tolist()
                      for i, n in enumerate(param_names)},
            "loss": history.loss[:rows, lane].tolist(),
            "grad": {n: history.grad[:rows, lane, i].tolist()
                     for i, n in enumerate(param_names)},
            "lr": history.lr[:rows, lane].tolist(),
        })
    return {**Session(tuple(configs)).to_dict(), "trajectories": lanes}


def write_run_json(history: History, configs: Sequence[RunConfig],
                   param_names: tuple[str, ...], path: Path) -> None:
    """The whole run: a session file (it reopens as one) with the trajectories added."""
    text = json.dumps(run_document(history, configs, param_names), indent=1, allow_nan=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
