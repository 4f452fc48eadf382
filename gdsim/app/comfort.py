"""View ▸ Dark Theme and View ▸ Presentation Mode, remembered between launches.

* Dark theme: a dark palette for the panels and dark plot backgrounds with light axes, text
  and legends. The loss map keeps viridis (readable on both). Exports are drawn by fresh views
  in the light theme of :mod:`gdsim.app.style`, whatever the window shows.
* Presentation mode (a projector): every font :data:`FONT_SCALE` times larger, every line of
  the plots :data:`LINE_SCALE` times thicker.

Both restyle the window's existing widgets and plot items (the style constants stay the
light, normal ones), and again after a redraw that added items (new runs, a new surface).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QColor, QFont, QPalette
from PySide6.QtWidgets import QGraphicsItem, QWidget

from gdsim.app import style
from gdsim.app.plots.legend import refit_title

if TYPE_CHECKING:
    from gdsim.app.files.settings import Settings
    from gdsim.app.main_window import MainWindow

FONT_SCALE = 1.4
LINE_SCALE = 1.7

DARK = {"window": "#2B2D30", "base": "#1F2023", "alt": "#27292C", "text": "#E6E6E6",
        "muted": "#A0A0A0", "button": "#36383C", "highlight": "#3D6FB4", "plot": "#18191B",
        "legend": (40, 42, 46, 215), "border": "#5A5C60", "section": "#34383F"}
LIGHT_SECTION = "#E8ECF2"

_BASE_WIDTH = "gdsim_base_width"  # an item's pen width before presentation mode
_BASE_FONT = "gdsim_base_font"  # a widget's point size before presentation mode


def dark_palette() -> QPalette:
    """Fusion-style dark palette for the panels, menus and dialogs."""
    p = QPalette()
    roles = QPalette.ColorRole
    for role, color in ((roles.Window, DARK["window"]), (roles.WindowText, DARK["text"]),
                        (roles.Base, DARK["base"]), (roles.AlternateBase, DARK["alt"]),
                        (roles.Text, DARK["text"]), (roles.Button, DARK["button"]),
                        (roles.ButtonText, DARK["text"]), (roles.ToolTipBase, DARK["window"]),
                        (roles.ToolTipText, DARK["text"]), (roles.Highlight, DARK["highlight"]),
                        (roles.HighlightedText, "#FFFFFF"), (roles.PlaceholderText, DARK["muted"]),
                        (roles.BrightText, "#FFFFFF"), (roles.Link, "#8AB4F8")):
        p.setColor(role, QColor(color))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(DARK["muted"]))
    return p


def is_dark(window: QWidget) -> bool:
    """Whether ``window`` shows the dark theme."""
    return bool(window.property("dark_theme"))


class ViewOptions(QObject):
    """The two View-menu toggles of one window (``action_dark_theme``,
    ``action_presentation``), restored from and remembered in ``settings``."""

    def __init__(self, window: MainWindow, settings: Settings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self._light_palette = QPalette(window.palette())
        self._item_count = -1
        self.dark = False
        self.presentation = False
        self.action_dark = QAction("&Dark Theme", window, objectName="action_dark_theme")
        self.action_dark.setCheckable(True)
        self.action_dark.setToolTip("Dark panels and plots (exports stay light)")
        self.action_presentation = QAction("&Presentation Mode", window,
                                           objectName="action_presentation")
        self.action_presentation.setCheckable(True)
        self.action_presentation.setShortcut("Ctrl+Shift+P")
        self.action_presentation.setToolTip("Larger text and thicker lines, for a projector")
        window.addAction(self.action_presentation)
        view_menu = next((a.menu() for a in window.menuBar().actions()
                          if a.menu() is not None and a.text().replace("&", "") == "View"),
                         None)
        if view_menu is not None:
            view_menu.addSeparator()
            view_menu.addAction(self.action_dark)
            view_menu.addAction(self.action_presentation)
        self.action_dark.toggled.connect(self.set_dark)
        self.action_presentation.toggled.connect(self.set_presentation)
        window.sigRedrawn.connect(self._restyle_new_items)
        if settings is not None:
            self.set_dark(settings.dark_theme())
            self.set_presentation(settings.presentation_mode())

    # --- switches ---------------------------------------------------------------------------
    def set_dark(self, on: bool) -> None:
        on = bool(on)
        self.dark = on
        if self.action_dark.isChecked() != on:
            self.action_dark.setChecked(on)  # comes back here through toggled
            return
        self.window.setProperty("dark_theme", on)
        self.window.setPalette(dark_palette() if on else self._light_palette)
        self._restyle()
        if self.settings is not None:
            self.settings.set_dark_theme(on)

    def set_presentation(self, on: bool) -> None:
        on = bool(on)
        self.presentation = on
        if self.action_presentation.isChecked() != on:
            self.action_presentation.setChecked(on)
            return
        self.window.setProperty("presentation_mode", on)
        self._scale_widget_fonts(FONT_SCALE if on else 1.0)
        self._restyle()
        if self.settings is not None:
            self.settings.set_presentation_mode(on)

    # --- restyling --------------------------------------------------------------------------
    def _views(self) -> list[pg.GraphicsView]:
        return self.window.findChildren(pg.GraphicsView)

    def _restyle_new_items(self) -> None:
        if not (self.dark or self.presentation):
            return
        count = sum(len(view.scene().items()) for view in self._views())
        if count != self._item_count:
            self._restyle()

    def _restyle(self) -> None:
        fg = DARK["text"] if self.dark else style.FOREGROUND
        bg = DARK["plot"] if self.dark else style.BACKGROUND
        lines = LINE_SCALE if self.presentation else 1.0
        fonts = FONT_SCALE if self.presentation else 1.0
        for view in self._views():
            view.setBackground(bg)
            for item in view.scene().items():
                self._restyle_item(item, fg, lines, fonts)
                if isinstance(item, pg.PlotItem) and hasattr(item, "_gdsim_title"):
                    self._restyle_title(item, fg, fonts)
        for widget in (self.window.loss_plot, self.window.data_view):
            palette = widget.palette()
            palette.setColor(widget.backgroundRole(), QColor(bg))
            widget.setPalette(palette)
        self._restyle_inspector()
        caption = self.window.surface_view.caption
        caption.setStyleSheet(f"color: {DARK['muted'] if self.dark else style.MUTED}; "
                              "padding: 2px 6px;")
        self.window.update_status()  # the state words in the theme's colours
        inspector = self.window.inspector
        if inspector.history is not None:
            inspector.update_history(inspector.history)
        self._item_count = sum(len(view.scene().items()) for view in self._views())

    def _restyle_item(self, item: QGraphicsItem, fg: str, lines: float, fonts: float) -> None:
        if isinstance(item, pg.AxisItem):
            item.setPen(pg.mkPen(fg, width=lines))
            item.setTextPen(pg.mkPen(fg))
            font = QFont()
            font.setPointSizeF((style.BASE_POINT_SIZE - 1) * fonts)
            item.setTickFont(font)
            item.labelStyle = {**item.labelStyle, "color": fg,
                               "font-size": f"{style.BASE_POINT_SIZE * fonts:g}pt"}
            item._updateLabel()
        elif isinstance(item, pg.LabelItem) and item.text and not hasattr(
                item.parentItem(), "_gdsim_title"):
            size = item.opts.get(_BASE_FONT) or item.opts.get("size") or \
                f"{style.TITLE_POINT_SIZE}pt"
            item.opts[_BASE_FONT] = size
            points = float(str(size).removesuffix("pt") or style.TITLE_POINT_SIZE)
            item.setText(item.text, color=fg, size=f"{points * fonts:g}pt")
        elif isinstance(item, pg.LegendItem):
            item.setBrush(pg.mkBrush(DARK["legend"] if self.dark
                                     else (255, 255, 255, style.LEGEND_ALPHA)))
            item.setPen(pg.mkPen(DARK["border"] if self.dark else style.LEGEND_BORDER))
            item.setLabelTextColor(fg)
            item.setLabelTextSize(f"{style.LEGEND_POINT_SIZE * fonts:g}pt")
        elif isinstance(item, (pg.PlotCurveItem, pg.PlotDataItem)):
            self._scale_pen(item, lines)

    @staticmethod
    def _restyle_title(plot_item: pg.PlotItem, fg: str, fonts: float) -> None:
        """A fitting title (plots.legend.set_fitting_title) in the theme's colour and size."""
        state = plot_item._gdsim_title  # type: ignore[attr-defined]
        theme = {"color": fg, "size": f"{style.TITLE_POINT_SIZE * fonts:g}pt"}
        plot_item._gdsim_title_theme = theme  # type: ignore[attr-defined]
        state["style"] = {k: v for k, v in state["style"].items() if k != "font-size"} | theme
        refit_title(plot_item)

    @staticmethod
    def _scale_pen(item: pg.GraphicsObject, factor: float) -> None:
        opts = item.opts
        pen = opts.get("pen")
        if pen is None or isinstance(pen, (str, tuple)):
            return
        pen = pg.mkPen(pen)
        base = opts.get(_BASE_WIDTH)
        if base is None:
            base = opts[_BASE_WIDTH] = pen.widthF()
        if pen.widthF() != base * factor:
            pen.setWidthF(base * factor)
            item.setPen(pen)

    def _scale_widget_fonts(self, factor: float) -> None:
        """The window's font (which its widgets inherit, rows built later too) and every
        widget's own font, ``factor`` times their normal size."""
        own = [w for w in self.window.findChildren(QWidget)
               if w.testAttribute(Qt.WidgetAttribute.WA_SetFont)]
        for widget in [self.window, *own]:  # normal sizes first, before any change
            if widget.property(_BASE_FONT) is None:
                size = widget.font().pointSizeF()
                widget.setProperty(_BASE_FONT, size if size > 0 else 10.0)
        for widget in [self.window, *own]:
            font = widget.font()
            font.setPointSizeF(float(widget.property(_BASE_FONT)) * factor)
            widget.setFont(font)

    def _restyle_inspector(self) -> None:
        tree = self.window.inspector.tree
        color = QColor(DARK["section"] if self.dark else LIGHT_SECTION)
        sections = (LIGHT_SECTION, DARK["section"].upper())
        for i in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(i)
            if item.background(0).color().name().upper() in sections:
                for column in (0, 1):
                    item.setBackground(column, color)
