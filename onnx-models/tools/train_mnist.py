"""Train the class-conditional DDPM `mnist-ddpm` on the TRAIN split (never val/test).

    /usr/bin/python3 onnx-models/tools/train_mnist.py --steps 12000 --out onnx-models/tools/.cache/mnist-ddpm.pt
"""
import argparse
import copy
import time

import numpy as np
import torch
import torch.nn.functional as F

import mnist_data
from common import linear_alphas_cumprod, preprocess_uint8
from nets import UNet

SIZE = 16
NULL_CLASS = 10


def build_model():
    return UNet(in_ch=1, base=32, mults=(1, 2, 2), emb_dim=128, n_classes=11)


def to_model_space(imgs_u8):
    return np.stack([preprocess_uint8(im, SIZE) for im in imgs_u8])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)

    x_train, y_train = mnist_data.load_split()["train"]
    x = torch.from_numpy(to_model_space(x_train))
    y = torch.from_numpy(y_train)
    abar = torch.from_numpy(linear_alphas_cumprod()).float()

    model = build_model()
    ema = copy.deepcopy(model).eval()
    print(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.3f}M, train {len(x)}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    start, running = time.time(), 0.0
    for step in range(1, args.steps + 1):
        idx = torch.from_numpy(rng.integers(0, len(x), args.batch))
        x0, c = x[idx], y[idx].clone()
        c[torch.rand(args.batch) < 0.1] = NULL_CLASS  # classifier-free dropout: the null class
        t = torch.randint(0, 1000, (args.batch,))
        eps = torch.randn_like(x0)
        a = abar[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(model(xt, t, c), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            decay = min(0.999, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        running += loss.item()
        if step % 250 == 0:
            el = time.time() - start
            print(f"step {step}/{args.steps} loss {running / 250:.4f} {el / 60:.1f} min "
                  f"(eta {el / step * (args.steps - step) / 60:.1f} min)", flush=True)
            running = 0.0
    torch.save({"ema": ema.state_dict(), "args": vars(args), "minutes": (time.time() - start) / 60}, args.out)
    print(f"saved {args.out} after {(time.time() - start) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
