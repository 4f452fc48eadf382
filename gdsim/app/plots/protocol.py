"""What the window needs from a plot: the small protocol every view implements.

A new plot is a widget with :meth:`PlotView.update_history` and, if it needs them, any of the
optional methods below; :meth:`MainWindow._add_plot` places it (in the central area or a dock)
and from then on feeds it from the model: the runs' labels when they change, the selected run,
the surface, and at every redraw the history to draw — the whole record, or its prefix up to the
timeline's cursor. Nothing else is needed: a plot panel is its own module plus one line in
:mod:`gdsim.app.main_window`.

Optional methods (called when the plot has them):

* ``set_lanes(labels: list[str])`` — one lane per run, in lane-colour order;
* ``set_selected_lane(lane: int)`` — the run the side panels edit (the aids follow it);
* ``set_surface(surface: Surface | None)`` — the surface changed (its map, its data);
* ``shutdown()`` — the window is closing: stop any thread the plot owns (and wait for it).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from gdsim.app.model.history import History

OPTIONAL_METHODS = ("set_lanes", "set_selected_lane", "set_surface", "shutdown")


@runtime_checkable
class PlotView(Protocol):
    """The one method every registered plot has."""

    def update_history(self, history: History | None) -> None:
        """Draw ``history`` (the rows to show: a whole record or a rewound prefix)."""


def call_optional(view: Any, method: str, *args: Any) -> None:
    """Call ``view.method(*args)`` if the plot has that optional method."""
    if method not in OPTIONAL_METHODS:
        raise ValueError(f"{method!r} is not a plot method (known: {OPTIONAL_METHODS})")
    function = getattr(view, method, None)
    if function is not None:
        function(*args)
