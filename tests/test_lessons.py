"""The bundled lessons: every file loads and runs cleanly, and each one makes its point.

Each lesson is run headlessly with the core exactly as the app would (all lanes in one
:class:`Run`, advanced to the step limit); the assertions below encode what the student is
told to watch in the lesson's explanation, so a change of a surface, an optimizer or a lesson
file that breaks the story fails here.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdsim.core import Run, Status
from gdsim.core.lessons import Lesson, lesson_keys, list_lessons, load_lesson, presets_dir
from gdsim.core.session import SessionError, load_session

PRESETS = Path(__file__).resolve().parent.parent / "resources" / "presets"
KEYS = sorted(p.stem for p in PRESETS.glob("*.json"))


@functools.cache
def lesson_run(key: str) -> Run:
    """The lesson's lanes advanced to their step limit (shared by the tests; read only)."""
    lesson = load_lesson(key)
    run = Run(list(lesson.session.configs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(max(c.max_steps for c in lesson.session.configs))
    return run


def final_distance(run: Run, point: tuple[float, ...]) -> np.ndarray:
    return np.linalg.norm(run.theta - np.asarray(point), axis=1)


def nearest_critical_point(run: Run, lane: int):
    points = run.surface.critical_points()
    d = [np.linalg.norm(run.theta[lane] - np.asarray(p.theta)) for p in points]
    i = int(np.argmin(d))
    return points[i], d[i]


# --- the files ------------------------------------------------------------------------------

def test_there_are_at_least_twelve_lessons_in_the_bundled_folder() -> None:
    assert presets_dir().resolve() == PRESETS.resolve()
    assert len(KEYS) >= 12
    assert [lesson.key for lesson in list_lessons()] == KEYS


def test_lesson_order_is_the_file_name_order_and_stable() -> None:
    first = [lesson.key for lesson in list_lessons()]
    assert first == sorted(first) == lesson_keys()
    assert [lesson.key for lesson in list_lessons()] == first
    numbers = [int(key.split("-", 1)[0]) for key in first]
    assert numbers == list(range(1, len(first) + 1))  # 01, 02, ... without gaps or repeats
    for key in first:
        assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", key), key


@pytest.mark.parametrize("key", KEYS)
def test_every_file_is_a_valid_session_with_a_title_and_explanation(key: str) -> None:
    path = PRESETS / f"{key}.json"
    session = load_session(path)
    assert session.title.strip() and session.explanation.strip()
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == "gdsim-session" and raw["version"] == 1
    lesson = load_lesson(key)
    assert isinstance(lesson, Lesson)
    assert (lesson.key, lesson.title, lesson.explanation) == (key, session.title,
                                                             session.explanation)
    assert lesson.session == session


@pytest.mark.parametrize("key", KEYS)
def test_explanations_are_short_plain_text(key: str) -> None:
    text = load_lesson(key).explanation
    sentences = re.findall(r"[.!?](?=\s|$)", text)
    assert 3 <= len(sentences) <= 6, f"{key}: {len(sentences)} sentences"
    assert "\n" not in text and "$" not in text and "\\" not in text  # no markup or LaTeX
    assert len(load_lesson(key).title) <= 60


@pytest.mark.parametrize("key", KEYS)
def test_every_lane_is_labelled_and_the_view_contains_the_starts(key: str) -> None:
    lesson = load_lesson(key)
    configs = lesson.session.configs
    labels = [c.label for c in configs]
    assert all(label.strip() for label in labels)
    assert len(set(labels)) == len(labels)
    for c in configs:
        # Explicit, not surface defaults (a network's start is its seeded initialisation).
        assert c.start is not None or c.surface == "network"
        assert c.lr is not None
        assert 1 <= c.max_steps <= 300  # a few seconds of watching
    view = dict(lesson.session.view)
    if view:
        assert set(view) <= {"x_range", "y_range"}
        ranges = [view["x_range"], view.get("y_range")]
        for i, c in enumerate(configs):
            for axis, rng in enumerate(ranges[: len(c.start)]):
                lo, hi = rng
                assert lo < hi
                assert lo <= c.start[axis] <= hi, f"{key}: lane {i} starts outside the view"


@pytest.mark.parametrize("key", KEYS)
def test_every_lesson_runs_to_its_step_limit_without_warnings(key: str) -> None:
    lesson = load_lesson(key)
    run = Run(list(lesson.session.configs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(max(c.max_steps for c in lesson.session.configs))
        assert not run.running
        assert not run.step()
    for lane, config in enumerate(lesson.session.configs):
        assert run.label(lane) == config.label
        assert run.steps_done[lane] <= config.max_steps
        if run.status(lane) is Status.STEP_LIMIT:
            assert run.steps_done[lane] == config.max_steps


# --- loading errors -------------------------------------------------------------------------

def test_unknown_lesson_is_a_session_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no-such-lesson.json"):
        load_lesson("no-such-lesson")
    with pytest.raises(SessionError):
        load_lesson("../01-first-step")
    with pytest.raises(SessionError):
        load_lesson("")


def test_broken_lessons_are_session_errors_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "01-broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SessionError, match=r"01-broken\.json.*not valid JSON"):
        load_lesson("01-broken", tmp_path)
    with pytest.raises(SessionError, match=r"01-broken\.json"):
        list_lessons(tmp_path)
    good = json.loads((PRESETS / "01-first-step.json").read_text(encoding="utf-8"))
    untitled = {k: v for k, v in good.items() if k != "title"}
    (tmp_path / "01-broken.json").write_text(json.dumps(untitled), encoding="utf-8")
    with pytest.raises(SessionError, match=r"01-broken\.json: title"):
        load_lesson("01-broken", tmp_path)
    bad_run = dict(good, runs=[dict(good["runs"][0], optimizer="nope")])
    (tmp_path / "01-broken.json").write_text(json.dumps(bad_run), encoding="utf-8")
    with pytest.raises(SessionError, match=r"01-broken\.json: runs\[0\]\.optimizer"):
        load_lesson("01-broken", tmp_path)


def test_a_folder_of_lessons_is_listed_by_file_name(tmp_path: Path) -> None:
    text = (PRESETS / "01-first-step.json").read_text(encoding="utf-8")
    for name in ("10-b", "02-a", "01-c"):
        (tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a lesson", encoding="utf-8")
    assert [lesson.key for lesson in list_lessons(tmp_path)] == ["01-c", "02-a", "10-b"]
    assert list_lessons(tmp_path / "missing") == []


# --- each lesson makes its point ------------------------------------------------------------

def test_01_first_step_is_the_seeds_worked_example() -> None:
    run = lesson_run("01-first-step")
    traj = run.trajectory
    np.testing.assert_allclose(traj.grad[0, 0], [6, 8])
    np.testing.assert_allclose(traj.theta[1, 0], [2.4, 3.2], rtol=1e-14)
    np.testing.assert_allclose(traj.loss[:2, 0], [25, 16], rtol=1e-14)
    # The Taylor estimate of the first drop, η·|∇L|² = 10, against the real 9.
    assert 0.1 * np.sum(traj.grad[0, 0] ** 2) == pytest.approx(10)
    assert run.statuses() == [Status.CONVERGED] and run.steps_done[0] == 73
    # "Then try η = 0.5, which lands on the minimum in a single step."
    jump = Run(run.configs[0].with_changes(lr=0.5))
    jump.step()
    assert jump.status() is Status.CONVERGED and np.all(jump.theta == 0)


def test_02_parabola_from_four_with_rate_point_two() -> None:
    run = lesson_run("02-one-parameter")
    np.testing.assert_allclose(run.trajectory.theta[:4, 0, 0], [4, 2.4, 1.44, 0.864],
                               rtol=1e-14)
    assert run.statuses() == [Status.CONVERGED] and run.steps_done[0] == 32


def test_03_learning_rate_too_small_right_too_large() -> None:
    run = lesson_run("03-learning-rate")
    assert run.statuses() == [Status.STEP_LIMIT, Status.CONVERGED, Status.DIVERGED]
    assert [c.lr for c in run.configs] == sorted(c.lr for c in run.configs)
    start = np.linalg.norm(run.start[0])
    assert final_distance(run, (0, 0))[0] > 0.3 * start  # still far from the minimum
    assert run.loss[0] > 3.0
    assert run.steps_done[1] == 73 and run.steps_done[2] == 42
    # The too-large rate overshoots: the lane jumps across the minimum at every step.
    x = run.trajectory.theta[: run.steps_done[2] + 1, 2, 0]
    assert np.all(np.sign(x[1:]) == -np.sign(x[:-1]))


def test_04_sgd_is_noisier_than_mini_batch_than_full_batch() -> None:
    run = lesson_run("04-batch-vs-stochastic")
    assert [c.batch_size for c in run.configs] == [None, 1, 16]
    assert len({c.lr for c in run.configs}) == 1
    loss = run.trajectory.loss
    change = np.diff(loss, axis=0)
    n = run.steps
    batch_rises = (change[: run.steps_done[0], 0] > 0).sum()
    uphill = [np.clip(change[:n, lane], 0, None).sum() for lane in range(3)]
    rises = [(change[:n, lane] > 0).sum() for lane in (1, 2)]
    assert batch_rises == 0 and run.status(0) is Status.CONVERGED
    assert uphill[1] > 10 * uphill[2] > 0
    assert rises[0] > 0.4 * n and rises[1] > 0.3 * n  # the loss goes up on many steps
    best = run.surface.critical_points()[0].theta
    hover = np.linalg.norm(run.trajectory.theta[-50:] - np.asarray(best), axis=2).mean(axis=0)
    assert hover[1] > 0.15 and hover[1] > 3 * hover[2] > 0.02
    assert run.statuses()[1:] == [Status.STEP_LIMIT, Status.STEP_LIMIT]


def test_05_backpropagation_gradient_by_hand() -> None:
    run = lesson_run("05-backpropagation")
    s = run.surface
    w = run.start[0, 0]
    z = w * s.x  # forward
    dldw = np.mean(2.0 * (z - s.y) * s.x)  # backward: ∂L/∂z · ∂z/∂w, averaged
    traj = run.trajectory
    assert traj.used_grad[0, 0, 0] == pytest.approx(dldw, rel=1e-12)
    assert dldw == pytest.approx(-12.87, abs=0.01)
    assert traj.theta[1, 0, 0] == pytest.approx(w - 0.1 * dldw, rel=1e-12)
    assert traj.loss[0, 0] == pytest.approx(np.mean((z - s.y) ** 2))
    assert traj.loss[1, 0] < traj.loss[0, 0]
    assert run.statuses() == [Status.CONVERGED]
    assert run.theta[0, 0] == pytest.approx(s.critical_points()[0].theta[0], abs=1e-5)


def test_06_momentum_gets_further_along_the_valley() -> None:
    run = lesson_run("06-momentum")
    assert [c.optimizer for c in run.configs] == ["gd", "momentum", "nesterov"]
    assert len({c.lr for c in run.configs}) == 1
    gd, momentum, nesterov = run.loss
    assert momentum < gd / 100 and nesterov < gd / 100
    d = final_distance(run, (1, 1))
    assert d[0] > 2.0 and d[1] < 0.5 and d[2] < 0.5
    assert run.theta[1, 0] > 0.5 > run.theta[0, 0] + 1.5  # far along the valley vs barely moved


def test_07_adaptive_methods_rescale_each_parameter() -> None:
    run = lesson_run("07-adaptive-optimizers")
    assert [c.optimizer for c in run.configs] == ["adagrad", "rmsprop", "adam", "gd"]
    traj = run.trajectory
    first = np.abs(traj.theta[1] - traj.theta[0])  # (lanes, 2)
    lr = run.configs[0].lr
    # Each adaptive method moves both coordinates equally, though ∂L/∂y is 44× ∂L/∂x here.
    np.testing.assert_allclose(first[0], [lr, lr], rtol=1e-6)  # AdaGrad
    np.testing.assert_allclose(first[1], [10 * lr, 10 * lr], rtol=1e-6)  # RMSProp, v₀ = 0
    np.testing.assert_allclose(first[2], [lr, lr], rtol=1e-6)  # Adam, bias-corrected
    d = final_distance(run, (0, 0))
    assert run.status(1) is Status.CONVERGED and run.steps_done[1] == 89
    assert d[2] < 0.05
    assert d[0] > 2.0  # AdaGrad's steps shrink: it is left far behind
    steps = np.linalg.norm(np.diff(traj.theta[:, 0], axis=0), axis=1)
    assert steps[-1] < steps[0] / 10
    y = traj.theta[: run.steps + 1, :, 1]
    crossings = (np.sign(y[1:]) != np.sign(y[:-1])).sum(axis=0)
    assert crossings[3] > 100 and max(crossings[:3]) < 10  # gd zigzags, adaptive ones do not
    assert d[1] < d[2] < d[3] < d[0]


def test_08_decayed_rate_settles_where_constant_rate_hovers() -> None:
    run = lesson_run("08-learning-rate-schedules")
    assert [c.schedule for c in run.configs] == ["constant", "step", "cosine"]
    assert len({c.batch_size for c in run.configs}) == 1 and run.configs[0].batch_size > 1
    assert np.array_equal(run.batch_indices(7, 0), run.batch_indices(7, 2))  # same batches
    traj = run.trajectory
    best = np.asarray(run.surface.critical_points()[0].theta)
    hover = np.linalg.norm(traj.theta[-30:] - best, axis=2).mean(axis=0)
    assert hover[0] > 0.1 and hover[0] > 5 * hover[1] and hover[0] > 5 * hover[2]
    jitter = np.linalg.norm(np.diff(traj.theta[-21:], axis=0), axis=2).mean(axis=0)
    assert jitter[1] < jitter[0] / 10 and jitter[2] < jitter[0] / 10
    last_lr = traj.lr[run.steps - 1]
    assert last_lr[0] == 0.2 and last_lr[1] < 0.02 and last_lr[2] < 0.001
    assert run.statuses() == [Status.STEP_LIMIT] * 3
    # "decaying too fast (γ = 0.5 per step) freezes the run long before it arrives"
    fast = Run(run.configs[0].with_changes(schedule="exponential",
                                           schedule_params={"gamma": 0.5}))
    fast.advance(run.configs[0].max_steps)
    assert np.linalg.norm(fast.theta[0] - best) > 0.5
    assert np.linalg.norm(np.diff(fast.trajectory.theta[-21:, 0], axis=0), axis=1).max() < 1e-3


def test_09_one_start_is_trapped_in_the_shallow_well() -> None:
    run = lesson_run("09-local-minimum")
    kinds = []
    for lane in range(run.runs):
        point, distance = nearest_critical_point(run, lane)
        assert distance < 0.01
        kinds.append(point.kind)
    assert kinds == ["local minimum", "global minimum", "global minimum"]
    assert run.configs[0].start == run.configs[1].start  # momentum from the same start
    assert run.loss[0] > run.loss[1] + 0.5
    assert run.status(0) is Status.CONVERGED  # stuck for good: ∇L = 0 in the shallow well


def test_10_gradient_descent_crawls_on_the_plateau() -> None:
    run = lesson_run("10-plateau")
    assert [c.optimizer for c in run.configs] == ["gd", "momentum", "adam"]
    traj = run.trajectory
    assert traj.loss[100, 0] > 0.99 and np.all(traj.loss[100, 1:] < 0.1)
    r = np.linalg.norm(traj.theta, axis=2)
    arrival = [int(np.argmax(r[:, lane] < 0.5)) for lane in range(3)]
    assert all(a > 0 for a in arrival)
    assert arrival[0] > 2 * arrival[1] and arrival[1] > arrival[2]
    crawl = np.linalg.norm(np.diff(traj.theta[100:180, 0], axis=0), axis=1)
    assert crawl.max() < 0.01  # under 0.01 per step across the middle of the plain
    assert np.all(np.abs(traj.loss[100:180, 0] - 1) < 0.02)  # and the loss curve looks flat
    assert run.status(0) is Status.CONVERGED  # ... and it does get there in the end
    assert np.all(run.loss < 1e-6)


def test_11_gradient_descent_lingers_at_the_saddle_then_escapes() -> None:
    run = lesson_run("11-saddle-point")
    traj = run.trajectory
    r = np.linalg.norm(traj.theta, axis=2)
    near = (r < 0.5).sum(axis=0)
    escape = [int(np.argmax(np.abs(traj.theta[:, lane, 1]) > 2)) for lane in range(3)]
    assert all(e > 0 for e in escape)  # every lane escapes
    assert near[0] > 40 and near[0] > 2 * near[1] and near[0] > near[2]
    assert escape[0] > 75 and escape[0] > escape[1] + 20 and escape[0] > escape[2] + 20
    assert r[:, 0].min() < 0.1  # gradient descent comes very close to the saddle
    assert run.statuses() == [Status.STEP_LIMIT] * 3
    # "Try a start exactly on the axis (y = 0): plain gradient descent then stops at the saddle."
    on_axis = Run(run.configs[0].with_changes(start=(-1.9, 0.0), max_steps=1000))
    on_axis.advance(1000)
    assert on_axis.status() is Status.CONVERGED
    assert np.linalg.norm(on_axis.theta[0]) < 1e-5


def test_12_tiny_network_starts_end_in_different_minima() -> None:
    run = lesson_run("12-tiny-network")
    ends = []
    for lane in (0, 1):
        point, distance = nearest_critical_point(run, lane)
        assert point.kind == "global minimum" and distance < 0.1
        ends.append(point.theta)
    assert ends[0] != ends[1]
    np.testing.assert_allclose(ends[0], -np.asarray(ends[1]))  # mirror images
    assert run.loss[0] == pytest.approx(run.loss[1], rel=0.01)
    # The two starts are close to each other: the basins' border runs between them.
    assert np.linalg.norm(run.start[0] - run.start[1]) <= 0.5
    point, distance = nearest_critical_point(run, 2)
    assert point.kind == "saddle" and distance == 0.0
    assert run.status(2) is Status.CONVERGED and run.steps_done[2] == 0


def test_13_backpropagation_through_two_layers_learns_xor() -> None:
    run = lesson_run("13-backprop-two-layers")
    surface = run.surface
    assert surface.dim == 17 and surface.dataset == "xor"  # 2-4-1: (2·4 + 4) + (4 + 1)
    # The gradient is the chain rule written out: δ2 = p − y, δ1 = (δ2·W2) ⊙ (1 − h²).
    theta = np.asarray(surface.default_start)
    w1, b1 = theta[:8].reshape(2, 4), theta[8:12]
    w2, b2 = theta[12:16], theta[16]
    x, y = surface.x, surface.y
    h = np.tanh(x @ w1 + b1)
    p = 1.0 / (1.0 + np.exp(-(h @ w2 + b2)))
    d2 = (p - y) / len(y)
    d1 = np.outer(d2, w2) * (1.0 - h * h)
    by_hand = np.concatenate([(x.T @ d1).ravel(), d1.sum(0), h.T @ d2, [d2.sum()]])
    np.testing.assert_allclose(surface.grad(theta[None])[0], by_hand, rtol=1e-10, atol=1e-15)
    fast, slow = surface.accuracy(run.theta)
    assert fast == 1.0 and run.loss[1] > 8 * run.loss[0]


def test_14_adam_beats_sgd_at_one_rate_but_not_tuned_sgd_by_much() -> None:
    run = lesson_run("14-network-adam-vs-sgd")
    assert len({c.batch_size for c in run.configs}) == 1 == len({c.seed for c in run.configs})
    np.testing.assert_array_equal(run.start[0], run.start[2])  # the same initial weights
    sgd_small, sgd_tuned, adam = run.surface.accuracy(run.theta)
    assert adam == 1.0 and sgd_tuned >= 0.98 > 0.95 > sgd_small
    assert run.loss[2] < run.loss[1] < run.loss[0]
