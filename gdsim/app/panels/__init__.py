"""The side panels (dock contents): each edits part of the selected run's configuration.

Panels only show configurations and report edits as signals; what an edit does to the list of
runs is decided by the Qt-free :mod:`gdsim.app.model.edits`, and the main window applies it.
"""

from gdsim.app.panels.batch_panel import BatchPanel
from gdsim.app.panels.optimizer_panel import OptimizerPanel
from gdsim.app.panels.runs_panel import RunsPanel
from gdsim.app.panels.schedule_panel import SchedulePanel
from gdsim.app.panels.surface_panel import SurfacePanel

__all__ = ["BatchPanel", "OptimizerPanel", "RunsPanel", "SchedulePanel", "SurfacePanel"]
