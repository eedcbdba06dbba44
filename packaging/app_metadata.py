"""The app's name, id and version as the packaging scripts see them.

Read from `studio/__init__.py` by parsing, not importing, so that the spec, the icon generator and
the smoke test agree with the app on ONE version string without executing the package (whose imports
may grow) in the build interpreter.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
_FIELDS = {"__version__": "version", "APP_NAME": "name", "APP_ID": "app_id", "ORG_NAME": "org"}


@dataclass(frozen=True)
class AppMetadata:
    name: str
    app_id: str
    org: str
    version: str

    @property
    def version_tuple(self) -> tuple[int, int, int, int]:
        """Four numbers for the Windows version resource ("1.2.3rc1" -> (1, 2, 3, 0))."""
        numbers: list[int] = []
        for part in self.version.split(".")[:4]:
            lead = re.match(r"\d+", part)
            numbers.append(int(lead.group()) if lead else 0)
            if not part.isdigit():  # "3rc1", "dev3": nothing after a pre-release part is a number
                break
        return tuple((numbers + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def read_metadata(init_file: Path = REPO_ROOT / "studio" / "__init__.py") -> AppMetadata:
    values: dict[str, str] = {}
    for node in ast.parse(init_file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in _FIELDS:
                    values[_FIELDS[target.id]] = str(node.value.value)
    missing = sorted(set(_FIELDS.values()) - set(values))
    if missing:
        raise SystemExit(f"{init_file}: missing {', '.join(missing)}; the build reads the app metadata from there")
    return AppMetadata(**values)


if __name__ == "__main__":  # build scripts name the archive with this: "<app_id> <version>", or --version
    import sys

    meta = read_metadata()
    print(meta.version if "--version" in sys.argv[1:] else f"{meta.app_id} {meta.version}")
