#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan, preset `fuzz`) and runs
# each for a short while from its seed corpus in tests/fuzz/corpus/<target>.
#
#   bash scripts/fuzz-smoke.sh                  # every target, 30 s each
#   FUZZ_SECONDS=600 bash scripts/fuzz-smoke.sh fuzz_wsframe   # one target, longer
#   FUZZ_JOBS=2 ...                             # libFuzzer workers per target (default 1)
#   FUZZ_BUILD_DIR=/tmp/fz ...                  # build and corpus folder (default build-fuzz)
#
# New inputs go to build-fuzz/corpus/<target> (seeded from the repo copy), so
# the committed seeds stay small; crashes land in build-fuzz/artifacts/<target>/.
# Exit code: 0 when no target crashed, 1 otherwise (the first line of each
# crash report is printed). Needs clang-14 and libclang-rt-14-dev.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${FUZZ_SECONDS:-30}"
jobs="${FUZZ_JOBS:-1}"
# FUZZ_BUILD_DIR: where the instrumented build goes (CTest passes one inside its own
# build tree); default build-fuzz, the preset's folder.
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(fuzz_httphead fuzz_eiopacket fuzz_siodecoder fuzz_wsframe fuzz_eventsrouter
        fuzz_benchconfig)
fi

if ! command -v clang++-14 >/dev/null; then
    echo "fuzz-smoke: clang++-14 not found (apt-get install -y clang-14 libclang-rt-14-dev)" >&2
    exit 2
fi

echo "== configure + build ($build_dir)"
cmake --preset fuzz -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target "${targets[@]}" -j"$(nproc 2>/dev/null || echo 2)"

failed=()
for t in "${targets[@]}"; do
    corpus="$build_dir/corpus/$t"
    artifacts="$build_dir/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    log="$build_dir/$t.log"
    echo "== $t: ${seconds}s"
    parallel=()
    # -jobs spawns worker processes (logging to fuzz-N.log); only worth it for >1.
    [[ "$jobs" -gt 1 ]] && parallel=(-jobs="$jobs" -workers="$jobs")
    set +e
    # -max_len: big enough for several frames/records, small enough to stay fast.
    # -timeout: a single input taking >10 s is a hang worth reporting.
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
        "$build_dir/tests/fuzz/$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "${parallel[@]}" \
        -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
    rc=$?
    set -e
    # stat lines from -print_final_stats (one per worker with -jobs, in fuzz-N.log)
    logs=("$log")
    [[ "$jobs" -gt 1 ]] && logs+=(fuzz-*.log)
    execs=$(cat "${logs[@]}" 2>/dev/null | awk '/stat::number_of_executed_units/ {s+=$2} END {print s+0}')
    cov=$(cat "${logs[@]}" 2>/dev/null | grep -o 'cov: [0-9]*' | tail -n 1 || true)
    [[ "$jobs" -gt 1 ]] && rm -f fuzz-*.log
    if [[ $rc -ne 0 ]] || ls "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* \
        >/dev/null 2>&1; then
        echo "   CRASH (exit $rc): $(grep -m1 -E 'ERROR|invariant|runtime error' "$log" || true)"
        echo "   reproducers: $(ls "$artifacts" | tr '\n' ' ')   log: $log"
        failed+=("$t")
    else
        echo "   ok: $execs executions, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz-smoke: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz-smoke: all ${#targets[@]} targets ran ${seconds}s without a crash"
