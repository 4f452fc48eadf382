"""Packaging: the wheel, an install of it outside the source tree, the desktop entry and the
AppStream metadata, the application icon and the About box, and the PyInstaller bundle.

The wheel and bundle tests build real artefacts in temporary folders (marked slow; they run by
default). The install test makes a fresh virtual environment that reuses the running
interpreter's numpy/PySide6/pyqtgraph (no download), installs only the wheel into it, and runs
the installed ``gdsim`` command from a folder outside the source tree, so a resource that the
wheel forgot, or a path that works only from a checkout, fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import time
import xml.etree.ElementTree as ET
import zipfile
from configparser import ConfigParser
from pathlib import Path

import pytest

import gdsim

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
APP_ID = "io.github.gdsim.gdsim"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: no PYTHONPATH (it could bring the source tree)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def _run(cmd: list[str | Path], *, cwd: Path, timeout: float = 120,
         check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_clean_env(**env), text=True,
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def _check_csv(text: str, steps: int) -> None:
    lines = text.strip().splitlines()
    assert lines[0].split(",")[:5] == ["run", "label", "step", "x", "y"], lines[0]
    assert len(lines) == steps + 2, text
    assert lines[1].startswith("0,") and ",0,3.0,4.0,25.0," in lines[1], lines[1]


# --- the icon -----------------------------------------------------------------------------
def test_icon_files_exist_at_every_size() -> None:
    svg = ICONS / f"{APP_ID}.svg"
    assert svg.is_file()
    ET.parse(svg)  # well-formed
    for size in ICON_SIZES:
        png = ICONS / f"{APP_ID}-{size}.png"
        assert png.is_file(), f"missing {png.name}: run packaging/render_icons.py"
        assert _png_size(png) == (size, size)


def test_icon_pngs_match_the_svg() -> None:
    """The committed PNGs are what packaging/render_icons.py makes of the SVG today."""
    proc = _run([sys.executable, PACKAGING / "render_icons.py", "--check"], cwd=ROOT,
                check=False)
    assert proc.returncode == 0, proc.stderr


# --- the About box ---------------------------------------------------------------------------
def test_about_module_imports_without_qt_widgets() -> None:
    code = ("import sys, gdsim.app.about as a; "
            "print(any(m.startswith('PySide6.QtWidgets') or m == 'PySide6.QtGui' "
            "for m in sys.modules))")
    proc = _run([sys.executable, "-c", code], cwd=ROOT)
    assert proc.stdout.strip() == "False"


def test_about_text_names_version_licence_and_libraries() -> None:
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6 import QtCore

    from gdsim.app.about import about_text

    text = about_text()
    for needle in ("gdsim", gdsim.__version__, "MIT", f"Qt {QtCore.qVersion()}",
                   f"PySide6 {PySide6.__version__}", f"pyqtgraph {pyqtgraph.__version__}",
                   f"numpy {numpy.__version__}", "gradient descent"):
        assert needle in text, (needle, text)


def test_app_icon_has_every_size(qapp) -> None:  # noqa: ANN001 (pytest-qt fixture)
    from PySide6.QtCore import QSize

    from gdsim.app.about import app_icon

    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(n, n) for n in ICON_SIZES} <= sizes
    image = icon.pixmap(QSize(64, 64)).toImage()
    assert image.width() == 64 and not image.isNull()


def test_show_about_builds_the_box(qapp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    from gdsim.app import about

    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self) or 0)
    about.show_about(None)
    assert len(shown) == 1
    box = shown[0]
    assert box.windowTitle() == "About gdsim"
    assert box.text() == about.about_text()
    assert not box.iconPixmap().isNull()
    box.deleteLater()


# --- desktop entry and AppStream metadata --------------------------------------------------
def _desktop_entry() -> dict[str, str]:
    parser = ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keep the keys' case
    parser.read(DESKTOP, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_desktop_entry_fields() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "gdsim"
    assert entry["Exec"] == "gdsim %f"
    assert entry["Icon"] == APP_ID
    assert entry["Categories"] == "Education;Science;Math;"
    assert entry["GenericName"] and entry["Comment"] and entry["Keywords"]


def test_metainfo_fields_match_the_app() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") == "gdsim"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.text == DESKTOP.name
    assert root.find("content_rating").get("type") == "oars-1.1"
    releases = [r.get("version") for r in root.iter("release")]
    assert gdsim.__version__ in releases, (
        f"add a <release version=\"{gdsim.__version__}\"> to {METAINFO.name}")
    for image in root.iter("image"):
        assert re.fullmatch(r"https://\S+\.png", image.text.strip()), image.text
    homepage = [u.text for u in root.iter("url") if u.get("type") == "homepage"]
    assert homepage and homepage[0].startswith("https://")


def test_desktop_file_validates() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    proc = _run([tool, DESKTOP], cwd=ROOT, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # Hints (e.g. that Education and Science are both main categories) are fine.
    assert not re.search(r": (error|warning):", out), out


def test_metainfo_validates() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (Debian: appstream)")
    proc = _run([tool, "validate", "--no-net", METAINFO], cwd=ROOT, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    # Infos and pedantic notes are fine; errors and warnings are not.
    assert not re.search(r"^[EW]: ", out, re.MULTILINE), out


def test_install_desktop_stages_a_valid_tree(tmp_path: Path) -> None:
    """packaging/install_desktop.sh puts the entry, metadata and icons where desktops look."""
    stage = tmp_path / "stage"
    _run(["bash", PACKAGING / "install_desktop.sh", "/usr/share"], cwd=tmp_path,
         DESTDIR=str(stage))
    share = stage / "usr" / "share"
    assert (share / "applications" / DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    assert (share / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        png = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert _png_size(png) == (size, size)
    tool = shutil.which("appstreamcli")
    if tool is not None:  # the entry, the metadata and the icon checked together
        proc = _run([tool, "validate-tree", "--no-net", stage / "usr"], cwd=tmp_path,
                    check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and METAINFO.name in out, out
        assert not re.search(r"^\s*[EW]: ", out, re.MULTILINE), out


# --- the wheel, installed outside the source tree -------------------------------------------
def _clean_source_copy(dest: Path) -> Path:
    """What the wheel is built from: the project's files, without build/ or egg-info left by
    earlier builds (setuptools reuses build/lib, so a file deleted from resources/ would still
    ship) and without the checkout's caches. gdsim/resources stays a symbolic link."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "setup.py",
                 "MANIFEST.in"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    for name in ("gdsim", "resources"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=skip)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = _clean_source_copy(tmp_path_factory.mktemp("src"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, "."],
         cwd=src, timeout=600, PIP_DISABLE_PIP_VERSION_CHECK="1")
    wheels = list(out.glob("gdsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_wheel_contains_the_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    presets = {n for n in names if re.fullmatch(r"gdsim/resources/presets/[^/]+\.json", n)}
    expected = {f"gdsim/resources/presets/{p.name}"
                for p in (ROOT / "resources" / "presets").glob("*.json")}
    assert presets == expected and presets, sorted(names)
    for size in ICON_SIZES:
        assert f"gdsim/resources/icons/{APP_ID}-{size}.png" in names
    assert f"gdsim/resources/icons/{APP_ID}.svg" in names
    assert "gdsim/cli.py" in names and "gdsim/app/about.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "gdsim = gdsim.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; numpy, PySide6 and pyqtgraph come from the
    interpreter running the tests. Returns the venv's folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=venv.parent,
         timeout=300)
    py = venv / "bin" / "python"
    if sys.prefix != sys.base_prefix:
        # The tests run in a venv (as CI does), whose packages --system-site-packages does not
        # see: it reaches the base interpreter's. Append the running venv's site-packages as a
        # plain path; .pth files there (the editable install of the source tree) are not run.
        site_dir = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             cwd=venv.parent).stdout.strip())
        ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
        (site_dir / "zz_gdsim_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run([py, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
          "--no-build-isolation", wheel], cwd=venv.parent, timeout=300,
         PIP_DISABLE_PIP_VERSION_CHECK="1")
    return venv


