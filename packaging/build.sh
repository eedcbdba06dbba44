#!/usr/bin/env bash
# Build the packaged studio (one folder, two executables) and optionally smoke-test it.
#
#   packaging/build.sh              isolated venv -> PyInstaller -> packaging/dist/studio, prints the size
#   packaging/build.sh --test       the same, then runs packaging/smoke_test.py against the built app
#   packaging/build.sh --test-only  smoke-test the app already in packaging/dist (no rebuild)
#   packaging/build.sh --clean      wipe PyInstaller's cache and the previous dist first
#   packaging/build.sh --archive    also pack the app into packaging/dist/<app-id>-<version>-<os>-<arch>.tar.gz
#
# Environment: PYTHON (interpreter for the build venv, default python3; must be 3.11+ with a shared
# libpython), STUDIO_BUILD_VENV (venv location, default packaging/build/venv).
# On a shared machine run it niced: `nice -n 10 packaging/build.sh --test`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${STUDIO_BUILD_VENV:-$HERE/build/venv}"
DIST="$HERE/dist"
WORK="$HERE/build/work"
APP_DIR="$DIST/studio"

build=1 test=0 archive=0 clean=()
for arg in "$@"; do
    case "$arg" in
        --test) test=1 ;;
        --test-only) build=0 test=1 ;;
        --clean) clean=(--clean) ;;
        --archive) archive=1 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

venv_python() {
    if [[ -x "$VENV/bin/python" ]]; then echo "$VENV/bin/python"; else echo "$VENV/Scripts/python.exe"; fi
}

if (( build )); then
    if [[ ! -d "$VENV" ]]; then
        echo "== creating build venv $VENV"
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    PY="$(venv_python)"
    echo "== installing the studio and PyInstaller into the build venv"
    "$PY" -m pip install --quiet --upgrade pip
    # -e: the spec reads studio/ and resources/ from this checkout, the venv only provides the libraries.
    "$PY" -m pip install --quiet -e "$ROOT[build]"

    echo "== PyInstaller ($("$PY" -m PyInstaller --version))"
    start=$(date +%s)
    (cd "$ROOT" && "$PY" -m PyInstaller --noconfirm --log-level WARN ${clean[@]+"${clean[@]}"} \
        --distpath "$DIST" --workpath "$WORK" "$HERE/studio.spec")
    echo "== built in $(( $(date +%s) - start )) s: $APP_DIR"
fi

if [[ "$(uname -s)" == Darwin ]]; then
    for app in "$DIST"/*.app; do APP_DIR="$app"; done  # the .app wraps the same folder on macOS
fi
if [[ ! -d "$APP_DIR" ]]; then
    echo "build.sh: no app at $APP_DIR; run packaging/build.sh first" >&2
    exit 1
fi
echo "== size: $(du -sh "$APP_DIR" | cut -f1) in $(find "$APP_DIR" -type f | wc -l) files ($APP_DIR)"

if (( archive )); then
    read -r app_id version < <(cd "$ROOT" && "$(venv_python)" "$HERE/app_metadata.py")
    os_name="$(uname -s | tr '[:upper:]' '[:lower:]')"
    tarball="$DIST/$app_id-$version-$os_name-$(uname -m).tar.gz"
    tar -C "$(dirname "$APP_DIR")" -czf "$tarball" "$(basename "$APP_DIR")"
    echo "== archive: $tarball ($(du -h "$tarball" | cut -f1))"
fi

if (( test )); then
    PY="$(venv_python)"
    [[ -x "$PY" ]] || PY="${PYTHON:-python3}"  # --test-only without a venv: any Python with Pillow
    echo "== smoke test"
    "$PY" "$HERE/smoke_test.py" "$APP_DIR"
fi
