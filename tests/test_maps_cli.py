"""The map commands: gdsim sweep, lr-find, basins, momentum-map and race, run as a user runs
them; CSV columns exactly as the issue names them, numbers equal to the core's maps."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gdsim.app.style import lane_hex
from gdsim.cli import main
from gdsim.core.config import RunConfig
from gdsim.core.maps import basins, lr_sweep, race


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_sweep_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["sweep", "--surface", "ellipse", "--surface-param",
                              "condition=20", "--optimizer", "gd", "--lr-min", "0.01",
                              "--lr-max", "1", "--points", "30", "--steps", "500",
                              "--start=-4,2", "--csv", "-"], capsys)
    assert code == 0
    header, rows = rows_of(out)
    assert header == ["lr", "final_loss", "steps", "status"]
    expected = lr_sweep(RunConfig(surface="ellipse", surface_params={"condition": 20},
                                  start=(-4, 2)), 0.01, 1, 30, 500)
    assert [float(r[0]) for r in rows] == expected.lr.tolist()
    assert [float(r[1]) for r in rows] == expected.final_loss.tolist()
    assert [r[2:] for r in rows] == [[str(a), d] for _, _, a, d in expected.rows()]
    assert {r[3] for r in rows} == {"converged", "step limit", "diverged"}
    assert "quadratic 0.1" in err and len(err.strip().splitlines()) == 1


def test_lr_find_csv_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lr.csv"
    code, _, err = run_cli(["lr-find", "--surface", "linear-regression", "--optimizer", "adam",
                            "--batch-size", "10", "--lr-min", "1e-4", "--lr-max", "10",
                            "--steps", "200", "--csv", str(path)], capsys)
    assert code == 0
    header, rows = rows_of(path.read_text())
    assert header == ["step", "lr", "loss", "smoothed_loss"]
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert float(rows[0][1]) == 1e-4
    assert "suggested η =" in err and "sweep's best η" in err and "heuristic" in err


def test_basins_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["basins", "--surface", "himmelblau", "--optimizer", "gd",
                              "--lr", "0.005", "--grid", "12", "--x-range=-5,5",
                              "--y-range", "-5,5", "--steps", "800", "--csv", "-"], capsys)
    assert code == 0
    header, rows = rows_of(out)
    assert header == ["x0", "y0", "x", "y", "loss", "steps", "status", "minimum"]
    assert len(rows) == 144
    expected = basins(RunConfig(surface="himmelblau", optimizer="gd", lr=0.005), 12, 800,
                      x_range=(-5, 5), y_range=(-5, 5))
    assert [r[7] for r in rows] == ["" if m < 0 else str(m) for m in expected.minimum]
    assert [float(r[2]) for r in rows] == expected.theta[:, 0].tolist()
    assert "ending in minimum #0:" in err


def test_momentum_map_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["momentum-map", "--surface", "bowl", "--optimizer", "nesterov",
                              "--lr-min", "0.01", "--lr-max", "2", "--points", "5",
                              "--mu-points", "4", "--steps", "200", "--csv", "-"], capsys)
    assert code == 0
    header, rows = rows_of(out)
    assert header == ["lr", "momentum", "final_loss", "steps", "status"]
    assert len(rows) == 20 and sorted({float(r[1]) for r in rows}) == [0.125, 0.375, 0.625,
                                                                        0.875]
    assert "quadratic, Hessian eigenvalues 2, 2" in err


def test_race_csv_tuned_and_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["race", "--surface", "booth", "--optimizers", "gd,adam",
                              "--steps", "300", "--tune", "--points", "30", "--csv", "-"],
                             capsys)
    assert code == 0
    header, rows = rows_of(out)
    assert header == ["optimizer", "lr", "final_loss", "steps_to_tol", "status"]
    expected = race(RunConfig(surface="booth"), ["gd", "adam"], 300, points=30)
    assert [r[0] for r in rows] == ["gd", "adam"]
    assert [float(r[1]) for r in rows] == expected.lr.tolist()
    assert "tuned rates" in err
    code, out, _ = run_cli(["race", "--surface", "bowl", "--steps", "50", "--csv", "-"], capsys)
    _, rows = rows_of(out)
    assert [r[0] for r in rows] == ["gd", "momentum", "nesterov", "rmsprop", "adam"]
    assert float(rows[0][1]) == 0.1  # the bowl's default rate for gd


@pytest.mark.parametrize(("args", "words"), [
    (["sweep", "--surface", "bowl", "--optimizer", "gd"], "required: --lr-min"),
    (["sweep", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "2", "--lr-max", "1",
      "--points", "3", "--steps", "3"], "lr: need 0 < lr-min ≤ lr-max"),
    (["sweep", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "0.1", "--lr-max", "1",
      "--points", "20000", "--steps", "3"], "points: must be between 1 and 10000"),
    (["sweep", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "x", "--lr-max", "1",
      "--points", "3", "--steps", "3"], "not a number"),
    (["basins", "--surface", "parabola", "--optimizer", "gd", "--grid", "4", "--steps", "3"],
     "two parameters"),
    (["basins", "--surface", "bowl", "--optimizer", "gd", "--grid", "600", "--steps", "3"],
     "grid: must be between 1 and 512"),
    (["basins", "--surface", "bowl", "--optimizer", "gd", "--grid", "4", "--steps", "3",
      "--x-range", "1"], "expected A,B"),
    (["momentum-map", "--surface", "bowl", "--optimizer", "adam", "--lr-min", "0.1",
      "--lr-max", "1", "--steps", "3"], "momentum hyperparameter"),
    (["race", "--surface", "bowl", "--steps", "3", "--optimizers", "gd,nope"],
     "unknown optimizer 'nope'"),
    (["lr-find", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "0.1", "--lr-max", "1",
      "--steps", "3", "--param", "beta1"], "--param expects KEY=VALUE"),
    (["sweep", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "0.1", "--lr-max", "1",
      "--points", "3", "--steps", "3", "--plot", "x.svg"], "--plot: write a .png"),
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], words: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert err.startswith(f"gdsim {args[0]}: ")


def test_map_commands_without_plot_never_import_qt() -> None:
    code = ("import sys; from gdsim.cli import main; "
            "main(['basins', '--surface', 'bowl', '--optimizer', 'gd', '--grid', '3', "
            "'--steps', '5', '--csv', '-']); "
            "main(['race', '--surface', 'bowl', '--steps', '5', '--tune', '--points', '3']); "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
            "print('QT:', bad, file=sys.stderr); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_basins_plot_is_a_png_of_the_map_written_headless(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "gdsim", "basins", "--surface", "himmelblau", "--optimizer",
         "gd", "--grid", "48", "--steps", "600", "--plot", "b.png"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "propagateSizeHints" not in result.stderr
    image = np.asarray(Image.open(tmp_path / "b.png").convert("RGB")).astype(int)
    assert image.shape[0] >= 1000 and image.shape[1] >= 1400
    for k in range(4):  # each minimum's colour fills its basin (shaded by steps)
        colour = np.array([int(lane_hex(k)[i:i + 2], 16) for i in (1, 3, 5)])
        near = np.abs(image - colour * 0.8).sum(axis=2) < 120
        assert near.sum() > 5000, k


@pytest.mark.parametrize("command", [
    ["sweep", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "0.01", "--lr-max", "10",
     "--points", "50", "--steps", "200"],
    ["lr-find", "--surface", "bowl", "--optimizer", "gd", "--lr-min", "1e-4", "--lr-max", "10",
     "--steps", "200"],
    ["momentum-map", "--surface", "ellipse", "--optimizer", "momentum", "--lr-min", "1e-3",
     "--lr-max", "1", "--points", "16", "--mu-points", "16", "--steps", "200", "--colour",
     "steps"],
    ["race", "--surface", "bowl", "--steps", "100", "--tune", "--points", "10"],
])
def test_every_map_plots(command: list[str], tmp_path: Path, qapp,
                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.png"
    code, _, err = run_cli([*command, "--plot", str(path)], capsys)
    assert code == 0, err
    image = np.asarray(Image.open(path).convert("RGB")).astype(np.int32)
    colours = np.unique((image[..., 0] << 16) | (image[..., 1] << 8) | image[..., 2])
    assert image.shape[0] > 500 and len(colours) > 20
