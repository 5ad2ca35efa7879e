#!/usr/bin/env bash
# Throughput against the number of I/O threads (--io-threads), measured with
# the shared bench harness (../shared/bench, or BENCH_DIR): the same server
# binary runs the fanout and targeted scenarios once per thread count, and one
# table line per run shows deliveries/s, CPU per million deliveries, p99
# latency and how many cores the server and the whole box used.
#
#   bash scripts/scaling-bench.sh                        1, 2, 4, ... up to the cores
#   THREADS="1 2 4 8 16" bash scripts/scaling-bench.sh   explicit thread counts
#   SCENARIOS="fanout" ROUNDS=3 bash scripts/scaling-bench.sh
#
# The load generator runs on the same machine, so give it cores too: the
# default LOAD_WORKERS is half the cores, and the scenario sizes grow with the
# cores (FANOUT_C, TARGETED_C; override them like any harness knob). On a
# 2-core box the client side saturates the box first; the figures show where
# the server itself stops scaling only on a machine with cores to spare
# (server_util well below the thread count while box_busy_cores is below the
# core count).
#
# SERVER (default build/app/frappe-realtime) is the binary; OUT keeps the raw
# result lines (default: a temp file, printed at the end).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${BENCH_DIR:-$repo/../shared/bench}"
server="${SERVER:-$repo/build/app/frappe-realtime}"
cores="$(nproc)"
scenarios="${SCENARIOS:-fanout targeted}"
rounds="${ROUNDS:-1}"

if [[ ! -x "$server" ]]; then
    echo "scaling-bench: no server binary at $server (build first, or set SERVER)" >&2
    exit 2
fi
if [[ ! -f "$bench_dir/run.sh" ]]; then
    echo "scaling-bench: no bench harness at $bench_dir (set BENCH_DIR)" >&2
    exit 2
fi

if [[ -z "${THREADS:-}" ]]; then
    THREADS=""
    for ((n = 1; n < cores; n *= 2)); do THREADS+="$n "; done
    THREADS+="$cores"
fi
export LOAD_WORKERS="${LOAD_WORKERS:-$(((cores + 1) / 2))}"
# Enough clients that every I/O thread holds a few hundred of them.
export FANOUT_C="${FANOUT_C:-$((cores > 4 ? 250 * cores : 1000))}"
export TARGETED_C="${TARGETED_C:-$((cores > 4 ? 250 * cores : 1000))}"

out="${OUT:-$(mktemp /tmp/scaling-bench.XXXXXX)}"
echo "scaling-bench: $server on $cores cores; threads: $THREADS; scenarios: $scenarios;" \
    "LOAD_WORKERS=$LOAD_WORKERS FANOUT_C=$FANOUT_C TARGETED_C=$TARGETED_C; raw lines: $out"

field() { grep -o "\b$1=[^ ]*" <<<"$2" | head -n1 | cut -d= -f2; }

printf '%-10s %-8s %14s %12s %10s %12s %12s %s\n' scenario threads deliveries_per_s cpu_s_per_M \
    lat_p99_ms server_util box_busy status
for ((round = 1; round <= rounds; round++)); do
    for scenario in $scenarios; do
        for n in $THREADS; do
            line="$(cd "$bench_dir" && bash run.sh custom --label "io$n" \
                --cmd "$server --no-gui --bench {bench} --io-threads $n" "$scenario" 2>&1 |
                grep '^scenario=' | tail -n1 || true)"
            if [[ -z "$line" ]]; then
                printf '%-10s %-8s %s\n' "$scenario" "$n" "no result line (run with --keep to see logs)"
                continue
            fi
            echo "io_threads=$n $line" >>"$out"
            printf '%-10s %-8s %14s %12s %10s %12s %12s %s\n' "$scenario" "$n" \
                "$(field deliveries_per_s "$line")" "$(field cpu_s_per_M "$line")" \
                "$(field lat_p99_ms "$line")" "$(field server_util "$line")" \
                "$(field box_busy_cores "$line")" "$(field status "$line")"
        done
    done
done
