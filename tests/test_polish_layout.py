"""Issue 8, first minutes item 4: the window at 1024×640 and at 1280×800 with a lesson open;
screenshots of both themes at three sizes, kept as artifacts for people to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QScrollArea

from gdsim.app import MainWindow
from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def make_window(qtbot) -> Iterator:
    windows: list[MainWindow] = []

    def make(width: int, height: int, configs: list[RunConfig] | None = None) -> MainWindow:
        w = MainWindow(configs)
        qtbot.addWidget(w)
        w.resize(width, height)
        w.show()
        qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
        qtbot.waitExposed(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()


def _scroll_area(dock) -> QScrollArea | None:
    widget = dock.widget()
    return widget if isinstance(widget, QScrollArea) else None


def _fits(dock) -> bool:
    """The dock's panel is shown whole: no scrolling needed, nothing cut off at the side."""
    area = _scroll_area(dock)
    if area is None:
        return True
    inner = area.widget()
    return (area.verticalScrollBar().maximum() == 0
            and inner.minimumSizeHint().width() <= area.viewport().width())


def test_the_map_keeps_45_percent_of_a_1024_by_640_window(qtbot, make_window) -> None:
    w = make_window(1024, 640)
    qtbot.waitUntil(lambda: w.surface_view.width() >= 0.45 * w.width(), timeout=3000)
    assert w.centralWidget().width() >= 0.45 * w.width()
    for dock in (w.surface_dock, w.optimizer_dock, w.batch_dock, w.schedule_dock):
        assert dock.isVisible() or w.tabifiedDockWidgets(dock), dock.objectName()
    # Tabs or stacked: every panel that is on screen shows its rows whole.
    visible = [d for d in w.docks if d.isVisible() and not d.visibleRegion().isEmpty()]
    assert w.surface_dock in visible and w.inspector_dock in visible
    for dock in visible:
        inner = _scroll_area(dock)
        if inner is not None:
            assert inner.widget().minimumSizeHint().width() <= inner.viewport().width(), \
                dock.objectName()


def test_a_lesson_at_1280_by_800_leaves_adams_settings_unscrolled(qtbot, make_window) -> None:
    w = make_window(1280, 800)
    lesson = next(le for le in w.documents.lessons if "adaptive" in le.key)
    assert w.documents.load_lesson(lesson.key)
    qtbot.waitUntil(lambda: w.documents.lesson_dock.isVisible())
    adam = next(i for i, c in enumerate(w.configs) if c.optimizer == "adam")
    w.select_run(adam)
    qtbot.waitUntil(lambda: "beta1" in w.optimizer_panel.params.controls)
    qtbot.wait(50)  # let the dock layout settle after the lesson dock appeared
    assert _fits(w.optimizer_dock), "Adam's settings need scrolling"
    assert _fits(w.surface_dock)
    assert w.centralWidget().width() >= 0.45 * w.width()
    assert not w.documents.lesson_dock.visibleRegion().isEmpty()  # the lesson is on top


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1024, 640), (1280, 800), (1920, 1080)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_screenshots_of_the_window(qtbot, make_window, artifacts_dir, theme: str,
                                   size: tuple[int, int]) -> None:
    """artifacts/window-<w>x<h>-<theme>.png: Himmelblau after a few steps, two runs, every
    aid on — for a person to look at."""
    from gdsim.app import comfort

    configs = [RunConfig(surface="himmelblau", optimizer="gd", start=(0.5, -4.5)),
               RunConfig(surface="himmelblau", optimizer="adam", start=(0.5, -4.5), lr=0.1)]
    w = make_window(*size, configs)
    w.view_options.set_dark(theme == "dark")
    for action in w.window_actions.aids.values():
        action.setChecked(True)
    for _ in range(8):
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()
    qtbot.wait(30)
    path = artifacts_dir / f"window-{size[0]}x{size[1]}-{theme}.png"
    assert w.grab().save(str(path))
    assert path.stat().st_size > 10_000
    assert comfort.is_dark(w) == (theme == "dark")


def test_no_stale_dock_tab_bars_after_the_first_arrangement_and_a_lesson(qtbot, tmp_path) -> None:  # noqa: ANN001, E501
    """A fresh window built compact and shown wide untabifies its docks; Qt's old tab bars were
    left drawn over the panels and at the window's top-left corner."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtWidgets import QTabBar

    from gdsim.app.files.settings import Settings
    from gdsim.app.main import create_window

    w = create_window(settings=Settings(QSettings(str(tmp_path / "s.ini"),
                                                  QSettings.Format.IniFormat)))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    assert w.documents.load_lesson("06-momentum")
    qtbot.waitUntil(lambda: w.documents.lesson_dock.isVisible())
    docks = {d.windowTitle(): d for d in w.docks}
    for bar in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if bar.isVisible():
            grouped = [docks[bar.tabText(i)] for i in range(bar.count())
                       if bar.tabText(i) in docks]
            assert any(w.tabifiedDockWidgets(d) for d in grouped), \
                [bar.tabText(i) for i in range(bar.count())]
    w.close()