@pytest.mark.slow
def test_installed_wheel_is_the_one_imported(installed: Path, tmp_path: Path) -> None:
    code = ("import gdsim, numpy, PySide6, pyqtgraph; from gdsim.paths import resource_path; "
            "print(gdsim.__file__); print(resource_path('presets')); "
            "print(len(list(resource_path('presets').glob('*.json')))); "
            "print(resource_path('icons', 'io.github.gdsim.gdsim-256.png').is_file())")
    out = _run([installed / "bin" / "python", "-c", code], cwd=tmp_path).stdout.split("\n")
    module, presets, count, icon = (Path(out[0]), Path(out[1]), int(out[2]), out[3])
    site = installed.resolve()
    assert site in module.resolve().parents, f"gdsim imported from {module}, not the venv"
    assert ROOT not in module.resolve().parents
    assert site in presets.resolve().parents and "site-packages" in presets.parts
    assert count == len(list((ROOT / "resources" / "presets").glob("*.json"))) > 0
    assert icon == "True"


@pytest.mark.slow
def test_installed_command_runs_outside_the_source_tree(installed: Path,
                                                        tmp_path: Path) -> None:
    exe = installed / "bin" / "gdsim"
    assert exe.is_file()
    assert _run([exe, "--version"], cwd=tmp_path).stdout.strip() == f"gdsim {gdsim.__version__}"
    listing = _run([exe, "list", "surfaces"], cwd=tmp_path).stdout
    assert listing.startswith("bowl") and "rosenbrock" in listing.lower()
    _check_csv(_run([exe, "run", "--surface", "bowl", "--steps", "3", "--csv", "-"],
                    cwd=tmp_path).stdout, 3)


