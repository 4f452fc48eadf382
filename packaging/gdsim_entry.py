"""The PyInstaller bundle's entry point: the same as the ``gdsim`` command."""

import multiprocessing
import sys

from gdsim.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
