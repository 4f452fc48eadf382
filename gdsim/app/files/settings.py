"""Remembered settings (QSettings): window geometry, dock layout, last configuration, folders.

Each value is read with its type and a named default, so a missing, old or corrupt entry falls
back to the default instead of breaking the start-up. Keys live under versioned groups; the
configuration is stored as the same JSON a session file holds, and validated on the way back in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from gdsim.core.config import RunConfig
from gdsim.core.session import Session, SessionError, parse_session

ORGANIZATION = "gdsim"
APPLICATION = "gdsim"
SCHEMA = 1  # bump and migrate in _migrate() when keys change meaning

KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_SESSION = "run/session"
KEY_LESSON = "run/lesson"
KEY_EXPORT_DIR = "paths/export_dir"
KEY_SESSION_DIR = "paths/session_dir"
KEY_SCHEMA = "schema"
KEY_DARK = "view/dark_theme"
KEY_PRESENTATION = "view/presentation_mode"


class Settings:
    """Typed access to gdsim's QSettings.

    Args:
        qsettings: the store to use; by default the user's native settings for gdsim. Tests pass
            a ``QSettings(path, QSettings.IniFormat)`` in a temporary folder.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)
        self._migrate()

    @property
    def store(self) -> QSettings:
        return self._s

    def _migrate(self) -> None:
        version = self._int(KEY_SCHEMA, 0)
        if version > SCHEMA:  # written by a newer gdsim: leave its keys alone, read defaults
            return
        self._s.setValue(KEY_SCHEMA, SCHEMA)

    def clear(self) -> None:
        """Forget everything (``gdsim --reset-settings``)."""
        self._s.clear()
        self._s.setValue(KEY_SCHEMA, SCHEMA)
        self._s.sync()

    def sync(self) -> None:
        self._s.sync()

    # --- typed reads ------------------------------------------------------------------------
    def _int(self, key: str, default: int) -> int:
        try:
            return int(self._s.value(key, default))
        except (TypeError, ValueError):
            return default

    def _bool(self, key: str, default: bool) -> bool:
        value = self._s.value(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
            return value.strip().lower() in ("true", "1")  # INI files store text
        return default

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._s.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def _folder(self, key: str) -> Path:
        value = self._s.value(key, "")
        path = Path(value) if isinstance(value, str) and value else Path.home()
        return path if path.is_dir() else Path.home()

    # --- the values -------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        return self._bytes(KEY_GEOMETRY)

    def window_state(self) -> QByteArray | None:
        return self._bytes(KEY_STATE)

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue(KEY_GEOMETRY, geometry)
        self._s.setValue(KEY_STATE, state)

    def last_session(self) -> Session | None:
        """The configuration of the last launch, or None if absent or no longer valid."""
        text = self._s.value(KEY_SESSION, "")
        if not isinstance(text, str) or not text:
            return None
        try:
            return parse_session(text, "remembered configuration")
        except SessionError:
            return None

    def save_session(self, configs: list[RunConfig] | tuple[RunConfig, ...],
                     view: dict | None = None) -> None:
        self._s.setValue(KEY_SESSION, Session(tuple(configs), view or {}).to_json())

    def last_lesson(self) -> str:
        """The key of the lesson the last launch was in ("" if none)."""
        value = self._s.value(KEY_LESSON, "")
        return value if isinstance(value, str) else ""

    def save_lesson(self, key: str) -> None:
        self._s.setValue(KEY_LESSON, key)

    def export_dir(self) -> Path:
        return self._folder(KEY_EXPORT_DIR)

    def set_export_dir(self, folder: Path) -> None:
        self._s.setValue(KEY_EXPORT_DIR, str(folder))

    def session_dir(self) -> Path:
        return self._folder(KEY_SESSION_DIR)

    def set_session_dir(self, folder: Path) -> None:
        self._s.setValue(KEY_SESSION_DIR, str(folder))

    def dark_theme(self) -> bool:
        """View ▸ Dark Theme (default off)."""
        return self._bool(KEY_DARK, False)

    def set_dark_theme(self, on: bool) -> None:
        self._s.setValue(KEY_DARK, bool(on))

    def presentation_mode(self) -> bool:
        """View ▸ Presentation Mode (default off)."""
        return self._bool(KEY_PRESENTATION, False)

    def set_presentation_mode(self, on: bool) -> None:
        self._s.setValue(KEY_PRESENTATION, bool(on))
