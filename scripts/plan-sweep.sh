#!/usr/bin/env bash
# The sampling-plan table of BENCHMARKS.md (issue 14): for each shipped model, accuracy, NLL, ECE
# and evaluations per image of flat K = 8/16/32/64, the model's default stages and sequential
# elimination plans, on its held-out images; timestep weights/scales and every plan's temperature
# are fitted on its validation split, and the sequential plan is chosen there.
#   scripts/plan-sweep.sh            prints the tables (markdown) and writes target/<model>-plan.json
#   scripts/plan-sweep.sh --store    also stores the chosen plan in each model.json (set_plan.py)
# Each image is evaluated once (64 shared samples x every label), so this takes a while on CPU
# (MNIST: 2,600 images x 640 evaluations; shapes: 360 scenes x 1,536); the error tables are
# cached in onnx-models/tools/.cache/sweep and a second run only replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJL_OFFLINE=true
store=${1:-}
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
app="java -jar target/quarkus-app/quarkus-run.jar"
cache=onnx-models/tools/.cache/sweep
shapes_labels=$(ls onnx-models/shapes-t2i/evaluation | sort | paste -sd, -)

run() {
  echo '```'
  echo "\$ $*"
  "$@" 2>/dev/null
  echo '```'
}
run $app sweep --model onnx-models/mnist-ddpm --data onnx-models/mnist-ddpm/heldout \
  --fit onnx-models/mnist-ddpm/validation --grid 64 --parallel 2 --threads 1 --cache $cache \
  --write-fit target/mnist-ddpm-plan.json
run $app sweep --model onnx-models/shapes-t2i --data onnx-models/shapes-t2i/evaluation \
  --fit onnx-models/shapes-t2i/validation --labels "$shapes_labels" --grid 64 --threads 2 --cache $cache \
  --write-fit target/shapes-t2i-plan.json
if [ "$store" = "--store" ]; then
  for m in mnist-ddpm shapes-t2i; do
    [ -f target/$m-plan.json ] && /usr/bin/python3 onnx-models/tools/set_plan.py target/$m-plan.json onnx-models/$m
  done
fi
