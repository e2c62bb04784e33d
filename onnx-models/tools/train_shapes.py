"""Train `shapes-t2i` (text encoder + cross-attention UNet, jointly) on generated scenes.

    /usr/bin/python3 onnx-models/tools/train_shapes.py --steps 4000 --out onnx-models/tools/.cache/shapes-t2i.pt

Scenes are drawn fresh each step from the seeded generator, restricted to SEEN_PAIRS: the
held-out colour-shape pairs never appear in an image or a caption.
"""
import argparse
import copy
import time

import numpy as np
import torch
import torch.nn.functional as F

import shapes
from common import linear_alphas_cumprod
from nets import TextEncoder, UNet

EMPTY = ""  # the unconditional prompt (classifier-free dropout)


def build_models():
    text = TextEncoder(len(shapes.VOCAB), shapes.MAX_LEN, dim=64, layers=2, heads=4)
    unet = UNet(in_ch=3, base=32, mults=(1, 2, 2), emb_dim=128, ctx_dim=64, attn_levels=(1, 2))
    return text, unet


def to_model_space(imgs_u8):
    return imgs_u8.astype(np.float32) / 127.5 - 1.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    abar = torch.from_numpy(linear_alphas_cumprod()).float()

    text, unet = build_models()
    params = list(text.parameters()) + list(unet.parameters())
    ema_text, ema_unet = copy.deepcopy(text).eval(), copy.deepcopy(unet).eval()
    print(f"unet {sum(p.numel() for p in unet.parameters()) / 1e6:.3f}M, "
          f"text {sum(p.numel() for p in text.parameters()) / 1e6:.3f}M", flush=True)
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    start, running = time.time(), 0.0
    logged = 0
    for step in range(1, args.steps + 1):
        imgs, caps = shapes.batch(rng, args.batch)
        caps = [EMPTY if rng.random() < 0.1 else c for c in caps]
        ids = torch.tensor([shapes.tokenize(c) for c in caps])
        x0 = torch.from_numpy(to_model_space(imgs))
        t = torch.randint(0, 1000, (args.batch,))
        eps = torch.randn_like(x0)
        a = abar[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(unet(xt, t, text(ids)), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        with torch.no_grad():
            decay = min(0.999, (1 + step) / (10 + step))
            for ema, live in ((ema_text, text), (ema_unet, unet)):
                for pe, pm in zip(ema.parameters(), live.parameters()):
                    pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        running += loss.item()
        if step % 100 == 0 or step == 10:
            el = time.time() - start
            # the mean over the steps since the last line (10 at step 10, then 90, then 100)
            print(f"step {step}/{args.steps} loss {running / (step - logged):.4f} {el / 60:.1f} min "
                  f"(eta {el / step * (args.steps - step) / 60:.1f} min)", flush=True)
            running, logged = 0.0, step
    torch.save({"text": ema_text.state_dict(), "unet": ema_unet.state_dict(), "args": vars(args),
                "minutes": (time.time() - start) / 60}, args.out)
    print(f"saved {args.out} after {(time.time() - start) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
