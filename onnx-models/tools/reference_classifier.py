"""The Diffusion Classifier (Li et al., ICCV 2023), written plainly, on the PyTorch models.

For an image x0 (model space) and labels c_1..c_N:
  * samples j = 0..K-1 have timestep plan_timesteps(K)[j] (nested even grids) and noise
    gaussian_noise(sample_seed(seed, j)), seed = request_seed(request id, model version);
  * the same (t_j, eps_j) serve every label;
  * err[label][j] = mean over C*H*W of (eps_j - eps_theta(x_t, t_j, c_label))^2;
  * staged elimination: stages [(n_samples, to_keep), ...]; after each stage keep the
    `to_keep` labels with the lowest mean error over the samples so far;
  * posterior: stage-wise softmax(-mean_err / T). Labels eliminated at a stage get their share
    of the mass still in play at that stage, computed on the samples all of that stage's labels
    share; survivors split the rest at the next stage. Every probability compares labels on
    shared samples only, and the probabilities sum to 1.

It is the source of the golden files the Java classifier must reproduce.
"""
import os

import numpy as np
import torch

from common import (gaussian_noise, plan_timesteps, preprocess_uint8, preprocess_uint8_bicubic, request_seed,
                    sample_seed)


class Conditioner:
    """Turns labels into the UNet's condition tensor (class index or text embedding)."""

    def __init__(self, manifest, text_encoder=None, tokenize=None, class_names=None):
        self.m = manifest
        self.text_encoder, self.tokenize = text_encoder, tokenize
        self.class_names = class_names  # from conditioning.classNamesFile (load_class_names)

    def prompts(self, labels, template=None):
        template = template or self.m["conditioning"].get("promptTemplate", "{label}")
        return [template.replace("{label}", label) for label in labels]

    def __call__(self, labels, template=None):
        cond = self.m["conditioning"]
        if cond["kind"] == "class":
            names = self.class_names if self.class_names is not None else cond["classNames"]
            missing = [lab for lab in labels if lab not in names]
            if missing:
                raise ValueError(f"unknown class label(s) {missing}")
            return torch.tensor([names.index(lab) for lab in labels], dtype=torch.int64)
        ids = torch.tensor([self.tokenize(p) for p in self.prompts(labels, template)], dtype=torch.int64)
        with torch.no_grad():
            return self.text_encoder(ids)


def per_sample_errors(unet, x0, cond_rows, abar, ts, eps, batch=512):
    """errors (n_cond, n_samples) for every (condition, sample) pair, batched."""
    n_c, n_s = cond_rows.shape[0], len(ts)
    pairs = [(i, j) for i in range(n_c) for j in range(n_s)]
    out = np.zeros((n_c, n_s), dtype=np.float64)
    for b in range(0, len(pairs), batch):
        chunk = pairs[b:b + batch]
        ci = torch.tensor([p[0] for p in chunk])
        sj = [p[1] for p in chunk]
        t = torch.tensor([ts[j] for j in sj], dtype=torch.int64)
        e = torch.from_numpy(np.stack([eps[j] for j in sj]))
        sa = torch.tensor([np.float32(np.sqrt(abar[ts[j]])) for j in sj])[:, None, None, None]
        sb = torch.tensor([np.float32(np.sqrt(1.0 - abar[ts[j]])) for j in sj])[:, None, None, None]
        xt = sa * torch.from_numpy(x0)[None] + sb * e
        with torch.no_grad():
            pred = unet(xt, t, cond_rows[ci]).numpy().astype(np.float64)
        err = ((e.numpy().astype(np.float64) - pred) ** 2).reshape(len(chunk), -1).mean(axis=1)
        for (i, j), v in zip(chunk, err):
            out[i, j] = v
    return out


