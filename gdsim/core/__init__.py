"""The Qt-free numerical core of gdsim: surfaces, optimizers, schedules, batches and runs.

Imports numpy and the standard library only.
"""

from gdsim.core.config import ConfigError, RunConfig
from gdsim.core.run import Run, Status

__all__ = ["ConfigError", "Run", "RunConfig", "Status"]
