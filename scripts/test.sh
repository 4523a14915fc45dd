#!/usr/bin/env bash
# Runs the test tiers against one throwaway PostgreSQL + Kafka, timing each tier.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

UV="${UV:-uv}"
PYTHON="${PYTHON:-python3}"
STATE_DIR=.streetlevel/test-infra
RESULTS_DIR=.streetlevel/test-results

cleanup() { "$PYTHON" scripts/infra.py down --state-dir "$STATE_DIR" >/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT TERM  # turn signals into an exit so the EXIT trap stops the servers

if ! "$PYTHON" scripts/infra.py up --state-dir "$STATE_DIR"; then
    echo "test.sh: could not start the test PostgreSQL/Kafka" >&2
    exit 1
fi
set -a
# shellcheck source=/dev/null
. "$STATE_DIR/infra.env"
set +a
echo "test.sh: Kafka $STREETLEVEL_TEST_KAFKA_VERSION at $STREETLEVEL_TEST_KAFKA_BOOTSTRAP," \
    "PostgreSQL at $STREETLEVEL_TEST_PG_DSN"

rm -rf "$RESULTS_DIR" && mkdir -p "$RESULTS_DIR"
failed=()
timings=()

# run_tier NAME DIR... — runs pytest on the DIRs that exist; exit 5 (nothing collected) is fine.
run_tier() {
    local name=$1 dirs=() d start rc
    shift
    for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
    if ((${#dirs[@]} == 0)); then
        timings+=("$name: no test directories")
        return
    fi
    echo "=== tier $name: ${dirs[*]}"
    start=$EPOCHREALTIME
    "$UV" run --frozen pytest --junitxml="$RESULTS_DIR/$name.xml" "${dirs[@]}"
    rc=$?
    timings+=("$name: $(awk "BEGIN {printf \"%.1f\", $EPOCHREALTIME - $start}") s (exit $rc)")
    if ((rc != 0 && rc != 5)); then
        failed+=("$name")
    fi
}

run_tier unit libs/*/tests/unit services/*/tests/unit
run_tier component libs/*/tests/component services/*/tests/component
run_tier integration libs/*/tests/integration services/*/tests/integration
run_tier contract-e2e tests

echo "=== wall time per tier"
printf '  %s\n' "${timings[@]}"
# Every failed test again, a line each, so that the end of the log (all CI may keep) names them.
"$PYTHON" - "$RESULTS_DIR" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for case in ET.parse(path).getroot().iter("testcase"):
        for bad in (*case.findall("failure"), *case.findall("error")):
            message = (bad.get("message") or "").strip().splitlines() or [""]
            print(f"FAILED [{path.stem}] {case.get('classname')}::{case.get('name')}"
                  f" ({float(case.get('time') or 0):.1f} s): {message[0][:200]}")
PY
# One closing line over every tier, from the JUnit reports.
totals=$("$PYTHON" - "$RESULTS_DIR" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
n = f = s = 0
for path in pathlib.Path(sys.argv[1]).glob("*.xml"):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        n += int(suite.get("tests", 0))
        f += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        s += int(suite.get("skipped", 0))
print(n - f - s, f, s)
PY
)
read -r passed nfailed skipped <<<"$totals"
if ((${#failed[@]} > 0)); then
    echo "test.sh: FAILED tiers: ${failed[*]}"
elif ((skipped > 0)); then
    # Every test runs against real PostgreSQL and Kafka here: a skip hides a missing guarantee.
    echo "test.sh: FAILED: $skipped test(s) skipped"
    failed+=("skipped")
elif ((passed + nfailed == 0)); then
    echo "test.sh: ERROR: no test ran in any tier"
    failed+=("none-ran")
fi
echo "tests: $passed passed, $nfailed failed, $skipped skipped"
((${#failed[@]} == 0))
