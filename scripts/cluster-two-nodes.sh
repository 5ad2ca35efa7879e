#!/usr/bin/env bash
# Launcher for scripts/cluster-harness-bench.sh, run by the bench harness as
# its custom server command: two frappe-realtime nodes on one bench with
# --adapter redis (the harness's Redis), each on a free loopback port, and a
# round-robin TCP splitter (scripts/tcp-splitter.js) on the harness's port.
# The nodes stay in the harness's process session, so its CPU figures are
# both nodes' sum; the splitter runs in a session of its own and is left out.
#
#   cluster-two-nodes.sh SERVER_BINARY BENCH_DIR PORT
set -uo pipefail
server="$1" bench="$2" port="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
read -r p1 p2 < <(node -e '
const net = require("net"); const out = []; let left = 2;
for (let i = 0; i < 2; i++) { const s = net.createServer(); s.listen(0, "127.0.0.1", () => {
  out.push(s); if (--left === 0) { console.log(out.map((x) => x.address().port).join(" ")); out.forEach((x) => x.close()); } }); }')
pids=()
stop() {
    trap - EXIT TERM INT
    kill -TERM "${pids[@]}" 2>/dev/null
    wait
}
trap stop EXIT
trap 'exit 143' TERM INT
"$server" --no-gui --bench "$bench" --port "$p1" --adapter redis &
pids+=($!)
"$server" --no-gui --bench "$bench" --port "$p2" --adapter redis &
pids+=($!)
open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 300); do open "$p1" && open "$p2" && break; sleep 0.1; done
setsid node "$here/tcp-splitter.js" "$port" "$p1" "$p2" &
pids+=($!)
wait
