"""File ▸ Export…: choose what to export, where, and how large.

The dialog only collects an :class:`ExportRequest`; the window performs it. The format follows
the file's extension: ``.png``, ``.svg``, ``.pdf`` (a figure), ``.gif`` (an animation of the run),
``.csv`` (the selected run's trajectory) or ``.json`` (every run: configuration and trajectory).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gdsim.app.files.export import ALL_FORMATS, ExportError, export_format
from gdsim.app.files.figure import CONTENTS

FILTERS = ";;".join([
    "PNG image (*.png)", "SVG drawing (*.svg)", "PDF document (*.pdf)",
    "Animated GIF (*.gif)", "Trajectory as CSV (*.csv)", "Run as JSON (*.json)",
])


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for.

    Attributes:
        path: the target file; its extension names the format.
        content: ``"trajectory"``, ``"loss"`` or ``"both"`` (figures and animations).
        size: the PNG's (or GIF's) size in pixels.
        frames, fps: the animation's frame count and rate.
    """

    path: Path
    content: str = "trajectory"
    size: QSize = QSize(1520, 1280)
    frames: int = 60
    fps: float = 15.0

    @property
    def format(self) -> str:
        return self.path.suffix.lower()


class ExportDialog(QDialog):
    """Collects an :class:`ExportRequest` (object name ``"export_dialog"``).

    Args:
        folder: where the file goes by default (the last export folder).
        stem: the default file name without extension.
        screen_size: the trajectory view's size on screen; PNGs default to twice it.
    """

    def __init__(self, folder: Path, stem: str, screen_size: QSize,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export")
        self._screen_size = screen_size

        self.content_combo = QComboBox(objectName="export_content_combo")
        for key, text in CONTENTS.items():
            self.content_combo.addItem(text, key)
        self.content_combo.setToolTip("Which plots the image holds; the caption gives the "
                                      "surface's formula and every run's settings.")
        self.path_edit = QLineEdit(str(folder / f"{stem}.png"), objectName="export_path_edit")
        self.path_edit.setToolTip("The file to write; its extension chooses the format: "
                                  + ", ".join(ALL_FORMATS) + ".")
        browse = QPushButton("Browse…", objectName="export_browse_button")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.width_spin = QSpinBox(objectName="export_width_spin")
        self.height_spin = QSpinBox(objectName="export_height_spin")
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(100, 8000)
            spin.setSuffix(" px")
            spin.setToolTip("The image's size in pixels (default: twice the size on screen).")
        self.size_row = QWidget()
        size_row = QHBoxLayout(self.size_row)
        size_row.setContentsMargins(0, 0, 0, 0)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        self.frames_spin = QSpinBox(objectName="export_frames_spin")
        self.frames_spin.setRange(2, 1000)
        self.frames_spin.setValue(60)
        self.frames_spin.setToolTip("How many frames the animation has: the trajectory grows "
                                    "from the start to the last step over them.")
        self.fps_spin = QDoubleSpinBox(objectName="export_fps_spin")
        self.fps_spin.setRange(1, 50)
        self.fps_spin.setValue(15)
        self.fps_spin.setSuffix(" frames/s")
        self.fps_spin.setToolTip("Playback speed of the animation (GIF timing has a 10 ms "
                                 "resolution).")

        self.form = QFormLayout()
        self.form.addRow("Show", self.content_combo)
        self.form.addRow("File", path_row)
        self.form.addRow("Size", self.size_row)
        self.form.addRow("Frames", self.frames_spin)
        self.form.addRow("Frame rate", self.fps_spin)
        self.error_label = QLabel(objectName="export_error_label")
        self.error_label.setStyleSheet("color: #B00020;")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.content_combo.currentIndexChanged.connect(self._content_changed)
        self.path_edit.textChanged.connect(self._update_rows)
        self._content_changed()

    # --- behaviour --------------------------------------------------------------------------
    def _default_size(self) -> QSize:
        from gdsim.app.files.figure import DEFAULT_SIZES

        content = self.content_combo.currentData()
        base = self._screen_size if content == "trajectory" else DEFAULT_SIZES[content]
        return QSize(2 * base.width(), 2 * base.height())

    def _content_changed(self) -> None:
        size = self._default_size()
        self.width_spin.setValue(size.width())
        self.height_spin.setValue(size.height())
        self._update_rows()

    def _update_rows(self) -> None:
        suffix = Path(self.path_edit.text()).suffix.lower()
        for widget, visible in ((self.content_combo, suffix not in (".csv", ".json")),
                                (self.size_row, suffix in (".png", ".gif")),
                                (self.frames_spin, suffix == ".gif"),
                                (self.fps_spin, suffix == ".gif")):
            self.form.setRowVisible(widget, visible)
        self.error_label.clear()

    def _browse(self) -> None:
        current = Path(self.path_edit.text())
        name, _ = QFileDialog.getSaveFileName(self, "Export to", str(current), FILTERS)
        if name:
            self.path_edit.setText(name)

    def request(self) -> ExportRequest:
        """The request as the dialog shows it; raises ExportError for a bad path."""
        path = Path(self.path_edit.text().strip()).expanduser()
        export_format(path)
        return ExportRequest(path=path, content=self.content_combo.currentData(),
                             size=QSize(self.width_spin.value(), self.height_spin.value()),
                             frames=self.frames_spin.value(), fps=self.fps_spin.value())

    def accept(self) -> None:
        try:
            self.request()
        except ExportError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()

    def set_content(self, content: str) -> None:
        index = self.content_combo.findData(content)
        if index < 0:
            raise ValueError(f"unknown content {content!r}")
        self.content_combo.setCurrentIndex(index)
