"""Fuzzing: hostile sessions and command lines give gdsim's own one-line errors, never a crash.

Sessions: random JSON (huge integers, NaN/Infinity literals, unpaired surrogates, deep nesting,
wrong types) and valid sessions with one field replaced by such a value. Whatever
:func:`parse_session` accepts must run and save; everything else must be a one-line
:class:`SessionError` naming the file. Command lines: random ``gdsim run`` / ``gdsim list``
arguments through :func:`gdsim.cli.main` in-process: exit status 0 or 2, and for 2 exactly one
line on standard error. The pytest setting ``filterwarnings = error`` turns any numpy warning
into a failure too.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsim.cli import main
from gdsim.core import Run
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.schedules import SCHEDULES
from gdsim.core.session import Session, SessionError, load_session, parse_session, save_session
from gdsim.core.surfaces import SURFACES

FUZZ = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Text of any code point, unpaired surrogates included (hypothesis leaves them out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=12)
names = st.sampled_from([*SURFACES, *OPTIMIZERS, *SCHEDULES, "", "bowl ", "BOWL"])
keys = st.sampled_from(["surface", "optimizer", "lr", "schedule", "batch_size", "start", "seed",
                        "max_steps", "grad_tol", "loss_tol", "label", "surface_params",
                        "optimizer_params", "schedule_params", "format", "version", "runs",
                        "view", "title", "explanation", "x_range", "n_examples", "beta1",
                        "true_w", "noise", "warmup_iters", "gamma", "momentum"]) | any_text
numbers = (st.integers(-10**30, 10**30) | st.integers(-(10**400), 10**400)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0, 1, -1, 2**31, 2**63, 10**6 + 1, 0.5, -0.0, 1e300, 1e-320]))
scalars = st.none() | st.booleans() | numbers | any_text | names
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(keys, inner, max_size=4), max_leaves=12)

plausible = (st.integers(0, 50) | st.floats(-5, 5) | st.sampled_from(
    [*SURFACES, *OPTIMIZERS, *SCHEDULES, None, True, 0.999, 1e-8, 1e3, 100_000, 1e300, -1e300])
    | st.lists(st.floats(-3, 3), min_size=1, max_size=3))

VALID = {"format": "gdsim-session", "version": 1, "title": "t", "view": {"x_range": [-1, 1]},
         "runs": [{"surface": "linear-regression", "optimizer": "adam", "lr": 0.1,
                   "optimizer_params": {"beta1": 0.8}, "surface_params": {"n_examples": 20},
                   "schedule": "step", "schedule_params": {"gamma": 0.5}, "batch_size": 4,
                   "start": [1.0, 2.0], "seed": 3, "max_steps": 5, "label": "a"}]}


def _dumps(value: Any) -> str:
    """JSON text, with NaN/Infinity literals and integers of any length."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**4000 else "9" * 4500
    if isinstance(value, float):
        return json.dumps(value, allow_nan=True)
    if isinstance(value, str):
        return json.dumps(value)  # \\ud800 escapes for surrogates
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)}: {_dumps(v)}" for k, v in value.items()) + "}"


@st.composite
def mutated_sessions(draw: st.DrawFn) -> str:
    """A valid session with one value, somewhere, replaced by a hostile one."""
    data = json.loads(json.dumps(VALID))
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            paths.append((node, key))
            if isinstance(child, (dict, list)):
                walk(child)

    walk(data)
    node, key = draw(st.sampled_from(paths))
    mode = draw(st.integers(0, 2))
    if mode == 0:  # a plausible value: many of these sessions open, and must then run and save
        node[key] = draw(plausible)
    elif mode == 1:
        node[key] = draw(json_values)
    elif isinstance(node, dict):
        node[draw(keys)] = draw(json_values)
    text = _dumps(data)
    if draw(st.integers(0, 9)) == 0:  # bury it deep
        depth = draw(st.sampled_from([60, 70, 3000]))
        text = '{"runs": ' + "[" * depth + text + "]" * depth + "}"
    return text


def _check_session_text(text: str) -> None:
    try:
        session = parse_session(text, "fuzz.json")
    except SessionError as exc:
        message = str(exc)
        assert message.startswith("fuzz.json: ") and "\n" not in message, message
        message.encode("utf-8")  # printable and savable: no unpaired surrogate
        assert len(message) < 600, message
        return
    run = Run(list(session.configs))
    run.advance(3)
    for lane in range(run.runs):
        run.summary(lane)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.json"
        save_session(session, path)
        assert load_session(path) == session


