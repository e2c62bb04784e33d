"""Stores a fitted sequential plan in a model's manifest:

    /usr/bin/python3 onnx-models/tools/set_plan.py FIT.json MODEL_DIR [--default]

FIT.json is what `sweep --fit VALDIR --write-fit FIT.json` writes: the timestep weights and scales
fitted on the model's validation split and the sequential plan chosen there, with its own
temperature. They become model.json's classifier.timestepWeights and classifier.sequential;
--default also makes the sequential plan the model's default (classifier.defaultPlan), which is
only done when the plan meets its target on held-out data (see BENCHMARKS.md).
"""
import argparse
import json
import os

from common import write_json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fit")
    ap.add_argument("model")
    ap.add_argument("--default", action="store_true", help="make the sequential plan the model's default")
    args = ap.parse_args()
    fit = json.load(open(args.fit))
    path = os.path.join(args.model, "model.json")
    manifest = json.load(open(path))
    cls = manifest["classifier"]
    cls["timestepWeights"] = fit["timestepWeights"]
    cls["sequential"] = fit["sequential"]
    if args.default:
        cls["defaultPlan"] = "sequential"
    else:
        cls.pop("defaultPlan", None)
    write_json(path, manifest)
    print(f"{path}: sequential plan {fit['sequential']}, default plan {cls.get('defaultPlan', 'stages')}")


if __name__ == "__main__":
    main()
