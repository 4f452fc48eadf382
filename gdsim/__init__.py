"""gdsim: watch gradient descent work.

The numerical engine lives in :mod:`gdsim.core` (numpy only, no Qt); the desktop application in
:mod:`gdsim.app`; the command line in :mod:`gdsim.cli`.
"""

__version__ = "0.1.0"
