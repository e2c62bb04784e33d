#!/usr/bin/env bash
# The "Calibrating from reviews" example of the README, end to end on the 2,000 held-out digits,
# writing docs/examples/calibrate-report.md and .html (committed with this script):
#   1. a local cluster (the embedded command); the held-out digits published with their true labels
#      on labels.reviewed (source DATASET: they play the reviewers);
#   2. the worker (mnist-ddpm 1.0.0, default settings) scores them, until labels.scored has them all;
#   3. calibrate, as Markdown and as an HTML page.
#   scripts/calibrate-example.sh          (builds the app first; MVN_FLAGS=-o to build offline)
# About 15 minutes on 2 cores, most of it the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJL_OFFLINE=true
./mvnw -B -q ${MVN_FLAGS:-} package -DskipTests
app="java -jar target/quarkus-app/quarkus-run.jar"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

LABELER_EMBEDDED_DATA_DIR="$work/embedded" $app embedded > "$work/embedded.out" 2>"$work/embedded.err" &
for _ in $(seq 1 120); do grep -q '^registry.url=' "$work/embedded.out" && break; sleep 1; done
export KAFKA_BOOTSTRAP_SERVERS=$(sed -n 's/^bootstrap.servers=//p' "$work/embedded.out")
export LABELER_WORKER_REGISTRY_URL=$(sed -n 's/^registry.url=//p' "$work/embedded.out")
echo "cluster: $KAFKA_BOOTSTRAP_SERVERS, registry: $LABELER_WORKER_REGISTRY_URL" >&2

$app publish --data onnx-models/mnist-ddpm/heldout --truth

QUARKUS_HTTP_PORT=18081 $app > "$work/worker.log" 2>&1 &
worker=$!
while :; do
  n=$(curl -s localhost:18081/q/metrics 2>/dev/null | sed -n 's/^labeler_events_scored_total \([0-9.]*\).*/\1/p' | cut -d. -f1 || true)
  echo "worker: ${n:-0} / 2000 scored" >&2
  [ "${n:-0}" -ge 2000 ] && break
  sleep 15
done
sleep 3   # the last commit
kill "$worker"; wait "$worker" || true

mkdir -p docs/examples
$app calibrate --model-id mnist-ddpm --model-version 1.0.0 --alpha 0.02 --delta 0.1 \
    --html docs/examples/calibrate-report.html > docs/examples/calibrate-report.md
cat docs/examples/calibrate-report.md
