"""The application model: every fact the GUI knows, in one Qt-free object owned by the GUI thread.

:class:`AppModel` holds the runs' configurations and who named them, the selected run, the view,
the visual aids and log-y, the lesson (and whether its runs are still the lesson's), the history
received from the engine, the timeline cursor and the undo/redo stacks. It sends commands to an
:class:`Engine` (the window gives it the simulation controller; tests may give a synchronous
one), receives :class:`~gdsim.app.model.frame.Frame`\\ s, and tells its subscribers what changed:

    model.subscribe(view)          # view.model_changed(change) from then on
    model.edit(lambda cs: edits.apply_changes(cs, model.selected, {"lr": 0.5}))
    model.undo()

Views redraw from :meth:`AppModel.shown_history` (the history, or its prefix up to the cursor)
and read everything else from the model; none keeps a copy of a fact the model owns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gdsim.app.model import edits
from gdsim.app.model.aids import AID_DEFAULTS
from gdsim.app.model.formatting import fmt_vector
from gdsim.app.model.frame import Frame
from gdsim.app.model.history import History
from gdsim.app.model.labels import run_labels
from gdsim.app.model.timeline import (
    Plan,
    can_continue,
    config_at,
    needs_restart,
    surface_key,
    truncate,
)
from gdsim.core.config import ConfigError, RunConfig, first_unshared
from gdsim.core.lessons import Lesson
from gdsim.core.params import ParamError
from gdsim.core.surfaces import Surface, make_surface

HISTORY_RESERVE = 10_000_000
"""Rows the GUI's history reserves at most up front (untouched memory until used)."""

# What changed (Change.kind):
CONFIGS = "configs"  # the runs' configurations or labels: panels, Runs list, legends
SELECTION = "selection"  # the selected run
HISTORY = "history"  # new rows from the engine (Change.playing: whether it is running)
CURSOR = "cursor"  # the timeline cursor moved: redraw from shown_history()
SURFACE = "surface"  # the engine is on another surface (the history starts again)
VIEW = "view"  # a session's axes to show
LESSON = "lesson"  # the lesson, or whether the runs are still its runs
AIDS = "aids"  # a visual aid on or off
LOG_Y = "log_y"  # the loss axis' scale
UNDO = "undo"  # what undo/redo can do
MESSAGE = "message"  # a line for the status bar (Change.text, Change.error)


@dataclass(frozen=True)
class Change:
    """One change of the model; ``kind`` is one of the constants above."""

    kind: str
    text: str = ""
    error: bool = False
    playing: bool = False


class ModelView(Protocol):
    """What a view implements to follow the model (register with :meth:`AppModel.subscribe`)."""

    def model_changed(self, change: Change) -> None: ...


class Engine(Protocol):
    """The commands the model sends to the simulation (the window's ``SimulationController``).

    Every command returns at once; its effect comes back as frames (:meth:`AppModel.receive`).
    """

    def set_configs(self, configs: Sequence[RunConfig]) -> None: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...
    def step(self) -> None: ...
    def reset(self) -> None: ...
    def restore(self, plan: Plan, steps: int) -> None: ...


@dataclass(frozen=True)
class Snapshot:
    """Everything undo brings back: the runs, who named them, and how far they had got."""

    configs: tuple[RunConfig, ...]
    named: tuple[bool, ...]
    given: tuple[RunConfig | None, ...]
    selected: int
    lesson: Lesson | None
    view: Mapping[str, Any] | None
    plan: Plan
    steps: int
    cursor: int | None


def check_shared(configs: Sequence[RunConfig]) -> None:
    """Raise ValueError unless ``configs`` can be compared (non-empty, one surface and seed)."""
    if not configs:
        raise ValueError("at least one run configuration is needed")
    unshared = first_unshared(configs)
    if unshared is not None:
        i, name = unshared
        raise ValueError(f"run {i + 1} does not share the {name.replace('_', ' ')} "
                         "of run 1; compared runs must share it")


