"""Test setup: headless Qt unless a display is given, and a folder for screenshots."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Remembered settings (QSettings) go to a private folder, never the user's real ones.
_SETTINGS_HOME = tempfile.mkdtemp(prefix="gdsim-test-config-")
os.environ["XDG_CONFIG_HOME"] = _SETTINGS_HOME

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests save screenshots and exports for people to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
