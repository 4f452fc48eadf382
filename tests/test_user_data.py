"""Data from the user: CSV points for the data-driven surfaces, from code, sessions and the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core import Run, RunConfig
from gdsim.core.config import ConfigError
from gdsim.core.datafile import (
    MAX_POINTS,
    DataFileError,
    read_points,
    relative_data_path,
    write_points,
)
from gdsim.core.session import Session, load_session, save_session
from gdsim.core.surfaces import SURFACES, make_surface


def _points(tmp_path: Path, name: str = "points.csv", n: int = 30, seed: int = 1,
            labels: bool = False) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * x))).astype(float) if labels else \
        0.7 * x - 0.4 + rng.normal(0, 0.3, n)
    path = tmp_path / name
    write_points(path, x, y)
    return path, x, y


def test_every_data_surface_takes_a_data_file() -> None:
    names = [n for n, c in SURFACES.items() if any(s.name == "data" for s in c.specs)]
    assert names == ["linear-regression", "neuron", "logistic-regression", "tiny-network"]


@pytest.mark.parametrize("name", ["linear-regression", "neuron", "tiny-network"])
def test_loaded_points_replace_the_generated_ones(tmp_path: Path, name: str) -> None:
    path, x, y = _points(tmp_path, n=37)
    surface = make_surface(name, {"data": str(path)})
    np.testing.assert_array_equal(surface.x, x)
    np.testing.assert_array_equal(surface.y, y)
    assert surface.n_examples == 37
    theta = np.zeros((3, surface.dim)) + 0.3
    per_example = surface.loss_and_grad_on(theta, surface.x, surface.y)
    full = surface.loss_and_grad(theta)
    np.testing.assert_allclose(full[0], per_example[0], rtol=1e-12)
    np.testing.assert_allclose(full[1], per_example[1], rtol=1e-12, atol=1e-14)


def test_full_batch_descent_converges_to_numpys_least_squares_fit(tmp_path: Path) -> None:
    path, x, y = _points(tmp_path, n=50, seed=4)
    config = RunConfig(surface="linear-regression", surface_params={"data": str(path)},
                       optimizer="gd", lr=0.1, max_steps=5000, grad_tol=1e-12)
    run = Run(config)
    run.advance(5000)
    (w, b), *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)
    np.testing.assert_allclose(run.theta[0], [w, b], rtol=0, atol=1e-10)
    minimum = run.surface.minima()[0]
    np.testing.assert_allclose(minimum.theta, [w, b], atol=1e-12)


def test_logistic_regression_takes_labels(tmp_path: Path) -> None:
    path, x, y = _points(tmp_path, n=60, labels=True, seed=2)
    surface = make_surface("logistic-regression", {"data": str(path)})
    np.testing.assert_array_equal(surface.y, y)
    (point,) = surface.minima()
    assert np.max(np.abs(surface.grad(np.array(point.theta)))) < 1e-9
    values, *_ = _points(tmp_path, name="values.csv")  # y not in {0, 1}
    with pytest.raises(ConfigError) as info:
        RunConfig(surface="logistic-regression", surface_params={"data": str(values)})
    assert info.value.field == "surface_params.data"
    assert "line 2, column 2 (y)" in info.value.reason and "0 or 1" in info.value.reason
    make_surface("linear-regression", {"data": str(values)})  # fine for a regression


BAD = [
    ("w,y\n1,2\n3,4\n", "line 1", "no column named 'x'"),
    ("x\n1\n2\n", "line 1", "no column named 'y'"),
    ("x,y\n1,2\n3,abc\n", "line 3, column 2 (y)", "'abc' is not a number"),
    ("y,x\n1,2\n,4\n", "line 3, column 1 (y)", "'' is not a number"),
    ("x,y\n1,2\nnan,4\n", "line 3, column 1 (x)", "not a finite number"),
    ("x,y\n1,2\n3,inf\n", "line 3, column 2 (y)", "not a finite number"),
    ("x,y\n1,2\n3\n", "line 3, column 2 (y)", "missing value"),
    ("x,y\n1,2\n", "", "1 point(s): at least 2"),
    ("x,y\n", "", "0 point(s)"),
    ("", "", "empty"),
    ("x,y\n1,2\n3," + "4" * 20_000 + "\n", "line 3", "not a valid CSV row"),
]


@pytest.mark.parametrize(("text", "where", "reason"), BAD, ids=[b[2] for b in BAD])
def test_bad_files_are_refused_with_line_and_column(tmp_path: Path, text: str, where: str,
                                                    reason: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_points(path)
    message = str(info.value)
    assert message.startswith(str(path)) and reason in message, message
    if where:
        assert f"{path}, {where}: " in message, message
    with pytest.raises(ConfigError) as config_error:
        RunConfig(surface="linear-regression", surface_params={"data": str(path)})
    assert config_error.value.field == "surface_params.data"


def test_ten_million_rows_are_refused_after_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    row = "1.5,2.5\n"
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("x,y\n")
        for _ in range(100):
            stream.write(row * 100_000)  # 10⁷ rows, ~80 MB
    with pytest.raises(DataFileError) as info:
        read_points(path)
    assert f"line {MAX_POINTS + 2}" in str(info.value)
    assert f"more than {MAX_POINTS} points" in str(info.value)


def test_blank_lines_comments_other_columns_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("\ufeff# measured\nlabel, Y ,X\na,1,2\n\nb, 3.5 ,-4e-1\n", encoding="utf-8")
    x, y = read_points(path)
    np.testing.assert_array_equal(x, [2.0, -0.4])
    np.testing.assert_array_equal(y, [1.0, 3.5])
    assert read_points(path, binary=False)[0] is not x  # a copy each time: the cache is safe


def test_missing_file_and_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        read_points(tmp_path / "nope.csv")
    with pytest.raises(DataFileError, match="not a file"):
        read_points(tmp_path)
    with pytest.raises(ConfigError) as info:
        RunConfig(surface="neuron", surface_params={"data": str(tmp_path / "nope.csv")})
    assert info.value.field == "surface_params.data"


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path, x, _ = _points(tmp_path, n=10)
    assert len(read_points(path)[0]) == 10
    write_points(path, x[:5], x[:5])
    import os

    os.utime(path, ns=(1, 1))  # a different modification time, whatever the clock's grain
    assert len(read_points(path)[0]) == 5


def test_sessions_store_the_path_relative_to_the_session_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    path, x, _ = _points(data_dir)
    config = RunConfig(surface="linear-regression", surface_params={"data": str(path)},
                       max_steps=20)
    session_dir = tmp_path / "sessions"
    session_dir.mkdir()
    session_file = session_dir / "fit.json"
    save_session(Session((config,)), session_file)
    stored = json.loads(session_file.read_text(encoding="utf-8"))
    assert stored["runs"][0]["surface_params"]["data"] == "../data/points.csv"
    # The pair moves together: the session still finds its data.
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "sessions").mkdir()
    (moved / "data").mkdir()
    (moved / "sessions" / "fit.json").write_bytes(session_file.read_bytes())
    (moved / "data" / "points.csv").write_bytes(path.read_bytes())
    loaded = load_session(moved / "sessions" / "fit.json").configs[0]
    assert loaded.surface_params["data"] == str(moved / "data" / "points.csv")
    np.testing.assert_array_equal(Run(loaded).surface.x, x)
    assert relative_data_path("", tmp_path) == ""


def test_a_session_naming_a_bad_file_names_the_run_and_the_field(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,zz\n", encoding="utf-8")
    session = {"format": "gdsim-session", "version": 1, "runs": [
        {"surface": "linear-regression", "surface_params": {"data": "bad.csv"}}]}
    (tmp_path / "s.json").write_text(json.dumps(session), encoding="utf-8")
    from gdsim.core.session import SessionError

    with pytest.raises(SessionError) as info:
        load_session(tmp_path / "s.json")
    message = str(info.value)
    assert "runs[0].surface_params.data" in message and "line 3, column 2 (y)" in message


def test_command_line_data_option(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path, x, y = _points(tmp_path, n=40, seed=9)
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--surface", "linear-regression", "--data", "points.csv", "--lr",
                 "0.1", "--steps", "3000", "--csv", "-"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    last = list(csv.DictReader(captured.out.strip().splitlines()))[-1]  # the long CSV
    (w, b), *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)
    assert (float(last["w"]), float(last["b"])) == pytest.approx((w, b), abs=1e-6)
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,abc\n", encoding="utf-8")
    code = main(["run", "--surface", "neuron", "--data", "bad.csv"])
    err = capsys.readouterr().err
    assert code == 2 and "line 3, column 2 (y)" in err and "Traceback" not in err
    code = main(["run", "--surface", "bowl", "--data", "points.csv"])
    err = capsys.readouterr().err
    assert code == 2 and "surface_params.data" in err


# --- the Surface panel ------------------------------------------------------------------------
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_load_data_in_the_surface_panel(qtbot, tmp_path: Path) -> None:
    from gdsim.app import MainWindow

    path, x, _ = _points(tmp_path, n=23)
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,abc\n", encoding="utf-8")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.set_configs([RunConfig(surface="linear-regression", max_steps=5)])
    qtbot.waitUntil(lambda: w.history is not None and w.surface.name == "linear-regression")
    field = w.surface_panel.params.controls["data"]
    assert field.load_button is not None and field.load_button.text() == "Load data…"
    assert not field.load(str(bad))
    assert "line 3, column 2 (y)" in field.error.text() and field.error.isVisibleTo(w)
    assert "data" not in w.configs[0].surface_params
    assert field.load(str(path))
    qtbot.waitUntil(lambda: w.surface.n_examples == 23)
    np.testing.assert_array_equal(w.surface.x, x)
    assert w.configs[0].surface_params["data"] == str(path)
    # The data view follows the engine's surface report, which comes from the compute process.
    qtbot.waitUntil(lambda: w.data_view.isVisible())
    w.close()


def test_a_refusal_does_not_echo_a_files_content_and_devices_are_not_read(tmp_path: Path
                                                                          ) -> None:
    secret = "s3cr3t-" * 20
    path = tmp_path / "notes.csv"
    path.write_text(f"x,y\n1,2\n3,{secret}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_points(path)
    assert secret not in str(info.value) and "…" in str(info.value)
    if Path("/dev/zero").exists():
        with pytest.raises(DataFileError, match="not a file"):
            read_points("/dev/zero")  # endless: refused before reading
