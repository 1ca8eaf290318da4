#!/usr/bin/env bash
# The query plans of GET /api/calls's filters at 1,000,000 calls, on H2 and on PostgreSQL (README, "Query plans at
# 1,000,000 rows"). See src/bench/QueryPlans.java for the data and the statements.
#   bash src/bench/query-plans.sh h2            (a scratch H2 file under ${PLANS_DIR:-/tmp/call-scheduler-plans};
#       PLANS_H2_OPTIONS=";COMPRESS=TRUE" appends settings to its URL)
#   bash src/bench/query-plans.sh postgresql    (schema query_plans, dropped and created again, in the database of
#       QUARKUS_DATASOURCE_JDBC_URL, user QUARKUS_DATASOURCE_USERNAME, password QUARKUS_DATASOURCE_PASSWORD)
# Needs only the JDK and the two JDBC drivers, taken from target/quarkus-app/lib/main (after ./mvnw package) or
# from ~/.m2 at the versions of the Quarkus BOM. On two cores: about 3 minutes on H2 (the load), 20 s on PostgreSQL.
# PLANS_CALLS=2000000 loads that many calls instead of 1,000,000; PLANS_UPGRADE_FROM=7 applies the migrations after V7
# to the loaded table and prints how long each took (an upgrade of a full database).
set -euo pipefail
cd "$(dirname "$0")/../.."
shopt -s nullglob
driver() {
  local packaged=(target/quarkus-app/lib/main/"$1"-*.jar)
  if [ ${#packaged[@]} -gt 0 ]; then
    echo "${packaged[0]}"
  elif [ -f "$HOME/.m2/repository/$2" ]; then
    echo "$HOME/.m2/repository/$2"
  else
    echo "No $1 driver: run ./mvnw package first" >&2
    exit 1
  fi
}
classpath="$(driver com.h2database.h2 com/h2database/h2/2.4.240/h2-2.4.240.jar):$(driver org.postgresql.postgresql \
  org/postgresql/postgresql/42.7.10/postgresql-42.7.10.jar)"
case "${1:-}" in
  h2)
    dir="${PLANS_DIR:-/tmp/call-scheduler-plans}"
    mkdir -p "$dir"
    rm -f "$dir"/plans.mv.db "$dir"/plans.trace.db
    exec java -cp "$classpath" src/bench/QueryPlans.java h2 "jdbc:h2:file:$dir/plans${PLANS_H2_OPTIONS:-}" sa ""
    ;;
  postgresql)
    exec java -cp "$classpath" src/bench/QueryPlans.java postgresql \
      "${QUARKUS_DATASOURCE_JDBC_URL:?set QUARKUS_DATASOURCE_JDBC_URL}" \
      "${QUARKUS_DATASOURCE_USERNAME:?set QUARKUS_DATASOURCE_USERNAME}"
    ;;
  *)
    echo "usage: $0 h2|postgresql" >&2
    exit 2
    ;;
esac
