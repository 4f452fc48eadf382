"""The figure that exports draw: the trajectory plot, the loss plot, or both, with a caption.

An :class:`ExportFigure` is a hidden top-level widget (never shown on screen) holding fresh
:class:`~gdsim.app.plots.surface_view.SurfaceView` and
:class:`~gdsim.app.plots.loss_plot.LossPlot` views fed with the same snapshot as the window,
so an export looks like what is on screen, at any size, without disturbing the window.
The command line's ``--plot`` builds the same figure offscreen.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdsim.app import style
from gdsim.app.files.export import (
    ExportError,
    export_format,
    render_image,
    write_gif,
    write_pdf,
    write_png,
    write_svg,
)
from gdsim.app.model.frame import make_frame
from gdsim.app.model.history import History
from gdsim.app.model.labels import run_labels
from gdsim.app.plots.loss_plot import LossPlot
from gdsim.app.plots.surface_view import SurfaceView
from gdsim.core.config import RunConfig
from gdsim.core.describe import config_summary
from gdsim.core.run import Run
from gdsim.core.surfaces import Surface

Content = Literal["trajectory", "loss", "both"]
CONTENTS: dict[str, str] = {"trajectory": "Trajectory plot", "loss": "Loss plot",
                            "both": "Both, side by side"}
DEFAULT_SIZES: dict[str, QSize] = {"trajectory": QSize(760, 640), "loss": QSize(640, 560),
                                   "both": QSize(1280, 620)}


def caption_html(surface: Surface, configs: Sequence[RunConfig],
                 labels: Sequence[str]) -> str:
    """The figure caption: the surface and its formula, then each run's settings."""
    head = (f"<b>{html.escape(surface.title)}</b>: L({', '.join(surface.param_names)}) = "
            f"{html.escape(surface.formula)}")
    lines = [head]
    for label, config in zip(labels, configs, strict=False):
        summary = config_summary(config, surface)
        lines.append(f"<b>{html.escape(label)}</b>: {html.escape(summary)}"
                     if len(configs) > 1 else html.escape(summary))
    return "<br>".join(lines)


