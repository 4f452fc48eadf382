"""How often a text readout, or a legend's corner, changes while a run plays (Qt-free).

Numbers that change at the display rate (30–60 times a second) cannot be read, and each change
of a label's text costs the GUI a relayout and a repaint. So the text readouts — the step
inspector, the status bar's fields, the map's caption — show the latest values at most
:data:`READOUT_HZ` times a second while playing; a step, a pause, an edit or a scrub (not
playing) shows at once. The plots redraw at the display rate.
"""

from __future__ import annotations

import math
import time

READOUT_HZ = 10.0
"""Updates a second of a text readout while the run plays, at most."""

LEGEND_HZ = 2.0
"""Looks a second for a better corner for a plot's legend while the run plays, at most (where
the curves lie changes slowly, and each look tests every drawn point)."""


class ReadoutPace:
    """Says whether a readout is due: always when not playing, else every 1/:data:`READOUT_HZ` s."""

    def __init__(self, hz: float = READOUT_HZ) -> None:
        self.period = 1.0 / hz
        self._last = -math.inf

    def due(self, playing: bool) -> bool:
        now = time.perf_counter()
        if playing and now - self._last < self.period:
            return False
        self._last = now
        return True
