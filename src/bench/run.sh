#!/usr/bin/env bash
# Packages the application and runs the benchmark against it; prints the figures as JSON.
#   bash src/bench/run.sh            (build, then measure)
#   bash src/bench/run.sh --no-build (measure the jar already in target/)
#   bash src/bench/run.sh burst      (one phase: schedule, burst or scattered)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--no-build" ]; then
  shift
else
  ./mvnw -B -q package -DskipTests
fi
exec java src/bench/Benchmark.java "$@"
