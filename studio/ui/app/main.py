"""`studio`: the desktop app's entry point.

    studio                 start screen (recent projects, new from folder, demo)
    studio PATH            open a project file, or an image folder (its project is created next to it)
    studio --demo          open the demo project (generated on first use) to try everything at once
    studio --version       print the version and exit
    studio --self-test     start headless, open a generated demo project, check bundled resources and
                           Qt plugins, print a JSON report (and write it to --report FILE: a windowed
                           Windows program has no console); exit 0 when everything is found

Imports are kept lazy so the window appears quickly: nothing that is only needed after a project is
open is imported before the window exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from studio import APP_NAME, __version__


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="studio", description=f"{APP_NAME} {__version__}")
    parser.add_argument("path", nargs="?", help="a project file (*.studio) or an image folder")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--demo", action="store_true", help="open the demo project")
    parser.add_argument("--self-test", action="store_true", help="check the installation headless and exit")
    parser.add_argument("--report", type=Path, metavar="FILE", help="with --self-test: also write the JSON here")
    parser.add_argument("--no-scan", action="store_true", help="do not rescan the project's folders on open")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    # The image checks run in "spawn" worker processes; a frozen (PyInstaller) app must let those
    # children run their task instead of starting another window.
    multiprocessing.freeze_support()
    args, qt_args = _parse(list(sys.argv[1:] if argv is None else argv))
    if args.version:
        print(f"{APP_NAME} {__version__}")
        return 0
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from studio.ui.app.self_test import run_self_test

        return run_self_test(report_file=args.report)

    from studio.ui.app.application import make_app

    app = make_app(qt_args)
    window = open_window(args)
    from studio.ui.app import crash_report

    crash_report.install(lambda text: window.show_message(text, "error"))
    install_finetune_later(window)
    return app.exec()


def open_window(args: argparse.Namespace):
    """The main window, showing what the command line asked for (a path, the demo, or the start screen)."""
    from studio.ui.window.main_window import MainWindow

    window = MainWindow(auto_scan=not args.no_scan)
    window.show()
    if args.path:
        window.open_path(Path(args.path))
    elif args.demo:
        window.open_demo()
    return window


def install_finetune_later(window) -> None:
    """Plug in fine-tuning once the window is up: the service layer imports `openai` (about a second),
    so that import runs on a thread while the user already sees and uses the window."""
    import threading

    from PySide6.QtCore import QObject, Qt, Signal

    class _Ready(QObject):
        done = Signal(str)

    ready = _Ready(window)

    def install(error: str) -> None:
        if not error:
            try:
                from studio.ui.finetune.integration import install_finetune

                window.finetune = install_finetune(window)
                from studio.ui.deployments.integration import install_deployments

                window.deployments = install_deployments(window, window.finetune)
                from studio.ui.evaluation.integration import install_evaluation

                window.evaluation = install_evaluation(window, window.finetune)
                from studio.ui.curation.duplicates_integration import install_duplicates

                window.duplicates = install_duplicates(window)
                return
            except Exception as exc:  # noqa: BLE001 - labeling must keep working without it
                error = f"{type(exc).__name__}: {exc}"
        window.show_message(f"Fine-tuning could not be loaded ({error}). Labeling works as usual.", "warning")

    ready.done.connect(install, Qt.ConnectionType.QueuedConnection)

    def preload() -> None:
        try:
            import studio.core.store.project_store  # noqa: F401 - sqlite-utils (numpy), for the first open
            import studio.service.clients  # noqa: F401 - the slow part (openai)
        except Exception as exc:  # noqa: BLE001
            ready.done.emit(f"{type(exc).__name__}: {exc}")
        else:
            ready.done.emit("")

    threading.Thread(target=preload, name="preload-finetune", daemon=True).start()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
