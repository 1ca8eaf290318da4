#!/usr/bin/env bash
# Packages the application and runs the benchmark against it; prints the figures as JSON.
#   bash src/bench/run.sh            (build, then measure)
#   bash src/bench/run.sh --no-build (measure the jar already in target/)
#   bash src/bench/run.sh burst      (one phase: schedule, batch, burst, scattered or pacing; or active,
#       10,000 calls in progress polled every 5 s, not in the default run: it takes about 3 minutes)
#   bash src/bench/run.sh large      (a year of calls: 2,000,000 stored through the batch API into a fresh H2 file
#       by an app with -Xmx256m, then read latencies while 200 calls a second are scheduled and dialled, and again
#       with 10,000 calls in progress; the bytes per call and the memory. About 8 minutes. BENCH_LARGE_CALLS and
#       BENCH_LARGE_HEAP change the 2,000,000 and the -Xmx256m. With --postgresql: the same on PostgreSQL, in the
#       database of the instances phase, whose tables it empties)
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
    --postgresql) profile=(-Dquarkus.profile=postgresql); export BENCH_DB=postgresql; shift ;;
    *) break ;;
  esac
done
if [ "$build" = yes ]; then
  ./mvnw -B -q package -DskipTests "${profile[@]}"
fi
# The JDBC drivers the app was packaged with: PostgreSQL's for the instances and large phases to empty their
# tables and measure them, H2's for the large phase to compact the file it measured.
shopt -s nullglob
drivers=(target/quarkus-app/lib/main/org.postgresql.postgresql-*.jar target/quarkus-app/lib/main/com.h2database.h2-*.jar)
classpath=$(IFS=:; echo "${drivers[*]}")
exec java ${classpath:+--class-path "$classpath"} src/bench/Benchmark.java "$@"
