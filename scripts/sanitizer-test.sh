#!/usr/bin/env bash
# Builds the whole test suite with AddressSanitizer + UndefinedBehaviorSanitizer
# (CMake preset `sanitize`, gcc, build dir build-sanitize) and runs it with ctest.
#
#   bash scripts/sanitizer-test.sh                 # everything
#   bash scripts/sanitizer-test.sh -R integration.fault   # extra ctest args
#
# The server under test is a child of node, and its sanitizer reports would be
# lost among the test output, so every sanitized process writes its report to
# build-sanitize/sanitizer-logs/ (ASAN/UBSAN log_path) and the script fails
# when any report is there, even if all tests passed.
# Exit code: ctest's, or 3 when only sanitizer reports were found.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=build-sanitize
logs="$PWD/$build_dir/sanitizer-logs"
jobs="$(nproc 2>/dev/null || echo 2)"
start=$(date +%s)

bash scripts/install-deps.sh

echo "== configure + build (preset sanitize, -j$jobs)"
cmake --preset sanitize >/dev/null
cmake --build "$build_dir" -j"$jobs"

rm -rf "$logs"
mkdir -p "$logs"
# detect_leaks: Qt keeps some process-lifetime allocations, suppressed by the
# file below; a leak in our code still fails the run.
export ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export QT_QPA_PLATFORM=offscreen
# The sanitized server is 2-3x slower: give timing-bound tests more room.
export RT_SLOW_BUILD=1

echo "== test"
set +e
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 900 -j1 "$@" 2>&1 |
    tee "$build_dir/ctest.log"
rc=${PIPESTATUS[0]}
set -e

reports=$(find "$logs" -type f -size +0 | sort)
echo
echo "== ctest exit code $rc; $(grep -E '^[0-9]+% tests passed' "$build_dir/ctest.log" | tail -n 1)"
if [[ -n "$reports" ]]; then
    echo "== sanitizer reports ($(echo "$reports" | wc -l)):"
    for f in $reports; do
        echo "--- $f"
        grep -m3 -E 'ERROR|runtime error|SUMMARY' "$f" || head -n 5 "$f"
    done
    [[ $rc -eq 0 ]] && rc=3
else
    echo "== no sanitizer reports"
fi
echo "== duration $(($(date +%s) - start)) s"
exit "$rc"
