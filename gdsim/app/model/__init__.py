"""The app's Qt-free layer: what the GUI knows, without any widget or Qt import.

Importing anything here loads no PySide6 and no pyqtgraph (``tests/test_cli.py`` checks it in a
fresh interpreter, like :mod:`gdsim.core`):

* :mod:`~gdsim.app.model.app_model` — :class:`AppModel`, the one owner of the GUI's facts (runs,
  selection, view, aids, lesson, history, timeline cursor, undo), and the :class:`Change` events
  its subscribers receive;
* :mod:`~gdsim.app.model.frame` — :class:`Frame`, the immutable snapshot the engine sends per
  redraw, and :class:`LaneInfo`, the per-run facts the views need;
* :mod:`~gdsim.app.model.history` — :class:`History`, the frames received so far;
* :mod:`~gdsim.app.model.timeline` — a run's settings over time and their exact replay;
* :mod:`~gdsim.app.model.inline_engine` — a synchronous engine (scripts, tests);
* :mod:`~gdsim.app.model.edits` — what an edit in a panel does to the list of run configurations;
* :mod:`~gdsim.app.model.labels` — run labels, built one way;
* :mod:`~gdsim.app.model.aids` — the visual aids' table (names, titles, tooltips, defaults);
* :mod:`~gdsim.app.model.step_snapshot` — the numbers of one lane's step, read from a history;
* :mod:`~gdsim.app.model.loss_grid` — loss grids, colour scales and contour segments;
* :mod:`~gdsim.app.model.path_decimator` — incremental decimation of long trajectories;
* :mod:`~gdsim.app.model.formatting` — the app's one number formatter.
"""
