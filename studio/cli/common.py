"""Helpers every `studio-cli` command family shares: the parser class, progress, output, and lookups.

One copy of each, so the families stay thin and behave alike: results on stdout (JSON with `--json`),
progress and warnings on stderr, user errors as `StudioError` (the entry point prints them, exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Sequence

from studio.core.errors import StudioError
from studio.core.models import ClassInfo, ImageFilter
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import ProgressFn

if TYPE_CHECKING:  # the service layer is imported by the commands that need it, keeping --help fast
    from studio.service.credentials import Credentials
    from studio.service.profile import ServiceProfile

SubParsers = argparse._SubParsersAction  # what `register(sub)` receives; argparse has no public name for it


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint instead of a usage dump on bad arguments."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for the list of options.\n")


# -- output -----------------------------------------------------------------------------------------


def stderr_progress(label: str) -> ProgressFn:
    """Progress lines on stderr at most twice a second, so scripts can still read stdout cleanly."""
    last = [0.0]

    def progress(done: int, total: int | None, message: str = "") -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and not (total and done >= total):
            return
        last[0] = now
        of = f"/{total}" if total else ""
        print(f"{label}: {done}{of} {message}".rstrip(), file=sys.stderr, flush=True)

    return progress


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the project and what is in it ------------------------------------------------------------------


def open_project(path: Path, read_only: bool = False) -> ProjectStore:
    """The project file, opened as the app opens it (same lock, same upgrade, same errors)."""
    return ProjectStore.open(path, read_only=read_only)


def find_image_ids(store: ProjectStore, images: Sequence[str]) -> list[int]:
    """Image ids for paths as a user types them: relative to the image folder ('cats/1.jpg'), or absolute.

    Excluded and missing images are found too, so `include` and `clear-skip` can reach them. All names
    are checked before anything changes: one unknown name refuses the whole command.
    """
    by_rel: dict[str, list[int]] = {}
    by_abs: dict[Path, int] = {}
    for row in store.iter_images(ImageFilter(include_missing=True)):
        by_rel.setdefault(row.rel_path, []).append(row.id)
        by_abs[row.abs_path] = row.id
    ids: list[int] = []
    unknown: list[str] = []
    for image in images:
        wanted = image.replace("\\", "/").removeprefix("./")
        absolute = Path(image).expanduser()
        if absolute.is_absolute():
            found = by_abs.get(absolute) or by_abs.get(absolute.resolve())
            if found is not None:
                ids.append(found)
                continue
        matches = by_rel.get(wanted, [])
        if len(matches) > 1:
            raise StudioError(
                f"'{image}' is in more than one of the project's folders. Give its absolute path instead."
            )
        if matches:
            ids.append(matches[0])
        else:
            unknown.append(image)
    if unknown:
        shown = ", ".join(f"'{u}'" for u in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise StudioError(
            f"No image {shown} in the project; nothing was changed. Use a path relative to the image folder "
            "(as 'studio-cli export-labels' writes it) or an absolute path."
        )
    return list(dict.fromkeys(ids))


def read_image_args(images: Sequence[str], from_file: Path | None) -> list[str]:
    """The images named on the command line plus, with --from-file, one per line of that file ('-': stdin)."""
    names = list(images)
    if from_file is not None:
        try:
            text = sys.stdin.read() if str(from_file) == "-" else from_file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise StudioError(f"Cannot read the list of images '{from_file}': {exc.strerror or exc}.") from None
        names += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not names:
        raise StudioError("Name at least one image (or give --from-file FILE with one path per line).")
    return names


def add_image_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="*", metavar="IMAGE", help="path relative to its image folder, or absolute")
    p.add_argument("--from-file", type=Path, metavar="FILE", help="also the images listed in FILE, one per line ('-': stdin)")


def find_class(store: ProjectStore, name: str, project: Path) -> ClassInfo:
    """The class called `name` (spaces folded as when it was added); a clear error naming the known ones."""
    cls = store.class_by_name(name)
    if cls is None:
        names = ", ".join(c.name for c in store.classes()) or "none yet"
        raise StudioError(
            f"No class '{name}' (classes: {names}). Add it with 'studio-cli classes {project} --add \"{name}\"'."
        )
    return cls


# -- which service ----------------------------------------------------------------------------------


def add_service_flags(p: argparse.ArgumentParser) -> None:
    """--demo / --base-url / --azure-endpoint / --azure-v1 (+ --api-version, --entra), for commands that talk to a service."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--base-url", metavar="URL", help="OpenAI (or compatible) base URL")
    where.add_argument("--azure-endpoint", metavar="URL", help="Azure OpenAI resource endpoint (dated API)")
    where.add_argument("--azure-v1", metavar="URL", help="Azure OpenAI resource endpoint, v1 API")
    where.add_argument("--demo", action="store_true", help="the local demo service (no account needed)")
    p.add_argument("--api-version", default=None, help="with --azure-endpoint (default 2025-04-01-preview)")
    p.add_argument("--entra", choices=("default", "browser", "device-code"), help="Azure: sign in with Entra ID")


def profile_from_args(args: argparse.Namespace, store: ProjectStore) -> ServiceProfile:
    """The service: the command's flags, else the SDK's environment variables, else the project's saved profile."""
    from studio.service.profile import DEFAULT_AZURE_API_VERSION, ServiceProfile, profile_from_env, project_profile

    auth = {"auth": "entra", "entra_method": args.entra.replace("-", "_")} if getattr(args, "entra", None) else {}
    if getattr(args, "demo", False):
        return ServiceProfile(kind="demo")
    if getattr(args, "base_url", None):
        return ServiceProfile(kind="openai", endpoint=args.base_url)
    if getattr(args, "azure_endpoint", None):
        return ServiceProfile(kind="azure", endpoint=args.azure_endpoint,
                              api_version=args.api_version or DEFAULT_AZURE_API_VERSION, **auth)
    if getattr(args, "azure_v1", None):
        return ServiceProfile(kind="azure_v1", endpoint=args.azure_v1, **auth)
    env_profile = profile_from_env()
    if env_profile is not None:
        return ServiceProfile.from_dict(env_profile.to_dict() | auth) if auth else env_profile
    saved = project_profile(store)
    if saved is not None:
        return saved
    raise StudioError(
        "Which service? Pass --azure-endpoint URL, --azure-v1 URL, --base-url URL or --demo, "
        "or set AZURE_OPENAI_ENDPOINT / OPENAI_API_KEY."
    )


def credentials_for(profile: ServiceProfile) -> Credentials:
    """The key or token for the profile: keyring, else the SDK's environment variables (read, never stored)."""
    from studio.service.credentials import resolve_credentials

    return resolve_credentials(profile, use_env=True)
