"""Frozen entry point of the `studio-cli` console executable; mirrors `studio.cli.main:main`.

`freeze_support()` first: the image checks fan out over worker processes, and in a frozen program each
worker is this same executable started again with multiprocessing's own arguments.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from studio.cli.main import main

    sys.exit(main())