@FUZZ
@given(mutated_sessions())
def test_mutated_sessions_open_or_give_one_line(text: str) -> None:
    _check_session_text(text)


@FUZZ
@given(json_values.map(_dumps) | any_text)
def test_random_json_opens_or_gives_one_line(text: str) -> None:
    _check_session_text(text)


def test_the_fuzzed_session_runs_at_all() -> None:
    """The mutations start from a session that opens (else every case would be an error)."""
    session = parse_session(_dumps(VALID), "fuzz.json")
    assert isinstance(session, Session) and session.configs[0].optimizer == "adam"


# --- the command line ------------------------------------------------------------------------
VALUES = st.sampled_from(["0", "1", "2", "-1", "0.1", "1e300", "-1e300", "1e400", "nan", "inf",
                          "-inf", "10000000", "1000001", "9" * 5000, "", " ", "x", "3,4",
                          "-1,2", "1,x", "full", "true", "\ud800", "1" + "0" * 400, "2.5",
                          "--", "-", "-0", "9" * 30, "8,8", "relu", "xor"]) | any_text
KEY_VALUES = st.builds(lambda k, v: f"{k}={v}", st.sampled_from(
    ["beta1", "momentum", "lr", "n_examples", "true_w", "noise", "gamma", "warmup_iters",
     "T_max", "step_size", "hidden", "dataset", "activation", "bogus", "", "condition"]),
    VALUES)
OPTIONS = {
    "--surface": names | any_text, "--optimizer": names, "--schedule": names,
    "--lr": VALUES, "--param": KEY_VALUES, "--surface-param": KEY_VALUES,
    "--schedule-param": KEY_VALUES, "--batch-size": VALUES, "--start": VALUES,
    "--steps": st.sampled_from(["0", "1", "3", "-5", "1000001", "10" + "0" * 12, "x", "1.5"]),
    "--seed": VALUES, "--frames": VALUES, "--fps": VALUES, "--csv": st.just("-"),
    "--plot": st.sampled_from(["out.bmp", "out", "x.txt"]),  # no rendering: formats refused
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """Arguments of ``gdsim list`` or ``gdsim run``; ``{config}``, ``{missing}`` and
    ``{folder}`` stand for a config file, a missing folder and an existing folder."""
    if draw(st.integers(0, 5)) == 0:
        return ["list", *draw(st.lists(st.sampled_from(
            ["surfaces", "optimizers", "schedules", "things", "--help", "-x"]), max_size=2))]
    argv = ["run"]
    for _ in range(draw(st.integers(0, 6))):
        choice = draw(st.sampled_from([*OPTIONS, "--config", "--csv-file", "--bogus", "loose"]))
        if choice == "--config":
            argv += ["--config", draw(st.sampled_from(["{config}", "{missing}/c.json"]))]
        elif choice == "--csv-file":
            argv += ["--csv", draw(st.sampled_from(["{missing}/x.csv", "{folder}"]))]
        elif choice in ("--bogus", "loose"):
            argv.append(choice)
        else:
            value = draw(OPTIONS[choice])
            argv += [f"{choice}={value}"] if draw(st.booleans()) else [choice, value]
    if "--steps" not in " ".join(argv):
        argv += ["--steps", "20"]  # keep each case fast
    return argv


def _check_command_line(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    lines = err.getvalue().strip().splitlines()
    assert code in (0, 2), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert len(lines) == 1, (argv, err.getvalue())
        assert lines[0].startswith(("gdsim run", "gdsim list", "gdsim:")), lines
    elif argv[0] == "run" and "--help" not in argv:
        assert len(lines) == 1 and " after " in lines[0], (argv, err.getvalue())
        assert np.isfinite(float(lines[0].rsplit("loss=", 1)[1].split(",")[0])) or \
            "diverged" in lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(argv=command_lines(), config=mutated_sessions())
def test_random_command_lines_exit_0_or_2_with_one_line(folder: Path, argv: list[str],
                                                        config: str) -> None:
    (folder / "config.json").write_text(config, encoding="utf-8")
    places = {"{config}": str(folder / "config.json"), "{missing}": str(folder / "missing"),
              "{folder}": str(folder)}
    for token, place in places.items():
        argv = [a.replace(token, place) for a in argv]
    _check_command_line(argv)
