"""Files the window reads and writes: sessions, lessons, exports, remembered settings.

Kept out of the main window so that it stays a layout of views and panels: this controller adds
File ▸ Open Session… / Save Session… / Export…, the Lessons menu with its explanation panel,
Help ▸ About, and restores and remembers the window's state between launches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMenu,
    QProgressDialog,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gdsim.app.files.export import (
    ANIMATIONS,
    ExportCancelled,
    ExportError,
    export_format,
    write_run_json,
    write_trajectory_csv,
)
from gdsim.app.files.export_dialog import ExportDialog, ExportRequest
from gdsim.app.files.figure import ExportFigure, save_figure
from gdsim.app.files.settings import Settings
from gdsim.app.layout import show_lesson_dock
from gdsim.core.lessons import Lesson, list_lessons
from gdsim.core.session import Session, SessionError, load_session, save_session

if TYPE_CHECKING:
    from gdsim.app.main_window import MainWindow

SESSION_FILTER = "gdsim session (*.json);;All files (*)"


class LessonPanel(QWidget):
    """The current lesson's title and explanation (object name ``"lesson_panel"``).

    While the runs are the lesson's it shows the lesson; once they are changed it says so, with
    a "Restart lesson" button (``"restart_lesson_button"``); outside a lesson it is empty.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson_panel")
        self.title = QLabel(objectName="lesson_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.changed = QLabel(objectName="lesson_changed")
        self.changed.setWordWrap(True)
        self.changed.setStyleSheet("color: #A35200;")
        self.restart_button = QPushButton("Restart lesson", objectName="restart_lesson_button")
        self.restart_button.setToolTip("Load the lesson's runs again and start them from step 0.")
        self.text = QTextBrowser(objectName="lesson_text")
        self.text.setOpenExternalLinks(False)
        self.text.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.text.setStyleSheet("background: transparent;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.changed)
        layout.addWidget(self.restart_button)
        layout.addWidget(self.text, 1)
        self.show_nothing()

    def show_lesson(self, title: str, explanation: str, intact: bool = True) -> None:
        self.title.setText(title)
        self.text.setPlainText(explanation)
        self.changed.setText("" if intact else "You have changed the lesson's runs: what "
                             "follows describes the lesson's own settings.")
        self.changed.setVisible(not intact)
        self.restart_button.setVisible(not intact)

    def show_nothing(self) -> None:
        self.title.setText("")
        self.text.setPlainText("")
        self.changed.setText("")
        self.changed.setVisible(False)
        self.restart_button.setVisible(False)

    @property
    def state(self) -> str:
        """``"lesson"``, ``"changed"`` or ``"empty"``."""
        if not self.title.text():
            return "empty"
        return "changed" if self.changed.text() else "lesson"


class Documents(QObject):
    """Sessions, lessons, exports and settings for one :class:`MainWindow`.

    Args:
        window: the window to serve.
        settings: where to remember things between launches; ``None`` remembers nothing
            (a window built by a test or a script).
    """

    def __init__(self, window: MainWindow, settings: Settings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.model = window.model
        self.lessons: list[Lesson] = []
        self.session_path: Path | None = None
        self._build_lesson_dock()
        self._build_actions()
        self._shown_lesson: tuple[Lesson | None, bool] = (None, False)
        self.model.subscribe(self)

    @property
    def lesson(self) -> Lesson | None:
        """The lesson the runs come from (the model's)."""
        return self.model.lesson

    def model_changed(self, change: Any) -> None:
        if change.kind in ("lesson", "configs"):
            self._show_lesson_state()

    # --- construction -----------------------------------------------------------------------
    def _action(self, name: str, text: str, tip: str, shortcut: Any = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            tip = f"{tip} ({action.shortcut().toString()})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.window.addAction(action)
        return action

    def _build_actions(self) -> None:
        w = self.window
        self.action_open = self._action("action_open", "&Open Session…",
                                        "Open a saved session or a lesson file",
                                        QKeySequence.StandardKey.Open)
        self.action_save = self._action("action_save", "&Save Session…",
                                        "Save every run's configuration and the view",
                                        QKeySequence.StandardKey.Save)
        self.action_about = self._action("action_about", "&About gdsim",
                                         "Version, licence and library versions")
        self.action_open.triggered.connect(lambda: self.open_session())
        self.action_save.triggered.connect(lambda: self.save_session())
        self.action_about.triggered.connect(self.show_about)
        export = w.action_export
        export.setToolTip("Export the plots (PNG, SVG, PDF, animated GIF, MP4 video) or the data "
                          "(CSV, JSON) (Ctrl+E)")
        export.setStatusTip(export.toolTip())
        bar = w.menuBar()
        file_menu = next(a.menu() for a in bar.actions() if a.menu() is not None)
        first = file_menu.actions()[0] if file_menu.actions() else None
        file_menu.insertAction(first, self.action_open)
        file_menu.insertAction(first, self.action_save)
        file_menu.insertSeparator(first)
        self.lessons_menu = QMenu("&Lessons", bar)
        self.lessons_menu.setObjectName("lessons_menu")
        try:
            self.lessons = list_lessons()
        except SessionError as exc:  # a broken installation: say so, keep the app usable
            self.lessons = []
            w.show_message(f"Cannot read the lessons: {exc}", error=True)
        for number, lesson in enumerate(self.lessons, start=1):
            action = QAction(f"&{number:d}. {lesson.title}" if number < 10
                             else f"{number:d}. {lesson.title}", self.lessons_menu)
            action.setObjectName(f"action_lesson_{lesson.key}")
            action.setToolTip(lesson.explanation.split(". ")[0] + ".")
            action.setStatusTip(action.toolTip())
            action.triggered.connect(lambda _=False, key=lesson.key: self.load_lesson(key))
            self.lessons_menu.addAction(action)
        bar.addMenu(self.lessons_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.action_about)

    def _build_lesson_dock(self) -> None:
        self.lesson_panel = LessonPanel()
        self.lesson_panel.restart_button.clicked.connect(self.model.restart_lesson)
        dock = QDockWidget("Lesson", self.window)
        dock.setObjectName("lesson_dock")
        dock.setWidget(self.lesson_panel)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.window.tabifyDockWidget(self.window.inspector_dock, dock)
        dock.hide()
        self.lesson_dock = dock

    # --- sessions and lessons ---------------------------------------------------------------
    def current_session(self) -> Session:
        return Session(tuple(self.model.configs), self.window.current_view())

    def apply_session(self, session: Session, lesson: Lesson | None = None) -> None:
        """Show a session's runs and view (undoable; raises ValueError for runs that cannot be
        shown)."""
        self.model.load(session.configs, view=session.view, lesson=lesson)

    def open_session(self, path: str | Path | None = None) -> bool:
        """Open a session file (a lesson file is opened as its lesson); a bad file is reported
        and the current runs stay. Undoable."""
        if path is None:
            folder = self.settings.session_dir() if self.settings else Path.home()
            chosen, _ = QFileDialog.getOpenFileName(self.window, "Open session", str(folder),
                                                    SESSION_FILTER)
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        try:
            session = load_session(path)
            lesson = None
            if session.title or session.explanation:
                lesson = Lesson(path.stem, session.title or path.stem, session.explanation,
                                session)
            self.apply_session(session, lesson)
        except (SessionError, ValueError) as exc:
            self.window.show_message(f"Could not open the session: {exc}", error=True)
            return False
        self.session_path = path
        if self.settings:
            self.settings.set_session_dir(path.parent)
        if lesson is None:
            self.window.setWindowTitle(f"{path.name} — gdsim")
        self.window.show_message(f"Opened {path} (Ctrl+Z takes it back)")
        return True

    def save_session(self, path: str | Path | None = None) -> Path | None:
        """Write every run's configuration and the view; returns the path, or None."""
        if path is None:
            folder = self.settings.session_dir() if self.settings else Path.home()
            suggested = self.session_path or folder / "session.json"
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Save session",
                                                    str(suggested), SESSION_FILTER)
            if not chosen:
                return None
            path = chosen
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        try:
            export_format(path, {".json": "session"})
            save_session(self.current_session(), path)
        except (ExportError, OSError, SessionError) as exc:
            self.window.show_message(f"Could not save the session: {exc}", error=True)
            return None
        self.session_path = path
        if self.settings:
            self.settings.set_session_dir(path.parent)
        self.window.setWindowTitle(f"{path.name} — gdsim")
        self.window.show_message(f"Saved the session to {path}")
        return path

    def load_lesson(self, key: str) -> bool:
        """Load lesson ``key``'s runs and show its explanation. Undoable."""
        lesson = next((le for le in self.lessons if le.key == key), None)
        if lesson is None:
            self.window.show_message(f"No lesson called {key!r}", error=True)
            return False
        try:
            self.apply_session(lesson.session, lesson)
        except ValueError as exc:
            self.window.show_message(f"Could not open the lesson: {exc}", error=True)
            return False
        return True

    def _show_lesson_state(self) -> None:
        """The Lesson panel follows the model: the lesson, the lesson changed, or nothing."""
        lesson, intact = self.model.lesson, self.model.lesson_intact
        if (lesson, intact) == self._shown_lesson:
            return
        first = lesson is not None and self._shown_lesson[0] is not lesson
        self._shown_lesson = (lesson, intact)
        if lesson is None:
            self.lesson_panel.show_nothing()
            self.lesson_dock.hide()
            return
        self.lesson_panel.show_lesson(lesson.title, lesson.explanation, intact)
        if first:
            self._show_lesson_dock()
            self.window.setWindowTitle(f"{lesson.title} — gdsim")

    def _show_lesson_dock(self) -> None:
        # A tab beside the Step inspector: the side panels keep their room.
        show_lesson_dock(self.window, self.lesson_dock)

    # --- export -----------------------------------------------------------------------------
    def default_stem(self) -> str:
        configs = self.model.configs
        stem = f"{configs[0].surface}-" + "-".join(dict.fromkeys(c.optimizer for c in configs))
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)

    def export(self, path: str | Path | None = None, **options: Any) -> Path | None:
        """Export through the dialog (``path`` None) or straight to ``path``.

        Options (with a path): ``content`` ("trajectory", "loss", "both"), ``size`` (QSize of
        a PNG), ``frames`` and ``fps`` (a GIF). Returns the path written, or None.
        """
        if path is None:
            folder = self.settings.export_dir() if self.settings else Path.home()
            dialog = ExportDialog(folder, self.default_stem(), self.window.surface_view.size(),
                                  self.window)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            request = dialog.request()
        else:
            size = options.pop("size", None)
            if size is None:
                s = self.window.surface_view.size()
                size = QSize(2 * s.width(), 2 * s.height())
            request = ExportRequest(Path(path), size=size, **options)
        return self.perform(request)

    def perform(self, request: ExportRequest) -> Path | None:
        w = self.window
        history = w.history
        if history is None or history.length == 0:
            w.show_message("Nothing to export yet: the run has not started", error=True)
            return None
        try:
            export_format(request.path)
            surface = w.surface
            if request.format == ".csv":
                write_trajectory_csv(history, surface.param_names, request.path,
                                     [self.model.selected] if request.selected_only else None)
            elif request.format == ".json":
                write_run_json(history, self.model.configs, surface.param_names, request.path)
            else:
                self._export_figure(request, history)
        except ExportCancelled:
            w.show_message("Export cancelled; nothing was written")
            return None
        except (ExportError, OSError, ValueError) as exc:
            w.show_message(f"Export failed: {exc}", error=True)
            return None
        if self.settings:
            self.settings.set_export_dir(request.path.parent)
        w.show_message(f"Exported to {request.path}")
        return request.path

    def _export_figure(self, request: ExportRequest, history: Any) -> None:
        w = self.window
        animated = request.format in ANIMATIONS
        # The figure is laid out at half the requested pixels and drawn at twice that, so
        # text and lines keep their on-screen proportions (an animation is drawn 1:1; SVG and
        # PDF are the laid-out size, in CSS pixels).
        factor = 1 if animated else 2
        nominal = QSize(max(200, round(request.size.width() / factor)),
                        max(150, round(request.size.height() / factor)))
        facts = {**self.model.figure_facts(), "history": history}  # the model's facts
        figure = ExportFigure(**facts, content=request.content, view=w.current_view_box(),
                              size=nominal, plot_range=w.current_view(), theme=request.theme,
                              font_scale=request.font_scale)
        progress: QProgressDialog | None = None
        try:
            if animated:
                progress = QProgressDialog("Rendering the animation…", "Cancel", 0,
                                           request.frames, w)
                progress.setObjectName("export_progress")
                progress.setWindowTitle("Export")
                progress.setWindowModality(Qt.WindowModality.WindowModal)
                progress.setMinimumDuration(0)

                def advance(done: int) -> bool:
                    progress.setValue(done)
                    QApplication.processEvents()
                    return not progress.wasCanceled()

                save_figure(figure, request.path, scale=1.0, history=history,
                            frames=request.frames, fps=request.fps, progress=advance)
            else:
                save_figure(figure, request.path, size=request.size,
                            title=f"gdsim: {w.surface.title}")
        finally:
            if progress is not None:
                progress.close()
            figure.close()
            figure.deleteLater()

    # --- about ------------------------------------------------------------------------------
    def show_about(self) -> None:
        from gdsim.app.about import show_about

        show_about(self.window)

    # --- settings ---------------------------------------------------------------------------
    def restore(self, configs_given: bool) -> None:
        """Window geometry and dock layout; the last runs unless others were given."""
        if self.settings is None:
            return
        geometry = self.settings.geometry()
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None and self.window.restoreState(state):
            self.window.layout_restored = True  # keep the user's docks
        if not configs_given:
            session = self.settings.last_session()
            if session is not None:
                key = self.settings.last_lesson()
                lesson = next((le for le in self.lessons if le.key == key), None)
                try:
                    self.apply_session(session, lesson)
                except ValueError:
                    pass  # remembered runs that no longer fit: keep the default
                self.model.forget_undo()  # a relaunch starts a fresh undo history

    def remember(self) -> None:
        if self.settings is None:
            return
        self.settings.save_window(self.window.saveGeometry(), self.window.saveState())
        self.settings.save_session(self.model.configs, self.window.current_view())
        lesson = self.model.lesson
        self.settings.save_lesson(lesson.key if lesson is not None else "")
        self.settings.sync()


def view_box_from(view: dict, dim: int) -> Sequence[tuple[float, float]] | None:
    """The per-parameter view box of a session's ``view`` (x range, and y range in 2-D)."""
    if "x_range" not in view or (dim == 2 and "y_range" not in view):
        return None
    ranges = [tuple(view["x_range"])]
    if dim == 2:
        ranges.append(tuple(view["y_range"]))
    return tuple(ranges)  # type: ignore[return-value]
