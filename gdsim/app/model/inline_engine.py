"""A synchronous engine for the model: the run advances in the caller's thread (Qt-free).

The window drives its model with the threaded ``SimulationController``; scripts and tests can
use this one, with the same commands and the same frames, to run the model without Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gdsim.app.model.frame import make_frame
from gdsim.app.model.timeline import Plan, RecordedRun, needs_restart, replay, surface_key
from gdsim.core.config import RunConfig

if TYPE_CHECKING:
    from gdsim.app.model.app_model import AppModel


class InlineEngine:
    """Runs the model's configurations; :meth:`play` advances ``play_steps`` updates at once."""

    def __init__(self, model: AppModel, play_steps: int = 100) -> None:
        self.model = model
        self.play_steps = play_steps
        self.run = RecordedRun(model.engine_configs())
        self.generation = 0
        model.attach(self)
        self._send()

    def _send(self) -> None:
        self.model.receive(make_frame(self.run, self.generation, -1))

    def _replace(self, run: RecordedRun) -> None:
        old = self.run.config
        self.run = run
        self.generation += 1
        if surface_key(old) != surface_key(run.config):
            self.model.surface_changed(self.generation)
        self._send()

    def set_configs(self, configs: Sequence[RunConfig]) -> None:
        if needs_restart(self.run.configs, list(configs)):
            self._replace(RecordedRun(list(configs)))
        else:
            self.run.update_configs(list(configs))
            self._send()

    def restore(self, plan: Plan, steps: int) -> None:
        self._replace(replay(plan, steps))

    def play(self) -> None:
        self.run.advance(self.play_steps)
        self._send()

    def pause(self) -> None:
        self._send()

    def step(self) -> None:
        self.run.advance(1)
        self._send()

    def reset(self) -> None:
        self.run.reset()
        self.generation += 1
        self._send()