def classify(unet, conditioner, manifest, x0, labels, request_id, stages, temperature=None,
             template=None, batch=512):
    """Returns a dict with per-label per-sample errors, the posterior and the prediction."""
    if len(set(labels)) != len(labels):
        raise ValueError("duplicate labels")
    version = manifest["version"]
    abar = np.asarray(manifest["schedule"]["alphasCumprod"], dtype=np.float64)
    T = temperature if temperature is not None else manifest["classifier"]["temperature"]
    seed = request_seed(request_id, version)
    k_max = stages[-1][0]
    ts = plan_timesteps(k_max, len(abar), timestep_range(manifest))
    n = int(np.prod(x0.shape))
    eps = [gaussian_noise(sample_seed(seed, j), n).reshape(x0.shape) for j in range(k_max)]
    cond = conditioner(labels, template)

    errors = {lab: [] for lab in labels}
    alive = list(range(len(labels)))
    done = 0
    probs = np.zeros(len(labels))
    mass = 1.0
    for si, (n_samples, to_keep) in enumerate(stages):
        new = list(range(done, n_samples))
        if new:
            e = per_sample_errors(unet, x0, cond[alive], abar, [ts[j] for j in new], [eps[j] for j in new], batch)
            for row, i in enumerate(alive):
                errors[labels[i]].extend(e[row].tolist())
        done = n_samples
        means = np.array([np.mean(errors[labels[i]][:n_samples]) for i in alive])
        logits = -means / T
        q = np.exp(logits - logits.max())
        q /= q.sum()
        last = si == len(stages) - 1
        keep = len(alive) if last else min(to_keep, len(alive))
        order = np.argsort(means, kind="stable")  # ties: earlier label first
        kept = sorted(order[:keep].tolist())
        for row, i in enumerate(alive):
            if row not in kept:
                probs[i] = mass * q[row]
        if last:
            for row in kept:
                probs[alive[row]] = mass * q[row]
        else:
            mass *= float(q[kept].sum())  # survivors split this mass at the next stage
        alive = [alive[row] for row in kept]
    top = int(np.argmax(probs))
    return {"errors": errors, "probabilities": dict(zip(labels, probs.tolist())),
            "prediction": labels[top], "timesteps": ts, "seed": seed}


def timestep_range(manifest):
    """The manifest's classifier.timestepRange as (min, max), or None: [1, trainSteps)."""
    r = manifest["classifier"].get("timestepRange")
    return (r["min"], r["max"]) if r else None


def classify_errors_flat(unet, cond_rows, abar, x0_batch, request_ids, version, k, batch=640, t_range=None):
    """Flat (no elimination) per-sample errors for many images: (n_images, n_labels, k).
    The evaluation path for accuracy-vs-K tables (prefixes of k give every smaller K)."""
    ts = plan_timesteps(k, len(abar), t_range)
    out = np.zeros((len(x0_batch), cond_rows.shape[0], k))
    for n, (x0, rid) in enumerate(zip(x0_batch, request_ids)):
        seed = request_seed(rid, version)
        eps = [gaussian_noise(sample_seed(seed, j), x0.size).reshape(x0.shape) for j in range(k)]
        out[n] = per_sample_errors(unet, x0, cond_rows, abar, ts, eps, batch)
    return out


# ---------------------------------------------------------------- real-checkpoint layouts
# Additions for Stable Diffusion- and DiT-style models (latent space, v-prediction, learned sigma,
# int32/float timesteps, float16 networks, class names from a file). The functions above are
# unchanged; a UNet is wrapped in ManifestUNet, which returns epsilon as float64, so classify()
# and per_sample_errors() run as they are.

TORCH_TYPES = {"int64": torch.int64, "int32": torch.int32, "float32": torch.float32, "float16": torch.float16}


def io_round(x, type_name):
    """A float tensor passed through a network input or output of the manifest's type: float16
    rounds to half precision (round to nearest even) and back; float32 and ints are as they are."""
    return x.half().float() if type_name == "float16" else x


def net_types(manifest, network):
    n = manifest["networks"][network]
    return n.get("inputTypes", {}), n.get("outputTypes", {})


def load_class_names(manifest, folder):
    """conditioning.classNamesFile: UTF-8, one name per line (index = line number), lines ended by
    \n or \r\n; the empty string after the last line end is not a name."""
    cond = manifest["conditioning"]
    if "classNamesFile" not in cond:
        return cond["classNames"]
    with open(os.path.join(folder, cond["classNamesFile"]), encoding="utf-8", newline="") as f:
        names = f.read().replace("\r\n", "\n").split("\n")
    if names and names[-1] == "":
        names.pop()
    return names


