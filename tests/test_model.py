"""The application model without Qt: labels, lesson state, undo with progress, the timeline.

The model is driven through its own commands with the synchronous :class:`InlineEngine`, so
every frame arrives before the command returns. The window-level behaviour (keys, menus, the
scrubber) is in ``test_undo_timeline.py`` and ``test_focus.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.app.model import app_model as m
from gdsim.app.model import edits
from gdsim.app.model.aids import AID_DEFAULTS, AID_TOOLTIPS, VISUAL_AIDS
from gdsim.app.model.inline_engine import InlineEngine
from gdsim.app.model.labels import run_labels
from gdsim.app.model.timeline import RecordedRun, replay
from gdsim.core.config import RunConfig
from gdsim.core.lessons import list_lessons
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.run import Run

ENDLESS = RunConfig(surface="rosenbrock", optimizer="gd", max_steps=10**9, grad_tol=0.0)


class Recorder:
    def __init__(self) -> None:
        self.changes: list[m.Change] = []

    def model_changed(self, change: m.Change) -> None:
        self.changes.append(change)

    def kinds(self) -> list[str]:
        return [c.kind for c in self.changes]


def make(configs: list[RunConfig] | None = None, play_steps: int = 50
         ) -> tuple[m.AppModel, InlineEngine]:
    model = m.AppModel(configs or [ENDLESS])
    return model, InlineEngine(model, play_steps=play_steps)


def lesson(key: str):  # noqa: ANN201 - a Lesson
    return next(le for le in list_lessons() if le.key.startswith(key))


def set_lr(model: m.AppModel, lr: float) -> bool:
    return model.edit(lambda cs: edits.apply_changes(cs, model.selected, {"lr": lr}))


# --- labels -------------------------------------------------------------------------------------
def test_a_lesson_label_is_kept_only_while_the_run_has_the_lessons_settings() -> None:
    first = lesson("01")
    model, _ = make()
    model.load(first.session.configs, first.session.view, lesson=first)
    assert model.labels == ["Gradient descent, η = 0.1"]
    set_lr(model, 1.5)
    assert model.labels == ["Gradient descent, η = 1.5"]  # not the lesson's "η = 0.1"
    assert model.configs[0].label == ""  # a session saved now describes the run afresh
    set_lr(model, 0.1)
    assert model.labels == ["Gradient descent, η = 0.1"]


def test_a_changed_optimizer_is_in_the_label() -> None:
    first = lesson("01")
    model, _ = make()
    model.load(first.session.configs, lesson=first)
    model.edit(lambda cs: edits.choose_optimizer(cs, 0, "adam"))
    assert model.labels[0].startswith(OPTIMIZERS["adam"].title + ", η = ")


def test_added_runs_are_labelled_by_what_they_run() -> None:
    first = lesson("01")
    model, engine = make()
    model.load(first.session.configs, lesson=first)
    set_lr(model, 0.5)
    model.add_run()
    # Same settings, same description, numbered so a legend tells them apart.
    assert model.labels == ["Gradient descent, η = 0.5", "Gradient descent, η = 0.5 (2)"]
    # The engine's run, its frames (the inspector, the exports) name them the same way.
    assert [engine.run.label(i) for i in range(2)] == model.labels
    assert [lane.label for lane in model.history.lanes] == model.labels
    set_lr(model, 0.25)  # the copy is selected
    assert model.labels == ["Gradient descent, η = 0.5", "Gradient descent, η = 0.25"]


def test_labels_name_the_settings_that_differ_between_runs() -> None:
    runs = [RunConfig(optimizer="momentum", optimizer_params={"momentum": 0.9}, lr=0.01),
            RunConfig(optimizer="momentum", optimizer_params={"momentum": 0.5}, lr=0.01,
                      batch_size=4, surface_params={})]
    labels = run_labels(runs)
    title = OPTIMIZERS["momentum"].title
    assert labels == [f"{title}, η = 0.01, momentum = 0.9, full batch",
                      f"{title}, η = 0.01, momentum = 0.5, batch 4"]


def test_a_user_name_stays_through_edits_and_an_empty_name_gives_it_back() -> None:
    model, _ = make()
    model.rename(0, "  my run ")
    set_lr(model, 0.0005)
    assert model.labels == ["my run"] and model.named(0)
    model.rename(0, "")
    assert model.labels == ["Gradient descent, η = 0.0005"] and not model.named(0)
    model.undo()
    assert model.labels == ["my run"]


def test_every_optimizer_is_labelled_with_its_own_title() -> None:
    for name, optimizer in OPTIMIZERS.items():
        (label,) = run_labels([RunConfig(optimizer=name)])
        assert label.startswith(optimizer.title + ", η = "), name


# --- the lesson ---------------------------------------------------------------------------------
def test_the_lesson_state_follows_the_runs() -> None:
    first = lesson("01")
    model, _ = make()
    assert model.lesson is None and not model.lesson_intact
    model.load(first.session.configs, first.session.view, lesson=first)
    assert model.lesson is first and model.lesson_intact
    model.edit(lambda cs: edits.choose_surface(cs, "rosenbrock"))
    assert model.lesson is first and not model.lesson_intact
    model.restart_lesson()
    assert model.lesson_intact and model.configs == list(first.session.configs)
    model.load([RunConfig()])  # a session that is no lesson
    assert model.lesson is None


# --- undo -------------------------------------------------------------------------------------
def test_undo_of_a_map_click_restores_the_runs_and_their_progress() -> None:
    model, engine = make([ENDLESS, ENDLESS.with_changes(lr=0.0005)])
    model.play()
    model.play()
    assert model.step_count() == 100
    before = model.history.theta.copy()
    rec = Recorder()
    model.subscribe(rec)
    model.set_start((0.5123, 1.2871), ((-2.0, 2.0), (-1.0, 3.0)))
    assert model.configs[0].start == model.configs[1].start == (0.51, 1.29)
    assert model.step_count() == 0
    assert any(c.kind == m.MESSAGE and "Ctrl+Z" in c.text for c in rec.changes)
    assert model.undo()
    assert model.step_count() == 100 and model.configs[0].start is None
    np.testing.assert_array_equal(model.history.theta, before)  # the same trajectory
    assert model.redo()
    assert model.configs[0].start == (0.51, 1.29) and model.step_count() == 0


def test_undo_brings_back_a_live_change_at_the_step_it_was_made() -> None:
    model, engine = make()
    model.play()  # 50 steps at the default rate
    set_lr(model, 0.0005)  # live: from step 50 on
    model.play()
    full = model.history.theta.copy()
    lr_after = model.history.lr[60, 0]
    set_lr(model, 0.0001)
    model.play()
    model.undo()  # back to before the second change: 100 steps, the first change kept
    assert model.step_count() == 100
    np.testing.assert_array_equal(model.history.theta, full)
    assert model.history.lr[60, 0] == lr_after == 0.0005


def test_add_remove_and_open_are_undoable() -> None:
    model, _ = make()
    model.add_run()
    assert len(model.configs) == 2 and model.selected == 1
    model.remove_run()
    assert len(model.configs) == 1
    model.load([RunConfig(surface="bowl")])
    assert model.configs[0].surface == "bowl"
    model.undo()
    model.undo()
    assert len(model.configs) == 2
    model.undo()
    assert len(model.configs) == 1 and model.configs[0].surface == "rosenbrock"
    assert not model.can_undo and model.can_redo


def test_an_invalid_edit_is_reported_and_changes_nothing() -> None:
    model, _ = make()
    rec = Recorder()
    model.subscribe(rec)
    assert not model.edit(lambda cs: edits.apply_changes(cs, 0, {"batch_size": 0}))
    assert any(c.kind == m.MESSAGE and c.error and "batch_size" in c.text
               for c in rec.changes)
    assert not model.can_undo


def test_the_step_limit_is_one_edit_like_any_other() -> None:
    model, engine = make([RunConfig(max_steps=1000)])
    model.set_step_limit(5)
    assert engine.run.max_steps.tolist() == [5]
    assert model.configs[0].max_steps == 5
    model.undo()
    assert engine.run.max_steps.tolist() == [1000]


# --- the timeline -----------------------------------------------------------------------------
def test_the_cursor_shows_the_record_without_recomputing() -> None:
    model, engine = make()
    model.play()
    model.play()
    engine_steps = engine.run.steps
    model.set_cursor(40)
    shown = model.shown_history()
    assert model.cursor == 40 and shown.length == 41 and shown.steps == 40
    np.testing.assert_array_equal(shown.theta, model.history.theta[:41])
    model.step_back()
    assert model.cursor == 39
    model.step()  # forward through the record, not a new update
    assert model.cursor == 40 and engine.run.steps == engine_steps
    model.set_cursor(100)  # the end: live again
    assert model.cursor is None and model.shown_history() is model.history


def test_step_back_from_live_and_run_from_a_rewound_cursor_continues_from_the_end() -> None:
    model, engine = make()
    model.play()
    model.step_back()
    assert model.cursor == 49
    model.play()
    assert model.cursor is None and model.step_count() == 100


def test_an_edit_at_a_rewound_cursor_continues_from_there_and_is_undoable() -> None:
    model, engine = make()
    model.play()
    model.play()
    record = model.history.theta.copy()
    model.set_cursor(30)
    set_lr(model, 0.0001)
    assert model.cursor is None and model.step_count() == 30
    np.testing.assert_array_equal(model.history.theta, record[:31])  # steps ≤ 30 kept
    model.step()
    expected = Run([ENDLESS])
    expected.advance(30)
    expected.update_configs([ENDLESS.with_changes(lr=0.0001)])
    expected.advance(1)
    np.testing.assert_array_equal(model.history.theta[31], expected.theta)
    model.undo()
    assert model.step_count() == 100 and model.cursor == 30
    np.testing.assert_array_equal(model.history.theta, record)


def test_replay_of_a_recorded_plan_is_exact() -> None:
    run = RecordedRun([ENDLESS, ENDLESS.with_changes(optimizer="adam")])
    run.advance(20)
    run.update_configs([ENDLESS.with_changes(lr=0.0003), ENDLESS.with_changes(
        optimizer="adam", optimizer_params={"beta1": 0.5})])
    run.advance(15)
    again = replay(run.plan, 35)
    assert [at for at, _ in run.plan] == [0, 20]
    np.testing.assert_array_equal(again.trajectory.theta[:36], run.trajectory.theta[:36])
    np.testing.assert_array_equal(again.theta, run.theta)


# --- one owner per fact -------------------------------------------------------------------------
def test_the_visual_aids_have_one_table() -> None:
    from gdsim.app.plots import visual_aids

    assert visual_aids.AIDS == tuple(aid.name for aid in VISUAL_AIDS)
    for name, tip in AID_TOOLTIPS.items():
        assert visual_aids.TOOLTIPS[name] == tip
    model, _ = make()
    assert model.aids == AID_DEFAULTS


def test_start_points_snap_to_the_views_precision() -> None:
    assert m.snap((0.51234, -1.98765), ((-2, 2), (-2, 2))) == (0.51, -1.99)
    assert m.snap((0.51234, -1.98765), ((-200, 200), (-200, 200))) == (1.0, -2.0)
    assert str(m.snap((-0.01,), ((-200, 200),))[0]) == "0.0"  # never "-0.0"
    assert m.snap((12.34, -1.98765), ((-100, 100), (-20, 20))) == (12.3, -2.0)
    assert m.snap((3.14159,), None) == (3.14159,)


def test_subscribers_hear_what_changed() -> None:
    model, _ = make()
    rec = Recorder()
    model.subscribe(rec)
    model.play()
    assert rec.kinds() == [m.HISTORY]
    model.set_aid("state", True)
    model.set_log_y(True)
    assert rec.kinds()[-2:] == [m.AIDS, m.LOG_Y]
    with pytest.raises(ValueError, match="unknown visual aid"):
        model.set_aid("nope", True)


class LaggingEngine:
    """Commands wait until :meth:`flush`, as they wait in the worker thread's queue."""

    def __init__(self, inner: InlineEngine) -> None:
        self.inner = inner
        self.queue: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return lambda *args: self.queue.append((name, args))

    def flush(self) -> None:
        while self.queue:
            name, args = self.queue.pop(0)
            getattr(self.inner, name)(*args)


