"""Points from the user: a CSV file with columns ``x`` and ``y`` for the data-driven surfaces.

Format: a header row naming the columns (``x`` and ``y``, in any order, any case; other columns
are ignored), then one point per row. Blank lines and lines starting with ``#`` are skipped.
Every value must be a finite number; for a classifier (``binary=True``) every ``y`` must be 0 or
1. Between :data:`MIN_POINTS` and :data:`MAX_POINTS` points are accepted; reading stops at the
first row beyond that limit, so a 10⁷-row file is refused after reading 10⁵ rows.

Every refusal is a :class:`DataFileError` naming the file, the line (1-based, as an editor
counts them) and, where it applies, the column (1-based, with its name).

Sessions store the file's path relative to the session file (:func:`relative_data_path`) and
resolve it against the session's folder when read (:func:`absolute_data_path`).
"""

from __future__ import annotations

import csv
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from gdsim.core.params import ParamError

MIN_POINTS = 2
MAX_POINTS = 100_000
MAX_FIELD = 10_000  # characters in one field: a file without line breaks is refused quickly


class DataFileError(ParamError):
    """A data file is refused; the message names the file, the line and the column."""

    def __init__(self, path: str, reason: str, line: int | None = None,
                 column: int | None = None, column_name: str = "") -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}" + (f" ({column_name})" if column_name else "")
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.column, self.reason = str(path), line, column, reason


def read_points(path: str | os.PathLike[str], *, binary: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """The points of a CSV file: ``x`` and ``y``, each a new float array ``(N,)``.

    ``binary``: the targets are class labels and must be 0 or 1. Results are cached by the
    file's path, size and modification time, so re-reading an unchanged file is free.
    """
    p = Path(path)
    try:
        stat = p.stat()
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read ({exc.strerror or exc})") from None
    if not p.is_file():
        raise DataFileError(str(path), "not a file")
    x, y = _read(str(p.resolve()), stat.st_size, stat.st_mtime_ns, binary, str(path))
    return x.copy(), y.copy()


def check_points_file(path: str) -> None:
    """Raise :class:`DataFileError` unless ``path`` is empty or a valid file of points."""
    if path:
        read_points(path)


def check_labels_file(path: str) -> None:
    """Raise :class:`DataFileError` unless ``path`` is empty or valid points with 0/1 labels."""
    if path:
        read_points(path, binary=True)


@lru_cache(maxsize=16)
def _read(resolved: str, size: int, mtime_ns: int, binary: bool, shown: str
          ) -> tuple[np.ndarray, np.ndarray]:
    del size, mtime_ns  # part of the cache key only
    try:
        with open(resolved, encoding="utf-8-sig", newline="") as stream:
            return _parse(stream, binary, shown)
    except UnicodeDecodeError:
        raise DataFileError(shown, "not a UTF-8 text file") from None
    except OSError as exc:
        raise DataFileError(shown, f"cannot read ({exc.strerror or exc})") from None


def _parse(stream, binary: bool, shown: str) -> tuple[np.ndarray, np.ndarray]:
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        reader = csv.reader(stream)
        header: list[str] | None = None
        columns: dict[str, int] = {}
        xs: list[float] = []
        ys: list[float] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DataFileError(shown, f"not a valid CSV row ({exc})",
                                    line=reader.line_num) from None
            line = reader.line_num
            if not row or all(not f.strip() for f in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [f.strip().lower() for f in row]
                for name in ("x", "y"):
                    if name not in header:
                        raise DataFileError(shown, f"no column named {name!r} in the header "
                                            f"({_shown(', '.join(map(repr, header)))}); the "
                                            "first row must name the columns x and y",
                                            line=line)
                    columns[name] = header.index(name)
                continue
            if len(xs) >= MAX_POINTS:
                raise DataFileError(shown, f"more than {MAX_POINTS} points (at most "
                                    f"{MAX_POINTS})", line=line)
            values = []
            for name in ("x", "y"):
                col = columns[name]
                if col >= len(row):
                    raise DataFileError(shown, f"missing value: the row has {len(row)} "
                                        f"field(s)", line=line, column=col + 1,
                                        column_name=name)
                text = row[col].strip()
                try:
                    value = float(text)
                except ValueError:
                    raise DataFileError(shown, f"{_shown(text)!r} is not a number", line=line,
                                        column=col + 1, column_name=name) from None
                if not math.isfinite(value):
                    raise DataFileError(shown, f"{_shown(text)!r} is not a finite number",
                                        line=line, column=col + 1, column_name=name)
                values.append(value)
            if binary and values[1] not in (0.0, 1.0):
                raise DataFileError(shown, f"{_shown(row[columns['y']].strip())!r} is not a class "
                                    "label (y must be 0 or 1)", line=line,
                                    column=columns["y"] + 1, column_name="y")
            xs.append(values[0])
            ys.append(values[1])
    finally:
        csv.field_size_limit(old_limit)
    if header is None:
        raise DataFileError(shown, "the file is empty (expected a header x,y and points)")
    if len(xs) < MIN_POINTS:
        raise DataFileError(shown, f"{len(xs)} point(s): at least {MIN_POINTS} are needed")
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def _shown(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a message (a file's content is not echoed)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_points(path: str | os.PathLike[str], x: np.ndarray, y: np.ndarray) -> None:
    """Write points as a CSV file :func:`read_points` reads back exactly (``repr`` floats)."""
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["x", "y"])
        writer.writerows((repr(float(a)), repr(float(b))) for a, b in zip(x, y, strict=True))


# --- paths in sessions -----------------------------------------------------------------------
def absolute_data_path(path: str, base: str | os.PathLike[str]) -> str:
    """``path`` as stored in a session in folder ``base``, made absolute (``""`` stays)."""
    if not path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(os.fspath(base), path))


def relative_data_path(path: str, base: str | os.PathLike[str]) -> str:
    """``path`` relative to folder ``base``, as a session stores it (POSIX separators); kept
    absolute where no relative path exists (another drive)."""
    if not path:
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(os.fspath(base)))
    except ValueError:
        return path
    return Path(rel).as_posix()
