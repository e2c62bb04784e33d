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
import numpy as np
import torch

from common import gaussian_noise, plan_timesteps, request_seed, sample_seed


class Conditioner:
    """Turns labels into the UNet's condition tensor (class index or text embedding)."""

    def __init__(self, manifest, text_encoder=None, tokenize=None):
        self.m = manifest
        self.text_encoder, self.tokenize = text_encoder, tokenize

    def prompts(self, labels, template=None):
        template = template or self.m["conditioning"].get("promptTemplate", "{label}")
        return [template.replace("{label}", label) for label in labels]

    def __call__(self, labels, template=None):
        cond = self.m["conditioning"]
        if cond["kind"] == "class":
            names = cond["classNames"]
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
    ts = plan_timesteps(k_max, len(abar))
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


def classify_errors_flat(unet, cond_rows, abar, x0_batch, request_ids, version, k, batch=640):
    """Flat (no elimination) per-sample errors for many images: (n_images, n_labels, k).
    The evaluation path for accuracy-vs-K tables (prefixes of k give every smaller K)."""
    ts = plan_timesteps(k, len(abar))
    out = np.zeros((len(x0_batch), cond_rows.shape[0], k))
    for n, (x0, rid) in enumerate(zip(x0_batch, request_ids)):
        seed = request_seed(rid, version)
        eps = [gaussian_noise(sample_seed(seed, j), x0.size).reshape(x0.shape) for j in range(k)]
        out[n] = per_sample_errors(unet, x0, cond_rows, abar, ts, eps, batch)
    return out
