#!/usr/bin/env bash
# The shared bench harness's fanout and targeted scenarios (../shared/bench,
# or BENCH_DIR) against one frappe-realtime node, one node with
# --adapter redis, and two nodes with --adapter redis on the harness's Redis
# (scripts/cluster-two-nodes.sh: the load generator's clients are spread
# round-robin over the two ports by scripts/tcp-splitter.js). One table line
# per run. The harness publishes Frappe `events`, which every node delivers to
# its own clients: this measures how the delivery work splits over the nodes,
# not the adapter (scripts/cluster-bench.js measures broadcasts through it).
#
#   bash scripts/cluster-harness-bench.sh
#   FANOUT_C=200 FANOUT_E=200 TARGETED_C=200 TARGETED_E=2000 bash scripts/cluster-harness-bench.sh
#
# SERVER (default build/app/frappe-realtime) is the binary; SETUPS picks runs
# (default "one one-redis two"); OUT keeps the raw result lines.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${BENCH_DIR:-$repo/../shared/bench}"
[[ -f "$bench_dir/run.sh" ]] || bench_dir="/work/shared/bench"
server="${SERVER:-$repo/build/app/frappe-realtime}"
scenarios="${SCENARIOS:-fanout targeted}"
setups="${SETUPS:-one one-redis two}"

if [[ ! -x "$server" ]]; then
    echo "cluster-harness-bench: no server binary at $server (build first, or set SERVER)" >&2
    exit 2
fi
if [[ ! -f "$bench_dir/run.sh" ]]; then
    echo "cluster-harness-bench: no bench harness at $bench_dir (set BENCH_DIR)" >&2
    exit 2
fi
out="${OUT:-$(mktemp /tmp/cluster-harness-bench.XXXXXX)}"
echo "cluster-harness-bench: $server; setups: $setups; scenarios: $scenarios; raw lines: $out"

field() { grep -o "\b$1=[^ ]*" <<<"$2" | head -n1 | cut -d= -f2; }
command_for() {
    case "$1" in
    one) echo "$server --no-gui --bench {bench}" ;;
    one-redis) echo "$server --no-gui --bench {bench} --adapter redis" ;;
    two) echo "bash $repo/scripts/cluster-two-nodes.sh $server {bench} {port}" ;;
    *) echo "cluster-harness-bench: unknown setup $1 (one, one-redis, two)" >&2; return 2 ;;
    esac
}

printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' setup scenario status deliveries \
    lost misrouted deliveries_per_s cpu_s_per_M lat_p99_ms server_util
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for setup in $setups; do
    cmd="$(command_for "$setup")"
    for scenario in $scenarios; do
        line="$(cd "$bench_dir" && bash run.sh custom --label "$setup" --cmd "$cmd" "$scenario" 2>&1 |
            grep '^scenario=' | tail -n1 || true)"
        if [[ -z "$line" ]]; then
            printf '| %s | %s | no result line (run the harness with --keep to see logs) |\n' \
                "$setup" "$scenario"
            continue
        fi
        echo "setup=$setup $line" >>"$out"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$setup" "$scenario" \
            "$(field status "$line")" "$(field deliveries "$line")/$(field expected "$line")" \
            "$(field lost "$line")" "$(field misrouted "$line")" \
            "$(field deliveries_per_s "$line")" "$(field cpu_s_per_M "$line")" \
            "$(field lat_p99_ms "$line")" "$(field server_util "$line")"
    done
done
