#!/usr/bin/env bash
# The "Replay and model rollout" walk-through of the README, run end to end on the 2,000 held-out
# digits, writing the example report under docs/examples/ (committed with this script):
#   1. a local cluster (the embedded command), the held-out digits published with their true labels
#      on labels.reviewed (they play the reviewers);
#   2. the champion, mnist-ddpm 1.0.0, scores them (the worker, until labels.scored has them all);
#   3. rescore --dry-run, then rescore with the challenger (default onnx-models/mnist-ddpm-1.1.0);
#   4. compare-report, as Markdown and as an HTML page.
#   scripts/rescore-example.sh [CHALLENGER_DIR]      (builds the app first)
set -euo pipefail
cd "$(dirname "$0")/.."
export DJL_OFFLINE=true
challenger=${1:-onnx-models/mnist-ddpm-1.1.0}
./mvnw -B -q package -DskipTests
app="java -jar target/quarkus-app/quarkus-run.jar"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

LABELER_EMBEDDED_DATA_DIR="$work/embedded" $app embedded > "$work/embedded.out" 2>"$work/embedded.err" &
for _ in $(seq 1 120); do grep -q '^registry.url=' "$work/embedded.out" && break; sleep 1; done
export KAFKA_BOOTSTRAP_SERVERS=$(sed -n 's/^bootstrap.servers=//p' "$work/embedded.out")
export LABELER_WORKER_REGISTRY_URL=$(sed -n 's/^registry.url=//p' "$work/embedded.out")
echo "cluster: $KAFKA_BOOTSTRAP_SERVERS, registry: $LABELER_WORKER_REGISTRY_URL" >&2

$app publish --data onnx-models/mnist-ddpm/heldout --truth

# the champion: the worker on the default model, until it has scored every digit
QUARKUS_HTTP_PORT=18080 $app > "$work/worker.log" 2>&1 &
worker=$!
while :; do
  # (the worker's HTTP server may not be up yet: no answer counts as 0)
  n=$(curl -s localhost:18080/q/metrics 2>/dev/null | sed -n 's/^labeler_events_scored_total \([0-9.]*\).*/\1/p' | cut -d. -f1 || true)
  echo "champion: ${n:-0} / 2000 scored" >&2
  [ "${n:-0}" -ge 2000 ] && break
  sleep 15
done
sleep 3   # the last commit
kill "$worker"; wait "$worker" || true

mkdir -p docs/examples
$app rescore --model "$challenger" --dry-run
$app rescore --model "$challenger"
$app compare-report --html docs/examples/compare-report.html > docs/examples/compare-report.md
cat docs/examples/compare-report.md
