"""The record of a run's settings over time, and its exact replay (Qt-free).

Runs are deterministic: the same configurations, changed at the same steps, give the same
trajectory bit for bit. So what undo and the timeline need to bring a run back is not the rows but
its **plan**: ``((0, configs₀), (s₁, configs₁), …)`` — the configurations in force from step 0, and
each live change (a new η, a new step limit, …) with the step from which it applied.

:class:`RecordedRun` is a :class:`~gdsim.core.run.Run` that keeps its plan; the engine runs one,
every frame carries its plan, and :func:`replay` rebuilds any earlier state from a plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace

from gdsim.core.config import SHARED_FIELDS, RunConfig
from gdsim.core.run import Run

Configs = tuple[RunConfig, ...]
Plan = tuple[tuple[int, Configs], ...]
"""``((step, configs), …)``: from update ``step`` on (the update leaving row ``step``), the runs
use ``configs``; the first entry is at step 0 and steps increase."""


def surface_key(config: RunConfig) -> tuple:
    """What identifies the surface a run walks (the fields compared runs share)."""
    return tuple(repr(getattr(config, name)) for name in SHARED_FIELDS)


def can_continue(old: Sequence[RunConfig], new: Sequence[RunConfig]) -> bool:
    """Whether a run under ``old`` can go on under ``new`` from where it is, keeping θ
    (:meth:`Run.needs_reset` decides; it only reads the configurations)."""
    return not Run.needs_reset(SimpleNamespace(configs=tuple(old)),  # type: ignore[arg-type]
                               list(new))


def needs_restart(old: Sequence[RunConfig], new: Sequence[RunConfig]) -> bool:
    """Whether a live change from ``old`` to ``new`` restarts the run from θ₀: when it cannot
    continue, and when a run gets another optimizer — a new variant is watched from the start
    (at a rewound timeline cursor it continues from there instead: :func:`can_continue`)."""
    return not can_continue(old, new) or any(
        a.optimizer != b.optimizer for a, b in zip(old, new, strict=True))


class RecordedRun(Run):
    """A :class:`Run` that records its :data:`Plan` (read :attr:`plan` with its rows)."""

    def __init__(self, configs: RunConfig | Sequence[RunConfig], **kwargs: object) -> None:
        super().__init__(configs, **kwargs)  # type: ignore[arg-type]
        self.plan: Plan = ((0, tuple(self.configs)),)

    def reset(self) -> None:
        super().reset()
        if hasattr(self, "plan"):  # Run.__init__ resets before the plan exists
            self.plan = ((0, tuple(self.configs)),)

    def update_configs(self, configs: RunConfig | Sequence[RunConfig]) -> None:
        super().update_configs(configs)
        new = tuple(self.configs)
        kept = tuple(entry for entry in self.plan if entry[0] < self.steps)
        self.plan = (*kept, (self.steps, new))


def config_at(plan: Plan, step: int) -> Configs:
    """The configurations in force for the update leaving row ``step``."""
    current = plan[0][1]
    for at, configs in plan:
        if at > step:
            break
        current = configs
    return current


def truncate(plan: Plan, step: int) -> Plan:
    """The plan of the first ``step`` updates (later changes dropped)."""
    return tuple(entry for entry in plan if entry[0] < step) or plan[:1]


REPLAY_CHUNK = 4096
"""Updates :func:`replay` makes between two looks at its ``stop`` callback."""


def replay(plan: Plan, steps: int, stop: Callable[[], bool] | None = None) -> RecordedRun:
    """A run rebuilt from ``plan`` and advanced by ``steps`` updates (fewer if every lane has
    stopped); identical to the run that recorded the plan, row for row.

    ``stop`` is asked every :data:`REPLAY_CHUNK` updates; once it says True the replay ends
    early (a window closing during a long undo)."""
    if not plan:
        raise ValueError("an empty plan: nothing to replay")
    run = RecordedRun(list(plan[0][1]))

    def advance_to(target: int) -> bool:
        while run.steps < target and run.running:
            if stop is not None and stop():
                return False
            run.advance(min(REPLAY_CHUNK, target - run.steps))
        return True

    for at, configs in plan[1:]:
        if at > steps:
            break
        if not advance_to(at):
            return run
        if run.steps < at:  # every lane stopped before the change: it cannot have applied
            break
        run.update_configs(list(configs))
    advance_to(steps)
    return run
