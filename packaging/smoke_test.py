"""Smoke test of the PACKAGED studio: runs the built executables, never the source tree.

    python packaging/smoke_test.py packaging/dist/studio      (packaging/build.sh --test does this)

It proves that the frozen app finds what a pip install gets for free: its resources, the Qt plugins,
QtCharts, Pillow's codecs, worker processes, SQLite, the CA bundle and the keyring backends. Checks:

  1. bundle contents: resources/, Qt platform + image-format plugins, QtCharts, certifi's CA file,
     keyring's entry points; Python modules inside each executable's archive (keyring backends for
     every OS, openai, azure-identity, truststore) and no Qt inside studio-cli; on Linux, no bundled
     library with an unresolved dependency on another bundled library (what a too-eager exclude does).
  2. `studio-cli --version`, `studio --version` print the version from studio/__init__.py.
  3. `studio-cli check FOLDER --json` on generated files returns the expected verdict for each
     (good JPEG/PNG/WEBP ok, CMYK JPEG mode, truncated PNG corrupt, GIF format, text file not ok).
     The folder holds more files than the core checks inline, so the deep checks run in spawned worker
     processes: the frozen executable started again as a multiprocessing worker.
  4. `studio-cli new` + `import-labels --folders` + `submit --demo`: a project file (SQLite) is created,
     labelled, exported and submitted through the real openai SDK (httpx2, pydantic) to the emulator
     that the app starts on localhost; a fine-tuning job id comes back.
  5. keyring, frozen: `studio-cli login openai --api-key-stdin` under a private D-Bus session with
     gnome-keyring saves to the system keyring (SecretService found through keyring's entry points);
     without those tools it must fall back to "session only" and exit 0. Linux only: on Windows/macOS
     it would write into the user's real credential store.
  6. `studio --self-test` with QT_QPA_PLATFORM=offscreen exits 0 and its JSON reports resources,
     Qt plugins and certificates found, from inside the bundle (not the source tree); then again on
     Xvfb with the xcb platform when xvfb-run is installed (Linux).
It also times `studio --version` and `studio --self-test`: a cold run (on Linux the bundle's files are
first evicted from the page cache, as after a reboot) and the best of 3 warm runs.

Stdlib + Pillow only (Pillow generates the test images); PyInstaller, when importable, is used to list
the executables' archives. All user folders (HOME, XDG_*, APPDATA) point into a temporary directory so
the test never touches the real user's settings. Exit status 0 = all checks passed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_metadata import read_metadata  # noqa: E402

IS_WIN = sys.platform == "win32"
IS_MAC = sys.platform == "darwin"
EXE_SUFFIX = ".exe" if IS_WIN else ""
TIMEOUT_S = 180

# Files every build must contain, as globs relative to the bundle's _internal/ (contents) folder.
REQUIRED_FILES = {
    "resources": ["resources/prompts/*.txt", "resources/app/vision-finetune-studio-256.png"],
    "qt platform plugins": (
        ["PySide6/plugins/platforms/*qwindows*", "PySide6/plugins/platforms/*qoffscreen*"]
        if IS_WIN
        else ["PySide6/Qt/plugins/platforms/*qcocoa*", "PySide6/Qt/plugins/platforms/*qoffscreen*"]
        if IS_MAC
        else ["PySide6/Qt/plugins/platforms/*qxcb*", "PySide6/Qt/plugins/platforms/*qoffscreen*",
              "PySide6/Qt/plugins/platforms/*qwayland*"]
    ),
    "qt image plugins": [
        f"PySide6/{'' if IS_WIN else 'Qt/'}plugins/imageformats/*q{name}*" for name in ("jpeg", "gif", "webp")
    ],
    "QtCharts": ["PySide6/QtCharts.*", "PySide6/Qt6Charts.dll" if IS_WIN else
                 "PySide6/Qt/lib/QtCharts.framework" if IS_MAC else "PySide6/Qt/lib/libQt6Charts.so*"],
    "Pillow codecs": ["PIL/_imaging*", "PIL/_webp*"],
    "CA bundle (certifi)": ["certifi/cacert.pem"],
    "keyring entry points": ["keyring-*.dist-info/entry_points.txt"],
}
# Python modules that must be inside each executable's archive (checked when PyInstaller is importable).
REQUIRED_MODULES = [
    "keyring.backends.SecretService", "keyring.backends.Windows", "keyring.backends.macOS",
    "keyring.backends.kwallet", "keyring.backends.chainer", "openai", "azure.identity", "truststore",
    "certifi", "studio.service.credentials", "studio.core.checks.pool",
] + (["secretstorage", "jeepney"] if sys.platform.startswith("linux") else [])
GUI_ONLY_MODULES = ["studio.ui.app.main", "studio.ui.app.self_test", "studio.ui.window.main_window"]


# ------------------------------------------------------------------------------------------------ runner


@dataclass
class Outcome:
    name: str
    ok: bool
    detail: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Bundle:
    root: Path  # the folder the user unpacks (dist/studio), or the .app on macOS
    bin_dir: Path  # where the executables are
    contents: Path  # PyInstaller's _internal folder (or Contents/Frameworks in a .app)

    @classmethod
    def locate(cls, root: Path) -> Bundle:
        root = root.resolve()
        if root.suffix == ".app":
            return cls(root, root / "Contents" / "MacOS", root / "Contents" / "Frameworks")
        return cls(root, root, root / "_internal")

    def exe(self, name: str) -> Path:
        return self.bin_dir / f"{name}{EXE_SUFFIX}"


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "XDG_"))}
    for var in ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA"):
        env[var] = str(home)
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share"),
                     ("XDG_STATE_HOME", ".local/state")):
        env[var] = str(home / sub)
    if "XDG_RUNTIME_DIR" in os.environ:
        env["XDG_RUNTIME_DIR"] = os.environ["XDG_RUNTIME_DIR"]
    env.update(extra)
    return env


def run(cmd: list[str | Path], env: dict[str, str], cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=TIMEOUT_S)
    return proc, time.perf_counter() - start


def evict_from_page_cache(bundle: Bundle) -> bool:
    """Make the next start read the bundle from disk again, like the first start after a reboot.

    Only the bundle's own files are evicted (posix_fadvise DONTNEED, no root needed); shared system
    libraries stay cached, as they would on a desktop that is already running. Linux only.
    """
    if not hasattr(os, "posix_fadvise"):
        return False
    for path in bundle.root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def timed_runs(bundle: Bundle, cmd: list[str | Path], env: dict[str, str], **kw: Any):
    """(first result, cold seconds or None, best warm seconds)."""
    cold = evict_from_page_cache(bundle)
    proc, first = run(cmd, env, **kw)
    warm = min(run(cmd, env, **kw)[1] for _ in range(3)) if proc.returncode == 0 else float("nan")
    return proc, (first if cold else None), warm


def describe(proc: subprocess.CompletedProcess) -> str:
    tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-12:]
    return f"exit {proc.returncode}" + ("\n      " + "\n      ".join(tail) if tail else "")


def last_json_object(text: str) -> Any:
    """The JSON object a command printed; tolerates log lines before it."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    for start in [i for i, ch in enumerate(text) if ch == "{" and (i == 0 or text[i - 1] == "\n")]:
        try:
            return json.loads(text[start:])
        except json.JSONDecodeError:
            continue
    raise ValueError("no JSON object in the output")


# ------------------------------------------------------------------------------------------------ inputs


def _inline_deep_limit() -> int:
    """Above this many files the core runs deep checks in worker processes (read from the source if present)."""
    try:
        from studio.core.checks.pool import INLINE_DEEP_LIMIT
    except ImportError:
        return 4
    return int(INLINE_DEEP_LIMIT)


def _noise(seed: int):
    import random

    from PIL import Image

    rng = random.Random(seed)
    return Image.frombytes("RGB", (64, 48), bytes(rng.randrange(256) for _ in range(64 * 48 * 3)))


def make_check_folder(folder: Path) -> dict[str, set[str]]:
    """Write one file per interesting case; return name -> acceptable verdicts."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    noise = _noise(7)
    extra = {}
    for i in range(_inline_deep_limit() + 1):  # enough files that the deep checks go to worker processes
        _noise(100 + i).save(folder / f"more_{i:02d}.jpg", quality=85)
        extra[f"more_{i:02d}.jpg"] = {"ok"}
    noise.save(folder / "good.jpg", quality=90)
    noise.save(folder / "good.png")
    noise.save(folder / "good.webp", quality=80)
    noise.convert("CMYK").save(folder / "cmyk.jpg")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    (folder / "truncated.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    noise.convert("P", palette=Image.Palette.ADAPTIVE).save(folder / "still.gif")
    (folder / "notes.txt").write_text("not an image\n", encoding="utf-8")
    return {
        "good.jpg": {"ok"}, "good.png": {"ok"}, "good.webp": {"ok"},
        "cmyk.jpg": {"mode"}, "truncated.png": {"corrupt"}, "still.gif": {"format"},
        "notes.txt": {"<absent>", "format", "unreadable"},  # skipped by the walk, or flagged: never ok
        **extra,
    }


def make_labelled_folder(folder: Path, per_class: int = 8) -> None:
    """Two classes in sub-folders (class = folder name): near the smallest dataset the service accepts
    (10 training examples) once the default validation and test shares (one image of each per class)
    are held out."""
    from PIL import Image

    for index, (name, colour) in enumerate((("red", (200, 40, 40)), ("blue", (40, 40, 200)))):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            tint = tuple(max(0, min(255, c + 7 * i - 20)) for c in colour)
            Image.blend(Image.new("RGB", (64, 48), tint), _noise(10 * index + i), 0.2).save(folder / name / f"{name}{i}.jpg")


# ------------------------------------------------------------------------------------------------ checks


def check_bundle_files(bundle: Bundle) -> Outcome:
    missing = [f"{what}: {pattern}" for what, patterns in REQUIRED_FILES.items() for pattern in patterns
               if not any(bundle.contents.glob(pattern))]
    for name in ("studio", "studio-cli"):
        if not bundle.exe(name).is_file():
            missing.append(f"executable {bundle.exe(name).name}")
    # A spec rule that drops a library but not PyInstaller's symlink to it leaves a link to nothing.
    missing += [f"dangling link {p.relative_to(bundle.root)}" for p in bundle.root.rglob("*")
                if p.is_symlink() and not p.exists()]
    return Outcome("bundle files", not missing, "; ".join(missing) or f"{len(REQUIRED_FILES)} groups present")


def archive_modules(exe: Path) -> set[str] | None:
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        return None
    archive = CArchiveReader(str(exe))
    pyz_name = next(name for name, entry in archive.toc.items() if entry[-1] == "z")
    return set(archive.open_embedded_archive(pyz_name).toc)


def check_archive_modules(bundle: Bundle) -> Outcome:
    problems: list[str] = []
    for name, must, must_not in (
        ("studio", REQUIRED_MODULES + GUI_ONLY_MODULES, []),
        ("studio-cli", REQUIRED_MODULES, ["PySide6", "shiboken6", "studio.ui"]),
    ):
        modules = archive_modules(bundle.exe(name))
        if modules is None:
            return Outcome("archive modules", True, "skipped: PyInstaller not importable here", ["not checked"])
        problems += [f"{name} lacks {m}" for m in must if m not in modules]
        problems += [f"{name} contains {m}" for m in must_not if any(x == m or x.startswith(m + ".") for x in modules)]
    return Outcome("archive modules", not problems, "; ".join(problems) or
                   "keyring backends (SecretService/Windows/macOS/KWallet), openai, azure.identity, truststore; no Qt in CLI")


def check_linked_libraries(bundle: Bundle) -> Outcome:
    """Every bundled library's dependencies resolve inside the bundle or on the system (Linux, ldd)."""
    if not sys.platform.startswith("linux") or not shutil.which("ldd"):
        return Outcome("linked libraries", True, "skipped (Linux only)", ["not checked"])
    lib_dirs = sorted({str(p.parent) for p in bundle.contents.rglob("*.so*")})
    env = dict(os.environ, LD_LIBRARY_PATH=os.pathsep.join([str(bundle.contents)] + lib_dirs))
    bundled = {p.name for p in bundle.contents.rglob("*.so*")}
    broken: list[str] = []
    system_missing: dict[str, set[str]] = {}
    for lib in sorted(bundle.contents.rglob("*.so*")):
        out = subprocess.run(["ldd", str(lib)], env=env, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if "not found" in line:
                dep = line.split("=>")[0].strip()
                rel = lib.relative_to(bundle.contents)
                if dep.startswith(("libQt6", "libpyside", "libshiboken", "libicu", "libpython")) or dep in bundled:
                    broken.append(f"{rel} needs {dep}")
                else:
                    system_missing.setdefault(dep, set()).add(rel.name)
    notes = [f"system library {dep} is not on this machine (not bundled; needed by {', '.join(sorted(users)[:3])}"
             f"{' and others' if len(users) > 3 else ''})" for dep, users in sorted(system_missing.items())]
    return Outcome("linked libraries", not broken, "; ".join(broken[:8]) or "bundled libraries resolve", notes)


def check_version(bundle: Bundle, name: str, version: str, env: dict[str, str], timings: dict) -> Outcome:
    proc, cold, warm = timed_runs(bundle, [bundle.exe(name), "--version"], env)
    text = proc.stdout + proc.stderr
    timings[f"{name} --version"] = (cold, warm)
    if proc.returncode != 0:
        return Outcome(f"{name} --version", False, describe(proc))
    if version not in text:
        if IS_WIN and name == "studio" and not text.strip():
            return Outcome(f"{name} --version", True, "exit 0 (windowed executable: no console output)")
        return Outcome(f"{name} --version", False, f"printed {text.strip()!r}, expected version {version}")
    return Outcome(f"{name} --version", True, text.strip().splitlines()[0])


def check_cli_verdicts(bundle: Bundle, work: Path, env: dict[str, str]) -> Outcome:
    folder = work / "images"
    expected = make_check_folder(folder)
    proc, took = run([bundle.exe("studio-cli"), "check", folder, "--json"], env)
    if proc.returncode != 0:
        return Outcome("studio-cli check --json", False, describe(proc))
    try:
        files = last_json_object(proc.stdout)["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome("studio-cli check --json", False, f"unexpected output ({exc}): {proc.stdout[:300]!r}")
    got = {}
    for rel, info in files.items():
        verdict = info.get("verdict") or info.get("reason") or ("ok" if info.get("ok") else "?")
        got[Path(rel).name] = "ok" if info.get("ok") is True else str(verdict)
    wrong = [f"{name}: got {got.get(name, '<absent>')}, want {'/'.join(sorted(ok))}"
             for name, ok in expected.items() if got.get(name, "<absent>") not in ok]
    by_verdict: dict[str, list[str]] = {}
    for file_name, verdict in sorted(got.items()):
        by_verdict.setdefault(verdict, []).append(file_name)
    summary = "; ".join(f"{v}: {len(names)} file(s)" if v == "ok" else f"{v}: {', '.join(names)}"
                        for v, names in by_verdict.items())
    return Outcome("studio-cli check --json", not wrong, "; ".join(wrong) or f"{summary} ({took:.1f} s)")


def check_cli_demo_submission(bundle: Bundle, work: Path, env: dict[str, str]) -> Outcome:
    name = "studio-cli new + import-labels + submit --demo"
    folder, project = work / "labelled", work / "smoke.studio"
    make_labelled_folder(folder)
    cli = bundle.exe("studio-cli")
    for cmd in ([cli, "new", project, folder], [cli, "import-labels", project, "--folders"],
                [cli, "submit", project, "--demo"]):
        proc, took = run(cmd, env)
        if proc.returncode != 0:
            return Outcome(name, False, f"{Path(str(cmd[1])).name}: {describe(proc)}")
    job_id = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if not project.is_file() or not job_id.startswith("ftjob-"):
        return Outcome(name, False, f"no project file or no job id: {proc.stdout[-300:]!r}")
    return Outcome(name, True, f"job {job_id} created through the SDK ({took:.1f} s)")


def check_keyring(bundle: Bundle, work: Path, env: dict[str, str]) -> Outcome:
    name = "keyring backends (studio-cli login)"
    if not sys.platform.startswith("linux"):
        return Outcome(name, True, "skipped: would write into this user's real credential store", ["not checked"])
    home = work / "keyring-home"
    env = isolated_env(home, XDG_RUNTIME_DIR=str(home))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # never the user's own session bus (their real keyring)
    home.mkdir(parents=True, exist_ok=True)
    login = f"printf 'sk-smoke-test\\n' | '{bundle.exe('studio-cli')}' login openai --api-key-stdin"
    if shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"):
        script = f"printf smoke | gnome-keyring-daemon --unlock --components=secrets >/dev/null && {login}"
        proc, _ = run(["dbus-run-session", "--", "sh", "-c", script], env)
        saved = "in the system keyring" in proc.stdout
        return Outcome(name, proc.returncode == 0 and saved,
                       "SecretService (gnome-keyring, private D-Bus session) used" if saved else describe(proc))
    proc, _ = run(["sh", "-c", login], env)
    ok = proc.returncode == 0 and "no system keyring" in proc.stderr.lower()
    return Outcome(name, ok, "no D-Bus session: fell back to session-only, as designed" if ok else describe(proc),
                   ["SecretService not exercised: install dbus and gnome-keyring to test it"])


# What `studio --self-test` must report as found: label -> words of which one must be in a check's name.
SELF_TEST_REQUIRED = {
    "resources": ("resource",),
    "Qt plugins": ("plugin", "platform", "image_format"),
    "certificates": ("cert", "ca_bundle"),
}


def self_test_checks(report: dict) -> dict[str, dict]:
    """Accepts {"checks": {name: {"ok": bool, ...}}} or {"checks": [{"name": ..., "ok": ...}]} (or bools)."""
    checks = report.get("checks", {})
    if isinstance(checks, list):
        checks = {str(c.get("name")): c for c in checks if isinstance(c, dict)}
    return {name: value if isinstance(value, dict) else {"ok": bool(value)} for name, value in checks.items()}


def paths_outside(detail: Any, inside: Path) -> list[str]:
    """Absolute paths in a check's detail that are not in the bundle: the app found a file elsewhere."""
    values = detail.values() if isinstance(detail, dict) else [detail] if isinstance(detail, str) else []
    found = [Path(v) for v in values if isinstance(v, str) and Path(v).is_absolute()]
    return [str(p) for p in found if inside.resolve() not in p.resolve().parents]


def check_gui_self_test(bundle: Bundle, work: Path, env: dict[str, str], timings: dict) -> Outcome:
    env = dict(env, QT_QPA_PLATFORM="offscreen")
    proc, cold, warm = timed_runs(bundle, [bundle.exe("studio"), "--self-test"], env, cwd=work)
    if proc.returncode != 0:
        return Outcome("studio --self-test (offscreen)", False, describe(proc))
    timings["studio --self-test (offscreen)"] = (cold, warm)
    try:
        report = last_json_object(proc.stdout)
    except ValueError:
        if IS_WIN and not proc.stdout.strip():
            return Outcome("studio --self-test (offscreen)", True, "exit 0 (windowed: no console output)")
        return Outcome("studio --self-test (offscreen)", False, f"no JSON on stdout: {proc.stdout[:300]!r}")
    checks = self_test_checks(report)
    problems = [f"{name} failed: {c.get('error', c)}" for name, c in checks.items() if not c.get("ok")]
    for label, words in SELF_TEST_REQUIRED.items():
        if not any(word in name.lower() for name in checks for word in words):
            problems.append(f"does not report {label} (no check named *{'* or *'.join(words)}*)")
    # Found is not enough: resources, plugins and CA file must be the bundle's own, not the source tree's.
    for name, c in checks.items():
        if any(word in name.lower() for words in SELF_TEST_REQUIRED.values() for word in words):
            problems += [f"{name} uses {p}, outside the bundle" for p in paths_outside(c.get("detail"), bundle.root)]
    if report.get("frozen") is False:
        problems.append("says it is not frozen: the executable ran the source tree?")
    if report.get("ok") is False and not problems:
        problems.append("overall ok is false")
    detail = ", ".join(f"{n}={'ok' if c.get('ok') else 'FAIL'}" for n, c in checks.items())
    return Outcome("studio --self-test (offscreen)", not problems, "; ".join(problems) or detail)


def check_gui_on_x11(bundle: Bundle, work: Path, env: dict[str, str]) -> Outcome:
    """The same self-test on a real X server (Xvfb): the xcb plugin and its libxcb-* libraries load."""
    name = "studio --self-test (xcb, Xvfb)"
    if not sys.platform.startswith("linux") or not shutil.which("xvfb-run"):
        return Outcome(name, True, "skipped: needs Linux and xvfb-run", ["xcb platform not exercised"])
    proc, took = run(["xvfb-run", "-a", bundle.exe("studio"), "--self-test"], dict(env, QT_QPA_PLATFORM="xcb"), cwd=work)
    try:
        report = last_json_object(proc.stdout)
    except ValueError:
        return Outcome(name, False, describe(proc))
    platform_name = str(self_test_checks(report).get("qt_platform", {}).get("detail", {}))
    ok = proc.returncode == 0 and report.get("ok") is not False and "xcb" in platform_name
    return Outcome(name, ok, f"ran on xcb ({took:.1f} s)" if ok else f"{describe(proc)}; qt_platform={platform_name}")


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", type=Path, help="the built app folder (packaging/dist/studio) or the .app")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder for inspection")
    args = parser.parse_args(argv)

    if not args.app.exists():
        print(f"smoke test: {args.app} does not exist; build first (packaging/build.sh)", file=sys.stderr)
        return 2
    bundle = Bundle.locate(args.app)
    version = read_metadata().version
    work = Path(tempfile.mkdtemp(prefix="studio-smoke-"))
    env = isolated_env(work / "home")
    timings: dict[str, tuple[float | None, float]] = {}
    steps: list[Callable[[], Outcome]] = [
        lambda: check_bundle_files(bundle),
        lambda: check_archive_modules(bundle),
        lambda: check_linked_libraries(bundle),
        lambda: check_version(bundle, "studio-cli", version, env, timings),
        lambda: check_version(bundle, "studio", version, env, timings),
        lambda: check_cli_verdicts(bundle, work, env),
        lambda: check_cli_demo_submission(bundle, work, env),
        lambda: check_keyring(bundle, work, env),
        lambda: check_gui_self_test(bundle, work, env, timings),
        lambda: check_gui_on_x11(bundle, work, env),
    ]
    outcomes = []
    try:
        for step in steps:
            try:
                outcome = step()
            except subprocess.TimeoutExpired as exc:
                outcome = Outcome(str(exc.cmd[-2:]), False, f"timed out after {TIMEOUT_S} s")
            outcomes.append(outcome)
            print(f"[{'PASS' if outcome.ok else 'FAIL'}] {outcome.name}: {outcome.detail}", flush=True)
            for note in outcome.notes:
                print(f"       note: {note}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    files = [p for p in bundle.root.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    print(f"\nbundle: {size / 2**20:.0f} MiB in {len(files)} files "
          f"({platform.system()} {platform.machine()})")
    for name, (cold, warm) in timings.items():
        cold_text = f"cold {cold:.2f} s, " if cold is not None else ""
        print(f"start time: {name}: {cold_text}warm best of 3 {warm:.2f} s")
    failed = [o.name for o in outcomes if not o.ok]
    print(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
