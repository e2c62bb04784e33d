#!/usr/bin/env bash
# Scores the 2,000 held-out MNIST digits (and a blurred + noisy copy of them) with the project's own
# Java classifier (mnist-ddpm 1.0.0, the manifest's default stages and temperature) and writes one
# JSON line per image to src/test/resources/calibration/*.jsonl.gz: the data of the statistical
# calibration tests and of the calibrate example. About 8 minutes per set on one core.
#
#   ./mvnw -o -q -DskipTests package && scripts/calibration-data.sh
#
# Needs /usr/bin/python3 with Debian's python3-numpy and python3-pil (for the shifted copy).
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=onnx-models/mnist-ddpm
OUT=src/test/resources/calibration
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
JAR=target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -o -q -DskipTests package" >&2; exit 2; }
CPU=${CPU:-1}   # the core to pin the run to (one intra-op thread: results do not depend on it)

score() { # DATA NAME
  OMP_NUM_THREADS=1 taskset -c "$CPU" java -jar "$JAR" accuracy --model "$MODEL" --data "$1" --threads 1 \
    --output "$WORK/$2.jsonl" | tee "$WORK/$2.txt"
  gzip -n -9 -c "$WORK/$2.jsonl" > "$OUT/$2.jsonl.gz"
}

mkdir -p "$OUT"
score "$MODEL/heldout" mnist-ddpm-1.0.0-heldout
# the shift: Gaussian blur radius 1 px, then pixel noise sd 32/255, seeded per image
/usr/bin/python3 tools/shifted_digits.py "$MODEL/heldout" "$WORK/shifted" --blur 1.0 --noise 32 --seed 13
score "$WORK/shifted" mnist-ddpm-1.0.0-shifted
ls -l "$OUT"/*.jsonl.gz
