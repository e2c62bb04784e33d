#!/usr/bin/env bash
# Runs every benchmark on this machine and writes BENCHMARKS.md (figures with the commands that
# produced them). Run it on an otherwise idle machine: each figure is a median or a ratio of
# side-by-side runs, but other load still shifts the absolute numbers.
#   scripts/benchmarks.sh            (builds the app first)
set -euo pipefail
cd "$(dirname "$0")/.."
export DJL_OFFLINE=true
./mvnw -B -q package -DskipTests
app="java -jar target/quarkus-app/quarkus-run.jar"
out=BENCHMARKS.md
run() {
  echo
  echo '```'
  echo "\$ $*"
  "$@" 2>/dev/null | grep -v "^Formatting metadata directory"
  echo '```'
}
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`scripts/benchmarks.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, Java $(java -version 2>&1 | head -1 | cut -d'"' -f2), ONNX Runtime 1.21.1 (CPU)."
  echo
  echo "## Classifier vs. bare ONNX Runtime, and latency per vocabulary (\`bench\`)"
  echo
  echo "Evaluations/s of the noise predictor through the classifier (flat schedule, every batch full) next to"
  echo "a bare ONNX Runtime session loop on the same network, batch size and threads, in interleaved rounds;"
  echo "then per-image latency with each model's default stages."
  run $app bench --model onnx-models/mnist-ddpm --vocab 2,10
  run $app bench --model onnx-models/shapes-t2i --vocab 2,10,24
  echo
  echo "## The worker vs. the classifier alone (\`bench-stream\`)"
  echo
  echo "200 sample images through the embedded broker, the registry, Avro, exactly-once transactions and routing,"
  echo "next to the classifier alone on the same requests (images, vocabulary, ids, so the same noise) with as many"
  echo "callers as the worker has stream threads, in the same run; the worker timed after 40 warm-up events."
  echo "First the default configuration (one stream thread per core, one ONNX Runtime thread each), then one"
  echo "stream thread on all cores."
  run $app bench-stream --model onnx-models/mnist-ddpm --events 200
  run $app bench-stream --model onnx-models/mnist-ddpm --events 200 --stream-threads 1 --threads 2
  echo
  echo "## A bounded re-score vs. the classifier alone (\`bench-stream --rescore\`)"
  echo
  echo "The same 40 + 200 events, all on the input topic first, re-scored by a \`rescore\` run (the challenger"
  echo "topology: window filter, labelling, \`labels.rescored\`, the comparison with the champion's global table,"
  echo "exactly-once), timed after the first 40 outputs, next to the classifier alone on the same requests."
  run $app bench-stream --model onnx-models/mnist-ddpm --events 200 --rescore
  echo
  echo "The same broker and registry (the \`embedded\` command) in another process on core 0, the worker and the"
  echo "classifier alone on core 1, as when the broker runs on other machines:"
  embedded_out=$(mktemp)
  embedded_data=$(mktemp -d) # a cluster of its own, not the demo's embedded-data/
  LABELER_EMBEDDED_DATA_DIR="$embedded_data" taskset -c 0 $app embedded > "$embedded_out" 2>/dev/null &
  embedded_pid=$!
  for _ in $(seq 1 120); do grep -q '^registry.url=' "$embedded_out" && break; sleep 1; done
  bootstrap=$(sed -n 's/^bootstrap.servers=//p' "$embedded_out")
  registry=$(sed -n 's/^registry.url=//p' "$embedded_out")
  echo
  echo '```'
  echo "\$ taskset -c 0 $app embedded &"
  echo "\$ taskset -c 1 $app bench-stream --model onnx-models/mnist-ddpm --events 200 --bootstrap-servers HOST:PORT --registry-url URL"
  taskset -c 1 $app bench-stream --model onnx-models/mnist-ddpm --events 200 --bootstrap-servers "$bootstrap" \
    --registry-url "$registry" 2>/dev/null | grep -v "^Formatting metadata directory"
  echo '```'
  kill "$embedded_pid"; wait "$embedded_pid" || true
  rm -rf "$embedded_out" "$embedded_data"
  echo
  echo "## Images by reference vs. inline bytes (\`bench-stream --by-reference\`)"
  echo
  echo "The same events, once with the image bytes inline and once by reference from a local S3-compatible"
  echo "server (s3rver, the tests' one), each through the worker on topics of its own, in one run:"
  [ -d interop/s3rver/node_modules ] || (cd interop/s3rver && npm ci --no-audit --no-fund >/dev/null 2>&1)
  s3_dir=$(mktemp -d); s3_out=$(mktemp)
  node interop/s3rver/server.js "$s3_dir" bench > "$s3_out" 2>&1 &
  s3_pid=$!
  for _ in $(seq 1 30); do grep -q '^s3 endpoint ' "$s3_out" && break; sleep 1; done
  s3_endpoint=$(sed -n 's/^s3 endpoint //p' "$s3_out")
  echo
  echo '```'
  echo "\$ node interop/s3rver/server.js DIR bench &"
  echo "\$ LABELER_IMAGE_REFERENCE_S3_ENDPOINT=$s3_endpoint LABELER_IMAGE_REFERENCE_S3_PATH_STYLE=true LABELER_IMAGE_REFERENCE_S3_ACCESS_KEY_ID=S3RVER LABELER_IMAGE_REFERENCE_S3_SECRET_ACCESS_KEY=S3RVER $app bench-stream --model onnx-models/mnist-ddpm --events 200 --by-reference s3://bench/digits/"
  LABELER_IMAGE_REFERENCE_S3_ENDPOINT="$s3_endpoint" LABELER_IMAGE_REFERENCE_S3_PATH_STYLE=true \
    LABELER_IMAGE_REFERENCE_S3_ACCESS_KEY_ID=S3RVER LABELER_IMAGE_REFERENCE_S3_SECRET_ACCESS_KEY=S3RVER \
    $app bench-stream --model onnx-models/mnist-ddpm --events 200 --by-reference s3://bench/digits/ 2>/dev/null \
    | grep -v "^Formatting metadata directory"
  echo '```'
  kill "$s3_pid"; wait "$s3_pid" || true
  rm -rf "$s3_dir" "$s3_out"
  echo
  echo "## Soak with poison (\`soak\`)"
  echo
  echo "3,000 good events at a steady 10 events/s with 5 records of each of the 34 kinds of bad input (README,"
  echo "\"Bad input\") shuffled among them, through the worker on the embedded broker and registry, a cheap plan"
  echo "(2 samples per label); then every outcome checked exactly once (read_committed), the worker's state, and"
  echo "heap after GC and RSS sampled every 5 s. Exit status 1 when a check fails."
  run $app soak --model onnx-models/mnist-ddpm --samples 2 --good 3000 --copies 5 --rate 10 || echo "(the soak failed)"
} > "$out"
echo "wrote $out"
