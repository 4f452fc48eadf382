"""The app's plots: thin pyqtgraph views that draw the snapshot they are given.

* :class:`SurfaceView` — the loss surface (contour map or curve) with every lane's trajectory
  and the visual aids;
* :class:`LossPlot` — loss, gradient norm and learning rate against the step;
* :class:`DataView` — the data set and the model's prediction (data-driven surfaces);
* :class:`StepInspector` — the numbers of the selected lane's last step.

Each follows the small protocol of :mod:`gdsim.app.plots.protocol`: ``update_history(history)``
for every redraw (:class:`~gdsim.app.model.history.History`: the record, or its prefix up to the
timeline's cursor), and as needed ``set_lanes(labels)``, ``set_selected_lane(i)``,
``set_surface(surface)``; none computes anything beyond drawing.
"""

from gdsim.app.plots.data_view import DataView
from gdsim.app.plots.inspector import StepInspector
from gdsim.app.plots.loss_plot import LossPlot
from gdsim.app.plots.surface_view import SurfaceView

__all__ = ["DataView", "LossPlot", "StepInspector", "SurfaceView"]
