"""The keyboard and focus rules of the window.

* Space, S, →, ←, R (and Shift+S) act on the simulation whenever the focus is not inside a text
  field. In a *number* field, where S, R and Space can never be typed, they commit the number and
  act: following lesson 1 ("set η = 0.5, press Step (S)") steps with η = 0.5, and never types
  "s" into the η box. In a number field the arrows move the text cursor, in a text field (a
  formula, a run's name) every key is typed.
* Enter or Escape in a field commits or cancels the edit and gives the focus back to the map.
* A click on the map, a plot or a toolbar button takes the focus out of a field (committing it).

Only the focused widget, the plots' viewports and the toolbar buttons are filtered (no
application-wide event filter), so the rules cost nothing while the simulation draws.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QGraphicsView,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

_SIMULATION_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_S, Qt.Key.Key_R, Qt.Key.Key_Right,
                    Qt.Key.Key_Left}
_NEVER_NUMERIC = {Qt.Key.Key_Space, Qt.Key.Key_S, Qt.Key.Key_R}
_TEXT_TYPES = (QLineEdit, QTextEdit, QPlainTextEdit)


def _spin_box_of(widget: QWidget | None) -> QAbstractSpinBox | None:
    while widget is not None:
        if isinstance(widget, QAbstractSpinBox):
            return widget
        if widget.isWindow():
            return None
        widget = widget.parentWidget()
    return None


def _in_item_view(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _is_text(widget: QWidget) -> bool:
    """An editable line edit or text box (read-only text, like the lesson's, is no field)."""
    return isinstance(widget, _TEXT_TYPES) and not widget.isReadOnly()


def is_field(widget: QWidget | None) -> bool:
    """Whether ``widget`` takes typed text (a number box, an editable line edit or text box)."""
    return widget is not None and (_spin_box_of(widget) is not None or _is_text(widget))


class FocusRules(QObject):
    """Applies the rules above to ``window``; ``home`` is the map, where the focus returns.

    Args:
        revert: called by Escape to show the values in force again (the panels' controls).
    """

    def __init__(self, window: QMainWindow, home: QWidget,
                 revert: Callable[[], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.home = home
        self.revert = revert
        home.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._watched: QWidget | None = None
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        for view in window.findChildren(QGraphicsView):
            view.viewport().installEventFilter(self)
        for button in window.findChildren(QToolButton):
            button.installEventFilter(self)

    def go_home(self) -> None:
        """Focus on the map (a field that had it commits its text)."""
        self.home.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # already deleted with its panel
                pass
            self._watched = None
        if new is not None and new.window() is self.window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            focus = QApplication.focusWidget()
            if is_field(focus) and focus is not watched and focus.window() is self.window:
                self.go_home()
            return False
        if watched is not self._watched or not isinstance(event, QKeyEvent):
            return False
        widget = watched if isinstance(watched, QWidget) else None
        if widget is None or _in_item_view(widget):
            return False  # a run's name being edited: the list's own Enter / Escape
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = modifiers == Qt.KeyboardModifier.NoModifier or (
            modifiers == Qt.KeyboardModifier.ShiftModifier and key == Qt.Key.Key_S)  # step back
        spin = _spin_box_of(widget)
        if kind == QEvent.Type.ShortcutOverride and plain and key in _SIMULATION_KEYS:
            if spin is not None:
                if key in _NEVER_NUMERIC:
                    self.go_home()  # commits the number first
                    return True  # not accepted: the shortcut fires
                return False  # arrows move the text cursor in the field
            if _is_text(widget):
                return False  # typed
            return True  # combo boxes, sliders, lists, buttons: the shortcut fires
        if kind == QEvent.Type.KeyPress and is_field(widget):
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.go_home()  # the field commits as it loses the focus
                return True
            if key == Qt.Key.Key_Escape:
                if self.revert is not None:
                    self.revert()
                self.go_home()
                return True
        return False
