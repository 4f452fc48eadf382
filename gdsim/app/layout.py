"""The window's dock arrangement for the screen it gets.

A fresh window (no remembered dock state) is arranged when it is first shown, for its width:

* wide (at least :data:`COMPACT_WIDTH` pixels): the Surface, Optimizer and Batch panels stacked
  on the left, Runs, Schedule and the Step inspector stacked on the right;
* compact (narrower, e.g. 1024×640): the side panels as tabs — Surface, Optimizer and Batch
  on the left, Runs and Schedule on the right above the Step inspector — in narrower columns, so
  that the contour map keeps at least ~45 % of the window's width.

The lesson panel is a tab beside the Step inspector (raised when a lesson opens), so opening a
lesson never squeezes the Optimizer panel: Adam's settings stay visible without scrolling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QTabBar, QTabWidget

if TYPE_CHECKING:
    from gdsim.app.main_window import MainWindow

COMPACT_WIDTH = 1200
"""Below this window width the side panels become tabs in narrow columns."""

WIDE = {"left": 330, "right": 320}
COMPACT = {"left": 282, "right": 236}
"""Dock column widths in pixels."""


def is_compact(width: int) -> bool:
    return width < COMPACT_WIDTH


def arrange(window: MainWindow, width: int | None = None) -> None:
    """Put the docks where a fresh window of ``width`` (default: its own) has them."""
    width = window.width() if width is None else width
    window.setProperty("compact_layout", is_compact(width))
    left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    w = window
    w.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
    lesson = _lesson_dock(w)
    for dock in (w.surface_dock, w.optimizer_dock, w.batch_dock):
        _place(w, dock, left)
    if is_compact(width):
        for dock in (w.optimizer_dock, w.batch_dock):
            w.tabifyDockWidget(w.surface_dock, dock)
        for dock in (w.runs_dock, w.schedule_dock, w.inspector_dock):
            _place(w, dock, right)
        w.tabifyDockWidget(w.runs_dock, w.schedule_dock)
        if lesson is not None:
            w.tabifyDockWidget(w.inspector_dock, lesson)
        w.surface_dock.raise_()
        w.runs_dock.raise_()
        w.inspector_dock.raise_()
        w.resizeDocks([w.surface_dock, w.runs_dock], [COMPACT["left"], COMPACT["right"]],
                      horizontal)
        w.resizeDocks([w.runs_dock, w.inspector_dock], [170, 400], vertical)
    else:
        for dock in (w.runs_dock, w.schedule_dock, w.inspector_dock):
            _place(w, dock, right)
        if lesson is not None:
            w.tabifyDockWidget(w.inspector_dock, lesson)
            w.inspector_dock.raise_()
        w.resizeDocks([w.surface_dock, w.runs_dock], [WIDE["left"], WIDE["right"]],
                      horizontal)
        w.resizeDocks([w.surface_dock, w.optimizer_dock, w.batch_dock], [240, 330, 130],
                      vertical)
        w.resizeDocks([w.runs_dock, w.schedule_dock, w.inspector_dock], [110, 150, 420],
                      vertical)
    w.central_splitter.setSizes([440, 290])
    w.plots_splitter.setSizes([400, 300])
    hide_stale_tab_bars(w)


def hide_stale_tab_bars(window: MainWindow) -> None:
    """Hide the dock tab bars a re-arrangement left behind.

    Untabifying docks (compact → wide) leaves Qt's tab bars of the old groups on the window,
    drawn over the panels (one even at the window's top-left corner); a bar is needed only
    while its docks are still tabified with each other.
    """
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        titles = [bar.tabText(i) for i in range(bar.count())]
        grouped = [docks[t] for t in titles if t in docks]
        needed = len(grouped) > 1 and any(window.tabifiedDockWidgets(d) for d in grouped)
        if not needed:
            bar.hide()


def _place(window: MainWindow, dock: QDockWidget, area: Qt.DockWidgetArea) -> None:
    """``dock`` on its own (untabbed) in ``area``, in the order of the calls."""
    dock.setFloating(False)
    window.removeDockWidget(dock)
    window.addDockWidget(area, dock)
    dock.show()


def _lesson_dock(window: MainWindow) -> QDockWidget | None:
    documents = getattr(window, "documents", None)
    dock = getattr(documents, "lesson_dock", None)
    if dock is not None and not dock.isVisible():
        window.removeDockWidget(dock)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.tabifyDockWidget(window.inspector_dock, dock)
        dock.hide()
        return None
    return dock


def show_lesson_dock(window: MainWindow, dock: QDockWidget) -> None:
    """Show the lesson as a tab beside the Step inspector and raise it."""
    if not dock.isVisible():
        if window.dockWidgetArea(dock) != Qt.DockWidgetArea.RightDockWidgetArea or \
                dock not in window.tabifiedDockWidgets(window.inspector_dock):
            window.removeDockWidget(dock)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            window.tabifyDockWidget(window.inspector_dock, dock)
        dock.show()
    dock.raise_()
    hide_stale_tab_bars(window)


class FirstShowArranger(QObject):
    """Arranges a window's docks for its size when it is first shown — unless a remembered
    dock layout was restored (``window.layout_restored``)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._window and event.type() == QEvent.Type.Show:
            self._window.removeEventFilter(self)
            w = self._window
            if not getattr(w, "layout_restored", False) and \
                    w.property("compact_layout") != is_compact(w.width()):
                arrange(w)  # the window's width class changed since it was built
        return False
