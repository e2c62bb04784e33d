#!/usr/bin/env bash
# GPU check: build with the gpu profile (onnxruntime_gpu, CUDA execution provider) and run the
# benchmark on CUDA and on CPU on the same model, for batch sizes 32..512. Prints evaluations/s
# (classifier and bare ONNX Runtime) and per-image latency for each. Needs CUDA 12 + cuDNN 9 and
# an NVIDIA driver on the host, and Maven Central (or a pre-filled ~/.m2) for the build.
#   scripts/gpu-check.sh [MODEL_DIR]        (default: onnx-models/shapes-t2i)
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-onnx-models/shapes-t2i}"
export DJL_OFFLINE=true
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "nvidia-smi not available"
./mvnw -B -q -Pgpu package -DskipTests
app=(java -jar target/quarkus-app/quarkus-run.jar)
for ep in cuda cpu; do
  for batch in 32 128 512; do
    echo "=== execution provider $ep, batch $batch"
    "${app[@]}" bench --model "$model" --execution-provider "$ep" --batch-size "$batch" --rounds 3 --seconds 3 --images 10
  done
done
