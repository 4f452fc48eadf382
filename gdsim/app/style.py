"""The app's visual vocabulary: lane colours, markers, the colour map and fonts.

One place decides how things look so that every view (map, loss plot, data view, inspector)
uses the same colour for the same lane and the same marker for the same kind of point.

* Lane colours: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), eight
  colours that stay distinct for the common forms of colour blindness. Pure yellow is left out
  (invisible on a light background and on the bright end of the colour map); black is last.
* The loss map's colour map: ``viridis`` — perceptually uniform (equal steps in loss look like
  equal steps in colour), monotonic in lightness (readable in greyscale) and colour-blind safe.
* Markers: every run has its own shape (:data:`LANE_SYMBOLS`: circle, square, triangle, ...)
  so runs stay apart in greyscale; its start is the shape hollow, its current point filled.
  Known minima are stars (global: filled, local: hollow), saddles diamonds, maxima triangles.

Nothing here needs a running ``QApplication`` at import time: fonts, pens and colour maps are
built by functions when a view asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

# --- colours ----------------------------------------------------------------------------------
LANE_COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#000000",  # black
)
"""Okabe–Ito colours, one per lane, cycling after seven lanes."""

LANE_SYMBOLS: tuple[str, ...] = ("o", "s", "t", "d", "t1", "p", "h")
"""A marker shape per lane (circle, square, triangles down and up, diamond, pentagon,
hexagon), so that runs stay apart in greyscale and for any colour vision; cycles with the
colours (seven of each)."""

BACKGROUND = "#FFFFFF"
FOREGROUND = "#262626"  # axes, tick labels, text
MUTED = "#6E6E6E"  # secondary text, reference lines
GRID_ALPHA = 0.15
DATA_POINT_COLOR = "#5A5A5A"  # the data set's points in the data view

# The visual aids keep one colour each, whatever the lane, so "red arrow = gradient" holds.
AID_COLORS: dict[str, str] = {
    "gradient": "#C0392B",  # ∇L, uphill
    "step": "#111111",  # Δθ, the step taken
    "state": "#E7298A",  # optimizer state (velocity, first moment): pink, clear of viridis
    "scale": "#E7298A",  # adaptive per-parameter scale: state too, so the same colour
    "taylor": "#1F4E79",  # tangent line and the first-order prediction
}

STATE_COLORS: dict[str, str] = {
    "running": "#1E7B34", "paused": "#555555", "converged": "#0B5FA5",
    "diverged": "#B00020", "step limit": "#A35200", "rewound": "#6A1B9A",
}
"""A lane's state in text: green running, grey paused, blue converged, red diverged,
orange at its step limit, purple rewound (the timeline); contrast ≥ 4.5 : 1 on light panels."""

STATE_COLORS_DARK: dict[str, str] = {
    "running": "#6FD08C", "paused": "#C8C8C8", "converged": "#82BDF5",
    "diverged": "#FF8A8A", "step limit": "#F2AE6B", "rewound": "#D3A6F0",
}
"""The same hues for the dark theme's panels, light enough for ≥ 4.5 : 1 there."""


def state_colors(dark: bool) -> dict[str, str]:
    """The state colours for the light or the dark theme."""
    return STATE_COLORS_DARK if dark else STATE_COLORS

COLORMAP_NAME = "viridis"
"""The perceptually uniform colour map of the loss map (pyqtgraph's built-in copy)."""

LEGEND_ALPHA = 185  # legends: translucent white boxes, thin grey border, small text
LEGEND_BORDER = "#C8C8C8"
CONTOUR_COLOR = (255, 255, 255, 110)  # level lines: white, translucent; visible on viridis
MAP_OPACITY = 1.0


def lane_color(i: int) -> QColor:
    """The colour of lane ``i`` (cycles through :data:`LANE_COLORS`)."""
    return QColor(LANE_COLORS[i % len(LANE_COLORS)])


def lane_symbol(i: int) -> str:
    """The pyqtgraph marker shape of lane ``i`` (see :data:`LANE_SYMBOLS`)."""
    return LANE_SYMBOLS[i % len(LANE_SYMBOLS)]


def lane_hex(i: int) -> str:
    """:func:`lane_color` as ``"#rrggbb"``."""
    return LANE_COLORS[i % len(LANE_COLORS)]


def mixed_with_white(color: QColor | str, amount: float) -> QColor:
    """``color`` blended towards white by ``amount`` (0: unchanged, 1: white), opaque.

    An opaque pale colour instead of a translucent one: pyqtgraph draws opaque thin lines as
    fast line segments, translucent ones as slow painter paths.
    """
    c = QColor(color)
    mix = [round(v + (255 - v) * amount) for v in (c.red(), c.green(), c.blue())]
    return QColor(*mix)


def with_alpha(color: QColor | str, alpha: int) -> QColor:
    """A copy of ``color`` with opacity ``alpha`` (0–255)."""
    out = QColor(color)
    out.setAlpha(alpha)
    return out


