"""Regenerate the README's screenshot: ``python packaging/make_screenshot.py``.

Opens the main window at 1280 × 800 (offscreen unless a display is given), loads a lesson,
runs it to its step limit and saves the window to ``resources/screenshots/window.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="06-momentum", help="lesson key to show")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots"
                        / "window.png")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # never the user's settings

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gdsim.app.files.settings import Settings
    from gdsim.app.main import create_window

    app = QApplication(sys.argv[:1])
    app.setApplicationName("gdsim")
    store = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    window = create_window(settings=Settings(store))
    window.resize(1280, 800)
    window.show()
    if not window.documents.load_lesson(args.lesson):
        print(f"no lesson {args.lesson!r}", file=sys.stderr)
        return 2

    def wait(condition, seconds: float = 30.0) -> None:  # noqa: ANN001
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    configs = window.documents.lesson.session.configs
    wait(lambda: window.history is not None and window.history.runs == len(configs))
    window.action_run.trigger()
    wait(lambda: window.history.steps > 0 and not window.history.playing
         and all(lane.status != "running" for lane in window.history.lanes))
    for _ in range(20):  # let the display timer draw the last frame
        app.processEvents()
        time.sleep(0.02)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    print(f"wrote {args.out}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
