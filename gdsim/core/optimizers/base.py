"""The optimizer protocol: a pure update rule over a batch of runs.

An optimizer is a pair of pure functions in the style of optax, following ``torch.optim``'s
formulas, defaults and keyword names exactly:

``init(theta, hp) -> state``
    ``theta`` has shape ``(runs, params)``; the state is an immutable :class:`typing.NamedTuple`
    whose array fields have that shape too and whose ``step`` field counts the updates done.
``update(grad, state, theta, hp) -> (new_theta, new_state)``
    ``grad`` and ``theta`` have shape ``(runs, params)``. Nothing is modified in place.

``hp`` maps each hyperparameter name to its value. Numeric values are floats or arrays of shape
``(runs, 1)`` (one value per run, broadcasting over parameters); boolean values (``nesterov``,
``centered``, ``amsgrad``) are plain ``bool`` shared by every run of the batch, because they
change the code path. ``hp["lr"]`` is the learning rate *for this step*, already scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from gdsim.core.params import ParamError, ParamSpec, resolve_params

Hyper = Mapping[str, Any]
"""Hyperparameters of one update: name -> float, ``(runs, 1)`` array, or bool."""

InitFn = Callable[[np.ndarray, Hyper], NamedTuple]
UpdateFn = Callable[[np.ndarray, Any, np.ndarray, Hyper], tuple[np.ndarray, Any]]
ScaleFn = Callable[[Any, Hyper], np.ndarray]


@dataclass(frozen=True)
class Optimizer:
    """One optimizer variant as gdsim offers it (``gd``, ``momentum``, ``adam``, ...).

    Attributes:
        name: command-line name.
        title: display name.
        summary: one line for ``gdsim list`` and tooltips.
        torch_equivalent: the ``torch.optim`` call that computes the same trajectory,
            e.g. ``"torch.optim.Adam(params, amsgrad=True)"``.
        specs: editable hyperparameters, ``lr`` first, with torch's names and defaults.
        fixed: hyperparameters this variant pins (``{"nesterov": True}``); passed to the rule.
        init, update: the pure rule (see the module docstring).
        state_labels: state field -> human description, for the app's inspector.
        scale: optional function of ``(state, hp)`` giving the per-parameter factor, shape
            ``(runs, params)``, by which an adaptive method multiplies ``lr`` (e.g. Adam's
            ``1 / (sqrt(v_hat) + eps)`` with bias correction); ``None`` for plain SGD.
        family: the group of variants that share instructive learning rates (``"gd"``,
            ``"momentum"``, ``"adagrad"``, ``"rmsprop"``, ``"adadelta"``, ``"adam"``, ...).
            A surface's ``lrs`` table may name a family instead of each variant.
        default_lr: the family's fallback rate, used where a surface names neither the
            variant nor its family: about 0.01–0.1 of movement per step on a unit-scale view.
        vector_state: the state fields that are vectors in θ-space (a velocity, a first
            moment), in order of preference, for the app to draw as an arrow.
    """

    name: str
    title: str
    summary: str
    torch_equivalent: str
    specs: tuple[ParamSpec, ...]
    init: InitFn
    update: UpdateFn
    fixed: Mapping[str, Any] = field(default_factory=dict)
    state_labels: Mapping[str, str] = field(default_factory=dict)
    scale: ScaleFn | None = None
    family: str = ""
    default_lr: float = 0.01
    vector_state: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.name)

    @property
    def spec_table(self) -> dict[str, ParamSpec]:
        return {spec.name: spec for spec in self.specs}

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Validate user hyperparameters over the defaults; add the fixed ones.

        Raises:
            ParamError: naming the parameter and the value.
        """
        values = resolve_params(self.specs, given, owner=self.title)
        self.check(values)
        return {**values, **self.fixed}

    def check(self, values: Mapping[str, Any]) -> None:
        """Cross-parameter checks torch makes (e.g. nesterov needs momentum > 0)."""
        if self.fixed.get("nesterov") or values.get("nesterov"):
            if values.get("momentum", 0) <= 0 or values.get("dampening", 0) != 0:
                if "dampening" not in values:
                    raise ParamError(f"{self.title} needs momentum μ (momentum) > 0 "
                                     f"(got {values.get('momentum')})")
                raise ParamError(
                    f"{self.title} needs momentum μ (momentum) > 0 and dampening τ (dampening) "
                    f"= 0 (got momentum={values.get('momentum')}, "
                    f"dampening={values.get('dampening')})"
                )

    def defaults(self) -> dict[str, Any]:
        return self.resolve({})


def state_arrays(state: NamedTuple) -> dict[str, np.ndarray]:
    """The array fields of an optimizer state (everything but ``step``)."""
    return {k: v for k, v in state._asdict().items() if isinstance(v, np.ndarray)}
