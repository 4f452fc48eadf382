"""Help ▸ Keyboard Shortcuts and Help ▸ User Guide.

* The shortcuts dialog is generated from the window's actions (their text and shortcuts, in
  menu order), so it lists exactly what the keys do — never a hand-kept copy.
* The user guide is the "Using the app" section of the README, the one text both the README
  and the app show: ``resources/README.md`` links to the README, and the section (from its
  heading to the next ``## `` heading) is rendered from Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gdsim.paths import resource_path

GUIDE_HEADING = "Using the app"


def action_title(action: QAction) -> str:
    """An action's menu text without mnemonics and ellipsis: "&Export…" → "Export"."""
    return re.sub(r"&(?!&)", "", action.text()).replace("…", "").strip()


def _menu_actions(menu: QMenu, path: str) -> Iterator[tuple[str, QAction]]:
    for action in menu.actions():
        sub = action.menu()
        if sub is not None:
            yield from _menu_actions(sub, f"{path} ▸ {action_title(action)}")
        elif not action.isSeparator():
            yield path, action


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """``(keys, action, where)`` for every action of ``window`` that has a shortcut: the
    menus' actions in menu order, then the window's own (toolbar-only) ones."""
    seen: set[int] = set()
    rows = []
    found = [(path, a) for top in window.menuBar().actions() if top.menu() is not None
             for path, a in _menu_actions(top.menu(), action_title(top))]
    found += [("Window", a) for a in window.actions()]
    for where, action in found:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        rows.append((" or ".join(keys), action_title(action), where))
    return rows


def show_shortcuts(window: QMainWindow) -> QDialog:
    """The Keyboard Shortcuts dialog (non-modal; object name ``shortcuts_dialog``)."""
    dialog = QDialog(window, objectName="shortcuts_dialog")
    dialog.setWindowTitle("Keyboard Shortcuts — gdsim")
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 3, objectName="shortcuts_table")
    table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    _finish(dialog, table, 520, 460)
    return dialog


def guide_markdown(readme: str | None = None) -> str:
    """The README's "Using the app" section as Markdown (its heading included)."""
    if readme is None:
        readme = resource_path("README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(GUIDE_HEADING)}\s*$(.*?)(?=^## |\Z)", readme,
                      flags=re.S | re.M)
    if match is None:
        raise ValueError(f"the README has no '## {GUIDE_HEADING}' section")
    return f"## {GUIDE_HEADING}\n{match.group(1).rstrip()}\n"


def show_guide(window: QMainWindow) -> QDialog:
    """The user guide (object name ``guide_dialog``), from the README."""
    dialog = QDialog(window, objectName="guide_dialog")
    dialog.setWindowTitle("User Guide — gdsim")
    browser = QTextBrowser(objectName="guide_text")
    browser.setOpenExternalLinks(True)
    try:
        browser.setMarkdown(guide_markdown())
    except (OSError, ValueError) as exc:
        browser.setPlainText(f"The user guide could not be read: {exc}")
    _finish(dialog, browser, 640, 560)
    return dialog


def _finish(dialog: QDialog, content: QWidget, width: int, height: int) -> None:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(content, 1)
    layout.addWidget(buttons)
    dialog.resize(width, height)
    dialog.show()


def install(window: QMainWindow) -> tuple[QAction, QAction]:
    """Add Help ▸ User Guide (F1) and Help ▸ Keyboard Shortcuts (Ctrl+/) above
    About; returns the two actions (``action_shortcuts``, ``action_guide``)."""
    bar = window.menuBar()
    help_menu = next((a.menu() for a in bar.actions()
                      if a.menu() is not None and action_title(a) == "Help"), None)
    if help_menu is None:
        help_menu = bar.addMenu("&Help")
    guide = QAction("&User Guide", window, objectName="action_guide")
    guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    guide.setToolTip("How to use gdsim: the panels, the map, lessons, exports")
    guide.triggered.connect(lambda: show_guide(window))
    keys = QAction("&Keyboard Shortcuts", window, objectName="action_shortcuts")
    keys.setShortcut(QKeySequence("Ctrl+/"))
    keys.setToolTip("Every keyboard shortcut of the window")
    keys.triggered.connect(lambda: show_shortcuts(window))
    first = help_menu.actions()[0] if help_menu.actions() else None
    for action in (guide, keys):
        help_menu.insertAction(first, action)
        window.addAction(action)
    if first is not None:
        help_menu.insertSeparator(first)
    return keys, guide
