"""Evaluate `mnist-ddpm` on the held-out split and fit its temperature on the validation split.

    /usr/bin/python3 onnx-models/tools/evaluate_mnist.py
    /usr/bin/python3 onnx-models/tools/evaluate_mnist.py --version 1.1.0 --threads 1 \
        --checkpoint onnx-models/tools/.cache/mnist-ddpm-1.1.0.pt --out onnx-models/tools/.cache/mnist-ddpm-1.1.0-eval.json

Prints (and writes .cache/mnist-ddpm-eval.json) accuracy vs K = 1..64 shared-noise samples per
label on all 2,000 held-out digits, the fitted temperature with NLL/ECE at T=1 and fitted T,
and the logistic-regression and small-CNN baselines trained on the same training images.

--version is the model version the results are for: it is part of every noise seed (default: the
shipped version, versions.MNIST_DDPM). For another version the results file also records it, and
the per-sample errors go to .cache/mnist-{val,test}-errors-<version>.npy.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression

import mnist_data
import reference_classifier as ref
import train_mnist
from calibration import ece, fit_temperature, nll, posterior
from common import here, linear_alphas_cumprod, write_json
from versions import MNIST_DDPM as VERSION

KS = [1, 2, 4, 8, 16, 32, 64]


def diffusion_errors(unet, x, ids, k, threads, version=VERSION):
    torch.set_num_threads(threads)
    cond = torch.arange(10)
    abar = linear_alphas_cumprod()
    start = time.time()
    out = np.zeros((len(x), 10, k))
    for n in range(len(x)):
        out[n] = ref.classify_errors_flat(unet, cond, abar, x[n:n + 1], ids[n:n + 1], version, k)[0]
        if (n + 1) % 100 == 0:
            el = time.time() - start
            print(f"  {n + 1}/{len(x)} images, {el / 60:.1f} min (eta {el / (n + 1) * (len(x) - n - 1) / 60:.1f})",
                  flush=True)
    return out


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 3, padding=1)
        self.fc1, self.fc2 = nn.Linear(64 * 4 * 4, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def train_cnn(x, y, seed=0, epochs=15):
    """A small CNN on the same training images (same preprocessing), a fixed recipe."""
    torch.manual_seed(seed)
    net = SmallCNN()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            loss = F.cross_entropy(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="evaluate only the first N test digits (smoke runs)")
    ap.add_argument("--checkpoint", default=here(".cache", "mnist-ddpm.pt"))
    ap.add_argument("--out", default=here(".cache", "mnist-ddpm-eval.json"), help="results file (read by export_models.py)")
    ap.add_argument("--version", default=VERSION, help="model version: part of every noise seed (default %(default)s)")
    args = ap.parse_args()
    other = args.version != VERSION
    split = mnist_data.load_split()
    prep = {k: (train_mnist.to_model_space(v[0]), v[1]) for k, v in split.items()}
    unet = train_mnist.build_model()
    unet.load_state_dict(torch.load(args.checkpoint)["ema"])
    unet.eval()
    x_val, y_val = prep["val"]
    x_test, y_test = prep["test"]
    if args.limit:  # smoke runs only: a strided subset of both splits
        x_val, y_val = x_val[::len(x_val) // args.limit], y_val[::len(y_val) // args.limit]
        x_test, y_test = x_test[::len(x_test) // args.limit], y_test[::len(y_test) // args.limit]
    kmax = max(KS)
    # request ids: the path under heldout/, exactly as the Java accuracy command names its images
    print("validation errors (temperature fit)", flush=True)
    ev = diffusion_errors(unet, x_val, [f"val-{i}" for i in range(len(x_val))], kmax, args.threads, args.version)
    if other:
        np.save(here(".cache", f"mnist-val-errors-{args.version}.npy"), ev)
    print("test errors", flush=True)
    rows = np.arange(len(split["test"][1]))[::len(split["test"][1]) // args.limit] if args.limit else np.arange(len(y_test))
    et = diffusion_errors(unet, x_test, [f"{y}/{i:04d}.png" for i, y in zip(rows, y_test)], kmax,
                          args.threads, args.version)
    np.save(here(".cache", f"mnist-test-errors-{args.version}.npy" if other else "mnist-test-errors.npy"), et)

    table = []
    for k in KS:
        mv, mt = ev[:, :, :k].mean(axis=2), et[:, :, :k].mean(axis=2)
        T = fit_temperature(mv, y_val)
        p1, pt = posterior(mt, 1.0), posterior(mt, T)
        row = {"K": k, "accuracy": float((mt.argmin(axis=1) == y_test).mean()), "temperature": T,
               "nll_T1": nll(mt, y_test, 1.0), "ece_T1": ece(p1, y_test),
               "nll_T": nll(mt, y_test, T), "ece_T": ece(pt, y_test)}
        table.append(row)
        print(json.dumps(row), flush=True)

    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    logreg = LogisticRegression(max_iter=2000, C=1.0).fit(flat(prep["train"][0]), prep["train"][1])
    acc_lr = float((logreg.predict(flat(x_test)) == y_test).mean())
    torch.set_num_threads(args.threads)
    cnn = train_cnn(prep["train"][0], prep["train"][1])
    with torch.no_grad():
        acc_cnn = float((cnn(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    print(f"logistic regression {acc_lr:.4f}, small CNN {acc_cnn:.4f}")
    fit = next(r for r in table if r["K"] == kmax)
    write_json(args.out, {
        **({"version": args.version} if other else {}),
        "table": table, "baselines": {"logistic_regression": acc_lr, "small_cnn": acc_cnn},
        "temperature": fit["temperature"],
        "temperatureFit": {"split": "validation (600 digits, 60 per class)", "samples": kmax, "schedule": "flat"},
        "n_test": int(len(y_test))})


if __name__ == "__main__":
    main()
