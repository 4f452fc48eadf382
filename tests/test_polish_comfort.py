"""Issue 8, "Comfort": View ▸ Dark Theme and Presentation Mode, remembered; exports stay
light."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QImage, QPalette

from gdsim.app import MainWindow, comfort, style
from gdsim.app.files.settings import Settings

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def settings_in(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def _window(qtbot, settings: Settings | None = None) -> MainWindow:
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    return w


def _mean_lightness(image: QImage) -> float:
    image = image.scaled(40, 30)
    values = [image.pixelColor(x, y).lightnessF() for x in range(40) for y in range(30)]
    return sum(values) / len(values)


def test_dark_theme_and_presentation_mode_are_remembered(qtbot, tmp_path) -> None:
    settings = settings_in(tmp_path)
    w = _window(qtbot, settings)
    dark = w.findChild(QAction, "action_dark_theme")
    presentation = w.findChild(QAction, "action_presentation")
    view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    assert dark in view_menu.actions() and presentation in view_menu.actions()
    font = w.optimizer_panel.font().pointSizeF()
    width = w.loss_plot.lanes[0].loss.opts["pen"].widthF()
    dark.trigger()
    presentation.trigger()
    assert comfort.is_dark(w)
    assert w.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.3
    assert w.loss_plot.graphics.backgroundBrush().color().lightnessF() < 0.2
    tick = w.loss_plot.plot_item.getAxis("left").textPen().color()
    assert tick.lightnessF() > 0.7  # light text on the dark plot
    assert w.optimizer_panel.font().pointSizeF() == pytest.approx(font * comfort.FONT_SCALE)
    assert w.loss_plot.lanes[0].loss.opts["pen"].widthF() == pytest.approx(
        width * comfort.LINE_SCALE)
    w.close()
    again = _window(qtbot, settings_in(tmp_path))  # a new launch reads them back
    assert again.findChild(QAction, "action_dark_theme").isChecked()
    assert again.findChild(QAction, "action_presentation").isChecked()
    assert comfort.is_dark(again)
    again.findChild(QAction, "action_dark_theme").trigger()
    again.findChild(QAction, "action_presentation").trigger()
    assert not comfort.is_dark(again)
    assert again.optimizer_panel.font().pointSizeF() == pytest.approx(font)
    assert again.loss_plot.lanes[0].loss.opts["pen"].widthF() == pytest.approx(width)
    assert not settings_in(tmp_path).dark_theme()
    again.close()


def test_exports_keep_the_light_theme(qtbot, tmp_path) -> None:
    w = _window(qtbot)
    w.view_options.set_dark(True)
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    assert _mean_lightness(w.loss_plot.grab().toImage()) < 0.35  # the window is dark
    path = w.export(tmp_path / "loss.png", content="loss")
    assert path is not None
    assert _mean_lightness(QImage(str(path))) > 0.8  # the export is light
    assert style.BACKGROUND == "#FFFFFF"
    w.close()


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    from PySide6.QtGui import QColor

    def luminance(name: str) -> float:
        c = QColor(name)
        channels = [v / 255 for v in (c.red(), c.green(), c.blue())]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_state_word_is_readable_in_both_themes(qtbot) -> None:
    """Every state's colour in the status bar has a contrast of at least 4.5 : 1 against
    the panels of its theme, and switching the theme recolours the word at once."""
    w = _window(qtbot)
    light_bg = w.palette().window().color().name()
    assert style.STATE_COLORS.keys() == style.STATE_COLORS_DARK.keys()
    for color in style.STATE_COLORS.values():
        assert _contrast(color, light_bg) >= 4.5, color
    for color in style.STATE_COLORS_DARK.values():
        assert _contrast(color, comfort.DARK["window"]) >= 4.5, color
    qtbot.waitUntil(lambda: w.status_state.text() != "")
    state = w.status_state.text()
    dark = w.findChild(QAction, "action_dark_theme")
    for colors in (style.STATE_COLORS, style.STATE_COLORS_DARK, style.STATE_COLORS):
        assert colors[state] in w.status_state.styleSheet()
        assert colors[state] in w.inspector.header.text()  # the inspector's header too
        dark.trigger()
