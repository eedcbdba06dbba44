"""Fixtures of the CLI tests: a real project file with generated images and classes, and `run_cli`."""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator
from typing import Callable

import pytest
from labeled_project import make_labeled_project
from memory_keyring import memory_keyring  # noqa: F401 - autouse fixture: no test touches a real keyring
from PIL import Image

from studio.cli.main import main
from studio.emulator import EmulatorServer

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Invoke `studio-cli` in-process as a user would; returns (exit code, stdout, stderr)."""

    def run(*argv: object) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def cli_project(tmp_path: Path, run_cli: RunCli) -> Path:
    """A scanned project: cats/cat0..2.jpg labeled 'cat', dogs/dog0..1.png labeled 'dog', birds/bird0.png unlabeled;
    classes cat, dog, bird (in that order)."""
    images = tmp_path / "images"
    for folder, names, color in (("cats", ("cat0.jpg", "cat1.jpg", "cat2.jpg"), (200, 40, 40)),
                                 ("dogs", ("dog0.png", "dog1.png"), (40, 40, 200)),
                                 ("birds", ("bird0.png",), (40, 200, 40))):
        (images / folder).mkdir(parents=True)
        for i, name in enumerate(names):
            Image.new("RGB", (48, 32), (color[0], color[1] + 10 * i, color[2])).save(images / folder / name)
    project = tmp_path / "pets.studio"
    assert run_cli("new", project, images)[0] == 0
    assert run_cli("classes", project, "--add", "cat", "--add", "dog", "--add", "bird")[0] == 0
    assert run_cli("label", project, "cats/cat0.jpg", "cats/cat1.jpg", "cats/cat2.jpg", "cat")[0] == 0
    assert run_cli("label", project, "dogs/dog0.png", "dogs/dog1.png", "dog")[0] == 0
    return project



@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    """20 tiny PNGs labeled 'cat'/'dog', checked, ready to export or submit."""
    return make_labeled_project(tmp_path / "proj")


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The emulator on the wall clock, fast: a job finishes in about a second."""
    with EmulatorServer(step_seconds=0.005, api_keys=["emu-key", "tok"]) as srv:
        yield srv
