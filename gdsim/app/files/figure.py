"""The figure that exports draw: the trajectory plot, the loss plot, or both, with a caption.

Every format is drawn from one recording of the figure (:mod:`gdsim.app.files.drawing`), so PNG,
SVG, PDF and the animation frames agree: the same clip, line widths, markers and text.

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

from PySide6.QtCore import QCoreApplication, QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style
from gdsim.app.files.drawing import Drawing, record, to_image
from gdsim.app.files.export import (
    FIGURE_FORMATS,
    ExportError,
    export_format,
    write_gif,
    write_mp4,
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
                            "both": "Both (loss plot beside or under the map)"}
DEFAULT_SIZES: dict[str, QSize] = {"trajectory": QSize(760, 640), "loss": QSize(640, 560),
                                   "both": QSize(1280, 620)}
THEMES: dict[str, str] = {"light": "Light", "dark": "Dark (for slides)"}
FONT_SCALES = (0.5, 3.0)
"""The smallest and largest font (and line) scale of a figure."""
SIDE_BY_SIDE_RATIO = 1.3
"""A "both" figure at least this much wider than tall puts the loss plot beside the map,
otherwise under it."""
PLOT_GAP = 16  # pixels between the map and the loss plot
DARK_BACKGROUND = QColor("#1E1F22")
DARK_FOREGROUND = QColor("#E8E8E8")


def caption_html(surface: Surface, configs: Sequence[RunConfig],
                 labels: Sequence[str]) -> str:
    """The figure caption: the surface and its formula, then each run's settings."""
    names = surface.param_names
    shown = ", ".join(names) if len(names) <= 6 else f"{names[0]}, …, {names[-1]}"
    head = (f"<b>{html.escape(surface.title)}</b>: L({html.escape(shown)}) = "
            f"{html.escape(surface.formula)}")
    lines = [head]
    for label, config in zip(labels, configs, strict=False):
        summary = config_summary(config, surface)
        lines.append(f"<b>{html.escape(label)}</b>: {html.escape(summary)}"
                     if len(configs) > 1 else html.escape(summary))
    return "<br>".join(lines)


def _is_neutral(color: QColor) -> bool:
    return color.hsvSaturationF() < 0.12 or color.valueF() < 0.12


def dark_color(color: QColor) -> QColor:
    """The dark theme's version of a light-theme colour: greys (white background, dark text,
    grey lines) have their lightness mirrored between the dark background and light text;
    colours (runs, visual aids) stay."""
    if not _is_neutral(color):
        return QColor(color)
    light = color.lightnessF()
    lo, hi = DARK_BACKGROUND.lightnessF(), DARK_FOREGROUND.lightnessF()
    out = QColor.fromHslF(0.0, 0.0, hi - light * (hi - lo), color.alphaF())
    return out


def dark_text(color: QColor) -> QColor:
    """Text in the dark theme: greys as :func:`dark_color`, dark colours made light enough to
    read on the dark background (same hue)."""
    if _is_neutral(color):
        return dark_color(color)
    if color.lightnessF() >= 0.55:
        return QColor(color)
    return QColor.fromHslF(max(color.hslHueF(), 0.0), color.hslSaturationF(), 0.68,
                           color.alphaF())


