"""Sessions: a versioned JSON file holding everything needed to reproduce runs.

Format (version 1)::

    {
      "format": "gdsim-session",
      "version": 1,
      "title": "…",             # optional, lessons show it
      "explanation": "…",       # optional, lessons show it
      "runs": [ {RunConfig fields}, … ],   # one or more (a comparison)
      "view": {"x_range": [lo, hi], "y_range": [lo, hi], …}   # optional, the app's view
    }

A plain :class:`~gdsim.core.config.RunConfig` object is accepted too. Every problem is reported
as a :class:`SessionError` naming the field (``runs[0].optimizer_params.beta1``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdsim.core.config import (
    ConfigError,
    RunConfig,
    check_text,
    first_unshared,
    printable,
    shown,
)
from gdsim.core.datafile import absolute_data_path, relative_data_path
from gdsim.core.fileio import write_atomic

FORMAT = "gdsim-session"
VERSION = 1
MAX_RUNS = 100
"""The most runs one session may compare."""
MAX_SESSION_BYTES = 256 * 2**20
"""The largest session file read (an export with its trajectories is ~140 bytes a step)."""
MAX_DEPTH = 64
"""Deepest nesting of JSON arrays and objects a session may have (a real one has 4 levels)."""


class SessionError(ValueError):
    """A session cannot be read or written; the message names the file and the field."""

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


@dataclass(frozen=True)
class Session:
    """Runs to replay together, with the view and a lesson's title and explanation.

    Raises :class:`SessionError` for a title or explanation that is not text UTF-8 can write
    (a lone surrogate) or a view :func:`parse_session` would refuse: every session that exists
    can be saved, and opens again.
    """

    configs: tuple[RunConfig, ...]
    view: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    explanation: str = ""

    def __post_init__(self) -> None:
        try:
            check_text("title", self.title)
            check_text("explanation", self.explanation)
            _check_view(self.view)
        except ConfigError as exc:
            raise SessionError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        if self.title:
            data["title"] = self.title
        if self.explanation:
            data["explanation"] = self.explanation
        data["runs"] = [c.to_dict() for c in self.configs]
        if self.view:
            data["view"] = dict(self.view)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def parse_session(text: str, source: str = "session", base: str | os.PathLike[str] | None = None
                  ) -> Session:
    """Parse a session (or a bare config) from JSON text.

    ``base``: the session file's folder; a relative data file path (``surface_params.data``)
    is resolved against it.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(f"{source}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise SessionError(f"{source}: not a session: nested too deeply (more than "
                           f"{MAX_DEPTH} levels)") from None
    except ValueError:  # Python refuses to convert integers of more than 4300 digits
        raise SessionError(f"{source}: not a session: a number has too many digits") from None
    if _depth(data) > MAX_DEPTH:
        raise SessionError(f"{source}: not a session: nested too deeply (more than "
                           f"{MAX_DEPTH} levels)")
    if not isinstance(data, dict):
        raise SessionError(f"{source}: expected a JSON object")
    if base is not None:
        _map_data_paths(data, lambda p: absolute_data_path(p, base))
    try:
        if "runs" not in data and "format" not in data:
            return Session(configs=(RunConfig.from_dict(data),))
        if data.get("format") != FORMAT:
            raise ConfigError("format", f"expected {FORMAT!r}, got {shown(data.get('format'))}")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ConfigError("version", f"expected a positive integer, got {shown(version)}")
        if version > VERSION:
            raise ConfigError("version", f"written by a newer gdsim (version {shown(version)}; "
                              f"this one reads up to {VERSION})")
        # "trajectories" is what a run export adds to a session; reading it back ignores it.
        unknown = sorted(set(data) - {"format", "version", "title", "explanation", "runs",
                                      "view", "trajectories"})
        if unknown:
            raise ConfigError(unknown[0], "unknown field")
        runs = data.get("runs")
        if not isinstance(runs, list) or not runs:
            raise ConfigError("runs", "expected a non-empty list of run configurations")
        if len(runs) > MAX_RUNS:
            raise ConfigError("runs", f"at most {MAX_RUNS} runs, got {len(runs):,}")
        configs = tuple(RunConfig.from_dict(r, where=f"runs[{i}]") for i, r in enumerate(runs))
        unshared = first_unshared(configs)
        if unshared is not None:
            i, name = unshared
            raise ConfigError(f"runs[{i}].{name}",
                              "every run of a session must share it with runs[0]")
        view = data.get("view", {})
        _check_view(view)
        for key in ("title", "explanation"):
            check_text(key, data.get(key, ""))
        return Session(configs, view, data.get("title", ""), data.get("explanation", ""))
    except ConfigError as exc:
        raise SessionError(f"{source}: {exc.field}: {exc.reason}") from None


def _depth(data: Any) -> int:
    """How deeply arrays and objects nest in parsed JSON (0 for a number), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            stack.extend((child, level + 1) for child in item)
    return deepest


def _check_view(view: Any) -> None:
    """``{"x_range": [lo, hi], "y_range": [lo, hi]}``: the plot's axes (1-D: w and L), with
    low < high, both within ±:data:`VIEW_LIMIT`."""
    if not isinstance(view, dict):
        raise ConfigError("view", "expected a JSON object")
    for key, value in view.items():
        if key not in ("x_range", "y_range"):
            raise ConfigError(f"view.{key}", "unknown field (known: x_range, y_range)")
        if not (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        and abs(v) <= VIEW_LIMIT for v in value)
                and value[0] < value[1]):
            raise ConfigError(f"view.{key}", f"expected [low, high] with low < high, numbers "
                              f"within ±{VIEW_LIMIT:g}, got {shown(value)}")


VIEW_LIMIT = 1e100
"""The largest |coordinate| of a saved view: its width stays a finite float."""


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read and check a session file (or a bare config); raises :class:`SessionError`."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:  # a pipe or /dev/zero too: read at most the limit
            data = stream.read(MAX_SESSION_BYTES + 1)
        if len(data) > MAX_SESSION_BYTES:
            raise SessionError(f"{path}: not a session: larger than "
                               f"{MAX_SESSION_BYTES // 2**20:,} MiB")
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SessionError(f"{path}: not a text file") from None
    except OSError as exc:
        raise SessionError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse_session(text, str(path), base=path.parent)


def save_session(session: Session, path: str | os.PathLike[str]) -> None:
    """Write atomically: a failed write leaves no partial file and keeps any old one.

    A data file's path is stored relative to the session file's folder.

    Raises:
        SessionError: naming the file and why it cannot be written.
    """
    path = Path(path)
    try:
        document = session.to_dict()
        _map_data_paths(document, lambda p: relative_data_path(p, path.parent))
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError) as exc:  # only from a hand-built Session
        raise SessionError(f"{path}: cannot save this session ({exc})") from None
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise SessionError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _map_data_paths(data: dict[str, Any], change: Callable[[str], str]) -> None:
    """Apply ``change`` to every run's ``surface_params.data`` path in a session's JSON, in
    place (a bare config is one run); anything malformed is left for validation to name."""
    runs = data.get("runs") if ("runs" in data or "format" in data) else [data]
    for run in runs if isinstance(runs, list) else ():
        params = run.get("surface_params") if isinstance(run, dict) else None
        if isinstance(params, dict) and isinstance(params.get("data"), str):
            params["data"] = change(params["data"])
