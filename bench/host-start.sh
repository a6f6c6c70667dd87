#!/usr/bin/env bash
# Host start-up (issue 13 item 6): starts a built host N times, one after another, each until /health/ready answers
# 200, and prints per start the wall time and the host process's CPU (utime + stime from /proc, which a busy machine
# disturbs less than the wall time), then stops it. Compare two commits by building each (Release) and running this
# for both against the same database, in turns.
#
#   bench/host-start.sh DLL CONNECTION_STRING [N=5] [NAME=VALUE ...]
#   e.g. dotnet build -c Release src/Host && bench/host-start.sh src/Host/bin/Release/net10.0/Allmende.Host.dll \
#          "Host=127.0.0.1;Port=55433;Username=postgres;Database=allmende_start" 5 DOTNET_TieredPGO=0
#
# Runs in Development, as `dotnet run` does: the first start into an empty database seeds the demo data (count it
# apart, or start once before measuring). Extra NAME=VALUE pairs go to the host's environment.
set -euo pipefail
dll="$(realpath "$1")"; connection="$2"; n="${3:-5}"; shift $(( $# < 3 ? $# : 3 ))
port="${HOST_START_PORT:-5299}"
tck=$(getconf CLK_TCK)
log="$(mktemp)"; trap 'rm -f "$log"' EXIT
cd "$(dirname "$dll")/../../.."   # the project folder, as `dotnet run` (appsettings, wwwroot)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$n"); do
  t0=$(date +%s.%N)
  env ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Postgres="$connection" "$@" \
    dotnet "$dll" --urls "http://127.0.0.1:$port" > "$log" 2>&1 &
  pid=$!
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { echo "the host ended before it was ready:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v i="$i" -v w="$(echo "$t1 - $t0" | bc)" -v c="$(( ut + st ))" -v t="$tck" \
    'BEGIN { printf "start %d: wall %.2f s, host CPU to ready %.2f s\n", i, w, c / t }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
