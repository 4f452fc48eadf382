"""Issue 8, first minutes item 7: Help ▸ Keyboard Shortcuts (generated from the actions) and
Help ▸ User Guide (the README's "Using the app", one text for both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QTableWidget, QTextBrowser

from gdsim.app import MainWindow
from gdsim.app.help_menu import guide_markdown, shortcut_rows

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def _help_menu(w: MainWindow):
    return next(a.menu() for a in w.menuBar().actions()
                if a.menu() is not None and a.text().replace("&", "") == "Help")


def test_the_shortcuts_dialog_lists_every_action_with_a_shortcut(qtbot, window) -> None:
    w = window
    titles = [a.text().replace("&", "") for a in _help_menu(w).actions()]
    assert "Keyboard Shortcuts" in titles and "User Guide" in titles
    w.findChild(QAction, "action_shortcuts").trigger()
    dialog = w.findChild(QDialog, "shortcuts_dialog")
    assert dialog is not None and dialog.isVisible()
    table = dialog.findChild(QTableWidget, "shortcuts_table")
    shown = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    # Generated from the actions: every action that has a shortcut is there, with its keys.
    expected = set()
    for action in w.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                if not k.isEmpty()]
        if keys and action.parent() is w:
            title = action.text().replace("&", "").replace("…", "").strip()
            expected.add((" or ".join(keys), title))
    assert expected and expected <= shown
    assert ("Space", "Run") in shown and ("Right or S", "Step") in shown
    # A new action appears without editing any list.
    extra = QAction("Frobnicate", w)
    extra.setShortcut(QKeySequence("Ctrl+Shift+F"))
    w.addAction(extra)
    assert ("Ctrl+Shift+F", "Frobnicate", "Window") in shortcut_rows(w)
    dialog.close()


def test_the_user_guide_is_the_readmes_section(qtbot, window) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = guide_markdown(readme)
    assert section.startswith("## Using the app") and "## Command line" not in section
    assert guide_markdown() == section  # the packaged resource is the README itself
    assert (ROOT / "resources" / "README.md").resolve() == (ROOT / "README.md").resolve()
    window.findChild(QAction, "action_guide").trigger()
    dialog = window.findChild(QDialog, "guide_dialog")
    text = dialog.findChild(QTextBrowser, "guide_text").toPlainText()
    assert "Click the map" in text and "Side panels" in text
    with pytest.raises(ValueError, match="Using the app"):
        guide_markdown("# no such section\n")
