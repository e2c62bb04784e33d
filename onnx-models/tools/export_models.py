"""Export a trained checkpoint to a ready model folder: ONNX files, manifest, golden tensors,
reference-classifier golden cases and sample images.

    /usr/bin/python3 onnx-models/tools/export_models.py mnist
    /usr/bin/python3 onnx-models/tools/export_models.py shapes

Reads .cache/<id>.pt (from train_*.py) and .cache/<id>-eval.json (from evaluate_*.py: the
fitted temperature). Writes onnx-models/<id>/.
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch
from PIL import Image

import mnist_data
import reference_classifier as ref
import shapes
import train_mnist
import train_shapes
from common import (T_TRAIN, fail, here, linear_alphas_cumprod, preprocess_uint8, sha256_file,
                    write_json, write_tensor)

OPSET = 17
VERSION = {"mnist-ddpm": "1.0.0", "shapes-t2i": "1.0.0"}


ARGS = None


def checkpoint(model_id):
    return torch.load(ARGS.checkpoint or here(".cache", f"{model_id}.pt"))


def load_eval(model_id):
    if ARGS.temperature:  # trial exports (pipeline checks) before an evaluation exists
        return {"temperature": ARGS.temperature, "temperatureFit": {"split": "none: trial export"}}
    path = here(".cache", f"{model_id}-eval.json")
    if not os.path.isfile(path):
        fail(f"missing {path}: run evaluate_{model_id.split('-')[0]}.py first (it fits the temperature)")
    return json.load(open(path))


def export(module, args, names_in, names_out, dynamic, path):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=names_in,
                      output_names=names_out, dynamic_axes=dynamic, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def schedule_block():
    return {"recipe": "linear", "betaStart": 1e-4, "betaEnd": 0.02, "trainSteps": T_TRAIN,
            "alphasCumprod": [float(v) for v in linear_alphas_cumprod()]}


def file_entries(folder, names):
    return [{"path": n, "sha256": sha256_file(os.path.join(folder, n))} for n in names]


def golden_case(unet, conditioner, manifest, img_u8, true_label, labels, rid, stages, folder, png,
                template=None):
    x0 = preprocess_uint8(img_u8, manifest["image"]["size"])
    r = ref.classify(unet, conditioner, manifest, x0, labels, rid, stages, template=template)
    return {"image": png, "trueLabel": true_label, "requestId": rid, "labels": labels,
            "promptTemplate": template, "stages": stages, "seed": str(r["seed"]),
            "timesteps": r["timesteps"], "errors": r["errors"], "probabilities": r["probabilities"],
            "prediction": r["prediction"]}


def save_png(arr_u8, path):
    c = arr_u8.shape[0]
    img = arr_u8[0] if c == 1 else arr_u8.transpose(1, 2, 0)
    Image.fromarray(img, mode="L" if c == 1 else "RGB").save(path, optimize=True)


def export_mnist(out):
    ck = checkpoint("mnist-ddpm")
    unet = train_mnist.build_model()
    unet.load_state_dict(ck["ema"])
    unet.eval()
    ev = load_eval("mnist-ddpm")
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    b = 3
    sample = torch.randn(b, 1, 16, 16, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([1, 500, 999])
    c = torch.tensor([3, 7, 10])
    export(unet, (sample, t, c), ["sample", "timestep", "class_labels"], ["noise_pred"],
           {"sample": {0: "batch"}, "timestep": {0: "batch"}, "class_labels": {0: "batch"},
            "noise_pred": {0: "batch"}}, os.path.join(out, "unet.onnx"))
    with torch.no_grad():
        y = unet(sample, t, c)
    for name, arr in (("unet.sample", sample.numpy()), ("unet.timestep", t.numpy()),
                      ("unet.class_labels", c.numpy()), ("unet.noise_pred", y.numpy())):
        write_tensor(os.path.join(out, "golden", name + ".gtns"), arr)

    manifest = {
        "formatVersion": 1,
        "id": "mnist-ddpm",
        "version": VERSION["mnist-ddpm"],
        "description": "Class-conditional DDPM on 16x16 MNIST digits (npm mnist@1.1.0), trained here.",
        "conditioning": {"kind": "class", "classNames": [str(d) for d in range(10)], "nullClass": 10},
        "space": {"kind": "pixel"},
        "image": {"size": 16, "channels": 1, "colour": "grey", "resize": "area-short-side-center-crop",
                  "normalization": "x/127.5-1", "alphaBackground": [0, 0, 0]},
        "schedule": schedule_block(),
        "prediction": {"type": "epsilon", "learnedSigma": False},
        "networks": {"unet": {"file": "unet.onnx",
                              "inputs": {"sample": "sample", "timestep": "timestep", "condition": "class_labels"},
                              "inputTypes": {"timestep": "int64", "condition": "int64"},
                              "outputs": {"noise": "noise_pred"}}},
        "classifier": {"temperature": ev["temperature"], "temperatureFit": ev["temperatureFit"],
                       "error": "mse-per-sample", "stages": [[16, 3], [64, 1]]},
        "files": [],
    }
    # reference cases: fixed held-out digits, flat and staged schedules
    x_test, y_test = mnist_data.load_split()["test"]
    cases = []
    labels = [str(d) for d in range(10)]
    rows = [0, 250, 1234, 1999]
    for n, i in enumerate(rows):
        png = f"samples/digit-{y_test[i]}-{i}.png"
        save_png(x_test[i], os.path.join(out, png))
        stages = [[8, 10]] if n % 2 == 0 else [[4, 3], [12, 1]]
        cases.append(golden_case(unet, ref.Conditioner(manifest), manifest, x_test[i], str(y_test[i]),
                                 labels, f"golden-{i}", stages, out, png))
    # a few more samples for demos (no golden needed)
    for i in (10, 420, 640, 830, 1050, 1210, 1470, 1600):
        save_png(x_test[i], os.path.join(out, f"samples/digit-{y_test[i]}-{i}.png"))
    write_json(os.path.join(out, "golden", "reference_cases.json"), {"model": "mnist-ddpm", "cases": cases})
    # the full held-out split as PNGs, for the Java accuracy command/test: heldout/<digit>/<row>.png
    for i in range(len(x_test)):
        d = os.path.join(out, "heldout", str(y_test[i]))
        os.makedirs(d, exist_ok=True)
        save_png(x_test[i], os.path.join(d, f"{i:04d}.png"))
    manifest["files"] = file_entries(out, ["unet.onnx"])
    write_json(os.path.join(out, "model.json"), manifest)


def export_shapes(out):
    ck = checkpoint("shapes-t2i")
    text, unet = train_shapes.build_models()
    text.load_state_dict(ck["text"])
    unet.load_state_dict(ck["unet"])
    text.train()  # PLATFORM.md: the fused eval fast path does not export; dropout is 0
    unet.eval()
    ev = load_eval("shapes-t2i")
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    ids = torch.tensor([shapes.tokenize("a red circle"), shapes.tokenize("a blue square left of a cyan cross")])
    export(text, (ids,), ["input_ids"], ["last_hidden_state"],
           {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}}, os.path.join(out, "text_encoder.onnx"))
    with torch.no_grad():
        hidden = text(ids)
    b = 2
    sample = torch.randn(b, 3, 32, 32, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([10, 700])
    export(unet, (sample, t, hidden), ["sample", "timestep", "encoder_hidden_states"], ["noise_pred"],
           {"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"},
            "noise_pred": {0: "batch"}}, os.path.join(out, "unet.onnx"))
    with torch.no_grad():
        y = unet(sample, t, hidden)
    for name, arr in (("text_encoder.input_ids", ids.numpy()), ("text_encoder.last_hidden_state", hidden.numpy()),
                      ("unet.sample", sample.numpy()), ("unet.timestep", t.numpy()),
                      ("unet.encoder_hidden_states", hidden.numpy()), ("unet.noise_pred", y.numpy())):
        write_tensor(os.path.join(out, "golden", name + ".gtns"), arr)
    vocab = {"specials": shapes.SPECIALS, "words": shapes.WORDS, "ids": shapes.VOCAB}
    write_json(os.path.join(out, "vocab.json"), vocab)
    manifest = {
        "formatVersion": 1,
        "id": "shapes-t2i",
        "version": VERSION["shapes-t2i"],
        "description": "Text-conditioned DDPM (SD-style interface) on generated 32x32 coloured-shape scenes.",
        "conditioning": {"kind": "text", "promptTemplate": "a {label}",
                         "exampleLabels": [f"{c} {s}" for c, s in shapes.ALL_PAIRS],
                         "tokenizer": {"kind": "word", "file": "vocab.json", "maxLength": shapes.MAX_LEN,
                                       "lowercase": True, "padId": shapes.VOCAB["<pad>"],
                                       "bosId": shapes.VOCAB["<bos>"], "eosId": shapes.VOCAB["<eos>"]}},
        "space": {"kind": "pixel"},
        "image": {"size": 32, "channels": 3, "colour": "rgb", "resize": "area-short-side-center-crop",
                  "normalization": "x/127.5-1", "alphaBackground": list(shapes.BACKGROUND)},
        "schedule": schedule_block(),
        "prediction": {"type": "epsilon", "learnedSigma": False},
        "networks": {
            "textEncoder": {"file": "text_encoder.onnx", "inputs": {"input_ids": "input_ids"},
                            "inputTypes": {"input_ids": "int64"},
                            "outputs": {"last_hidden_state": "last_hidden_state"}},
            "unet": {"file": "unet.onnx",
                     "inputs": {"sample": "sample", "timestep": "timestep", "condition": "encoder_hidden_states"},
                     "inputTypes": {"timestep": "int64", "condition": "float32"},
                     "outputs": {"noise": "noise_pred"}}},
        "classifier": {"temperature": ev["temperature"], "temperatureFit": ev["temperatureFit"],
                       "error": "mse-per-sample", "stages": [[16, 5], [64, 1]]},
        "files": [],
    }
    cond = ref.Conditioner(manifest, text_encoder=lambda x: text(x), tokenize=shapes.tokenize)
    rng = np.random.default_rng(2024)
    singles = [f"{c} {s}" for c, s in shapes.ALL_PAIRS]
    cases = []
    scenes = [("blue", "circle", "big"), ("red", "triangle", "small"), ("cyan", "square", "big")]
    for n, (colour, shape, size) in enumerate(scenes):
        img = shapes.one_object(rng, colour, shape, size)
        png = f"samples/{size}-{colour}-{shape}.png"
        save_png(img, os.path.join(out, png))
        stages = [[6, 24]] if n == 0 else [[4, 5], [10, 1]]
        cases.append(golden_case(unet, cond, manifest, img, f"{colour} {shape}", singles, f"golden-{n}", stages,
                                 out, png))
    left, right = ("yellow", "circle"), ("magenta", "cross")
    img = shapes.two_objects(rng, left, right)
    png = "samples/yellow-circle-left-of-magenta-cross.png"
    save_png(img, os.path.join(out, png))
    swaps = shapes.attribute_swaps(left, right)
    cases.append(golden_case(unet, cond, manifest, img, swaps[0], swaps, "golden-swap", [[8, 4]], out, png,
                             template="{label}"))
    write_json(os.path.join(out, "golden", "reference_cases.json"), {"model": "shapes-t2i", "cases": cases})
    manifest["files"] = file_entries(out, ["unet.onnx", "text_encoder.onnx", "vocab.json"])
    write_json(os.path.join(out, "model.json"), manifest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mnist", "shapes"])
    ap.add_argument("--out", help="model folder (default onnx-models/<id>)")
    ap.add_argument("--checkpoint", help="checkpoint (default .cache/<id>.pt)")
    ap.add_argument("--temperature", type=float, help="trial exports only: skip the evaluation file")
    args = ap.parse_args()
    global ARGS
    ARGS = args
    torch.manual_seed(0)
    model_id = {"mnist": "mnist-ddpm", "shapes": "shapes-t2i"}[args.model]
    out = args.out or here("..", model_id)
    for sub in ("golden", "samples", "heldout"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    (export_mnist if args.model == "mnist" else export_shapes)(out)
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
