"""Compact legends that sit in the corner of the plot where they hide the least data, and
plot titles that never make a plot wider than its view.

:class:`Legend` is a small, translucent pyqtgraph ``LegendItem`` anchored in a corner of its
view box. :meth:`Legend.place` is given the points worth seeing (paths, curves, markers, the
visual aids' labels; in data coordinates) and moves the legend to the corner that covers the
fewest of them — with some reluctance, so that it does not hop between corners as the data
grow. Once the user drags the legend, it stays where it was put.

:func:`set_fitting_title` sets a ``PlotItem`` title from a list of variants, longest first,
and shows the first that fits the plot's width: pyqtgraph gives a title a minimum width equal
to its text, which makes a narrow plot wider than its view (clipped on the right).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt

from gdsim.app import style

MARGIN = 6  # pixels between the legend and the view box's edges
CORNERS = ((1, 0), (0, 0), (0, 1), (1, 1))  # (x, y) anchors: top-right first, then ...
MOVE_RATIO = 0.5  # move only to a corner covering less than this share of the current one's
MIN_SCORE_TO_MOVE = 3.0  # ... and only when the current corner covers at least this much


SAMPLE_HEIGHT = 14  # pixels per legend row (pyqtgraph's samples are 20 × 20)


class CompactSample(pg.ItemSample):
    """pyqtgraph's legend sample (line and symbol, click to hide the item) in a lower row."""

    def __init__(self, item: pg.GraphicsObject) -> None:
        super().__init__(item)
        self.setFixedHeight(SAMPLE_HEIGHT)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0, 0, 20, SAMPLE_HEIGHT)

    def paint(self, p, *args) -> None:
        p.translate(0, (SAMPLE_HEIGHT - 20) / 2)
        super().paint(p, *args)


class Legend(pg.LegendItem):
    """A compact legend in a corner of ``view_box`` (see :meth:`place`).

    Attributes:
        corner: the ``(x, y)`` anchor now used: 0 left/top, 1 right/bottom.
        user_placed: the user dragged it; :meth:`place` then leaves it alone.
    """

    def __init__(self, view_box: pg.ViewBox, corner: tuple[int, int] = (1, 0)) -> None:
        super().__init__(offset=None, brush=pg.mkBrush(255, 255, 255, style.LEGEND_ALPHA),
                         pen=pg.mkPen(style.LEGEND_BORDER), labelTextColor=style.FOREGROUND,
                         labelTextSize=f"{style.LEGEND_POINT_SIZE}pt", verSpacing=-2,
                         horSpacing=6, sampleType=CompactSample)
        self.layout.setContentsMargins(2, 0, 4, 0)
        self.setParentItem(view_box)
        self.setZValue(100)
        self._view_box = view_box
        self.user_placed = False
        self.corner = corner
        self._anchor(corner)

    def _anchor(self, corner: tuple[int, int]) -> None:
        self.corner = corner
        offset = (-MARGIN if corner[0] else MARGIN, -MARGIN if corner[1] else MARGIN)
        self.anchor(itemPos=corner, parentPos=corner, offset=offset)

    def addItem(self, item: pg.GraphicsObject, name: str) -> None:  # noqa: N802
        super().addItem(item, name)
        _, label = self.items[-1]
        label.item.document().setDocumentMargin(1)  # Qt's default of 4 px doubles the rows
        label.setText(label.text)  # measure again
        label.setMaximumHeight(label.minimumHeight())
        self.layout.activate()
        self.updateSize()

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().mouseDragEvent(ev)
        if ev.isAccepted():
            self.user_placed = True

    # --- placement --------------------------------------------------------------------------
    def rect_in_view(self, corner: tuple[int, int] | None = None) -> QRectF | None:
        """The legend's box in data coordinates, where it is or at ``corner``; ``None`` while
        hidden or before the view has a size."""
        if not self.isVisible() or not self.items:
            return None
        vb = self._view_box
        box = vb.boundingRect()
        size = self.boundingRect()
        if box.width() <= 0 or box.height() <= 0:
            return None
        if corner is None:
            local = self.mapRectToParent(size)
        else:
            x = box.left() + MARGIN if corner[0] == 0 else box.right() - MARGIN - size.width()
            y = box.top() + MARGIN if corner[1] == 0 else box.bottom() - MARGIN - size.height()
            local = QRectF(x, y, size.width(), size.height())
        a = vb.mapToView(local.topLeft())
        b = vb.mapToView(local.bottomRight())
        return QRectF(QPointF(min(a.x(), b.x()), min(a.y(), b.y())),
                      QPointF(max(a.x(), b.x()), max(a.y(), b.y())))

    def cover(self, corner: tuple[int, int] | None, points: Sequence[tuple[np.ndarray, float]]
              ) -> float:
        """How much of ``points`` (``(xy array (n, 2), weight per point)`` pairs, data
        coordinates) the legend would hide at ``corner`` (``None``: where it is)."""
        rect = self.rect_in_view(corner)
        if rect is None:
            return 0.0
        total = 0.0
        for xy, weight in points:
            if len(xy) == 0:
                continue
            with np.errstate(invalid="ignore"):
                inside = ((xy[:, 0] >= rect.left()) & (xy[:, 0] <= rect.right())
                          & (xy[:, 1] >= rect.top()) & (xy[:, 1] <= rect.bottom()))
            total += weight * float(np.count_nonzero(inside))
        return total

    def place(self, points: Sequence[tuple[np.ndarray, float]]) -> bool:
        """Move to the corner that hides the least of ``points`` (see :meth:`cover`); returns
        whether the legend moved. Prefers the current corner, then :data:`CORNERS` order."""
        if self.user_placed or self.rect_in_view() is None:
            return False
        scores = {corner: self.cover(corner, points) for corner in CORNERS}
        current = scores.get(self.corner, self.cover(None, points))
        best = min(CORNERS, key=lambda c: (scores[c], CORNERS.index(c)))
        if best != self.corner and ((current >= MIN_SCORE_TO_MOVE
                                     and scores[best] < MOVE_RATIO * current)
                                    or (current > 0 and scores[best] == 0)):
            self._anchor(best)
            return True
        return False


