"""The engine beside the GUI: the simulation worker and its transport to the window.

* :mod:`~gdsim.app.engine.worker` — :class:`SimulationController`, one worker object in a
  ``QThread`` that drives the compute process and sends :class:`~gdsim.app.model.frame.Frame`\\ s
  to the GUI by signals;
* :mod:`~gdsim.app.engine.compute` — the compute process (Qt-free): it owns the live run, steps
  it and sends coalesced frames through a pipe;
* :mod:`~gdsim.app.engine.pacer` — :class:`DisplayPacer`, which paces redraws against the
  worker's frames;
* :mod:`~gdsim.app.engine.maps_worker` — :class:`MapRunner`, the Maps windows' handle on a
  worker thread that drives a maps process (:mod:`~gdsim.app.engine.maps_compute`, Qt-free),
  which computes the maps and sends their partial results through a pipe.

The frames themselves are Qt-free data and live in :mod:`gdsim.app.model.frame`.
"""
