#!/usr/bin/env bash
# Renders every view of the desktop monitor with live data (a real engine on
# 127.0.0.1, real WebSocket clients, publishes) into docs/screenshots/*.png.
# No display needed: the Qt offscreen platform draws the same pixels as X11.
#
#   scripts/screenshots.sh [BUILD_DIR]     (default: build)
#
# With xvfb-run available and RT_SCREENSHOTS_XVFB=1, it runs under Xvfb (xcb)
# instead, which is what a desktop session would show.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$root/docs/screenshots

cmake --build "$build" --target screenshotrenderer -j2 >/dev/null
test_bin=$(find "$build" -type f -name screenshotrenderer -perm -u+x | head -n1)
[ -n "$test_bin" ] || { echo "screenshotrenderer not built in $build" >&2; exit 1; }

mkdir -p "$out"
export RT_SCREENSHOT_DIR=$out
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
if [ "${RT_SCREENSHOTS_XVFB:-0}" = 1 ] && command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1280x800x24" "$test_bin" -platform xcb
else
    QT_QPA_PLATFORM=offscreen "$test_bin"
fi

# Keep the repository small: 256-colour PNGs are plenty for UI screenshots.
if command -v convert >/dev/null; then
    for f in "$out"/*.png; do convert "$f" -strip -colors 256 "PNG8:$f"; done
fi
ls -l "$out"