@lru_cache(maxsize=4)
def colormap(name: str = COLORMAP_NAME) -> pg.ColorMap:
    """The loss map's colour map (low loss dark, high loss bright)."""
    return pg.colormap.get(name)


# --- markers ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarkerStyle:
    """A pyqtgraph scatter symbol: ``symbol`` name, ``size`` in pixels, fill and outline."""

    symbol: str
    size: float
    brush: str | tuple[int, ...] | None
    pen: str | tuple[int, ...]
    pen_width: float = 1.5

    def kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``ScatterPlotItem``/``PlotDataItem`` symbols."""
        return {
            "symbol": self.symbol,
            "size": self.size,
            "brush": pg.mkBrush(self.brush) if self.brush is not None else pg.mkBrush(None),
            "pen": pg.mkPen(self.pen, width=self.pen_width),
        }


CRITICAL_POINT_MARKERS: dict[str, MarkerStyle] = {
    "global minimum": MarkerStyle("star", 19, "#FFFFFF", "#111111", 1.3),
    "local minimum": MarkerStyle("star", 15, None, "#FFFFFF", 2.0),
    "saddle": MarkerStyle("d", 12, None, "#FFFFFF", 2.0),
    "local maximum": MarkerStyle("t1", 13, None, "#FFFFFF", 2.0),
}
"""Markers of known critical points by kind (see ``CriticalPoint.kind``); any other kind is
drawn like a saddle."""

# On the 1-D curve the background is white: the same shapes, drawn dark.
CRITICAL_POINT_MARKERS_1D: dict[str, MarkerStyle] = {
    "global minimum": MarkerStyle("star", 18, "#FFD23F", "#111111", 1.3),
    "local minimum": MarkerStyle("star", 15, "#FFFFFF", "#111111", 1.5),
    "saddle": MarkerStyle("d", 12, "#FFFFFF", "#111111", 1.5),
    "local maximum": MarkerStyle("t1", 13, "#FFFFFF", "#111111", 1.5),
}

START_MARKER_SIZE = 11  # hollow circle in the lane colour
CURRENT_MARKER_SIZE = 13  # filled circle in the lane colour, dark outline
PATH_WIDTH = 2.0
HALO_COLOR = (255, 255, 255, 255)  # drawn under each path so any lane colour shows on the map
HALO_WIDTH = 4.5
PATH_DOT_SIZE = 7  # 1-D: the visited points on the curve
LEGEND_MARKER_SIZE = 9  # a lane's current-point marker as drawn in a legend


def start_marker(i: int) -> dict[str, object]:
    """Symbol keyword arguments for the start point of lane ``i`` (its shape, hollow)."""
    return {"symbol": lane_symbol(i), "size": START_MARKER_SIZE, "brush": pg.mkBrush("#FFFFFF"),
            "pen": pg.mkPen(lane_color(i), width=2.5)}


def current_marker(i: int) -> dict[str, object]:
    """Symbol keyword arguments for the current point of lane ``i`` (its shape, filled)."""
    return {"symbol": lane_symbol(i), "size": CURRENT_MARKER_SIZE,
            "brush": pg.mkBrush(lane_color(i)), "pen": pg.mkPen("#FFFFFF", width=2.0)}


# --- fonts ------------------------------------------------------------------------------------
BASE_POINT_SIZE = 10
TITLE_POINT_SIZE = 11
LEGEND_POINT_SIZE = 8.5


def ui_font(point_size: float = BASE_POINT_SIZE, *, bold: bool = False) -> QFont:
    """The sans-serif font of plots and panels (needs a ``QApplication``)."""
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def mono_font(point_size: float = BASE_POINT_SIZE) -> QFont:
    """A fixed-width font so columns of numbers line up (the step inspector)."""
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(point_size)
    return font


def label_style(point_size: float = BASE_POINT_SIZE, color: str = FOREGROUND) -> dict[str, str]:
    """CSS-like options for ``AxisItem.setLabel`` and ``PlotItem.setTitle``."""
    return {"color": color, "font-size": f"{point_size}pt"}


def style_plot(plot_item: pg.PlotItem, *, grid: bool = True) -> None:
    """Dark axes and tick labels on the light background, readable fonts, a faint grid."""
    tick_font = ui_font(BASE_POINT_SIZE - 1)
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND, width=1))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(tick_font)
        # Major and minor ticks only: the third level doubles the grid lines (and the cost
        # of repainting the axes every frame) without helping to read values.
        axis.setStyle(maxTickLevel=1)
    if grid:
        plot_item.showGrid(x=True, y=True, alpha=GRID_ALPHA)


def set_axis_label(plot_item: pg.PlotItem, side: str, text: str) -> None:
    """Label an axis in the app's style (``side``: "left", "bottom", ...)."""
    plot_item.setLabel(side, text, **label_style())
