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
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdsim.core.config import ConfigError, RunConfig, first_unshared
from gdsim.core.datafile import absolute_data_path, relative_data_path
from gdsim.core.fileio import write_atomic

FORMAT = "gdsim-session"
VERSION = 1


class SessionError(ValueError):
    """A session file cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class Session:
    configs: tuple[RunConfig, ...]
    view: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    explanation: str = ""

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
    if not isinstance(data, dict):
        raise SessionError(f"{source}: expected a JSON object")
    if base is not None:
        _map_data_paths(data, lambda p: absolute_data_path(p, base))
    try:
        if "runs" not in data and "format" not in data:
            return Session(configs=(RunConfig.from_dict(data),))
        if data.get("format") != FORMAT:
            raise ConfigError("format", f"expected {FORMAT!r}, got {data.get('format')!r}")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ConfigError("version", f"expected an integer, got {version!r}")
        if version > VERSION:
            raise ConfigError("version", f"written by a newer gdsim (version {version}; this "
                              f"one reads up to {VERSION})")
        # "trajectories" is what a run export adds to a session; reading it back ignores it.
        unknown = sorted(set(data) - {"format", "version", "title", "explanation", "runs",
                                      "view", "trajectories"})
        if unknown:
            raise ConfigError(unknown[0], "unknown field")
        runs = data.get("runs")
        if not isinstance(runs, list) or not runs:
            raise ConfigError("runs", "expected a non-empty list of run configurations")
        configs = tuple(RunConfig.from_dict(r, where=f"runs[{i}]") for i, r in enumerate(runs))
        unshared = first_unshared(configs)
        if unshared is not None:
            i, name = unshared
            raise ConfigError(f"runs[{i}].{name}",
                              "every run of a session must share it with runs[0]")
        view = data.get("view", {})
        _check_view(view)
        for key in ("title", "explanation"):
            if not isinstance(data.get(key, ""), str):
                raise ConfigError(key, "expected text")
        return Session(configs, view, data.get("title", ""), data.get("explanation", ""))
    except ConfigError as exc:
        raise SessionError(f"{source}: {exc.field}: {exc.reason}") from None


def _check_view(view: Any) -> None:
    """``{"x_range": [lo, hi], "y_range": [lo, hi]}``: the plot's axes (1-D: w and L)."""
    if not isinstance(view, dict):
        raise ConfigError("view", "expected a JSON object")
    for key, value in view.items():
        if key not in ("x_range", "y_range"):
            raise ConfigError(f"view.{key}", "unknown field (known: x_range, y_range)")
        if not (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        and math.isfinite(v) for v in value) and value[0] < value[1]):
            raise ConfigError(f"view.{key}", f"expected [low, high] with low < high, got "
                              f"{value!r}")


def load_session(path: str | os.PathLike[str]) -> Session:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SessionError(f"{path}: not a text file") from None
    except OSError as exc:
        raise SessionError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_session(text, str(path), base=path.parent)


def save_session(session: Session, path: str | os.PathLike[str]) -> None:
    """Write atomically: a failed write leaves no partial file and keeps any old one.

    A data file's path is stored relative to the session file's folder.
    """
    path = Path(path)
    data = session.to_dict()
    _map_data_paths(data, lambda p: relative_data_path(p, path.parent))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def _map_data_paths(data: dict[str, Any], change: Callable[[str], str]) -> None:
    """Apply ``change`` to every run's ``surface_params.data`` path in a session's JSON, in
    place (a bare config is one run); anything malformed is left for validation to name."""
    runs = data.get("runs") if ("runs" in data or "format" in data) else [data]
    for run in runs if isinstance(runs, list) else ():
        params = run.get("surface_params") if isinstance(run, dict) else None
        if isinstance(params, dict) and isinstance(params.get("data"), str):
            params["data"] = change(params["data"])
