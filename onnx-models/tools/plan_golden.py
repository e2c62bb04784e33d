"""Golden cases of the sequential plan for the Java parity test (PlanParityTest):

    /usr/bin/python3 onnx-models/tools/plan_golden.py [--model onnx-models/mnist-ddpm]

Runs the reference classifier's sequential plan (reference_classifier.classify_sequential) on the
model's golden images with the model's own plan and with a weighted one, both with the model's
timestep statistics (model.json classifier.sequential / timestepWeights), and writes
golden/plan_cases.json.

The PyTorch weights are read back from the shipped unet.onnx (the training checkpoint of 1.0.0 is
not kept; `onnx_weights.load_into`). The
result is checked against the existing golden/reference_cases.json (the reference errors of the
original checkpoint) before anything is written.
"""
import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

import onnx_weights
import reference_classifier as ref
import train_mnist
from common import fail, preprocess_uint8, write_json


def unet_from_onnx(path):
    net = train_mnist.build_model()
    example = (torch.zeros(1, 1, 16, 16), torch.zeros(1, dtype=torch.long), torch.zeros(1, dtype=torch.long))
    return onnx_weights.load_into(net, path, example)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(os.path.dirname(__file__), "..", "mnist-ddpm"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    folder = args.model
    manifest = json.load(open(os.path.join(folder, "model.json")))
    unet = unet_from_onnx(os.path.join(folder, "unet.onnx"))
    cond = ref.Conditioner(manifest)
    golden = json.load(open(os.path.join(folder, "golden", "reference_cases.json")))["cases"]

    # the weights read back give the original reference errors
    c0 = golden[0]
    x0 = preprocess_uint8(np.asarray(Image.open(os.path.join(folder, c0["image"])))[None], manifest["image"]["size"])
    r = ref.classify(unet, cond, manifest, x0, c0["labels"], c0["requestId"], c0["stages"])
    worst = max(abs(a - b) / abs(b) for lab in c0["labels"] for a, b in zip(r["errors"][lab], c0["errors"][lab]))
    if worst > 1e-4:
        fail(f"weights read back from unet.onnx do not reproduce the reference errors (relative {worst:.2e})")
    print(f"weights read back from unet.onnx: reference errors reproduced (worst relative difference {worst:.1e})")

    cls = manifest["classifier"]
    seq = cls.get("sequential")
    tw = cls.get("timestepWeights")
    if seq is None or tw is None:
        fail("model.json has no classifier.sequential / timestepWeights: run scripts/plan-sweep.sh first")
    plans = [("model plan", {k: seq[k] for k in ("block", "min", "max", "level", "weighted")}, tw, seq["temperature"]),
             ("weighted", {"block": 2, "min": 4, "max": 32, "level": 0.05, "weighted": True}, tw, cls["temperature"])]
    cases = []
    for g in golden:
        img = np.asarray(Image.open(os.path.join(folder, g["image"])))[None]
        x0 = preprocess_uint8(img, manifest["image"]["size"])
        for name, plan, weights, temperature in plans:
            r = ref.classify_sequential(unet, cond, manifest, x0, g["labels"], g["requestId"], plan, weights, temperature)
            spec = (f"sequential:block={plan['block']},min={plan['min']},max={plan['max']},level={plan['level']},"
                    f"weights={'on' if plan['weighted'] else 'off'}")
            cases.append({"image": g["image"], "trueLabel": g["trueLabel"], "requestId": g["requestId"],
                          "labels": g["labels"], "plan": spec,
                          "temperature": temperature, "seed": str(r["seed"]), "visits": r["visits"],
                          "steps": r["steps"], "errors": r["errors"], "probabilities": r["probabilities"],
                          "prediction": r["prediction"]})
            print(f"  {g['image']} {name}: {r['prediction']} after steps {r['steps']}")
    write_json(os.path.join(folder, "golden", "plan_cases.json"), {"model": manifest["id"], "cases": cases})


if __name__ == "__main__":
    main()
