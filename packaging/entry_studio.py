"""Frozen entry point of the `studio` GUI executable (PyInstaller needs a script, not `module:func`).

Mirrors the `studio = "studio.ui.app.main:main"` gui-script in pyproject.toml so the packaged app and a pip
install start the same way. `freeze_support()` comes first because a frozen executable that starts
worker processes is re-launched as each worker; without it every worker would open another window.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from studio.ui.app.main import main

    sys.exit(main())
