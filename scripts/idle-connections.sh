#!/usr/bin/env bash
# Holds N idle Socket.IO WebSocket connections against the server and reports
# its memory: connected count, server RSS before/after, bytes per connection,
# and whether every connection survived at least two heartbeat rounds. Not run
# in CI (20000 sockets take about three minutes and a few hundred MB).
#
#   bash scripts/idle-connections.sh                  20000 connections
#   IDLE_N=2000 bash scripts/idle-connections.sh
#
# Environment:
#   IDLE_N              connections (default 20000)
#   IDLE_WORKERS        client processes (default one per 5000 connections)
#   PING_INTERVAL_MS    server ping interval (default 25000, as in production); PING_TIMEOUT_MS
#                       (default 20000). Shorter intervals stress the server's timers: at
#                       10000/5000 it dropped sockets from about 15000 connections on (2026-11-28).
#   HOLD_S              minimum hold time; at least 2 x interval + timeout is always held
#   SERVER              server binary (default: build it in $BUILD_DIR)
#   BUILD_DIR           build tree (default build-bench, configured like scripts/microbench.sh)
#   NODE_DIR            where the pinned `ws` package is installed (default $BUILD_DIR/node)
#   SERVER_WRAPPER      prefix for the server command, e.g. "heaptrack -o /tmp/idle"
#   SERVER_LOG          where the server's output goes (default /tmp/idle-connections-server.log)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build-bench}"
node_dir="${NODE_DIR:-$build_dir/node}"

if [[ -z "${SERVER:-}" ]]; then
    cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DRT_BUILD_GUI=OFF \
        -DRT_BUILD_TESTS=OFF >/dev/null
    nice cmake --build "$build_dir" -j2 --target frappe-realtime
    SERVER="$build_dir/app/frappe-realtime"
fi
export SERVER
bash "$repo/tests/integration/install-node-modules.sh" "$node_dir" >&2

# One descriptor per socket on both sides. The server raises its own soft limit
# to the hard one at start-up; make the hard one big enough (as root) first.
want=$(( ${IDLE_N:-20000} + 4096 ))
if [[ "$(ulimit -Hn)" != unlimited && "$(ulimit -Hn)" -lt "$want" ]]; then
    ulimit -Hn "$want" 2>/dev/null ||
        echo "idle-connections: cannot raise the hard fd limit $(ulimit -Hn) to $want (needs" \
            "root with CAP_SYS_RESOURCE); the server holds at most about $(( $(ulimit -Hn) - 32 ))" \
            "connections: lower IDLE_N to measure without refusals" >&2
fi
ulimit -Sn "$(ulimit -Hn)"

NODE_PATH="$node_dir/node_modules" exec node "$repo/scripts/idle-connections.js"
