#!/usr/bin/env bash
# Builds and runs the Google Benchmark micro-benchmarks (tests/bench) in a
# Release tree of their own. Figures are per item (`s_per_item`: ns per packet,
# frame, head or delivery). Not part of CI: timings are for reading, not gating.
#
#   bash scripts/microbench.sh                      every benchmark
#   bash scripts/microbench.sh bench_broadcast      only some executables
#   BENCH_ARGS='--benchmark_repetitions=3' bash scripts/microbench.sh
#
# BUILD_DIR (default build-bench) is the tree; JOBS (default 2) the build parallelism.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$repo/build-bench}"
all=(bench_eiopacket bench_siopacket bench_wsframe bench_httprequest bench_eventsrouter
     bench_broadcast)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")

cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DRT_BUILD_GUI=OFF \
    -DRT_BUILD_TESTS=OFF -DRT_BUILD_BENCHMARKS=ON >/dev/null
nice cmake --build "$build_dir" -j"${JOBS:-2}" --target "${targets[@]}"

for t in "${targets[@]}"; do
    echo "== $t"
    # shellcheck disable=SC2086  # BENCH_ARGS is a list of flags
    QT_QPA_PLATFORM=offscreen "$build_dir/tests/bench/$t" --benchmark_counters_tabular=true \
        ${BENCH_ARGS:-}
done
