#!/bin/sh
# Add Vision Fine-Tuning Studio to this user's application menu and let file managers open
# *.studio projects with it. Shipped next to the `studio` executable in the packaged folder; run it
# from there after unpacking (again after moving the folder). `--uninstall` removes the entries.
# Touches only ~/.local/share (XDG_DATA_HOME); needs no root.
set -eu

APP_ID=vision-finetune-studio
HERE="$(cd "$(dirname "$0")" && pwd)"
RES="$HERE/_internal/resources/app"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
DESKTOP="$DATA/applications/$APP_ID.desktop"

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
    command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$DESKTOP" "$DATA/mime/packages/$APP_ID.xml" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
    for png in "$DATA"/icons/hicolor/*/apps/"$APP_ID".png; do rm -f "$png"; done
    refresh
    echo "Removed the menu entry of Vision Fine-Tuning Studio."
    exit 0
fi

if [ ! -x "$HERE/studio" ] || [ ! -f "$RES/$APP_ID.desktop" ]; then
    echo "Run this script from the unpacked studio folder (next to the 'studio' program)." >&2
    exit 1
fi

mkdir -p "$DATA/applications" "$DATA/mime/packages" "$DATA/icons/hicolor/scalable/apps"
for png in "$RES/$APP_ID"-*.png; do
    size="${png##*-}"; size="${size%.png}"
    mkdir -p "$DATA/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$DATA/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
cp "$RES/$APP_ID.svg" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
cp "$RES/$APP_ID-mime.xml" "$DATA/mime/packages/$APP_ID.xml"
# The shipped entry runs `studio` from PATH; point it at this folder instead (quoted for spaces).
sed -e "s|^Exec=studio |Exec=\"$HERE/studio\" |" -e "s|^TryExec=studio\$|TryExec=$HERE/studio|" \
    "$RES/$APP_ID.desktop" > "$DESKTOP"
refresh
echo "Vision Fine-Tuning Studio is now in your application menu ($DESKTOP)."
