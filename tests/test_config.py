"""RunConfig validation and JSON round trips; sessions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gdsim.core import ConfigError, Run, RunConfig
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.session import Session, SessionError, load_session, parse_session, save_session
from gdsim.core.surfaces import SURFACES


def test_json_round_trip() -> None:
    cfg = RunConfig(surface="rosenbrock", optimizer="adam", lr=0.02,
                    optimizer_params={"beta1": 0.8, "amsgrad": True}, schedule="cosine",
                    schedule_params={"T_max": 300}, batch_size=None, start=(-1.5, 2.0),
                    seed=7, max_steps=321, grad_tol=1e-9, loss_tol=1e-12, label="mine")
    again = RunConfig.from_json(cfg.to_json())
    assert again == cfg
    assert RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize("changes, field", [
    ({"surface": "nowhere"}, "surface"),
    ({"optimizer": "sgdx"}, "optimizer"),
    ({"schedule": "zigzag"}, "schedule"),
    ({"lr": -0.1}, "lr"),
    ({"lr": float("nan")}, "lr"),
    ({"lr": "fast"}, "lr"),
    ({"batch_size": 0}, "batch_size"),
    ({"start": (1.0,)}, "start"),
    ({"start": (1.0, float("inf"))}, "start[1]"),
    ({"seed": -1}, "seed"),
    ({"max_steps": 2.5}, "max_steps"),
    ({"optimizer": "adam", "optimizer_params": {"beta1": 1.0}}, "optimizer_params.beta1"),
    ({"optimizer": "adam", "optimizer_params": {"beta2": -0.1}}, "optimizer_params.beta2"),
    ({"optimizer": "adam", "optimizer_params": {"eps": -1}}, "optimizer_params.eps"),
    ({"optimizer": "gd", "optimizer_params": {"momentum": 0.9}}, "optimizer_params.momentum"),
    ({"surface_params": {"n_examples": 0}}, "surface_params.n_examples"),
    ({"schedule": "step", "schedule_params": {"gamma": 2}}, "schedule_params.gamma"),
])
def test_invalid_values_name_the_field(changes: dict, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(**changes)
    assert info.value.field == field
    assert field.split(".")[-1].split("[")[0] in str(info.value)


def test_defaults_come_from_the_surface() -> None:
    for name, cls in SURFACES.items():
        for opt in OPTIMIZERS:
            cfg = RunConfig(surface=name, optimizer=opt)
            assert cfg.resolved_lr() > 0
        run = Run(RunConfig(surface=name))
        # (A network's start is its seeded initialisation, so it is the instance's.)
        np.testing.assert_array_equal(run.start[0], run.surface.default_start)
        if name != "network":
            assert run.surface.default_start == cls.default_start


def test_session_round_trip_and_identical_replay(tmp_path: Path) -> None:
    configs = (RunConfig(surface="linear-regression", optimizer="gd", batch_size=4, seed=3),
               RunConfig(surface="linear-regression", optimizer="adam", seed=3))
    session = Session(configs, view={"x_range": [-1, 2]}, title="t", explanation="e")
    path = tmp_path / "s.gdsim.json"
    save_session(session, path)
    loaded = load_session(path)
    assert loaded == session
    a, b = Run(list(configs)), Run(list(loaded.configs))
    a.advance(40)
    b.advance(40)
    np.testing.assert_array_equal(a.trajectory.theta, b.trajectory.theta)
    assert [p.name for p in tmp_path.iterdir()] == ["s.gdsim.json"]  # no temporary left


@pytest.mark.parametrize("text, where", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"format": "gdsim-session", "version": 1, "runs": []}', "runs"),
    ('{"format": "gdsim-session", "version": 99, "runs": [{}]}', "version"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"lr": -1}]}', "runs[0].lr"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"optimizer": "adam", '
     '"optimizer_params": {"beta1": 1.5}}]}', "runs[0].optimizer_params.beta1"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"start": "here"}]}',
     "runs[0].start"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{"colour": 1}]}', "runs[0].colour"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{}, {"seed": 4}]}', "runs[1].seed"),
    ('{"format": "other", "version": 1, "runs": [{}]}', "format"),
])
def test_corrupt_sessions_are_rejected_naming_the_field(text: str, where: str) -> None:
    with pytest.raises(SessionError, match=where.replace("[", r"\[").replace("]", r"\]")):
        parse_session(text, "f.json")


def test_unreadable_session_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="cannot read"):
        load_session(tmp_path / "missing.json")
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SessionError):
        load_session(binary)
