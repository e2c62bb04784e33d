"""Evaluate `shapes-t2i` on held-out scenes from two renderers, fit its temperature on a
validation set, and compare with a CLIP-style dual encoder trained on the same data and budget.

    /usr/bin/python3 onnx-models/tools/evaluate_shapes.py --version 2.0.0 --checkpoint onnx-models/tools/.cache/shapes-t2i-2.0.0.pt --baseline
    /usr/bin/python3 onnx-models/tools/evaluate_shapes.py --version 1.0.0 --onnx onnx-models/shapes-t2i-1.0.0

Two evaluation sets, the same scenes for every version (paired comparisons):
  render1: the project's evaluation scenes, drawn by 1.0.0's training renderer (`shapes.py`: grey
           128 background, two sizes, smooth edges; generator seeds 9002-9004, as in 1.0.0's card);
  render2: scenes of the independently written `render2.py` (PIL primitives, other geometry and
           palette, backgrounds 72/104/152/184, sizes 7-8 and 20-21 px, border-crossing positions,
           anti-aliasing on or off; seeds 9012-9014).
For each: (a) single-object 24-way caption choice ("a <colour> <shape>" over all 24 pairs) on seen
pairs (8 per pair) and on the 4 held-out pairs (20 per pair; never in a training image or caption);
(b) two-object scenes (160, seen pairs, distinct colours and shapes) against attribute-swap
distractors: 4-way choice and each pairwise true-vs-distractor choice; (c) NLL/ECE on the seen
single objects at T = 1 and at the temperature fitted on validation (render1, seed 9001, 6 per
seen pair). Training never used these seeds (it draws from its own stream, seed 4321).
Per-sample errors go to .cache/shapes-errors-<version>-<set>.npy; results to --out.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import reference_classifier as ref
import render2
import shapes
import train_shapes
from calibration import ece, fit_temperature, nll, posterior
from common import fail, here, linear_alphas_cumprod, preprocess_uint8, write_json
from versions import SHAPES_T2I as VERSION

SINGLES = [f"{c} {s}" for c, s in shapes.ALL_PAIRS]
KS = [1, 2, 4, 8, 16, 32]
RENDERERS = {
    "render1": {"single": lambda rng, c, s: shapes.one_object(rng, c, s, "small" if rng.random() < 0.5 else "big"),
                "two": shapes.two_objects, "seeds": (9002, 9003, 9004)},
    "render2": {"single": render2.single, "two": render2.two, "seeds": (9012, 9013, 9014)},
}


def single_scenes(rng, pairs, per_pair, draw=RENDERERS["render1"]["single"]):
    imgs, labels = [], []
    for c, s in pairs:
        for _ in range(per_pair):
            imgs.append(draw(rng, c, s))
            labels.append(SINGLES.index(f"{c} {s}"))
    return np.stack(imgs), np.asarray(labels)


def two_object_scenes(rng, n, draw=shapes.two_objects):
    scenes = []
    while len(scenes) < n:
        i, j = rng.choice(len(shapes.SEEN_PAIRS), 2, replace=False)
        left, right = shapes.SEEN_PAIRS[i], shapes.SEEN_PAIRS[j]
        if left[0] == right[0] or left[1] == right[1]:
            continue  # swaps must change the caption
        scenes.append((draw(rng, left, right), shapes.attribute_swaps(left, right)))
    return scenes


def text_cond(text, captions):
    ids = torch.tensor([shapes.tokenize(c) for c in captions])
    with torch.no_grad():
        return text(ids)


def errors_for(unet, text, imgs, captions_per_image, k, ids, version, t_range=None):
    """(n_images, n_captions, k) per-sample errors with the reference classifier's noise, the
    samples spread over t_range ([1, 1000) when None)."""
    abar = linear_alphas_cumprod()
    out = []
    start = time.time()
    for n, img in enumerate(imgs):
        cond = text_cond(text, captions_per_image(n))
        x0 = preprocess_uint8(img, 32)
        out.append(ref.classify_errors_flat(unet, cond, abar, x0[None], [ids(n)], version, k, t_range=t_range)[0])
        if (n + 1) % 40 == 0:
            el = time.time() - start
            print(f"  {n + 1}/{len(imgs)} {el / 60:.1f} min (eta {el / (n + 1) * (len(imgs) - n - 1) / 60:.1f})", flush=True)
    return np.stack(out)


def load_models(args):
    text, unet = train_shapes.build_models()
    if args.onnx:  # a shipped version whose checkpoint is not kept
        import onnx_weights
        ex = torch.zeros(1, shapes.MAX_LEN, dtype=torch.long)
        onnx_weights.load_into(text, f"{args.onnx}/text_encoder.onnx", (ex,))
        onnx_weights.load_into(unet, f"{args.onnx}/unet.onnx",
                               (torch.zeros(1, 3, 32, 32), torch.zeros(1, dtype=torch.long), text(ex)))
        return text.eval(), unet.eval(), None
    try:
        ck = torch.load(args.checkpoint)
    except FileNotFoundError:
        fail(f"no checkpoint {args.checkpoint}: run train_shapes.py first (or pass --onnx FOLDER)")
    text.load_state_dict(ck["text"])
    unet.load_state_dict(ck["unet"])
    return text.eval(), unet.eval(), ck


def accuracy_rows(es, y_seen, eh, y_held):
    rows = []
    for k in [k for k in KS if k <= es.shape[2]]:
        ms, mh = es[:, :, :k].mean(axis=2), eh[:, :, :k].mean(axis=2)
        rows.append({"K": k, "seen": float((ms.argmin(1) == y_seen).mean()), "heldout": float((mh.argmin(1) == y_held).mean())})
    return rows


def attribute_hits(pred, truth):
    """Fractions of predictions with the right colour and with the right shape."""
    return (float(np.mean([SINGLES[p].split()[0] == SINGLES[t].split()[0] for p, t in zip(pred, truth)])),
            float(np.mean([SINGLES[p].split()[1] == SINGLES[t].split()[1] for p, t in zip(pred, truth)])))


def timestep_table(errors, y, t_range=None):
    """Where colour and shape are decided: for each sample j (timestep plan_timesteps(K)[j]), the
    24-way choice made from that one sample alone, how often its colour / shape is right, and the
    mean error there (what each sample weighs in the mean over samples)."""
    from common import plan_timesteps
    rows = []
    for j, t in enumerate(plan_timesteps(errors.shape[2], t_range=t_range)):
        pred = errors[:, :, j].argmin(1)
        colour, shape = attribute_hits(pred, y)
        rows.append({"t": t, "accuracy": float((pred == y).mean()), "colour": colour, "shape": shape,
                     "mean_error": float(errors[:, :, j].mean())})
    return sorted(rows, key=lambda r: r["t"])


def binding(scores_true_first, higher_is_better):
    """(n, 4) scores of true, colours swapped, shapes swapped, sides swapped."""
    s = scores_true_first if higher_is_better else -scores_true_first
    out = {"four_way": float((s.argmax(1) == 0).mean())}
    for i, name in enumerate(["colours_swapped", "shapes_swapped", "sides_swapped"], start=1):
        out[name] = float((s[:, 0] > s[:, i]).mean())
    return out


def eval_sets(args):
    """The scenes of both renderers (deterministic: the same for every version)."""
    sets = {}
    for name in args.sets.split(","):
        if name not in RENDERERS:
            fail(f"--sets: unknown set {name!r}; sets: {', '.join(RENDERERS)}")
        r = RENDERERS[name]
        s_seed, h_seed, t_seed = r["seeds"]
        x_seen, y_seen = single_scenes(np.random.default_rng(s_seed), shapes.SEEN_PAIRS, args.test_per_pair, r["single"])
        x_held, y_held = single_scenes(np.random.default_rng(h_seed), sorted(shapes.HELD_OUT), args.heldout_per_pair,
                                       r["single"])
        two = two_object_scenes(np.random.default_rng(t_seed), args.two_object, r["two"])
        sets[name] = (x_seen, y_seen, x_held, y_held, two)
    return sets


# ---------------------------------------------------------------- CLIP-style baseline
class ImageEncoder(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 16, 128), nn.ReLU(), nn.Linear(128, dim))

    def forward(self, x):
        return F.normalize(self.net(x), dim=-1)


class ClipText(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.enc = train_shapes.build_models()[0]
        self.proj = nn.Linear(64, dim)

    def forward(self, ids):
        return F.normalize(self.proj(self.enc(ids).mean(dim=1)), dim=-1)


def train_clip(steps, batch, seed):
    """The same data stream as 2.0.0 (scenes and hard negatives of sample_scene_v2, seen pairs only)
    and the same steps x batch. Loss: CLIP's symmetric contrastive loss, with each image's three
    hard-negative captions added to its row (NegCLIP), so the baseline gets the hard negatives too."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    img_enc, txt_enc = ImageEncoder(), ClipText()
    scale = nn.Parameter(torch.tensor(np.log(10.0), dtype=torch.float32))
    opt = torch.optim.AdamW(list(img_enc.parameters()) + list(txt_enc.parameters()) + [scale], lr=1e-3)
    for step in range(steps):
        imgs, caps, negs = zip(*(shapes.sample_scene_v2(rng) for _ in range(batch)))
        x = torch.from_numpy(train_shapes.to_model_space(np.stack(imgs)))
        a = img_enc(x)
        b = txt_enc(torch.tensor([shapes.tokenize(c) for c in caps]))
        hard = txt_enc(torch.tensor([shapes.tokenize(c) for n in negs for c in n])).view(batch, 3, -1)
        logits = a @ b.T * scale.exp()
        hard_logits = torch.einsum("bd,bkd->bk", a, hard) * scale.exp()
        # identical captions in a batch are positives too: soft targets over equal captions
        same = torch.tensor([[p == q for q in caps] for p in caps], dtype=torch.float32)
        target = same / same.sum(dim=1, keepdim=True)
        rows = F.log_softmax(torch.cat([logits, hard_logits], dim=1), 1)[:, :batch]
        loss = (torch.sum(-target * rows, 1).mean() + torch.sum(-target.T * F.log_softmax(logits.T, 1), 1).mean()) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 500 == 0:
            print(f"  clip step {step + 1}/{steps} loss {loss.item():.3f}", flush=True)
    return img_enc.eval(), txt_enc.eval()


