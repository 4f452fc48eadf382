"""``python -m gdsim``: the same as the ``gdsim`` command."""

import sys

from gdsim.cli import main

sys.exit(main())
