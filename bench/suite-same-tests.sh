#!/usr/bin/env bash
# Issue 13 item 6 on the same tests: the suite of the commit before the move (BEFORE, c460411 by default) against this
# checkout's tests of the same classes (by class name) plus the classes the move brought (MOVE_CLASSES), in turns, each
# on its own Debug build made first. The whole suite is no measure of the move: it doubled beside it (the web app's
# browser tests, new modules). Prints per run the wall time, the whole machine's CPU (user + system from /proc/stat:
# the test process and PostgreSQL) and the test count. Run it on a quiet machine.
#
#   bench/suite-same-tests.sh [BEFORE] [ROUNDS]      e.g. bench/suite-same-tests.sh c460411 2
set -euo pipefail
cd "$(dirname "$0")/.."
after="$PWD"
before_rev="${1:-c460411}"; rounds="${2:-2}"
# Test classes that came with the move (ADR 15) in place of the before commit's MessagingTests and GapRuleTests.
MOVE_CLASSES="CritterStackTests WolverineMessagingTests WolverineDurabilityTests InlineParticipantTests InlineProjectionTests
  ParticipantTombstoneTests TombstoneTests ProjectionBacklogTests PagedReadingTests"

before="$(mktemp -d)/before"
git worktree add -q --detach "$before" "$before_rev"
trap 'git worktree remove --force "$before"' EXIT

classes() { grep -rhoE "^(public |internal )?(sealed )?(partial )?class [A-Za-z0-9]+Tests\b" "$1/tests" --include=*.cs | awk '{print $NF}' | sort -u; }
same="$(comm -12 <(classes "$before") <(classes "$after"); printf '%s\n' $MOVE_CLASSES)"
filter="$(sort -u <<< "$same" | sed 's/.*/FullyQualifiedName~.&./' | paste -sd'|')"
echo "before $before_rev: $(classes "$before" | wc -l) classes; after $(git rev-parse --short HEAD): $(sort -u <<< "$same" | wc -l) of its $(classes "$after" | wc -l) classes" >&2

for dir in "$before" "$after"; do (cd "$dir" && dotnet build tests/Allmende.Tests -v q -nologo > /dev/null); done

measure() { # label dir [dotnet test args]
  local label="$1" dir="$2"; shift 2
  local log; log="$(mktemp)"
  read -r _ u0 n0 s0 _ < /proc/stat; t0=$(date +%s.%N); l0=$(cut -d' ' -f1 /proc/loadavg)
  (cd "$dir" && dotnet test tests/Allmende.Tests --no-build "$@" > "$log" 2>&1) || true
  read -r _ u1 n1 s1 _ < /proc/stat; t1=$(date +%s.%N); l1=$(cut -d' ' -f1 /proc/loadavg)
  echo "| $label | $(grep -oE 'Passed: +[0-9]+' "$log" | grep -oE '[0-9]+' || echo '?') | $(grep -oE 'Failed: +[0-9]+' "$log" | grep -oE '[0-9]+' || echo '?') |" \
    "$(printf '%.0f' "$(echo "$t1 - $t0" | bc)") s | $(( (u1 + n1 + s1 - u0 - n0 - s0) / $(getconf CLK_TCK) )) s | $l0 → $l1 |"
}

echo "| Run | passed | failed | wall | machine CPU | load before → after |"
echo "|---|---:|---:|---:|---:|---|"
for round in $(seq "$rounds"); do
  measure "before ($before_rev), round $round" "$before"
  measure "after ($(git rev-parse --short HEAD)), same classes, round $round" "$after" --filter "$filter"
done