class ManifestUNet:
    """A PyTorch UNet seen through the manifest's `unet` interface; returns epsilon in float64.

    * timestep: passed with the type of inputTypes.timestep (int64, int32, float32 or float16);
    * float16 networks (inputTypes.sample / outputTypes.noise = float16): the sample is rounded to
      half precision on the way in and the output on the way out. The PyTorch module itself runs in
      float32 on weights already rounded to float16 (standins.py), which is close to, not the same
      as, ONNX Runtime's float16 arithmetic: a float16 model is compared at a looser tolerance;
    * learned sigma: the output has 2 x C channels; the first C are epsilon;
    * v_prediction: eps = sqrt(abar_t) * v + sqrt(1 - abar_t) * x_t, element by element in float64
      from the float32 (or float16) output v, abar_t from the manifest and x_t the float32 sample
      before any float16 rounding.
    Epsilon models with float32 I/O give exactly what the bare module gives.
    """

    def __init__(self, module, manifest):
        self.module = module
        self.abar = np.asarray(manifest["schedule"]["alphasCumprod"], dtype=np.float64)
        self.types, self.out_types = net_types(manifest, "unet")
        self.prediction = manifest["prediction"]["type"]
        self.learned_sigma = manifest["prediction"].get("learnedSigma", False)

    def __call__(self, xt, t, cond):
        t_in = t.to(TORCH_TYPES[self.types.get("timestep", "int64")])
        if t_in.dtype == torch.float16:
            t_in = t_in.float()  # the values, rounded to half precision; the module computes in float32
        x_in = io_round(xt, self.types.get("sample", "float32"))
        if cond.is_floating_point():
            cond = io_round(cond, self.types.get("condition", "float32"))
        with torch.no_grad():
            out = io_round(self.module(x_in, t_in, cond), self.out_types.get("noise", "float32"))
        if self.learned_sigma:
            out = out[:, : xt.shape[1]]
        out = out.double()
        if self.prediction == "v_prediction":
            ab = torch.from_numpy(self.abar[t.numpy()])[:, None, None, None]
            out = torch.sqrt(ab) * out + torch.sqrt(1.0 - ab) * xt.double()
        return out


def text_encoder_fn(module, manifest):
    """The text encoder through the manifest's interface: ids as inputTypes.input_ids, output
    rounded to float16 when outputTypes.last_hidden_state says so."""
    types, out_types = net_types(manifest, "textEncoder")
    ids_type = TORCH_TYPES[types.get("input_ids", "int64")]

    def run(ids):
        with torch.no_grad():
            return io_round(module(ids.to(ids_type)), out_types.get("last_hidden_state", "float32"))
    return run


def preprocess(img_u8, manifest):
    """(C, H, W) uint8 -> the model's pixel input, by the manifest's image.resize rule."""
    rule, size = manifest["image"]["resize"], manifest["image"]["size"]
    if rule == "area-short-side-center-crop":
        return preprocess_uint8(img_u8, size)
    if rule == "bicubic-short-side-center-crop":
        return preprocess_uint8_bicubic(img_u8, size)
    raise ValueError(f"unknown image.resize {rule!r}")


def encode_latent(vae_encoder, manifest, x):
    """x0 of a latent model: the VAE encoder's posterior mean (the first latentChannels of its
    output when it has 2 x latentChannels: mean, logvar) times scalingFactor, computed as
    float32(float64(mean) * scalingFactor). x: (3, H, W) float32 -> (C, H/8, W/8) float32."""
    space = manifest["space"]
    types, out_types = net_types(manifest, space["vaeEncoder"])
    sample = io_round(torch.from_numpy(x)[None], types.get("sample", "float32"))
    with torch.no_grad():
        out = io_round(vae_encoder(sample), out_types.get("latent", "float32"))
    mean = out[0, : space["latentChannels"]]
    return (mean.double() * space["scalingFactor"]).float().numpy()


def model_space(img_u8, manifest, vae_encoder=None):
    """The image as the UNet sees it: preprocessed pixels, or their scaled latent mean."""
    x = preprocess(img_u8, manifest)
    if manifest["space"]["kind"] == "latent":
        return encode_latent(vae_encoder, manifest, x)
    return x


# ---------------------------------------------------------------- sequential paired elimination
# The second sampling plan (see the Java Schedule.Sequential). Written from its description, not
# from the Java code: the golden cases it produces (plan_golden.py) are what the Java side must
# reproduce.

def by_sample(values_by_rank, grid, k_train, t_range=None):
    """The manifest's per-timestep values (ascending t over the `grid` even grid) by sample index."""
    ts = plan_timesteps(grid, k_train, t_range)
    by_time = sorted(range(grid), key=lambda i: ts[i])
    out = [0.0] * grid
    for rank, i in enumerate(by_time):
        out[i] = float(values_by_rank[rank])
    return out


