#!/usr/bin/env bash
# Packages the application and runs the benchmark against it; prints the figures as JSON.
#   bash src/bench/run.sh            (build, then measure)
#   bash src/bench/run.sh --no-build (measure the jar already in target/)
#   bash src/bench/run.sh burst      (one phase: schedule, batch, burst, scattered or pacing; or active,
#       10,000 calls in progress polled every 5 s, not in the default run: it takes about 3 minutes)
#   bash src/bench/run.sh --no-build startup
#       (start-up, not in the default run: 10 starts, about a minute; time to the first answer and RSS idle.
#       BENCH_JAVA=/path/to/bin/java and BENCH_APP_OPTS pick the variant, e.g.
#       BENCH_APP_OPTS=-XX:SharedArchiveFile=app-cds.jsa after packaging with -Dquarkus.package.jar.appcds.enabled=true)
#   bash src/bench/run.sh --postgresql instances
#       (10,000 due calls on 1, 2 and 3 instances sharing a PostgreSQL database; it packages with
#       -Dquarkus.profile=postgresql into the same target/, replacing the H2 jar, so build again
#       without --postgresql before the other phases. Needs QUARKUS_DATASOURCE_PASSWORD and a database
#       of its own, whose calls it deletes: BENCH_PG_URL, default
#       jdbc:postgresql://localhost:5432/callscheduler_bench, user BENCH_PG_USER, default callscheduler.)
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