def _mostly_inside(path_rect: QRectF, area: QRectF) -> bool:
    return area.adjusted(-1, -1, 1, 1).contains(path_rect)


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
        size: the figure's size in CSS pixels (a PNG is drawn ``pixel_ratio`` times it).
        plot_range: the trajectory plot's exact axes, ``{"x_range": [lo, hi], "y_range":
            [lo, hi]}`` (as on screen); default: the view box.
        theme: ``"light"`` or ``"dark"``.
        font_scale: text, lines and markers this many times their size on screen (the
            figure is laid out at ``size / font_scale`` and drawn enlarged).
    """

    def __init__(self, surface: Surface, configs: Sequence[RunConfig], history: History, *,
                 content: Content = "trajectory", labels: Sequence[str] = (),
                 selected_lane: int = 0, aids: Sequence[str] = (),
                 view: Sequence[tuple[float, float]] | None = None, log_y: bool = False,
                 size: QSize | None = None, plot_range: dict | None = None,
                 theme: str = "light", font_scale: float = 1.0) -> None:
        super().__init__(None)
        if content not in CONTENTS:
            raise ExportError(f"Unknown figure content {content!r}: choose "
                              f"{', '.join(CONTENTS)}")
        if theme not in THEMES:
            raise ExportError(f"Unknown figure theme {theme!r}: choose {', '.join(THEMES)}")
        if not FONT_SCALES[0] <= font_scale <= FONT_SCALES[1]:
            raise ExportError(f"Font scale {font_scale:g} is out of range: choose between "
                              f"{FONT_SCALES[0]:g} and {FONT_SCALES[1]:g}")
        if surface.dim > 2 and content != "loss":
            content = "loss"  # a network's weights have no map: its loss curves are the figure
        self.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.setObjectName("export_figure")
        self.setStyleSheet(f"background: {style.BACKGROUND};")
        self.theme, self.font_scale, self.content = theme, float(font_scale), content
        self.dim = surface.dim
        self.lane_count = history.runs
        labels = list(labels) or [f"run {i + 1}" for i in range(history.runs)]
        self.caption = QLabel(caption_html(surface, configs, labels))
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)
        self.caption.setFont(style.ui_font(style.BASE_POINT_SIZE))
        self.caption.setStyleSheet(f"color: {style.FOREGROUND}; padding: 6px 10px;")
        nominal = size or DEFAULT_SIZES[content]
        self.nominal_size = QSize(nominal)
        layout_size = QSize(max(120, round(nominal.width() / font_scale)),
                            max(100, round(nominal.height() / font_scale)))
        side_by_side = layout_size.width() >= SIDE_BY_SIDE_RATIO * layout_size.height()
        self._plots = QHBoxLayout() if side_by_side else QVBoxLayout()
        plots = self._plots
        plots.setContentsMargins(0, 0, 0, 0)
        plots.setSpacing(PLOT_GAP)  # the colour bar's label stays clear of the loss axis
        self.surface_view: SurfaceView | None = None
        self.loss_plot: LossPlot | None = None
        self._range = None
        if content in ("trajectory", "both"):
            self.surface_view = SurfaceView()
            self.surface_view.set_surface(surface, view)
            if plot_range and "x_range" in plot_range and "y_range" in plot_range:
                self._range = (tuple(plot_range["x_range"]), tuple(plot_range["y_range"]))
            elif surface.dim == 2:
                self._range = tuple(tuple(r) for r in self.surface_view.view)
            if self._range is not None:
                self.surface_view.plot_item.setRange(xRange=self._range[0],
                                                     yRange=self._range[1], padding=0)
            self.surface_view.set_lanes(labels)
            self.surface_view.set_selected_lane(selected_lane)
            for name in self.surface_view.aid_names:
                self.surface_view.set_aid(name, name in aids)
            self._surface = surface
            self._history = history
            self.surface_view.aids.set_marker_obstacles(self._marker_boxes)
            plots.addWidget(self.surface_view, 5)
        if content in ("loss", "both"):
            self.loss_plot = LossPlot()
            self.loss_plot.set_surface(surface)
            self.loss_plot.set_lanes(labels)
            self.loss_plot.set_log_y(log_y)
            self.loss_plot.log_y_check.hide()  # controls belong to the window, not a figure
            self.loss_plot.sharpness_check.hide()
            plots.addWidget(self.loss_plot, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(plots, 1)
        layout.addWidget(self.caption)
        self.resize(layout_size)
        self.set_history(history)
        self._settle()
        if content in ("trajectory", "both"):
            self._fit_map()
            self._settle()

    # --- layout -----------------------------------------------------------------------------
    def _settle(self) -> None:
        """Paint once, unseen, and let the layout react: axes size their tick labels at their
        first paint, which moves the plots; a recording made before that shows the old layout."""
        image = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        try:
            QWidget.render(self, painter, QPoint(0, 0))
        finally:
            painter.end()
        QCoreApplication.processEvents()

    def _map_aspect(self) -> float | None:
        """Width / height the map's axes should have (equal units), or None if free."""
        if self.surface_view is None or self.dim != 2 or self._range is None:
            return None
        locked = self.surface_view.plot_item.getViewBox().state.get("aspectLocked")
        if not locked:
            return None
        (x0, x1), (y0, y1) = self._range
        return (x1 - x0) / max(y1 - y0, 1e-300)

    def _fit_map(self) -> None:
        """Give the map the room that shows its axes at equal units (when the parameters
        share units, as in the window) instead of stretching one axis past the map.

        Alone, the map is narrowed or shortened and centred; beside the loss plot it takes the
        width its height calls for (40–68 % of the figure), under it the height (45–72 %).
        """
        aspect = self._map_aspect()
        if aspect is None or self.surface_view is None:
            return
        QCoreApplication.processEvents()
        self.layout().activate()
        view = self.surface_view
        box = view.plot_item.getViewBox().sceneBoundingRect()
        extra_w, extra_h = view.width() - box.width(), view.height() - box.height()
        if self.content == "trajectory":
            if box.width() > box.height() * aspect * 1.01:
                view.setFixedWidth(round(extra_w + box.height() * aspect))
            elif box.height() > box.width() / aspect * 1.01:
                view.setFixedHeight(round(extra_h + box.width() / aspect))
            self._plots.setAlignment(view, Qt.AlignmentFlag.AlignCenter)
        elif isinstance(self._plots, QHBoxLayout):
            total = self.width()
            want = extra_w + (view.height() - extra_h) * aspect
            width = min(max(want, 0.4 * total), 0.68 * total)
            view.setFixedWidth(round(width))
            if want > width:  # too wide a map for its share: shorter, centred
                view.setFixedHeight(round(extra_h + (width - extra_w) / aspect))
                self._plots.setAlignment(view, Qt.AlignmentFlag.AlignVCenter)
        else:
            total = self.height() - self.caption.sizeHint().height()
            want = extra_h + (view.width() - extra_w) / aspect
            height = min(max(want, 0.45 * total), 0.72 * total)
            view.setFixedHeight(round(height))
            if want > height:  # too tall a map for its share: narrower, centred
                view.setFixedWidth(round(extra_w + (height - extra_h) * aspect))
                self._plots.setAlignment(view, Qt.AlignmentFlag.AlignHCenter)
        self.layout().activate()
        QCoreApplication.processEvents()
        if self._range is not None:
            view.plot_item.setRange(xRange=self._range[0], yRange=self._range[1], padding=0)
        QCoreApplication.processEvents()

    def map_axes_aspect(self) -> float | None:
        """Width / height of the map's axes in data units per pixel: 1 is equal units."""
        if self.surface_view is None or self.dim != 2:
            return None
        vb = self.surface_view.plot_item.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        box = vb.sceneBoundingRect()
        return ((x1 - x0) / box.width()) / ((y1 - y0) / box.height())

    def _marker_boxes(self) -> list[QRectF]:
        """The runs' start and current markers and the known critical points, as boxes in
        data coordinates: the Taylor box keeps off them."""
        if self.surface_view is None or self.dim != 2:
            return []
        px, py = self.surface_view.plot_item.getViewBox().viewPixelSize()
        if not (px > 0 and py > 0):
            return []
        half = style.CURRENT_MARKER_SIZE / 2 + 2
        points = [tuple(p.theta) for p in self._surface.critical_points()]
        history = self._history
        for lane in range(history.runs):
            rows = history.lane_rows(lane)
            if rows:
                points += [tuple(history.theta[0, lane]), tuple(history.theta[rows - 1, lane])]
        return [QRectF(x - half * px, y - half * py, 2 * half * px, 2 * half * py)
                for x, y in points]

    def set_history(self, history: History) -> None:
        """Draw ``history`` (for an animation: successive prefixes of one history)."""
        self._history = history
        if self.surface_view is not None:
            self.surface_view.update_history(history)
        if self.loss_plot is not None:
            self.loss_plot.update_history(history)
        QCoreApplication.processEvents()

    # --- drawing ----------------------------------------------------------------------------
    @property
    def background(self) -> QColor:
        return QColor(DARK_BACKGROUND if self.theme == "dark" else style.BACKGROUND)

    def map_rect(self) -> QRectF | None:
        """The loss map's axes rectangle in figure pixels (2-D surfaces), else None."""
        if self.surface_view is None or self.dim != 2:
            return None
        vb = self.surface_view.plot_item.getViewBox()
        widget = self.surface_view.plot_widget
        scene_rect = widget.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        return QRectF(scene_rect.translated(widget.mapTo(self, QPoint(0, 0))))

    def keep_colors(self) -> list[QColor]:
        """Colours an animation's palette must hold exactly: the runs', the aids', the
        theme's background and text."""
        colours = [style.lane_color(i) for i in range(self.lane_count)]
        colours += [QColor(c) for c in style.AID_COLORS.values()]
        colours += [self.background, QColor(DARK_FOREGROUND if self.theme == "dark"
                                            else style.FOREGROUND), QColor("#FFFFFF")]
        return colours

    def drawing(self) -> Drawing:
        """What the figure paints, as shapes in CSS pixels of the laid-out figure (markers as
        shapes, no cached pixmaps), in the figure's theme."""
        self._settle()
        views = self.findChildren(QGraphicsView)
        saved = [(view, view.cacheMode()) for view in views]
        items = [item for view in views for item in view.scene().items()]
        caches = [(item, item.cacheMode()) for item in items]
        try:
            for view in views:
                view.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
            for item in items:
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
                if hasattr(item, "setExportMode"):
                    item.setExportMode(True, {"antialias": True, "resolutionScale": 1.0})
            result = record(self)
        finally:
            for item in items:
                if hasattr(item, "setExportMode"):
                    item.setExportMode(False)
            for item, mode in caches:
                item.setCacheMode(mode)
            for view, mode in saved:
                view.setCacheMode(mode)
        if self.theme == "dark":
            area = self.map_rect()

            def on_map(op: object) -> bool:
                clip = getattr(op, "clip", -1)
                return area is not None and clip >= 0 and _mostly_inside(
                    result.clips[clip].boundingRect(), area)

            result.recolor(dark_color, dark_text, keep=on_map)
        return result

    def image(self, pixel_ratio: float = 1.0, size: QSize | None = None) -> QImage:
        """The figure as an image ``pixel_ratio`` times its nominal size, or exactly ``size``."""
        return to_image(self.drawing(), self.font_scale * pixel_ratio, self.background, size)

    def render(self, scale: float = 1.0) -> QImage:  # type: ignore[override]
        return self.image(scale)


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

    PNG is drawn ``scale`` times the figure's nominal size, or exactly ``size``; SVG and PDF
    are the nominal size (CSS pixels; a PDF point is 4/3 of one). A GIF or MP4 animates
    ``history`` (required) over ``frames`` frames at ``fps``, each frame ``scale`` times the
    nominal size; ``progress(done)`` may cancel it by returning False.
    """
    fmt = export_format(path, FIGURE_FORMATS)
    if fmt in (".gif", ".mp4"):
        if history is None:
            raise ExportError("An animation needs the run's history")
        rows = gif_rows(history.length, frames)

        def frame(i: int) -> QImage:
            figure.set_history(history.prefix(rows[i]))
            return figure.image(scale)

        try:
            if fmt == ".gif":
                write_gif(frame, frames, path, fps, progress, keep=figure.keep_colors())
            else:
                write_mp4(frame, frames, path, fps, progress)
        finally:
            figure.set_history(history)
        return
    drawing = figure.drawing()
    vector_scale = figure.font_scale
    if fmt == ".png":
        exact = size or QSize(round(figure.nominal_size.width() * scale),
                              round(figure.nominal_size.height() * scale))
        write_png(drawing, path, figure.font_scale * scale, exact, figure.background)
    elif fmt == ".svg":
        write_svg(drawing, path, vector_scale, title=title,
                  description=figure.caption.text(), background=figure.background)
    else:
        write_pdf(drawing, path, vector_scale, title=title, background=figure.background)


def plot_run(run: Run, path: Path, *, content: Content | None = None, frames: int = 60,
             fps: float = 15.0, theme: str = "light", scale: float = 1.0) -> None:
    """Write ``run``'s plot to ``path`` (used by ``gdsim run --plot``): the trajectory plot
    of every run, or for an animation the trajectory drawing itself beside the loss curve;
    ``theme`` and ``scale`` (fonts and lines) as in :class:`ExportFigure`."""
    history = history_of(run)
    animated = path.suffix.lower() in (".gif", ".mp4")
    chosen: Content = content or ("both" if animated else "trajectory")
    labels = run_labels(run.configs, run.surface)  # the GUI's labels, built the one way
    figure = ExportFigure(run.surface, run.configs, history, content=chosen, labels=labels,
                          size=QSize(900, 440) if animated and chosen == "both" else None,
                          theme=theme, font_scale=scale)
    try:
        save_figure(figure, path, scale=1.0 if animated else 2.0,
                    title=f"gdsim: {run.surface.title}", history=history, frames=frames,
                    fps=fps)
    finally:
        figure.close()
        figure.deleteLater()