@pytest.mark.slow
def test_installed_command_plots_headless(installed: Path, tmp_path: Path) -> None:
    exe = installed / "bin" / "gdsim"
    if "--plot" not in _run([exe, "run", "--help"], cwd=tmp_path).stdout:
        pytest.skip("'gdsim run' has no --plot option yet")
    out = tmp_path / "out.png"
    _run([exe, "run", "--surface", "bowl", "--steps", "10", "--plot", out], cwd=tmp_path,
         QT_QPA_PLATFORM="offscreen")
    width, height = _png_size(out)
    assert width >= 400 and height >= 300 and out.stat().st_size > 20_000


# --- the PyInstaller bundle ------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not installed: add 'pyinstaller' to the test extra")
    work = tmp_path_factory.mktemp("pyinstaller")
    start = time.monotonic()
    proc = _run(["bash", PACKAGING / "build_bundle.sh"], cwd=work, timeout=900,
                PYTHON=sys.executable, DIST=str(work / "dist"), WORK=str(work / "build"))
    elapsed = time.monotonic() - start
    folder = work / "dist" / "gdsim"
    size = sum(f.lstat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"\nPyInstaller bundle: built in {elapsed:.0f} s, {size / 2**20:.0f} MiB\n"
          f"{proc.stdout.strip()}")
    return folder


@pytest.mark.slow
def test_bundle_contains_resources_and_leaves_out_unused_qt(bundle: Path) -> None:
    internal = bundle / "_internal"
    presets = list((internal / "gdsim" / "resources" / "presets").glob("*.json"))
    assert len(presets) == len(list((ROOT / "resources" / "presets").glob("*.json"))) > 0
    assert (internal / "gdsim" / "resources" / "icons" / f"{APP_ID}-256.png").is_file()
    qt = internal / "PySide6"
    assert (qt / "Qt" / "plugins" / "platforms" / "libqxcb.so").is_file()
    assert (qt / "Qt" / "plugins" / "platforms" / "libqoffscreen.so").is_file()
    assert (qt / "QtSvg.abi3.so").is_file()
    for unused in ("QtNetwork", "QtQml", "QtQuick", "QtWebEngineCore", "QtSql", "QtTest"):
        assert not list(qt.glob(f"{unused}.*")), unused
        assert not list((qt / "Qt" / "lib").glob(f"lib{unused.replace('Qt', 'Qt6', 1)}.so*"))
    assert not (internal / "tkinter").exists() and not (internal / "matplotlib").exists()


@pytest.mark.slow
def test_bundle_runs(bundle: Path, tmp_path: Path) -> None:
    exe = bundle / "gdsim"
    assert _run([exe, "--version"], cwd=tmp_path).stdout.strip() == f"gdsim {gdsim.__version__}"
    assert _run([exe, "list", "surfaces"], cwd=tmp_path).stdout.startswith("bowl")
    _check_csv(_run([exe, "run", "--surface", "bowl", "--steps", "3", "--csv", "-"],
                    cwd=tmp_path).stdout, 3)
    if "--plot" in _run([exe, "run", "--help"], cwd=tmp_path).stdout:
        out = tmp_path / "bundle.png"
        _run([exe, "run", "--surface", "bowl", "--steps", "10", "--plot", out], cwd=tmp_path)
        assert _png_size(out)[0] >= 400


@pytest.mark.slow
def test_bundle_starts_the_window(bundle: Path, tmp_path: Path) -> None:
    """The bundled GUI starts (offscreen) with a lesson and stays up without a traceback."""
    lessons = sorted((ROOT / "resources" / "presets").glob("*.json"))
    cmd = [str(bundle / "gdsim")] + ([str(lessons[0])] if lessons else [])
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=_clean_env(QT_QPA_PLATFORM="offscreen"),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            alive = proc.poll() is None
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    stderr = log.read_text(errors="replace")
    assert alive, f"the bundled app exited with {proc.returncode}:\n{stderr[-4000:]}"
    assert "Traceback" not in stderr, stderr[-4000:]
