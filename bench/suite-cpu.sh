#!/usr/bin/env bash
# The test suite's wall time and the whole machine's CPU (user + system from /proc/stat: the test process,
# PostgreSQL and Chromium together) for one `./allmende test` run (issue 13 item 6). Run it on a quiet machine,
# in turns for the variants compared, on the same build.
#
#   bench/suite-cpu.sh LABEL [NAME=VALUE ...]      e.g. bench/suite-cpu.sh pgo-on DOTNET_TieredPGO=1
set -euo pipefail
cd "$(dirname "$0")/.."
label="$1"; shift
log="$(mktemp)"
read -r _ u0 n0 s0 _ < /proc/stat; t0=$(date +%s.%N); l0=$(cut -d' ' -f1 /proc/loadavg)
status=0; env "$@" ./allmende test > "$log" 2>&1 || status=$?
read -r _ u1 n1 s1 _ < /proc/stat; t1=$(date +%s.%N); l1=$(cut -d' ' -f1 /proc/loadavg)
echo "$label: exit $status, wall $(echo "$t1 - $t0" | bc) s, machine CPU $(( (u1 + n1 + s1 - u0 - n0 - s0) / $(getconf CLK_TCK) )) s, load $l0 -> $l1"
grep -E 'Passed!|Failed!' "$log" || echo "(no summary: see $log)"
