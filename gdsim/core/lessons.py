"""Lessons: the bundled session files that each make one idea of gradient descent visible.

A lesson is a session file (:mod:`gdsim.core.session`) in ``resources/presets`` with a
``title`` and an ``explanation`` for the student; its runs are the lanes compared on one surface
and its optional ``view`` is the box the app shows. Files are named ``NN-some-idea.json``; the
key of a lesson is its file stem (``"01-first-step"``) and lessons are listed in file-name
order, so the number prefix gives the course order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gdsim.core.session import Session, SessionError, load_session
from gdsim.paths import resource_path

SUFFIX = ".json"


@dataclass(frozen=True)
class Lesson:
    """One lesson: its key (the file stem), what the student reads and the session to run."""

    key: str
    title: str
    explanation: str
    session: Session


def presets_dir() -> Path:
    """The folder of the bundled lessons (in a checkout and in an installed package)."""
    return resource_path("presets")


def lesson_path(key: str, directory: str | Path | None = None) -> Path:
    """The file of lesson ``key`` (which need not exist)."""
    folder = presets_dir() if directory is None else Path(directory)
    return folder / f"{key}{SUFFIX}"


def lesson_keys(directory: str | Path | None = None) -> list[str]:
    """The keys of the lessons in ``directory`` (default: the bundled ones), by file name."""
    folder = presets_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        return []
    files = sorted(p.name for p in folder.iterdir()
                   if p.is_file() and p.name.endswith(SUFFIX) and not p.name.startswith("."))
    return [name[: -len(SUFFIX)] for name in files]


def load_lesson(key: str, directory: str | Path | None = None) -> Lesson:
    """Load lesson ``key``; every problem is a :class:`SessionError` naming the file."""
    if not key or any(sep in key for sep in ("/", "\\")) or key.startswith("."):
        raise SessionError(f"{key!r}: not a lesson name")
    path = lesson_path(key, directory)
    if not path.is_file():
        raise SessionError(f"{path}: no such lesson")
    session = load_session(path)
    for name in ("title", "explanation"):
        if not getattr(session, name).strip():
            raise SessionError(f"{path}: {name}: a lesson needs a non-empty {name}")
    return Lesson(key=key, title=session.title, explanation=session.explanation,
                  session=session)


def list_lessons(directory: str | Path | None = None) -> list[Lesson]:
    """Every lesson in ``directory`` (default: the bundled ones), sorted by file name."""
    return [load_lesson(key, directory) for key in lesson_keys(directory)]


__all__ = ["Lesson", "lesson_keys", "lesson_path", "list_lessons", "load_lesson", "presets_dir"]
