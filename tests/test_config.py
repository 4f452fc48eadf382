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


# --- hostile inputs (issue 8) -------------------------------------------------------------------
def _session_text(run: str) -> str:
    return '{"format": "gdsim-session", "version": 1, "runs": [' + run + "]}"


@pytest.mark.parametrize("text, words", [
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ('{"runs": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ('{"seed": ' + "9" * 5000 + "}", "too many digits"),
    (_session_text('{"grad_tol": 1' + "0" * 400 + "}"), "runs[0].grad_tol"),
    (_session_text('{"start": [1' + "0" * 400 + ", 0]}"), "runs[0].start[0]"),
    (_session_text('{"lr": 1' + "0" * 400 + "}"), "runs[0].lr"),
    (_session_text('{"optimizer": "adam", "optimizer_params": {"beta1": 1' + "0" * 400 + "}}"),
     "runs[0].optimizer_params.beta1"),
    (_session_text('{"surface": [1, 2]}'), "runs[0].surface"),
    (_session_text('{"surface": {"a": 1}}'), "runs[0].surface"),
    (_session_text('{"optimizer": [1]}'), "runs[0].optimizer"),
    (_session_text('{"schedule": {}}'), "runs[0].schedule"),
    (_session_text('{"max_steps": 1e400}'), "runs[0].max_steps"),
    (_session_text('{"lr": NaN}'), "runs[0].lr"),
    (_session_text('{"lr": Infinity}'), "runs[0].lr"),
    (_session_text('{"grad_tol": -Infinity}'), "runs[0].grad_tol"),
    (_session_text('{"label": "a\\ud800b"}'), "runs[0].label"),
    ('{"format": "gdsim-session", "version": 1, "title": "\\udfff", "runs": [{}]}', "title"),
    ('{"format": "gdsim-session", "version": 1, "explanation": "x\\ud83d", "runs": [{}]}',
     "explanation"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{}], "view": {"x_range": [0, 1'
     + "0" * 400 + "]}}", "view.x_range"),
    ('{"format": [1], "version": 1, "runs": [{}]}', "format"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{}], "view": {"x_range": [-1e308, '
     "1e308]}}", "view.x_range"),
    ('{"format": "gdsim-session", "version": 1, "runs": [{}], "view": {"y_range": [0, NaN]}}',
     "view.y_range"),
    ('{"format": "gdsim-session", "version": 1' + "0" * 400 + ', "runs": [{}]}', "version"),
])
def test_hostile_sessions_give_one_session_error(text: str, words: str) -> None:
    with pytest.raises(SessionError) as info:
        parse_session(text, "f.json")
    message = str(info.value)
    assert message.startswith("f.json: ") and words in message, message
    assert "\n" not in message


def test_hostile_session_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(SessionError, match="deep.json"):
        load_session(path)


@pytest.mark.parametrize("changes, field", [
    ({"grad_tol": 10**400}, "grad_tol"),
    ({"loss_tol": -(10**400)}, "loss_tol"),
    ({"lr": 10**400}, "lr"),
    ({"start": (10**400, 0)}, "start[0]"),
    ({"surface": ["bowl"]}, "surface"),
    ({"optimizer": {"gd": 1}}, "optimizer"),
    ({"schedule": ["constant"]}, "schedule"),
    ({"label": "\ud800"}, "label"),
    ({"surface_params": {"n_examples": 10**400}}, "surface_params.n_examples"),
])
def test_absurd_values_are_config_errors(changes: dict, field: str) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(**changes)
    assert info.value.field == field


def test_a_session_never_fails_to_save(tmp_path: Path) -> None:
    """Whatever opens can be saved: text that UTF-8 cannot encode is refused on the way in."""
    with pytest.raises(SessionError, match="title"):
        Session((RunConfig(),), title="\ud800")
    with pytest.raises(SessionError, match="explanation"):
        Session((RunConfig(),), explanation="\udc80")
    with pytest.raises(SessionError, match="view.x_range"):
        Session((RunConfig(),), view={"x_range": [0.0, float("inf")]})
    session = Session((RunConfig(label="ünïcödé ✓ 🙂"),), title="θ₀ → θ*")
    save_session(session, tmp_path / "ok.json")
    assert load_session(tmp_path / "ok.json") == session


def test_saving_to_an_unwritable_place_is_a_session_error(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="cannot write"):
        save_session(Session((RunConfig(),)), tmp_path / "missing" / "s.json")
    assert list(tmp_path.iterdir()) == []


# --- readable labels and messages (issue 8) -----------------------------------------------------
def _every_spec() -> list[tuple[str, object]]:
    from gdsim.core.schedules import SCHEDULES

    owners = [*OPTIMIZERS.values(), *SCHEDULES.values(), *SURFACES.values()]
    return [(f"{owner.name}.{spec.name}", spec) for owner in owners for spec in owner.specs]


@pytest.mark.parametrize("where, spec", _every_spec(), ids=[w for w, _ in _every_spec()])
def test_every_parameter_has_a_readable_label(where: str, spec: object) -> None:
    label = spec.label
    assert isinstance(label, str) and label.strip() == label and label, where
    assert label[0].isupper() or not label[0].isalpha(), where  # a form label: capitalized
    if "_" in spec.name:
        assert label != spec.name and label.lower() != spec.name.replace("_", " "), where


def test_labels_default_from_the_name() -> None:
    from gdsim.core.params import ParamSpec

    assert ParamSpec("lr_decay", 0.0, "d").label == "Lr decay"
    assert ParamSpec("x", 0.0, "d", label="Position x").label == "Position x"
    assert SURFACES["linear-regression"].specs[0].label == "Examples N"


@pytest.mark.parametrize("changes, message", [
    ({"lr": -1}, "Gradient descent's learning rate η (lr) must be ≥ 0 (got -1)"),
    ({"optimizer": "adam", "optimizer_params": {"beta1": 1.5}},
     "Adam's first-moment decay β₁ (beta1) must be in [0, 1) (got 1.5)"),
    ({"surface_params": {"n_examples": 0}},
     "Bowl's examples N (n_examples) must be an integer in [1, 100000] (got 0)"),
    ({"schedule_params": {"warmup_iters": -1}},
     "Constant schedule's warm-up steps (warmup_iters) must be an integer in [0, 2147483647] "
     "(got -1)"),
    ({"surface": "linear-regression", "surface_params": {"true_w": 1e200}},
     "Linear regression's true slope w (true_w) must be in [-100, 100] (got 1e+200)"),
    ({"max_steps": -1}, "Step limit (max_steps) must be an integer from 0 to 2,147,483,647 "
     "(got -1)"),
    ({"grad_tol": float("nan")}, "Gradient tolerance (grad_tol) must be a finite number (got nan)"),
    ({"start": (1.0,)}, "Start θ₀ (start) needs one coordinate per parameter: Bowl has 2 "
     "parameters (x, y) (got 1)"),
])
def test_messages_use_titles_labels_and_ranges(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(**changes)
    assert info.value.reason == message


def test_numpy_numbers_and_numeric_text_are_still_numbers() -> None:
    gd = OPTIMIZERS["gd"]
    assert gd.resolve({"lr": np.int64(2)})["lr"] == 2.0
    assert gd.resolve({"lr": np.float32(0.5)})["lr"] == 0.5
    assert gd.resolve({"lr": "0.25"})["lr"] == 0.25
    with pytest.raises(Exception, match=r"learning rate η \(lr\) must be ≥ 0 \(got \[1\]\)"):
        gd.resolve({"lr": [1]})


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, '{"seed": ' + "9" * 5000 + "}",
                                  '{"lr": NaN}', '{"surface": ["bowl"]}', "{oops"])
def test_config_from_json_gives_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        RunConfig.from_json(text)


@pytest.mark.parametrize("changes, message", [
    ({"optimizer_params": {"nesterov": True}},
     "Gradient descent has no parameter 'nesterov' (known: weight_decay)"),
    ({"optimizer": "nesterov", "optimizer_params": {"momentum": 0.0}},
     "Nesterov momentum needs momentum μ (momentum) > 0 (got 0.0)"),
])
def test_other_parameter_messages_use_titles(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(**changes)
    assert info.value.reason == message


def test_endless_or_huge_session_files_are_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import gdsim.core.session as session_module

    monkeypatch.setattr(session_module, "MAX_SESSION_BYTES", 1000)
    with pytest.raises(SessionError, match="larger than"):
        load_session("/dev/zero")
    big = tmp_path / "big.json"
    big.write_text(RunConfig(label="x" * 2000).to_json())
    with pytest.raises(SessionError, match="big.json: .*larger than"):
        load_session(big)


def test_too_many_runs_are_refused() -> None:
    from gdsim.core.session import MAX_RUNS

    text = _session_text(", ".join(["{}"] * (MAX_RUNS + 1)))
    with pytest.raises(SessionError, match=f"at most {MAX_RUNS}"):
        parse_session(text, "f.json")
    assert len(parse_session(_session_text(", ".join(["{}"] * MAX_RUNS))).configs) == MAX_RUNS


@pytest.mark.parametrize("surface, start", [("bowl", (1e300, 0.0)), ("bowl", (0.0, -2e4)),
                                            ("neuron", (1e9,))])
def test_a_start_where_runs_count_as_diverged_is_refused(surface: str, start: tuple) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(surface=surface, start=start)
    assert info.value.field == "start" and "diverged" in info.value.reason
    bound = SURFACES[surface].bound_for(SURFACES[surface].view)
    inside = tuple(0.99 * bound if i == 0 else 0.0 for i in range(len(start)))
    assert Run(RunConfig(surface=surface, start=inside)).status().value == "running"
