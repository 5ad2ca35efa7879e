#!/usr/bin/env bash
# Install dependencies, build, and run frappe-realtime from the build tree.
#
#   bash scripts/run.sh                    the embedded default: no bench needed, a private
#                                          redis-server, demo site site1.localhost, dev auth
#                                          (loopback clients are Administrator), port 9000
#   bash scripts/run.sh [args...]          e.g. --bench /path/to/frappe-bench --port 9000
#   RT_SKIP_DEPS=1 bash scripts/run.sh     skip the apt step
#
# Adds --no-gui when there is no DISPLAY / WAYLAND_DISPLAY (unless --no-gui is given).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build}"
jobs="$(nproc 2>/dev/null || echo 2)"

bash "$repo/scripts/install-deps.sh"
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j"$jobs" --target frappe-realtime

binary="$build_dir/app/frappe-realtime"
if [[ ! -x "$binary" ]]; then
    echo "run.sh: $binary was not built" >&2
    exit 1
fi

extra=()
if [[ $# -eq 0 ]]; then
    # A first run should be usable at once: without a bench there is no Frappe
    # web server to ask who a client is, so admit local clients (dev auth).
    extra+=(--auth dev)
    echo "run.sh: no arguments: embedded default with --auth dev;" \
        "try http://127.0.0.1:9000/site1.localhost (pass --help for options)"
fi
has_gui_flag=0
for a in "$@"; do
    if [[ "$a" == "--no-gui" ]]; then has_gui_flag=1; fi
done
if [[ $has_gui_flag -eq 0 && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    extra+=(--no-gui)
fi

exec "$binary" "${extra[@]}" "$@"
