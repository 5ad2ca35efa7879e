#!/usr/bin/env bash
# Runs one test command for CTest and turns "some of it was skipped" into the
# exit code CTest reports as Skipped (SKIP_RETURN_CODE 77), so a skip never
# shows as a pass. A failure stays a failure: the test's own non-zero exit code
# wins over any skip.
#
#   run-reporting-skips.sh <command> [args...]
#
# Recognised summaries:
#   Qt Test          "Totals: 5 passed, 0 failed, 1 skipped, ..."
#   node --test      "ℹ skipped 1" / "ℹ todo 1" (spec reporter), "# skip 1" / "# todo 1" (tap)
set -uo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || exit "$rc"
if grep -aqE '^Totals: .*, [1-9][0-9]* skipped' "$out" ||
    grep -aqE '^(ℹ|#) (skipped|skip|todo) [1-9]' "$out"; then
    echo "run-reporting-skips: part of this test was skipped (see SKIP/skipped lines above)"
    exit 77
fi
exit 0
