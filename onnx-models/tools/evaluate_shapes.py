"""Evaluate `shapes-t2i` on freshly generated held-out scenes, fit its temperature on a
validation set, and compare with a CLIP-style dual encoder trained on the same data and budget.

    /usr/bin/python3 onnx-models/tools/evaluate_shapes.py

(a) single-object 24-way caption choice ("a <colour> <shape>" over all 24 pairs), on seen pairs
    and on the 4 held-out pairs (never in training images or captions);
(b) two-object scenes against attribute-swap distractors (colours swapped, shapes swapped,
    left/right swapped): 4-way choice and each pairwise true-vs-distractor choice.
Evaluation scenes use generator seeds that training never used (training draws from its own
rng stream seeded 4321; these use 9001+). Writes .cache/shapes-t2i-eval.json.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import reference_classifier as ref
import shapes
import train_shapes
from calibration import ece, fit_temperature, nll, posterior
from common import here, linear_alphas_cumprod, preprocess_uint8, write_json

from versions import SHAPES_T2I as VERSION  # the shipped version: one place for all tools
SINGLES = [f"{c} {s}" for c, s in shapes.ALL_PAIRS]
KS = [1, 2, 4, 8, 16, 32]


def single_scenes(rng, pairs, per_pair):
    imgs, labels = [], []
    for c, s in pairs:
        for _ in range(per_pair):
            imgs.append(shapes.one_object(rng, c, s, "small" if rng.random() < 0.5 else "big"))
            labels.append(SINGLES.index(f"{c} {s}"))
    return np.stack(imgs), np.asarray(labels)


def two_object_scenes(rng, n):
    scenes = []
    while len(scenes) < n:
        i, j = rng.choice(len(shapes.SEEN_PAIRS), 2, replace=False)
        left, right = shapes.SEEN_PAIRS[i], shapes.SEEN_PAIRS[j]
        if left[0] == right[0] or left[1] == right[1]:
            continue  # swaps must change the caption
        scenes.append((shapes.two_objects(rng, left, right), shapes.attribute_swaps(left, right)))
    return scenes


def text_cond(text, captions):
    ids = torch.tensor([shapes.tokenize(c) for c in captions])
    with torch.no_grad():
        return text(ids)


def errors_for(unet, text, imgs, captions_per_image, k, ids):
    """(n_images, n_captions, k) per-sample errors with the reference classifier's noise."""
    abar = linear_alphas_cumprod()
    out = []
    start = time.time()
    for n, img in enumerate(imgs):
        cond = text_cond(text, captions_per_image(n))
        x0 = preprocess_uint8(img, 32)
        out.append(ref.classify_errors_flat(unet, cond, abar, x0[None], [ids(n)], VERSION, k)[0])
        if (n + 1) % 40 == 0:
            el = time.time() - start
            print(f"  {n + 1}/{len(imgs)} {el / 60:.1f} min (eta {el / (n + 1) * (len(imgs) - n - 1) / 60:.1f})", flush=True)
    return np.stack(out)


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
    """Same generator, seen pairs only, same steps x batch as the diffusion model."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    img_enc, txt_enc = ImageEncoder(), ClipText()
    scale = nn.Parameter(torch.tensor(np.log(10.0), dtype=torch.float32))
    opt = torch.optim.AdamW(list(img_enc.parameters()) + list(txt_enc.parameters()) + [scale], lr=1e-3)
    for step in range(steps):
        imgs, caps = shapes.batch(rng, batch)
        x = torch.from_numpy(train_shapes.to_model_space(imgs))
        ids = torch.tensor([shapes.tokenize(c) for c in caps])
        logits = img_enc(x) @ txt_enc(ids).T * scale.exp()
        # identical captions in a batch are positives too: soft targets over equal captions
        same = torch.tensor([[a == b for b in caps] for a in caps], dtype=torch.float32)
        target = same / same.sum(dim=1, keepdim=True)
        loss = (torch.sum(-target * F.log_softmax(logits, 1), 1).mean()
                + torch.sum(-target.T * F.log_softmax(logits.T, 1), 1).mean()) / 2
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
        return (a @ b.T).numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-per-pair", type=int, default=6)
    ap.add_argument("--test-per-pair", type=int, default=8)
    ap.add_argument("--heldout-per-pair", type=int, default=20)
    ap.add_argument("--two-object", type=int, default=160)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--checkpoint", default=here(".cache", "shapes-t2i.pt"))
    ap.add_argument("--out", default=here(".cache", "shapes-t2i-eval.json"), help="results file (read by export_models.py)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.checkpoint)
    text, unet = train_shapes.build_models()
    text.load_state_dict(ck["text"])
    unet.load_state_dict(ck["unet"])
    text.eval()
    unet.eval()
    prompts = [f"a {s}" for s in SINGLES]  # the manifest's default template "a {label}"

    x_val, y_val = single_scenes(np.random.default_rng(9001), shapes.SEEN_PAIRS, args.val_per_pair)
    x_seen, y_seen = single_scenes(np.random.default_rng(9002), shapes.SEEN_PAIRS, args.test_per_pair)
    x_held, y_held = single_scenes(np.random.default_rng(9003), sorted(shapes.HELD_OUT), args.heldout_per_pair)
    two = two_object_scenes(np.random.default_rng(9004), args.two_object)

    print("validation (temperature)", flush=True)
    ev = errors_for(unet, text, x_val, lambda n: prompts, args.k, lambda n: f"val-{n}")
    print("seen single objects", flush=True)
    es = errors_for(unet, text, x_seen, lambda n: prompts, args.k, lambda n: f"seen-{n}")
    print("held-out single objects", flush=True)
    eh = errors_for(unet, text, x_held, lambda n: prompts, args.k, lambda n: f"heldout-{n}")
    print("two-object attribute swaps", flush=True)
    et = errors_for(unet, text, [s[0] for s in two], lambda n: two[n][1], args.k, lambda n: f"two-{n}")

    result = {"K": args.k, "single": [], "n": {"val": len(y_val), "seen": len(y_seen), "heldout": len(y_held),
                                                  "two_object": len(two)}}
    T = fit_temperature(ev.mean(axis=2), y_val)
    for k in [k for k in KS if k <= args.k]:
        ms, mh = es[:, :, :k].mean(axis=2), eh[:, :, :k].mean(axis=2)
        row = {"K": k, "seen": float((ms.argmin(1) == y_seen).mean()), "heldout": float((mh.argmin(1) == y_held).mean())}
        result["single"].append(row)
        print(json.dumps(row), flush=True)
    ms = es.mean(axis=2)
    result["temperature"] = T
    result["temperatureFit"] = {"split": f"validation ({len(y_val)} generated single-object scenes, seed 9001)",
                                "samples": args.k, "schedule": "flat"}
    result["calibration_seen"] = {"nll_T1": nll(ms, y_seen, 1.0), "ece_T1": ece(posterior(ms, 1.0), y_seen),
                                  "nll_T": nll(ms, y_seen, T), "ece_T": ece(posterior(ms, T), y_seen)}
    mt = et.mean(axis=2)  # (n, 4): true, colour swap, shape swap, side swap
    result["two_object"] = {"four_way": float((mt.argmin(1) == 0).mean())}
    for i, name in enumerate(["colours_swapped", "shapes_swapped", "sides_swapped"], start=1):
        result["two_object"][name] = float((mt[:, 0] < mt[:, i]).mean())
    result["colour_correct_heldout"] = float(np.mean([SINGLES[p].split()[0] == SINGLES[t].split()[0]
                                                      for p, t in zip(eh.mean(axis=2).argmin(1), y_held)]))
    result["shape_correct_heldout"] = float(np.mean([SINGLES[p].split()[1] == SINGLES[t].split()[1]
                                                     for p, t in zip(eh.mean(axis=2).argmin(1), y_held)]))
    print(json.dumps(result, indent=1), flush=True)

    print("CLIP-style baseline (same data stream, steps x batch)", flush=True)
    a = ck["args"]
    img_enc, txt_enc = train_clip(a["steps"], a["batch"], a["seed"])
    s_seen = clip_scores(img_enc, txt_enc, x_seen, prompts)
    s_held = clip_scores(img_enc, txt_enc, x_held, prompts)
    s_two = np.stack([clip_scores(img_enc, txt_enc, img[None], caps)[0] for img, caps in two])
    result["clip"] = {"seen": float((s_seen.argmax(1) == y_seen).mean()),
                      "heldout": float((s_held.argmax(1) == y_held).mean()),
                      "four_way": float((s_two.argmax(1) == 0).mean())}
    for i, name in enumerate(["colours_swapped", "shapes_swapped", "sides_swapped"], start=1):
        result["clip"][name] = float((s_two[:, 0] > s_two[:, i]).mean())
    print(json.dumps(result["clip"]), flush=True)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