def _unlabelled(config: RunConfig) -> RunConfig:
    return config.with_changes(label="") if config.label else config


def snap(point: Sequence[float], ranges: Sequence[tuple[float, float]] | None) -> tuple[float, ...]:
    """``point`` rounded to round numbers at the precision of a view of ``ranges`` (one
    ``(low, high)`` per coordinate): a power of ten about a 50th of the view's narrower side,
    the same for every coordinate."""
    widths = [abs(hi - lo) for lo, hi in ranges or ()]
    widths = [w for w in widths if w > 0 and math.isfinite(w)]
    if not widths:
        return tuple(float(x) for x in point)
    digits = -math.floor(math.log10(min(widths) / 50))
    return tuple(round(float(x), digits) + 0.0 for x in point)  # + 0.0: no "-0.0"


class AppModel:
    """The GUI's state; see the module docstring.

    Args:
        configs: the runs to compare (default: gradient descent on the bowl).
        engine: where commands go; ``None`` until :meth:`attach` (nothing is sent before).
    """

    def __init__(self, configs: Sequence[RunConfig] | None = None,
                 engine: Engine | None = None) -> None:
        configs = list(configs or [RunConfig()])
        check_shared(configs)
        self.engine = engine
        self._configs: list[RunConfig] = configs
        self._named: list[bool] = [bool(c.label) for c in configs]
        self._given: list[RunConfig | None] = [None] * len(configs)
        self._selected = 0
        self._subscribers: list[ModelView] = []
        self.view: dict | None = None
        """The axes to show, ``{"x_range": [lo, hi], "y_range": [lo, hi]}``: a session's, then
        kept up to date by the window as the user pans; ``None`` = the surface's view box."""
        self.aids: dict[str, bool] = dict(AID_DEFAULTS)
        self.log_y = False
        self.lesson: Lesson | None = None
        self.history: History | None = None
        self._generation = 0
        self._plan: Plan = ()
        self._cursor: int | None = None
        self._pending_cursor: int | None = None
        self._prefix: tuple[tuple[int, int, int], History] | None = None
        self._prefix_tokens = 0
        self._undo: list[Snapshot] = []
        self._redo: list[Snapshot] = []
        self._surface: tuple[tuple, Surface] | None = None
        self._labels: tuple[tuple[RunConfig, ...], list[str]] | None = None

    # --- subscribers ------------------------------------------------------------------------
    def subscribe(self, view: ModelView) -> None:
        """``view.model_changed(change)`` is called after every change from now on."""
        if view not in self._subscribers:
            self._subscribers.append(view)

    def unsubscribe(self, view: ModelView) -> None:
        if view in self._subscribers:
            self._subscribers.remove(view)

    def _emit(self, kind: str, **fields: Any) -> None:
        change = Change(kind, **fields)
        for view in list(self._subscribers):
            view.model_changed(change)

    def message(self, text: str, error: bool = False) -> None:
        """A line for the status bar."""
        self._emit(MESSAGE, text=text, error=error)

    def attach(self, engine: Engine) -> None:
        self.engine = engine

    # --- the runs ---------------------------------------------------------------------------
    @property
    def configs(self) -> list[RunConfig]:
        """The runs' configurations, in lane order (a copy). A run's ``label`` is set only if
        the user named it or it still has its lesson's settings."""
        return list(self._configs)

    @property
    def selected(self) -> int:
        """The run the side panels edit and the aids follow."""
        return self._selected

    @property
    def labels(self) -> list[str]:
        """Every run's label (:func:`~gdsim.app.model.labels.run_labels`; built once per
        change of the runs, read at every redraw)."""
        configs = tuple(self._configs)
        if self._labels is None or self._labels[0] != configs:
            self._labels = (configs, run_labels(configs, self.surface))
        return list(self._labels[1])

    def named(self, lane: int) -> bool:
        """Whether the user named run ``lane`` (its label then no longer follows its settings)."""
        return self._named[lane]

    @property
    def surface(self) -> Surface:
        """The runs' surface (built once per surface, parameters and seed)."""
        config = self._configs[0]
        key = surface_key(config)
        if self._surface is None or self._surface[0] != key:
            self._surface = (key, make_surface(config.surface, config.surface_params,
                                               config.seed))
        return self._surface[1]

    def select(self, index: int) -> None:
        if 0 <= index < len(self._configs) and index != self._selected:
            self._selected = index
            self._emit(SELECTION)

    # --- changes of configuration (undoable) ------------------------------------------------
    def edit(self, change: Callable[[list[RunConfig]], Any], message: str = "") -> bool:
        """Apply an edit from :mod:`~gdsim.app.model.edits` (returning configs, or configs and
        the new selection). An invalid one is reported and changes nothing. Undoable."""
        try:
            result = change(list(self._configs))
            configs, selected = result if isinstance(result, tuple) else (result,
                                                                          self._selected)
            check_shared(configs)
        except (ConfigError, ParamError, ValueError) as exc:
            self.message(str(exc), error=True)
            self._emit(CONFIGS)  # the controls go back to what is in force
            return False
        if len(configs) != len(self._configs):
            raise ValueError("edits keep the number of runs; use add_run/remove_run")
        return self._commit(configs, list(self._named), list(self._given), selected,
                            self.lesson, message)

    def set_start(self, point: Sequence[float] | None,
                  ranges: Sequence[tuple[float, float]] | None = None) -> bool:
        """Every run starts at ``point`` (snapped to round numbers for a view of ``ranges``;
        ``None``: the surface's default) and restarts. Undoable; says so in the status bar."""
        start = None if point is None else snap(point, ranges)
        where = "the surface's default start" if start is None else fmt_vector(start)
        return self.edit(lambda cs: edits.apply_changes(cs, self._selected, {"start": start}),
                         message=f"Start moved to {where}: every run restarts there "
                                 "(Ctrl+Z takes it back)")

    def set_step_limit(self, max_steps: int) -> bool:
        return self.edit(lambda cs: edits.set_step_limit(cs, max_steps))

    def add_run(self) -> bool:
        """A copy of the selected run after the last one, selected. Undoable."""
        configs, index = edits.duplicate_run(self._configs, self._selected)
        s = self._selected
        return self._commit(configs, [*self._named, False], [*self._given, self._given[s]],
                            index, self.lesson)

    def remove_run(self) -> bool:
        """Remove the selected run (the last one stays). Undoable."""
        if len(self._configs) <= 1:
            return False
        configs, index = edits.remove_run(self._configs, self._selected)
        keep = [i for i in range(len(self._configs)) if i != self._selected]
        return self._commit(configs, [self._named[i] for i in keep],
                            [self._given[i] for i in keep], index, self.lesson)

    def rename(self, lane: int, label: str) -> bool:
        """Name run ``lane`` (an empty name: its label follows its settings again). Undoable."""
        label = label.strip()
        if not 0 <= lane < len(self._configs):
            return False
        configs = list(self._configs)
        configs[lane] = configs[lane].with_changes(label=label)
        named = list(self._named)
        named[lane] = bool(label)
        return self._commit(configs, named, list(self._given), self._selected, self.lesson)

    def load(self, configs: Sequence[RunConfig], view: Mapping[str, Any] | None = None,
             lesson: Lesson | None = None) -> bool:
        """Show other runs (a session, a lesson, the last runs); selects the first. Labels in
        a session are names; a lesson's are kept while its runs keep its settings. Undoable.

        Raises:
            ValueError: the list is empty or the runs do not share surface, parameters, seed.
        """
        configs = list(configs)
        check_shared(configs)
        if lesson is not None:
            lesson_configs = list(lesson.session.configs)
            given: list[RunConfig | None] = [
                lesson_configs[i] if i < len(lesson_configs) else None
                for i in range(len(configs))]
            named = [bool(c.label) and (g is None or c.label != g.label)
                     for c, g in zip(configs, given, strict=True)]
        else:
            given = [None] * len(configs)
            named = [bool(c.label) for c in configs]
        return self._commit(configs, named, given, 0, lesson, view=dict(view) if view else None,
                            force=True)

    def _normalized(self, configs: Sequence[RunConfig], named: Sequence[bool],
                    given: Sequence[RunConfig | None]) -> list[RunConfig]:
        """Labels that follow the settings: a user's name stays; a lesson's label only while
        the run has the lesson's settings; every other run has none (it is described)."""
        out = []
        for config, is_named, lesson_config in zip(configs, named, given, strict=True):
            if is_named:
                out.append(config)
            elif lesson_config is not None and (_unlabelled(config)
                                                == _unlabelled(lesson_config)):
                out.append(config.with_changes(label=lesson_config.label))
            else:
                out.append(_unlabelled(config))
        return out

    def _commit(self, configs: Sequence[RunConfig], named: list[bool],
                given: list[RunConfig | None], selected: int, lesson: Lesson | None,
                message: str = "", view: dict | None = None, force: bool = False) -> bool:
        configs = self._normalized(configs, named, given)
        selected = max(0, min(selected, len(configs) - 1))
        if not force and configs == self._configs and selected == self._selected:
            self._emit(CONFIGS)  # nothing changed: the controls show what is in force
            return False
        before = self.snapshot()
        old = self._configs
        self._undo.append(before)
        self._redo.clear()
        self._configs, self._named, self._given = list(configs), named, given
        self._selected = selected
        self.lesson = lesson
        if force:
            self.view = view
        elif surface_key(old[0]) != surface_key(configs[0]):
            self.view = None  # a session's view belongs to its surface
        self._send(old, configs, force)
        self._emit(CONFIGS)
        self._emit(SELECTION)
        self._emit(LESSON)
        self._emit(UNDO)
        if force:
            self._emit(VIEW)
        if message:
            self.message(message)
        return True

    def engine_configs(self, configs: Sequence[RunConfig] | None = None) -> list[RunConfig]:
        """The configurations the engine runs: the model's, each labelled with its shown label,
        so that frames, the inspector and the exports name the runs as the Runs list does."""
        if configs is None:
            configs, labels = self._configs, self.labels
        else:
            labels = run_labels(configs, self.surface)
        return [c if c.label == label else c.with_changes(label=label)
                for c, label in zip(configs, labels, strict=True)]

    def _send(self, old: Sequence[RunConfig], new: Sequence[RunConfig], force: bool) -> None:
        """Tell the engine: a live change, a restart, or — at a rewound cursor — a replay to
        the cursor that continues from there with the new settings."""
        if self.engine is None:
            self._cursor = None
            return
        labelled = tuple(self.engine_configs())
        if not force and [_unlabelled(c) for c in new] == [_unlabelled(c) for c in old]:
            self.engine.set_configs(labelled)  # only names: a live change, the record stays
            return
        cursor, self._cursor = self._cursor, None
        if force:  # other runs (a session, a lesson, Restart lesson): always from step 0
            self.engine.restore(((0, labelled),), 0)
        elif cursor is not None and can_continue(old, new):
            self.engine.restore((*truncate(self.plan, cursor), (cursor, labelled)), cursor)
        else:
            self.engine.set_configs(labelled)
        if cursor is not None:
            self._emit(CURSOR)

    # --- undo -------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        """The runs' settings over time, as recorded by the engine."""
        return self._plan or ((0, tuple(self.engine_configs())),)

    def snapshot(self) -> Snapshot:
        """The state undo brings back. Its plan always ends with the configurations in force,
        even when the engine has not yet answered the last command (then they apply from the
        last step received, or from step 0 if they restart the run)."""
        h = self.history
        steps = h.steps if h is not None else 0
        plan = truncate(self.plan, steps)
        labelled = tuple(self.engine_configs())
        last = config_at(plan, steps)
        if [_unlabelled(c) for c in last] != [_unlabelled(c) for c in labelled]:
            if needs_restart(last, labelled):
                plan, steps = ((0, labelled),), 0
            else:
                plan = (*plan, (steps, labelled))
        return Snapshot(tuple(self._configs), tuple(self._named), tuple(self._given),
                        self._selected, self.lesson, dict(self.view) if self.view else None,
                        plan, steps, self._cursor)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def forget_undo(self) -> None:
        """Start a fresh undo history (after a relaunch has restored the last runs)."""
        self._undo.clear()
        self._redo.clear()
        self._emit(UNDO)

    def undo(self) -> bool:
        """Back to before the last change of configuration: the runs and their progress."""
        if not self._undo:
            return False
        self._redo.append(self.snapshot())
        self._restore(self._undo.pop())
        self.message("Took back the last change: the runs are back where they were "
                     "(Ctrl+Shift+Z redoes it)")
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self.snapshot())
        self._restore(self._redo.pop())
        self.message("Made the change again (Ctrl+Z takes it back)")
        return True

    def _restore(self, s: Snapshot) -> None:
        self._configs, self._named, self._given = list(s.configs), list(s.named), list(s.given)
        self._selected = s.selected
        self.lesson = s.lesson
        self.view = dict(s.view) if s.view else None
        self._cursor = None
        self._pending_cursor = s.cursor
        if self.engine is not None:
            self.engine.restore(s.plan, s.steps)
        for kind in (CONFIGS, SELECTION, LESSON, UNDO, VIEW, CURSOR):
            self._emit(kind)

    # --- the lesson -------------------------------------------------------------------------
    @property
    def lesson_intact(self) -> bool:
        """Whether the runs are still the lesson's (same runs, same settings)."""
        if self.lesson is None:
            return False
        theirs = self.lesson.session.configs
        return len(theirs) == len(self._configs) and all(
            _unlabelled(a) == _unlabelled(b) for a, b in zip(theirs, self._configs, strict=True))

    def restart_lesson(self) -> bool:
        """The lesson's runs and view again, from step 0. Undoable."""
        if self.lesson is None:
            return False
        return self.load(self.lesson.session.configs, self.lesson.session.view, self.lesson)

    # --- view options -----------------------------------------------------------------------
    def set_aid(self, name: str, on: bool) -> None:
        if name not in self.aids:
            raise ValueError(f"unknown visual aid {name!r} (known: {', '.join(self.aids)})")
        if self.aids[name] != bool(on):
            self.aids[name] = bool(on)
            self._emit(AIDS, text=name)

    @property
    def enabled_aids(self) -> list[str]:
        return [name for name, on in self.aids.items() if on]

    def set_log_y(self, on: bool) -> None:
        if self.log_y != bool(on):
            self.log_y = bool(on)
            self._emit(LOG_Y)

    def set_view(self, view: Mapping[str, Any] | None) -> None:
        """The axes the user is looking at (kept for sessions, exports and snapping)."""
        self.view = dict(view) if view else None

    def view_ranges(self, dim: int) -> tuple[tuple[float, float], ...] | None:
        """The shown part of parameter space, one ``(low, high)`` per parameter, if known."""
        view = self.view
        if not view or "x_range" not in view or (dim == 2 and "y_range" not in view):
            return None
        ranges = [tuple(view["x_range"])]
        if dim == 2:
            ranges.append(tuple(view["y_range"]))
        return tuple(ranges)  # type: ignore[return-value]

    def figure_facts(self) -> dict[str, Any]:
        """What an export figure shows, from the model alone: ``surface``, ``configs``,
        ``history``, ``labels``, ``selected_lane``, ``aids`` (the enabled ones) and ``log_y``
        (the keyword arguments of :class:`~gdsim.app.files.figure.ExportFigure` of the same
        names)."""
        return {"surface": self.surface, "configs": self.configs, "history": self.history,
                "labels": self.labels, "selected_lane": self._selected,
                "aids": self.enabled_aids, "log_y": self.log_y}

    # --- the simulation ---------------------------------------------------------------------
    def play(self) -> None:
        """Run freely; from a rewound cursor the run continues from its end."""
        self._set_cursor(None)
        if self.engine is not None:
            self.engine.play()

    def pause(self) -> None:
        if self.engine is not None:
            self.engine.pause()

    def step(self) -> None:
        """One update; at a rewound cursor, one step forward through the record instead."""
        if self._cursor is not None:
            self._set_cursor(self._cursor + 1)
        elif self.engine is not None:
            self.engine.step()

    def step_back(self) -> None:
        """The cursor one step back (pauses a playing run)."""
        h = self.history
        if h is None or h.steps == 0:
            return
        if h.playing:
            self.pause()
        here = h.steps if self._cursor is None else self._cursor
        self._set_cursor(max(0, here - 1))

    def reset(self) -> None:
        """Back to step 0, same settings (not a change of configuration: not undoable)."""
        self._set_cursor(None)
        if self.engine is not None:
            self.engine.reset()

    @property
    def cursor(self) -> int | None:
        """The timeline's step (a row of the history), or ``None`` when showing the live end."""
        return self._cursor

    def set_cursor(self, step: int | None) -> None:
        """Show step ``step`` of the record everywhere (the last step, or ``None``: live)."""
        h = self.history
        if step is not None and h is not None and h.playing:
            self.pause()
        self._set_cursor(step)

    def _set_cursor(self, step: int | None) -> None:
        h = self.history
        if step is not None:
            last = h.steps if h is not None else 0
            step = max(0, min(int(step), last))
            if step >= last:
                step = None
        if step != self._cursor:
            self._cursor = step
            self._emit(CURSOR)

    def shown_history(self) -> History | None:
        """What the views draw: the history, or its first ``cursor + 1`` rows (a view that
        shares the buffers; a new generation per position, so views redraw it whole)."""
        h = self.history
        if h is None or self._cursor is None:
            return h
        key = (id(h), h.generation, self._cursor)
        if self._prefix is None or self._prefix[0] != key:
            self._prefix_tokens += 1
            view = h.prefix(self._cursor + 1)
            view.generation = -self._prefix_tokens  # never equal to a live generation
            view.playing = False
            self._prefix = (key, view)
        return self._prefix[1]

    def step_count(self, lane: int = 0) -> int:
        """Updates the GUI has received for run ``lane`` (what the status bar shows live)."""
        h = self.history
        if h is None or not 0 <= lane < len(h.lanes):
            return 0
        return int(h.lanes[lane].steps_done)

    # --- from the engine --------------------------------------------------------------------
    def surface_changed(self, generation: int) -> None:
        """The engine rebuilt the run on another surface: the next frame starts a history."""
        self._generation = max(self._generation, generation)
        self.history = None
        self._prefix = None
        self._emit(SURFACE)

    def receive(self, frame: Frame) -> bool:
        """Merge a frame from the engine; returns False for a stale one (dropped)."""
        if frame.generation < self._generation:
            return False
        self._generation = frame.generation
        runs, dim = frame.theta.shape[1:]
        h = self.history
        if h is None or (h.runs, h.dim) != (runs, dim):
            reserve = min(max(c.max_steps for c in self._configs) + 1, HISTORY_RESERVE)
            h = self.history = History(runs, dim, capacity=reserve)
        new_generation = frame.generation != h.generation
        if not h.add(frame):
            return False
        if frame.plan:
            self._plan = frame.plan
        if new_generation and self._pending_cursor is not None:
            pending, self._pending_cursor = self._pending_cursor, None
            self._cursor = pending if pending < h.steps else None
            self._emit(CURSOR)
        elif self._cursor is not None and new_generation:
            self._cursor = None
            self._emit(CURSOR)
        self._emit(HISTORY, playing=frame.playing)
        return True
