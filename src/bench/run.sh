#!/usr/bin/env bash
# Packages the application and runs the benchmark against it; prints the figures as JSON.
#   bash src/bench/run.sh            (build, then measure)
#   bash src/bench/run.sh --no-build (measure the jar already in target/)
#   bash src/bench/run.sh burst      (one phase: schedule, batch, burst, scattered or pacing; or active,
#       10,000 calls in progress polled every 5 s, not in the default run: it takes about 3 minutes)
#   bash src/bench/run.sh --postgresql instances
#       (10,000 due calls on 1, 2 and 3 instances sharing a PostgreSQL database; it packages with
#       -Dquarkus.profile=postgresql into the same target/, replacing the H2 jar, so build again
#       without --postgresql before the other phases. Needs QUARKUS_DATASOURCE_PASSWORD and a database
#       of its own, whose calls it deletes: BENCH_PG_URL, default
#       jdbc:postgresql://localhost:5432/callscheduler_bench, user BENCH_PG_USER, default callscheduler.)
#   bash src/bench/run.sh --postgresql instances-io
#       (the same with the dial slots as the limit: the Call API answers in 300 ms, 16 dial slots per
#       instance, 3,000 due calls; adds POSTs per second over time, the longest gap, the speed-up over
#       one instance, and fails if a call was POSTed twice. BENCH_PORT_BASE=18790 puts the instances on
#       ports 18790 and up; BENCH_INSTANCES=1,3 picks the rounds of both instances phases.)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=yes
profile=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=no; shift ;;
    --postgresql) profile=(-Dquarkus.profile=postgresql); shift ;;
    *) break ;;
  esac
done
if [ "$build" = yes ]; then
  ./mvnw -B -q package -DskipTests "${profile[@]}"
fi
# The PostgreSQL driver the app was packaged with, for the instances phase to empty its table.
shopt -s nullglob
driver=(target/quarkus-app/lib/main/org.postgresql.postgresql-*.jar)
exec java ${driver:+--class-path "${driver[0]}"} src/bench/Benchmark.java "$@"
