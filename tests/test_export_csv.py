"""Every run in the data: the long-format CSV of ``gdsim run --csv`` and ``--config``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core import Run, RunConfig
from gdsim.core.session import Session

THREE = (
    RunConfig(label="plain", surface="rosenbrock", optimizer="gd", lr=0.001, start=(-1.5, 2),
              max_steps=30),
    RunConfig(label="Momentum (μ = 0.9)", surface="rosenbrock", optimizer="momentum",
              lr=0.001, optimizer_params={"momentum": 0.9}, start=(-1.5, 2), max_steps=20),
    RunConfig(surface="rosenbrock", optimizer="adam", lr=0.05, start=(-1, 1), max_steps=25),
)


def rows_of(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


@pytest.fixture
def session_file(tmp_path: Path) -> Path:
    path = tmp_path / "three.json"
    path.write_text(Session(THREE).to_json(), encoding="utf-8")
    return path


def test_config_runs_every_run_into_one_long_csv(session_file: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--config", str(session_file), "--csv", "-"]) == 0
    out, err = capsys.readouterr()
    header, rows = rows_of(out)
    assert header == ["run", "label", "step", "x", "y", "loss", "grad_x", "grad_y", "lr"]
    reference = Run(THREE)
    reference.advance(30)
    for lane, config in enumerate(THREE):
        mine = [r for r in rows if r[0] == str(lane)]
        assert len(mine) == config.max_steps + 1
        assert {r[1] for r in mine} == {reference.label(lane)}
        data = np.array([r[2:] for r in mine], dtype=float)
        np.testing.assert_array_equal(data[:, 0], np.arange(config.max_steps + 1))
        np.testing.assert_array_equal(data[:, 1:3], reference.trajectory.theta[:len(mine), lane])
        np.testing.assert_array_equal(data[:, 3], reference.trajectory.loss[:len(mine), lane])
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # grouped by run, in order
    assert "Momentum (μ = 0.9)" in {r[1] for r in rows}
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("run 0 (plain): rosenbrock / gd: step limit after 30 steps")
    assert lines[2].startswith("run 2 (Adam, η = 0.05): rosenbrock / adam")


def test_command_line_options_apply_to_every_run(session_file: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--config", str(session_file), "--steps", "4", "--lr", "0.0005",
                 "--csv", "-"]) == 0
    header, rows = rows_of(capsys.readouterr()[0])
    for lane in range(3):
        mine = [r for r in rows if r[0] == str(lane)]
        assert len(mine) == 5
        assert {float(r[-1]) for r in mine} == {0.0005}
    assert {r[1] for r in rows if r[0] == "0"} == {"plain"}  # labels kept


def test_momentum_lesson_runs_all_three(capsys: pytest.CaptureFixture[str]) -> None:
    lesson = Path(__file__).parent.parent / "gdsim" / "resources" / "presets" / "06-momentum.json"
    assert main(["run", "--config", str(lesson), "--steps", "2", "--csv", "-"]) == 0
    out, err = capsys.readouterr()
    _, rows = rows_of(out)
    assert sorted({r[0] for r in rows}) == ["0", "1", "2"] and len(rows) == 9
    assert len(err.strip().splitlines()) == 3


def test_help_says_options_apply_to_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    text = " ".join(capsys.readouterr()[0].split())
    assert "apply to every run" in text
    assert "run (0-based), label, step" in text
    assert "--plot-theme" in text and "--plot-scale" in text and ".mp4" in text


def test_bad_plot_scale_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--steps", "1", "--plot", "x.png", "--plot-scale", "9"]) == 2
    err = capsys.readouterr()[1]
    assert "--plot-scale" in err and len(err.strip().splitlines()) == 1