def classify_sequential(unet, conditioner, manifest, x0, labels, request_id, plan, timestep_weights=None,
                        temperature=None, template=None, batch=512):
    """plan: dict block, min, max, level, weighted. timestep_weights: the manifest's
    classifier.timestepWeights (grid, weights, scales) or None.

    Samples are visited in the nested-grid order 0, 1, 2, ... (weighted: the grid's samples by
    descending weight, ties by lower index, zero weights never) with weight 1 (weighted: their
    weight) in each label's error average. After each block of shared samples, from `min` on,
    every label but the leader (lowest mean) gets a one-sided t-test on z_j = w_j (err_j -
    leader_j) / s_j (s_j: the timestep's scale when the model has scales and max <= grid, else
    1), with one residual variance pooled over all those comparisons (df = comparisons x (n - 1));
    walking from the worst mean up, labels with p <= level are dropped until the first that is
    not. Stops with one label left or at max. Probabilities as in the staged plan: each step that
    drops labels gives them their softmax share of the mass in play."""
    from scipy import stats
    if len(set(labels)) != len(labels):
        raise ValueError("duplicate labels")
    abar = np.asarray(manifest["schedule"]["alphasCumprod"], dtype=np.float64)
    T = temperature if temperature is not None else manifest["classifier"]["temperature"]
    seed = request_seed(request_id, manifest["version"])
    tw = timestep_weights
    if plan["weighted"] and tw is not None:
        w_of = by_sample(tw["weights"], tw["grid"], len(abar), timestep_range(manifest))
        samples = sorted((i for i in range(tw["grid"]) if w_of[i] > 0), key=lambda i: (-w_of[i], i))[:plan["max"]]
        w = np.array([w_of[i] for i in samples])
    else:
        samples = list(range(plan["max"]))
        w = np.ones(len(samples))
    if tw is not None and plan["max"] <= tw["grid"]:
        s_of = by_sample(tw["scales"], tw["grid"], len(abar), timestep_range(manifest))
        scale = np.array([s_of[i] for i in samples])
    else:
        scale = np.ones(len(samples))
    n_vis = len(samples)
    ts_all = plan_timesteps(max(samples) + 1, len(abar), timestep_range(manifest))
    n_px = int(np.prod(x0.shape))
    cond = conditioner(labels, template)

    err = np.zeros((len(labels), n_vis))
    alive = list(range(len(labels)))
    probs = np.zeros(len(labels))
    n_of = [0] * len(labels)
    mass, done, steps = 1.0, 0, []
    while True:
        target = min(n_vis, plan["min"] if done == 0 else done + plan["block"])
        new = samples[done:target]
        eps = [gaussian_noise(sample_seed(seed, i), n_px).reshape(x0.shape) for i in new]
        e = per_sample_errors(unet, x0, cond[alive], abar, [ts_all[i] for i in new], eps, batch)
        for row, i in enumerate(alive):
            err[i, done:target] = e[row]
            n_of[i] = target
        done = target
        means = np.array([np.sum(w[:done] * err[i, :done]) / np.sum(w[:done]) for i in alive])
        last = done >= n_vis
        keep = len(alive)
        if not last and done >= plan["min"]:
            order = np.argsort(means, kind="stable")
            leader = err[alive[order[0]], :done]
            z = np.array([w[:done] * (err[alive[r], :done] - leader) / scale[:done] for r in order[1:]])
            df = z.shape[0] * (done - 1)
            sd = np.sqrt(((z - z.mean(axis=1, keepdims=True)) ** 2).sum() / df)
            dropped = 0
            for r in range(z.shape[0] - 1, -1, -1):
                m = z[r].mean()
                t_stat = m / (sd / np.sqrt(done)) if sd > 0 else (np.inf if m > 0 else 0.0)
                if stats.t.sf(t_stat, df) > plan["level"]:
                    break
                dropped += 1
            keep = len(alive) - dropped
        if keep <= 1:
            last, keep = True, len(alive)
        elif not last and keep == len(alive):
            continue
        logits = -means / T
        q = np.exp(logits - logits.max())
        q /= q.sum()
        kept = set(np.argsort(means, kind="stable")[:keep].tolist())
        steps.append([done, 1 if last else keep])
        for row, i in enumerate(alive):
            if last or row not in kept:
                probs[i] = mass * q[row]
        if last:
            break
        mass *= float(sum(q[row] for row in kept))
        alive = [alive[row] for row in sorted(kept)]
    top = int(np.argmax(probs))
    return {"errors": {lab: err[i, :n_of[i]].tolist() for i, lab in enumerate(labels)},
            "probabilities": dict(zip(labels, probs.tolist())), "prediction": labels[top],
            "seed": seed, "steps": steps, "visits": samples[:done]}
