#!/usr/bin/env bash
# The test suite's wall time and the whole machine's CPU (user + system from /proc/stat: the test process,
# PostgreSQL and Chromium together) for one `./allmende test` run (issue 13 item 6), and beside it the test
# process's own CPU (testhost's utime + stime from /proc, sampled every second until it exits; its reaped children,
# Chromium's among them, separately) and the number of hosts the suite started (AllmendeApp writes one line per host
# to $ALLMENDE_TEST_HOST_STARTS). Run it on a quiet machine, in turns for the variants compared, on the same build.
#
#   bench/suite-cpu.sh LABEL [NAME=VALUE ...]      e.g. bench/suite-cpu.sh pgo-on DOTNET_TieredPGO=1
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD" # only this checkout's test process: another run on the machine has its own
label="$1"; shift
log="$(mktemp)"; starts="$(mktemp)"; testhost="$(mktemp)"
tck=$(getconf CLK_TCK)
sample_testhost() { # the last reading of the test process's own and its children's CPU ticks
  local pid="" stat
  while :; do
    [[ -n "$pid" && -r /proc/$pid/stat ]] || pid="$(pgrep -f "$here/.*testhost\.dll" | head -n1 || true)"
    if [[ -n "$pid" ]] && stat="$(cat /proc/"$pid"/stat 2>/dev/null)"; then
      stat="${stat##*) }" # after the command name: field 3 onwards
      read -r -a f <<< "$stat"
      echo "${f[11]} ${f[12]} ${f[13]} ${f[14]}" > "$testhost" # utime stime cutime cstime
    fi
    sleep 1
  done
}
sample_testhost & sampler=$!
read -r _ u0 n0 s0 _ < /proc/stat; t0=$(date +%s.%N); l0=$(cut -d' ' -f1 /proc/loadavg)
status=0; env ALLMENDE_TEST_HOST_STARTS="$starts" "$@" ./allmende test > "$log" 2>&1 || status=$?
read -r _ u1 n1 s1 _ < /proc/stat; t1=$(date +%s.%N); l1=$(cut -d' ' -f1 /proc/loadavg)
kill "$sampler" 2>/dev/null || true
read -r ut st cut cst < "$testhost" || true
echo "$label: exit $status, wall $(echo "$t1 - $t0" | bc) s, machine CPU $(( (u1 + n1 + s1 - u0 - n0 - s0) / tck )) s," \
  "test process CPU $(( (${ut:-0} + ${st:-0}) / tck )) s (its children $(( (${cut:-0} + ${cst:-0}) / tck )) s)," \
  "host starts $(wc -l < "$starts"), load $l0 -> $l1"
grep -E 'Passed!|Failed!' "$log" || echo "(no summary: see $log)"
echo "host starts by class: $starts; log: $log"
