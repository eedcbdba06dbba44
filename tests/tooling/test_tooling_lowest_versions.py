"""packaging/constraints-lowest.txt pins every direct dependency at the lowest version pyproject.toml
allows, so `packaging/test-lowest.sh` tests exactly the floor users may get. A new dependency or a
moved lower bound without its pin fails here, not silently in the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "packaging" / "constraints-lowest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_direct_dependency_is_pinned_at_its_lower_bound() -> None:
    pins = _pins()
    problems = []
    for req in _requirements():
        name = canonicalize_name(req.name)
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        if not floors:
            problems.append(f"{req}: give it a lower bound (>=) so the lowest version can be tested")
        elif name not in pins:
            problems.append(f"{req}: add '{req.name}=={floors[0]}' (or the first release above it) to constraints-lowest.txt")
        elif pins[name] not in req.specifier or pins[name].release[: len(floors[0].release)] != floors[0].release:
            problems.append(f"{req}: pinned {pins[name]}, which is not its lowest allowed release")
    extra = set(pins) - {canonicalize_name(r.name) for r in _requirements()}
    problems += [f"{name} is pinned but no longer a direct dependency" for name in sorted(extra)]
    assert not problems, "\n".join(problems)