def test_undo_and_redo_before_the_engine_answered_stay_consistent() -> None:
    model, inner = make()
    model.play()
    lagging = LaggingEngine(inner)
    model.attach(lagging)
    set_lr(model, 0.0005)  # not yet applied when undo and redo come
    model.undo()
    model.redo()
    lagging.flush()
    assert model.configs[0].lr == 0.0005
    assert inner.run.configs[0].lr == 0.0005  # the engine runs what the model says
    assert model.step_count() == 50
    model.undo()
    lagging.flush()
    assert inner.run.configs[0].lr is None and model.configs[0].lr is None


def test_the_export_figure_reads_its_facts_from_the_model() -> None:
    model, _ = make([ENDLESS, ENDLESS.with_changes(optimizer="adam")])
    model.select(1)
    model.set_aid("taylor", True)
    model.set_log_y(True)
    facts = model.figure_facts()
    assert facts["labels"] == model.labels and facts["selected_lane"] == 1
    assert facts["aids"] == ["gradient", "step", "taylor"] and facts["log_y"] is True
    assert facts["history"] is model.history and facts["configs"] == model.configs


def test_a_replay_asked_to_stop_ends_early() -> None:
    looks = []
    run = replay(((0, (ENDLESS,)),), 10**9, stop=lambda: looks.append(1) or len(looks) > 3)
    assert 0 < run.steps < 10**9 and len(looks) == 4
