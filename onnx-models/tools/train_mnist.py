"""Train the class-conditional DDPM `mnist-ddpm` on the TRAIN split (never val/test).

    /usr/bin/python3 onnx-models/tools/train_mnist.py --steps 12000 --out onnx-models/tools/.cache/mnist-ddpm.pt

Version 1.0.0 was trained with the defaults (`--steps 5000 --threads 1`). Options added for later
versions leave the default run exactly as it was (same random draws in the same order):
  --shift N --shift-prob P   translate a training digit by a random whole number of pixels in
                             [-N, N] (each axis, zero fill) at 28x28, before the area resize to 16x16,
                             with probability P; drawn from a separate generator (seed + 1)
  --save-every S             also save the EMA weights every S steps to <out>.partial.pt, so that a
                             run that is late can be cut short and still used
  --resume-every S, --resume write <out>.resume.pt every S steps; continue a stopped run from it
The loop itself is `training.Trainer`, shared with train_shapes.py.
"""
import argparse
import numpy as np
import torch
import torch.nn.functional as F

import mnist_data
from common import linear_alphas_cumprod, preprocess_uint8
from nets import UNet
from training import Trainer

SIZE = 16
NULL_CLASS = 10


def build_model():
    return UNet(in_ch=1, base=32, mults=(1, 2, 2), emb_dim=128, n_classes=11)


def to_model_space(imgs_u8):
    return np.stack([preprocess_uint8(im, SIZE) for im in imgs_u8])


def shifted(imgs_u8, dy, dx):
    """Whole-pixel translation of (N, 1, 28, 28) uint8 digits, zero fill."""
    out = np.zeros_like(imgs_u8)
    h, w = imgs_u8.shape[-2:]
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        imgs_u8[..., max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def save(path, trainer, args):
    torch.save({"ema": trainer.ema["ema"].state_dict(), "args": vars(args), "minutes": trainer.minutes(),
                "step": trainer.step_no}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shift", type=int, default=0, help="augmentation: max whole-pixel shift at 28x28 (0: none)")
    ap.add_argument("--shift-prob", type=float, default=0.5, help="augmentation: probability a digit is shifted")
    ap.add_argument("--save-every", type=int, default=0, help="save <out>.partial.pt every N steps (0: never)")
    ap.add_argument("--resume-every", type=int, default=0, help="write <out>.resume.pt every N steps (0: never)")
    ap.add_argument("--resume", action="store_true", help="continue the run from <out>.resume.pt")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)

    x_train, y_train = mnist_data.load_split()["train"]
    x = torch.from_numpy(to_model_space(x_train))
    y = torch.from_numpy(y_train)
    shifts = [(dy, dx) for dy in range(-args.shift, args.shift + 1) for dx in range(-args.shift, args.shift + 1)
              if (dy, dx) != (0, 0)]
    if shifts:  # every shifted copy of the training set, precomputed in model space
        x_shift = torch.stack([torch.from_numpy(to_model_space(shifted(x_train, dy, dx))) for dy, dx in shifts])
        aug_rng = np.random.default_rng(args.seed + 1)
    abar = torch.from_numpy(linear_alphas_cumprod()).float()

    model = build_model()
    trainer = Trainer({"ema": model}, args.steps, args.lr, log_every=250, resume_every=args.resume_every, out=args.out)
    gens = {"batch": rng, **({"augment": aug_rng} if shifts else {})}
    print(f"params {trainer.parameter_counts()['ema'] / 1e6:.3f}M, train {len(x)}", flush=True)
    if args.resume:
        trainer.resume(gens)
    while not trainer.done():
        idx = torch.from_numpy(rng.integers(0, len(x), args.batch))
        x0, c = x[idx], y[idx].clone()
        if shifts:
            which = aug_rng.integers(0, len(shifts), args.batch)
            use = aug_rng.random(args.batch) < args.shift_prob
            if use.any():
                x0 = x0.clone()
                x0[torch.from_numpy(use)] = x_shift[torch.from_numpy(which[use]), idx[torch.from_numpy(use)]]
        c[torch.rand(args.batch) < 0.1] = NULL_CLASS  # classifier-free dropout: the null class
        t = torch.randint(0, 1000, (args.batch,))
        eps = torch.randn_like(x0)
        a = abar[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        trainer.step(F.mse_loss(model(xt, t, c), eps))
        trainer.maybe_save_resume(gens)
        if args.save_every and trainer.step_no % args.save_every == 0 and not trainer.done():
            save(args.out + ".partial.pt", trainer, args)
    if args.save_every:
        save(args.out, trainer, args)
    else:  # the 1.0.0 checkpoint layout
        torch.save({"ema": trainer.ema["ema"].state_dict(), "args": vars(args), "minutes": trainer.minutes()}, args.out)
    print(f"saved {args.out} after {trainer.minutes():.1f} min", flush=True)


if __name__ == "__main__":
    main()
