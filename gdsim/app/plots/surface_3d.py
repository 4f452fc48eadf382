"""View ▸ 3-D: the loss surface as a shaded mesh with every run's path drawn on it.

The mesh is the full-batch loss on a grid over the surface's view box (the same
:func:`~gdsim.app.model.loss_grid.evaluate_grid` as the map), its height and colour given by the
map's :class:`~gdsim.app.model.loss_grid.ColorScale`: ``log10(L − L_min + ε)`` where the map is
log-scaled, else L — so a banana valley is a visible trench, not a flat floor under a wall.
Each run's path and current point are drawn in its lane colour, slightly above the mesh and
without depth test (a path behind a hill stays visible). The mouse rotates (drag), pans (middle
drag) and zooms (wheel), as pyqtgraph's :class:`GLViewWidget` does.

The view follows the model like the other views (it is registered as a plot, see
:mod:`gdsim.app.plots.protocol`): :meth:`update_history` on every redraw while it is shown,
with the whole record or its prefix up to the timeline's cursor, and when it is shown again
it catches up from the model (``history_source``). :meth:`set_cursor` rewinds it alone (for
scripts and tests). :meth:`export_png` saves what is shown.

OpenGL needs a real display. Under Qt's ``offscreen`` platform (headless tests, ``gdsim run
--plot``) or without PyOpenGL the view shows one sentence saying it is unavailable and why;
nothing else changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QImage, QShowEvent, QVector3D
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style
from gdsim.app.model.history import History
from gdsim.app.model.loss_grid import ColorScale, evaluate_grid
from gdsim.core.surfaces import Surface

MESH_SIZE = 90  # grid points along each axis of the mesh
HEIGHT_RATIO = 0.5  # the mesh's height as a fraction of the view box's larger side
LIFT = 0.012  # paths float this fraction of the height above the mesh
MAX_PATH_POINTS = 4000  # a longer path is drawn through evenly spaced samples
LOG_DECADES = 3.0  # decades of a log-scaled height
NO_GL_PLATFORMS = ("offscreen", "minimal", "linuxfb", "vnc")


def unavailable_reason() -> str:
    """Why the 3-D view cannot draw here (``""`` if it can)."""
    platform = QGuiApplication.platformName() if QGuiApplication.instance() else ""
    if platform in NO_GL_PLATFORMS:
        return (f"The 3-D view is unavailable: it needs OpenGL, which Qt's '{platform}' "
                "platform does not provide. Every other view works.")
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # ImportError, or a GL library that fails to load
        return (f"The 3-D view is unavailable: it needs PyOpenGL ({exc}). Every other view "
                "works.")
    return ""


class Surface3DView(QWidget):
    """The loss surface in 3-D with the runs' paths; see the module docstring.

    Attributes:
        available: whether OpenGL drawing works here (else :attr:`message` says why).
        gl: the :class:`pyqtgraph.opengl.GLViewWidget`, or ``None`` when unavailable.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surface_3d_view")
        self.reason = unavailable_reason()
        self.available = not self.reason
        self.message = QLabel(self.reason)
        self.message.setObjectName("surface_3d_message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setObjectName("surface_3d_export")
        self.export_button.setToolTip("Save the 3-D view as a PNG image")
        self.export_button.clicked.connect(self._export_dialog)
        self.export_button.setEnabled(self.available)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.gl = None
        self.surface: Surface | None = None
        self.scale: ColorScale | None = None
        self.history: History | None = None
        self.cursor: int | None = None
        self._labels: list[str] = []
        self._height = 1.0
        self._heights = np.zeros((0, 0))
        self._built = False
        self.history_source: Callable[[], History | None] | None = None
        self._range = (0.0, 1.0)
        self.current_points = np.zeros((0, 3))  # the runs' current points as drawn (x, y, z)
        self._mesh = None
        self._base = None
        self._paths: list = []
        self._points = None
        if self.available:
            import pyqtgraph.opengl as gl

            self.gl = gl.GLViewWidget()
            self.gl.setObjectName("surface_3d_gl")
            self.gl.setBackgroundColor("w")
            self.gl.setMinimumSize(200, 150)
            layout.addWidget(self.gl, 1)
            self.message.hide()
        layout.addWidget(self.message, 0 if self.available else 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        layout.addLayout(row)

    # --- the surface ------------------------------------------------------------------------
    def set_surface(self, surface: Surface) -> None:
        """Show ``surface`` (over two parameters); the mesh is built when the view is shown."""
        self.surface = surface
        self.history = None
        self._built = False
        if self.isVisible():
            self._build()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.history_source is not None:  # hidden views are not fed: catch up now
            latest = self.history_source()
            if latest is not None and self.surface is not None \
                    and latest.dim == self.surface.dim:
                self.history = latest
        if not self._built:
            self._build()
        else:
            self._draw_runs()

    def _build(self) -> None:
        self._built = True
        surface = self.surface
        if not self.available or surface is None:
            return
        self._clear()
        if surface.dim != 2:
            self._say(f"The 3-D view shows surfaces of two parameters; {surface.title} has "
                      f"{surface.dim}.")
            return
        self._say("")
        view = surface.view
        grid = evaluate_grid(surface, view, size=MESH_SIZE)
        minima = surface.minima()
        floor = min((p.loss for p in minima), default=None)
        self.scale = ColorScale.for_grid(grid.loss, surface.log_scale, floor)
        finite = grid.loss[np.isfinite(grid.loss)]
        lo = float(finite.min()) if finite.size else 0.0
        if floor is not None and math.isfinite(floor):
            lo = min(lo, float(floor))
        hi = float(finite.max()) if finite.size else 1.0
        self._range = (lo, hi if hi > lo else lo + 1.0)
        width = max(hi - lo for lo, hi in view)
        self._height = HEIGHT_RATIO * width
        t = self._unit_height(grid.loss)  # (G, G), row j at ys[j]
        heights = (t * self._height).T  # (x, y) order for GLSurfacePlotItem
        colors = style.colormap().map(t.T.ravel(), mode="float").reshape(*heights.shape, 4)
        import pyqtgraph.opengl as gl

        self._mesh = gl.GLSurfacePlotItem(x=grid.xs, y=grid.ys, z=heights, colors=colors,
                                          shader="shaded", smooth=True)
        self.gl.addItem(self._mesh)
        self._heights = heights
        (x0, x1), (y0, y1) = view
        self._base = gl.GLGridItem(color=(0, 0, 0, 60))
        self._base.setSize(x1 - x0, y1 - y0)
        self._base.setSpacing((x1 - x0) / 10, (y1 - y0) / 10)
        self._base.translate(0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.0)
        self.gl.addItem(self._base)
        self.gl.opts["center"] = QVector3D(0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.3 * self._height)
        self.gl.setCameraPosition(distance=1.6 * width, elevation=32, azimuth=-60)
        self._draw_runs()

    def _unit_height(self, loss: np.ndarray) -> np.ndarray:
        """Loss → height in [0, 1] (off-scale and non-finite values clipped).

        Linear, or where the map is log-scaled ``log10(L − L_min + ε)`` over
        :data:`LOG_DECADES` decades below the top rather than the map's five: deep enough to
        show a valley floor, shallow enough that grid points which happen to fall into a narrow
        trench do not stand out as spikes.
        """
        assert self.scale is not None
        lo, hi = self._range
        with np.errstate(all="ignore"):
            if self.scale.log:
                eps = (hi - lo) * 10.0**-LOG_DECADES
                t = (np.log10(np.asarray(loss, dtype=float) - lo + eps) - math.log10(eps)) / (
                    math.log10(hi - lo + eps) - math.log10(eps))
            else:
                t = (np.asarray(loss, dtype=float) - lo) / (hi - lo)
        return np.clip(np.nan_to_num(t, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)

    def mesh_heights(self) -> np.ndarray:
        """The mesh's vertex heights ``(x, y)`` (for tests)."""
        return self._heights

    # --- runs -------------------------------------------------------------------------------
    def set_lanes(self, labels: Sequence[str]) -> None:
        """One path per run, in :func:`~gdsim.app.style.lane_color` order."""
        self._labels = list(labels)
        self._draw_runs()

    def set_selected_lane(self, lane: int) -> None:  # the same interface as the other views
        del lane

    def update_history(self, history: History) -> None:
        """Redraw the paths from ``history`` (a history of another dimension is ignored)."""
        if self.surface is None or history.dim != self.surface.dim:
            return
        self.history = history
        if self.isVisible():
            self._draw_runs()

    def set_cursor(self, step: int | None) -> None:
        """Show the runs as they were after update ``step`` (``None``: the latest)."""
        self.cursor = None if step is None else max(0, int(step))
        self._draw_runs()

    def _draw_runs(self) -> None:
        if not self.available or self._mesh is None or self.history is None:
            return
        if not self._built:
            return  # drawn when shown
        import pyqtgraph.opengl as gl
        from OpenGL import GL

        h = self.history
        overlay = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
                   "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
        while len(self._paths) < h.runs:
            item = gl.GLLinePlotItem(width=2.5, antialias=True, mode="line_strip",
                                     glOptions=overlay)
            self.gl.addItem(item)
            self._paths.append(item)
        while len(self._paths) > h.runs:
            self.gl.removeItem(self._paths.pop())
        if self._points is None:
            self._points = gl.GLScatterPlotItem(size=11, pxMode=True, glOptions=overlay)
            self.gl.addItem(self._points)
        current, colors = [], []
        for lane, item in enumerate(self._paths):
            rows = h.lane_rows(lane)
            if self.cursor is not None:
                rows = min(rows, self.cursor + 1)
            if rows == 0:
                item.setVisible(False)
                continue
            stride = max(1, math.ceil(rows / MAX_PATH_POINTS))
            index = np.unique(np.r_[np.arange(0, rows, stride), rows - 1])
            pos = self._lifted(h.theta[index, lane, :], h.loss[index, lane])
            color = style.lane_color(lane)
            rgba = (color.redF(), color.greenF(), color.blueF(), 1.0)
            item.setData(pos=pos, color=rgba)
            item.setVisible(True)
            current.append(pos[-1])
            colors.append(rgba)
        self.current_points = np.array(current, dtype=float).reshape(-1, 3)
        if current:
            self._points.setData(pos=np.array(current), color=np.array(colors))
            self._points.setVisible(True)
        else:
            self._points.setVisible(False)

    def _lifted(self, theta: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """Points ``(n, 3)`` on the mesh's scale, just above it; finite everywhere."""
        z = (self._unit_height(loss) + LIFT) * self._height
        xy = np.nan_to_num(theta, nan=0.0, posinf=1e6, neginf=-1e6)
        return np.column_stack([xy, z]).astype(np.float32)

    def _clear(self) -> None:
        for item in [self._mesh, self._base, *self._paths, self._points]:
            if item is not None:
                self.gl.removeItem(item)
        self._mesh, self._base, self._paths, self._points = None, None, [], None

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- export -----------------------------------------------------------------------------
    def grab_image(self) -> QImage:
        """The 3-D picture as shown (an empty image when unavailable)."""
        if self.gl is None:
            return QImage()
        return self.gl.grabFramebuffer()

    def shutdown(self) -> None:
        """The main window is closing: close the window this view is shown in."""
        top = self.window()
        if top is not self:
            top.close()

    def export_png(self, path: str | Path) -> Path:
        """Save the 3-D picture as PNG; raises ``OSError`` if it cannot be written."""
        path = Path(path)
        if not self.available:
            raise OSError(self.reason)
        if not self.grab_image().save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        return path

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the 3-D view", "surface-3d.png",
                                              "PNG images (*.png)")
        if path:
            try:
                self.export_png(path)
            except OSError as exc:
                self._say(str(exc))


class Surface3DWindow(QWidget):
    """The 3-D view in a window of its own, shown and hidden by the View ▸ 3-D action.

    It is no child of the main window (``owner``): Qt composes a window through OpenGL when
    any of its children, child windows included, holds an OpenGL widget, and the main window
    would then upload itself as a texture on every paint (with software OpenGL, half of each
    redraw). It follows the main window instead: kept above it (its transient parent), closed
    with it (the view's :meth:`Surface3DView.shutdown`), deleted with it."""

    def __init__(self, action: QAction, owner: QWidget | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("surface_3d_window")
        self.setWindowTitle("gdsim — 3-D view")
        self.resize(720, 560)
        self.view = Surface3DView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.action = action
        action.toggled.connect(self.setVisible)
        self.owner = owner
        if owner is not None:
            owner.destroyed.connect(self.deleteLater)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        handle, above = self.windowHandle(), self.owner and self.owner.windowHandle()
        if handle is not None and above is not None and handle.transientParent() is not above:
            handle.setTransientParent(above)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.action.setChecked(False)
        super().closeEvent(event)


def install_3d_view(window: QMainWindow) -> Surface3DView:
    """Add View ▸ 3-D to ``window``'s View menu; returns the (hidden) view it shows."""
    action = QAction("&3-D", window)
    action.setObjectName("action_view_3d")
    action.setCheckable(True)
    action.setToolTip("The loss surface as a 3-D mesh with the runs' paths (needs OpenGL)")
    menu = next((a.menu() for a in window.menuBar().actions()
                 if a.text().replace("&", "") == "View" and a.menu() is not None), None)
    if menu is not None:
        menu.addSeparator()
        menu.addAction(action)
    else:
        window.addAction(action)
    holder = Surface3DWindow(action, window)
    window.view_3d_window = holder  # type: ignore[attr-defined]
    model = getattr(window, "model", None)
    if model is not None:  # the application model: what the other views show
        holder.view.history_source = model.shown_history
    return holder.view
