"""Where gdsim's bundled resources (lessons, icons, styles) live.

The source tree keeps them in the top-level ``resources/`` folder; ``gdsim/resources`` links to
it, so the same relative path works from a checkout, an installed wheel (setuptools copies the
files into the package) and a PyInstaller bundle.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("presets", "bowl.json")``."""
    base = resources.files("gdsim") / "resources"
    return Path(str(base.joinpath(*parts)))
