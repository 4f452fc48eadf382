"""The command line: ``gdsim run`` and ``gdsim list``, run as a user runs them."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core import Run, RunConfig
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import SURFACES


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(text: str) -> tuple[list[str], np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array(rows[1:], dtype=float)


def test_seeds_bowl_example_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", "--surface", "bowl", "--optimizer", "gd", "--lr", "0.1",
                              "--start", "3,4", "--steps", "1", "--csv", "-"], capsys)
    assert code == 0
    header, data = read_csv(out)
    assert header == ["step", "x", "y", "loss", "grad_x", "grad_y", "lr"]
    assert data[0].tolist() == [0, 3, 4, 25, 6, 8, 0.1]
    assert data[1, :4].tolist() == [1, 2.4, 3.2, 16]
    assert "x=2.4, y=3.2, loss=16" in err and "step limit" in err
    assert len(err.strip().splitlines()) == 1


def test_csv_columns_and_exact_round_trip(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    code, _, _ = run_cli(["run", "--surface", "linear-regression", "--optimizer", "adam",
                          "--batch-size", "8", "--steps", "40", "--seed", "2",
                          "--param", "beta1=0.8", "--schedule", "exponential",
                          "--schedule-param", "gamma=0.95", "--csv", str(path)], capsys)
    assert code == 0
    header, data = read_csv(path.read_text())
    assert header == ["step", "w", "b", "loss", "grad_w", "grad_b", "lr"]
    run = Run(RunConfig(surface="linear-regression", optimizer="adam", batch_size=8,
                        max_steps=40, seed=2, optimizer_params={"beta1": 0.8},
                        schedule="exponential", schedule_params={"gamma": 0.95}))
    run.advance(40)
    assert data.shape == (41, 7)
    np.testing.assert_array_equal(data[:, 1:3], run.trajectory.theta[:, 0])  # exact
    np.testing.assert_array_equal(data[:, 3], run.trajectory.loss[:, 0])
    np.testing.assert_array_equal(data[:, 4:6], run.trajectory.grad[:, 0])
    np.testing.assert_array_equal(data[:40, 6], run.trajectory.lr[:40, 0])
    assert data[40, 6] == pytest.approx(run.lr_at(40)[0])


def test_one_dimensional_and_negative_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "--surface", "parabola", "--optimizer", "gd", "--lr",
                            "0.2", "--start=-4", "--steps", "2", "--csv", "-"], capsys)
    header, data = read_csv(out)
    assert code == 0 and header == ["step", "w", "loss", "grad_w", "lr"]
    np.testing.assert_allclose(data[:, 1], [-4, -2.4, -1.44])
    code, out, _ = run_cli(["run", "--surface", "rosenbrock", "--start=-1.5,2", "--steps",
                            "0", "--csv", "-"], capsys)
    assert read_csv(out)[1][0, 1:3].tolist() == [-1.5, 2]
    code, out, _ = run_cli(["run", "--surface", "rosenbrock", "--start", "-1.5,2", "--steps",
                            "0", "--csv", "-"], capsys)
    assert code == 0 and read_csv(out)[1][0, 1:3].tolist() == [-1.5, 2]


def test_batch_size_full_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["run", "--surface", "himmelblau", "--optimizer", "momentum",
                            "--batch-size", "full", "--steps", "5", "--csv", "-"], capsys)
    data = read_csv(out)[1]
    surface = SURFACES["himmelblau"]()
    assert code == 0
    assert data[0, 1:3].tolist() == list(surface.default_start)
    assert data[0, -1] == surface.default_lr("momentum")


@pytest.mark.parametrize("args, words", [
    (["run", "--surface", "nowhere"], "unknown surface"),
    (["run", "--optimizer", "sgdx"], "unknown optimizer"),
    (["run", "--lr", "-0.1"], "lr"),
    (["run", "--lr", "abc"], "not a number"),
    (["run", "--lr", "nan"], "lr"),
    (["run", "--steps", "1.5"], "not an integer"),
    (["run", "--start", "1,x"], "start"),
    (["run", "--start", "1"], "start"),
    (["run", "--batch-size", "0"], "batch-size"),
    (["run", "--param", "beta1"], "KEY=VALUE"),
    (["run", "--optimizer", "adam", "--param", "beta1=1.2"], "beta1"),
    (["run", "--surface-param", "size=3"], "size"),
    (["run", "--schedule", "step", "--schedule-param", "gamma=-1"], "gamma"),
    (["run", "--bogus"], "unrecognized"),
    (["list", "things"], "invalid choice"),
    (["run", "--config", "/nonexistent/x.json"], "cannot read"),
    (["run", "--frames=--"], "expected one value"),
    (["run", "--schedule", "step", "--schedule-param", "step_size=" + "9" * 30], "step_size"),
    (["run", "--param=--"], "expected one value"),
    (["run", "--steps", "1", "--lr", "1e400"], "lr"),
    (["run", "--seed", "1" + "0" * 30], "seed"),
    (["run", "--surface-param", "n_examples=" + "9" * 5000], "n_examples"),
    (["run", "--label\nsecond"], "unrecognized"),
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], words: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert words in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["no/x.csv", ".", "ro/x.csv"])
def test_unwritable_csv_path_is_a_usage_error(where: str, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    path = tmp_path / where
    try:
        code, out, err = run_cli(["run", "--steps", "1", "--csv", str(path)], capsys)
    finally:
        (tmp_path / "ro").chmod(0o700)
    if where.startswith("ro") and code == 0:
        pytest.skip("running as a user who may write anywhere")
    assert code == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.lower().count("cannot write") == 1 and str(path) in err


@pytest.mark.parametrize("args", [["run", "--steps", "3", "--csv", "-"], ["list", "surfaces"]])
def test_output_to_a_full_disk_is_one_line(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "gdsim", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "standard output" in result.stderr and "No space left" in result.stderr


def test_csv_to_a_closed_standard_output_is_one_line() -> None:
    code = ("import os, sys; os.close(1); sys.stdout = None; from gdsim.cli import main; "
            "sys.exit(main(['run', '--steps', '3', '--csv', '-']))")
    result = subprocess.run([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                            check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "gdsim run: cannot write the CSV to standard output: it is closed\n"


def test_the_step_count_is_bounded_and_says_so(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    from gdsim.cli import MAX_RUN_STEPS

    assert MAX_RUN_STEPS == 1_000_000
    code, out, err = run_cli(["run", "--lr", "0", "--steps", str(10**12), "--csv", "-"], capsys)
    assert code == 2 and out == "" and "from 0 to 1,000,000" in err
    assert len(err.strip().splitlines()) == 1
    path = tmp_path / "c.json"
    path.write_text(RunConfig(max_steps=10**9).to_json())
    code, out, err = run_cli(["run", "--config", str(path)], capsys)
    assert code == 2 and "at most 1,000,000" in err and "--steps" in err


def test_counts_are_singular_or_plural(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run_cli(["run", "--steps", "1"], capsys)
    assert "after 1 step:" in err
    _, _, err = run_cli(["run", "--steps", "2"], capsys)
    assert "after 2 steps:" in err


@pytest.mark.parametrize("args", [["run", "--help"], ["list", "--help"], ["--version"]])
def test_help_and_version_return_zero(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(args, capsys)
    assert code == 0 and out


def test_hostile_config_file_is_one_line(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    code, _, err = run_cli(["run", "--config", str(path)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "deep.json" in err


def test_config_file_with_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.json"
    path.write_text(RunConfig(surface="booth", optimizer="adam", lr=0.3, max_steps=3).to_json())
    code, out, _ = run_cli(["run", "--config", str(path), "--csv", "-"], capsys)
    data = read_csv(out)[1]
    assert code == 0 and len(data) == 4 and data[0, -1] == 0.3
    code, out, _ = run_cli(["run", "--config", str(path), "--steps", "1", "--lr", "0.1",
                            "--csv", "-"], capsys)
    data = read_csv(out)[1]
    assert len(data) == 2 and data[0, -1] == 0.1


def test_list_names_everything_with_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    for what, table in (("surfaces", SURFACES), ("optimizers", OPTIMIZERS),
                        ("schedules", SCHEDULES)):
        code, out, _ = run_cli(["list", what], capsys)
        assert code == 0
        for name in table:
            assert any(line.startswith(name + " ") for line in out.splitlines()), name
    _, out, _ = run_cli(["list", "optimizers"], capsys)
    assert "beta2 = 0.999" in out and "torch.optim.Adam" in out


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "gdsim", "--version"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0 and result.stdout.startswith("gdsim ")


def test_run_and_list_never_import_qt() -> None:
    code = ("import sys; from gdsim.cli import main; "
            "main(['list', 'surfaces']); main(['run', '--surface', 'tiny-network', "
            "'--steps', '20', '--csv', '-']); "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
            "print('QT:', bad, file=sys.stderr); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("package", ["gdsim.core", "gdsim.app.model"])
def test_qt_free_packages_import_only_numpy_and_the_standard_library(package: str) -> None:
    """Every module of gdsim.core and of the app's model, imported in a fresh interpreter, pulls
    in no third-party package but numpy (in particular no PySide6, no pyqtgraph)."""
    root = Path(__file__).resolve().parent.parent.joinpath(*package.split("."))
    modules = sorted(package + "." + ".".join(p.relative_to(root).with_suffix("").parts)
                     for p in root.rglob("*.py"))
    modules = [m.removesuffix(".__init__") for m in modules]
    assert len(modules) > 1
    code = (
        "import sys, importlib\n"
        "before = set(sys.modules)\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "third = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "std = set(sys.stdlib_module_names) | {'gdsim', 'numpy', '_distutils_hack'}\n"
        "bad = sorted(t for t in third if t not in std and not t.startswith('_'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_messages_say_the_key_once(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run_cli(["run", "--lr", "-1"], capsys)
    assert err == "gdsim run: Gradient descent's learning rate η (lr) must be ≥ 0 (got -1.0)\n"
    _, _, err = run_cli(["run", "--optimizer", "adam", "--param", "beta1=2"], capsys)
    assert err.count("beta1") == 1 and "Adam's first-moment decay β₁" in err