def path_points(items: Iterable[pg.PlotDataItem]) -> np.ndarray:
    """The displayed points of ``items`` (their data after log mode and decimation), as one
    ``(n, 2)`` array in data coordinates."""
    parts = []
    for item in items:
        if not item.isVisible():
            continue
        x, y = item.getData()
        if x is not None and len(x):
            parts.append(np.column_stack([x, y]))
    return np.concatenate(parts) if parts else np.empty((0, 2))


def set_fitting_title(plot_item: pg.PlotItem, variants: Sequence[str],
                      **label_style: str) -> None:
    """Title ``plot_item`` with the first of ``variants`` (HTML, longest first) that fits its
    width; re-chosen whenever the plot is resized. The title never widens the plot."""
    title = plot_item.titleLabel
    state = getattr(plot_item, "_gdsim_title", None)
    if state is None:
        state = {"variants": [], "style": {}, "shown": None}
        plot_item._gdsim_title = state  # type: ignore[attr-defined]
        plot_item.geometryChanged.connect(lambda: _fit_title(plot_item))
        title.updateMin = lambda: _height_only(title)  # pyqtgraph: min width = the text's
    # A theme (gdsim.app.comfort) may override the colour and size: kept across new titles.
    theme = getattr(plot_item, "_gdsim_title_theme", {})
    state["variants"], state["style"], state["shown"] = list(variants), {**label_style,
                                                                          **theme}, None
    if not variants:
        plot_item.setTitle(None)
        return
    _fit_title(plot_item)


def _height_only(label: pg.LabelItem) -> None:
    height = label.itemRect().height()
    label.setMinimumWidth(0)
    label.setMinimumHeight(height)
    hints = getattr(label, "_sizeHint", None)
    if isinstance(hints, dict):
        hints[Qt.SizeHint.MinimumSize] = (0, height)


def _fit_title(plot_item: pg.PlotItem) -> None:
    state = plot_item._gdsim_title  # type: ignore[attr-defined]
    variants = state["variants"]
    if not variants:
        return
    room = plot_item.geometry().width() - 12
    title = plot_item.titleLabel
    chosen = variants[-1]
    for text in variants:  # measured in the plot's own scene (fonts, resolution)
        title.setText(text, **state["style"])
        if room <= 0 or title.itemRect().width() <= room:
            chosen = text
            break
    if chosen != state["shown"] or title.text != chosen:
        state["shown"] = chosen
        plot_item.setTitle(chosen, **state["style"])


def refit_title(plot_item: pg.PlotItem) -> None:
    """Show the fitting title again (after its style changed)."""
    if getattr(plot_item, "_gdsim_title", None) is not None:
        plot_item._gdsim_title["shown"] = None  # type: ignore[attr-defined]
        _fit_title(plot_item)


def title_text(plot_item: pg.PlotItem) -> str:
    """The title now shown (HTML), ``""`` if none."""
    state = getattr(plot_item, "_gdsim_title", None)
    return (state or {}).get("shown") or ""