def clip_scores(img_enc, txt_enc, imgs, captions):
    with torch.no_grad():
        a = img_enc(torch.from_numpy(train_shapes.to_model_space(imgs)))
        b = txt_enc(torch.tensor([shapes.tokenize(c) for c in captions]))
        return (a @ b.T).numpy().astype(np.float64)  # float32 overflows at a tiny fitted temperature


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default=VERSION, help="model version: part of every noise seed (default %(default)s)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-per-pair", type=int, default=6)
    ap.add_argument("--test-per-pair", type=int, default=8)
    ap.add_argument("--heldout-per-pair", type=int, default=20)
    ap.add_argument("--two-object", type=int, default=160)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--checkpoint", default=here(".cache", "shapes-t2i.pt"))
    ap.add_argument("--onnx", help="read the weights from this model folder's ONNX files instead of a checkpoint")
    ap.add_argument("--timestep-range", metavar="LO,HI", help="spread the samples over [LO, HI) (the manifest's "
                    "classifier.timestepRange; default [1, 1000)); validation is then also run over the full range")
    ap.add_argument("--range-why", default="", help="how the range was chosen (goes into the manifest)")
    ap.add_argument("--sets", default="render1,render2", help="evaluation sets (default %(default)s)")
    ap.add_argument("--baseline", action="store_true", help="also train and evaluate the CLIP-style baseline")
    ap.add_argument("--out", help="results file (default .cache/shapes-t2i-<version>-eval.json; read by export_models.py)")
    args = ap.parse_args()
    out_path = args.out or here(".cache", f"shapes-t2i-{args.version}-eval.json")
    torch.set_num_threads(args.threads)
    text, unet, ck = load_models(args)
    t_range = None
    if args.timestep_range:
        try:
            t_range = tuple(int(v) for v in args.timestep_range.split(","))
        except ValueError:
            t_range = ()
        if not (len(t_range) == 2 and 0 <= t_range[0] < t_range[1] - 1 and t_range[1] <= 1000):
            fail(f"--timestep-range: expected LO,HI with 0 <= LO < HI - 1, HI <= 1000, got {args.timestep_range!r}")
    prompts = [f"a {s}" for s in SINGLES]  # the manifest's default template "a {label}"

    x_val, y_val = single_scenes(np.random.default_rng(9001), shapes.SEEN_PAIRS, args.val_per_pair)
    sets = eval_sets(args)
    if args.onnx:  # a shipped model: its manifest's temperature, fitted when it was made
        with open(f"{args.onnx}/model.json") as f:
            T = json.load(f)["classifier"]["temperature"]
        fit = {"from": f"{args.onnx}/model.json"}
    else:
        print("validation (temperature)", flush=True)
        ev = errors_for(unet, text, x_val, lambda n: prompts, args.k, lambda n: f"val-{n}", args.version, t_range)
        np.save(here(".cache", f"shapes-errors-{args.version}-val.npy"), ev)
        T = fit_temperature(ev.mean(axis=2), y_val)
        by_timestep = timestep_table(ev, y_val, t_range)
        by_range = {}
        if t_range:  # the range against the full one, on validation
            print("validation over the full range [1, 1000)", flush=True)
            full = errors_for(unet, text, x_val, lambda n: prompts, args.k, lambda n: f"val-{n}", args.version)
            np.save(here(".cache", f"shapes-errors-{args.version}-val-full.npy"), full)
            for name, e in ((f"[{t_range[0]}, {t_range[1]})", ev), ("[1, 1000)", full)):
                by_range[name] = {str(k): float((e[:, :, :k].mean(axis=2).argmin(1) == y_val).mean())
                                  for k in KS if k <= args.k}
            by_range["[1, 1000) by timestep"] = timestep_table(full, y_val)
        fit = {"split": f"validation ({len(y_val)} generated single-object scenes, seed 9001)", "samples": args.k,
               "schedule": "flat"}
    result = {"version": args.version, "K": args.k, "temperature": T, "temperatureFit": fit,
              "n": {"val": len(y_val), "seen": len(next(iter(sets.values()))[1]),
                    "heldout": len(next(iter(sets.values()))[3]), "two_object": len(next(iter(sets.values()))[4])}}
    if not args.onnx:
        result["by_timestep"] = by_timestep
        if t_range:
            result["timestepRange"] = {"min": t_range[0], "max": t_range[1], "why": args.range_why}
            result["validation_by_range"] = by_range
    for name, (x_seen, y_seen, x_held, y_held, two) in sets.items():
        prefix = "" if name == "render1" else f"{name}-"
        print(f"{name}: seen single objects", flush=True)
        es = errors_for(unet, text, x_seen, lambda n: prompts, args.k, lambda n: f"{prefix}seen-{n}", args.version, t_range)
        print(f"{name}: held-out single objects", flush=True)
        eh = errors_for(unet, text, x_held, lambda n: prompts, args.k, lambda n: f"{prefix}heldout-{n}", args.version,
                        t_range)
        print(f"{name}: two-object attribute swaps", flush=True)
        et = errors_for(unet, text, [s[0] for s in two], lambda n: two[n][1], args.k, lambda n: f"{prefix}two-{n}",
                        args.version, t_range)
        for part, e in (("seen", es), ("heldout", eh), ("two", et)):
            np.save(here(".cache", f"shapes-errors-{args.version}-{name}-{part}.npy"), e)
        ms, mh = es.mean(axis=2), eh.mean(axis=2)
        colour, shape = attribute_hits(mh.argmin(1), y_held)
        result[name] = {"single": accuracy_rows(es, y_seen, eh, y_held),
                        "colour_correct_heldout": colour, "shape_correct_heldout": shape,
                        "two_object": binding(et.mean(axis=2), higher_is_better=False),
                        "calibration_seen": {"nll_T1": nll(ms, y_seen, 1.0), "ece_T1": ece(posterior(ms, 1.0), y_seen),
                                             "nll_T": nll(ms, y_seen, T), "ece_T": ece(posterior(ms, T), y_seen)}}
        print(json.dumps(result[name]), flush=True)

    if args.baseline:
        if ck is None:
            fail("--baseline needs the training checkpoint (its steps and batch are the baseline's budget)")
        a = ck["args"]
        steps = ck.get("step", a["steps"])  # a run cut short: the steps it made
        print(f"CLIP-style baseline (2.0.0's data stream and hard negatives, {steps} steps x {a['batch']})", flush=True)
        img_enc, txt_enc = train_clip(steps, a["batch"], a["seed"])
        result["clip"] = {"steps": steps, "batch": a["batch"]}
        for name, (x_seen, y_seen, x_held, y_held, two) in sets.items():
            s_seen, s_held = clip_scores(img_enc, txt_enc, x_seen, prompts), clip_scores(img_enc, txt_enc, x_held, prompts)
            s_two = np.stack([clip_scores(img_enc, txt_enc, img[None], caps)[0] for img, caps in two])
            s_val = clip_scores(img_enc, txt_enc, x_val, prompts)
            t_clip = fit_temperature(-s_val, y_val)  # the same fitting code: "errors" are negated similarities
            result["clip"][name] = {"seen": float((s_seen.argmax(1) == y_seen).mean()),
                                    "heldout": float((s_held.argmax(1) == y_held).mean()),
                                    "two_object": binding(s_two, higher_is_better=True),
                                    "calibration_seen": {"nll_T": nll(-s_seen, y_seen, t_clip),
                                                         "ece_T": ece(posterior(-s_seen, t_clip), y_seen)}}
            print(name, json.dumps(result["clip"][name]), flush=True)
    write_json(out_path, result)
    print(f"wrote {out_path}", flush=True)


if __name__ == "__main__":
    main()