class ExportFigure(QWidget):
    """The views of one snapshot, laid out for a file.

    Args:
        surface: the surface drawn.
        configs: the runs' configurations (for the caption).
        history: the trajectories to draw (all lanes).
        content: ``"trajectory"``, ``"loss"`` or ``"both"``.
        labels: the lanes' legend labels.
        selected_lane: the lane whose visual aids are drawn.
        aids: the visual aids to draw (names as in :class:`SurfaceView`).
        view: the view box of the trajectory plot (default: the surface's).
        log_y: the loss plot's log scale.
        size: the figure's size in pixels at scale 1.
        plot_range: the trajectory plot's exact axes, ``{"x_range": [lo, hi], "y_range":
            [lo, hi]}`` (as on screen); default: the view box.
    """

    def __init__(self, surface: Surface, configs: Sequence[RunConfig], history: History, *,
                 content: Content = "trajectory", labels: Sequence[str] = (),
                 selected_lane: int = 0, aids: Sequence[str] = (),
                 view: Sequence[tuple[float, float]] | None = None, log_y: bool = False,
                 size: QSize | None = None, plot_range: dict | None = None) -> None:
        super().__init__(None)
        if content not in CONTENTS:
            raise ExportError(f"Unknown figure content {content!r}: choose "
                              f"{', '.join(CONTENTS)}")
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setObjectName("export_figure")
        self.setStyleSheet(f"background: {style.BACKGROUND};")
        labels = list(labels) or [f"run {i + 1}" for i in range(history.runs)]
        self.caption = QLabel(caption_html(surface, configs, labels))
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        self.caption.setFont(style.ui_font(style.BASE_POINT_SIZE))
        self.caption.setStyleSheet(f"color: {style.FOREGROUND}; padding: 6px 10px;")
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        self.surface_view: SurfaceView | None = None
        self.loss_plot: LossPlot | None = None
        if content in ("trajectory", "both"):
            self.surface_view = SurfaceView()
            self.surface_view.set_surface(surface, view)
            if plot_range and "x_range" in plot_range and "y_range" in plot_range:
                self.surface_view.plot_item.setRange(xRange=plot_range["x_range"],
                                                     yRange=plot_range["y_range"], padding=0)
            self.surface_view.set_lanes(labels)
            self.surface_view.set_selected_lane(selected_lane)
            for name in self.surface_view.aid_names:
                self.surface_view.set_aid(name, name in aids)
            plots.addWidget(self.surface_view, 5)
        if content in ("loss", "both"):
            self.loss_plot = LossPlot()
            self.loss_plot.set_surface(surface)
            self.loss_plot.set_lanes(labels)
            self.loss_plot.set_log_y(log_y)
            self.loss_plot.log_y_check.hide()
            plots.addWidget(self.loss_plot, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(plots, 1)
        layout.addWidget(self.caption)
        self.resize(size or DEFAULT_SIZES[content])
        self.set_history(history)

    def set_history(self, history: History) -> None:
        """Draw ``history`` (for an animation: successive prefixes of one history)."""
        if self.surface_view is not None:
            self.surface_view.update_history(history)
        if self.loss_plot is not None:
            self.loss_plot.update_history(history)
        QCoreApplication.processEvents()

    def render(self, scale: float = 1.0) -> QImage:  # type: ignore[override]
        return render_image(self, scale)


def history_of(run: Run) -> History:
    """The whole recorded history of ``run``, as the window would hold it."""
    history = History(run.runs, run.dim)
    history.add(make_frame(run, generation=0, first_row=0))
    return history


def gif_rows(length: int, frames: int) -> list[int]:
    """How many rows each of ``frames`` animation frames shows: growing to ``length``."""
    return [max(1, round(1 + (length - 1) * (i + 1) / frames)) for i in range(frames)]


def save_figure(figure: ExportFigure, path: Path, *, scale: float = 2.0, title: str = "",
                history: History | None = None, frames: int = 60, fps: float = 15.0,
                progress: Callable[[int], bool] | None = None,
                size: QSize | None = None) -> None:
    """Write the figure to ``path`` in the format its extension names.

    PNG is drawn ``scale`` times the figure's size, or exactly ``size``. A GIF animates
    ``history`` (required) over ``frames`` frames at ``fps``; ``progress(done)`` may cancel
    it by returning False.
    """
    fmt = export_format(path, {".png": "", ".svg": "", ".pdf": "", ".gif": ""})
    if fmt == ".png":
        write_png(figure, path, scale, size)
    elif fmt == ".svg":
        write_svg(figure, path, title=title, description=figure.caption.text())
    elif fmt == ".pdf":
        write_pdf(figure, path, title=title)
    else:
        if history is None:
            raise ExportError("An animation needs the run's history")
        rows = gif_rows(history.length, frames)

        def frame(i: int) -> QImage:
            figure.set_history(history.prefix(rows[i]))
            return figure.render(scale)

        try:
            write_gif(frame, frames, path, fps, progress)
        finally:
            figure.set_history(history)


def plot_run(run: Run, path: Path, *, content: Content | None = None, frames: int = 60,
             fps: float = 15.0) -> None:
    """Write ``run``'s plot to ``path`` (used by ``gdsim run --plot``): the trajectory plot,
    or for a GIF the trajectory drawing itself beside the loss curve."""
    history = history_of(run)
    animated = path.suffix.lower() == ".gif"
    chosen: Content = content or ("both" if animated else "trajectory")
    labels = run_labels(run.configs, run.surface)  # the GUI's labels, built the one way
    figure = ExportFigure(run.surface, run.configs, history, content=chosen, labels=labels,
                          size=QSize(900, 440) if animated and chosen == "both" else None)
    try:
        save_figure(figure, path, scale=1.0 if animated else 2.0,
                    title=f"gdsim: {run.surface.title}", history=history, frames=frames,
                    fps=fps)
    finally:
        figure.close()
        figure.deleteLater()
