"""Train `shapes-t2i` (text encoder + cross-attention UNet, jointly) on generated scenes.

    /usr/bin/python3 onnx-models/tools/train_shapes.py --version 2.0.0 --steps 4200 --out onnx-models/tools/.cache/shapes-t2i-2.0.0.pt
    /usr/bin/python3 onnx-models/tools/train_shapes.py --version 1.0.0 --steps 3000 --threads 1 --out onnx-models/tools/.cache/shapes-t2i.pt

Scenes are drawn fresh each step from the seeded generator, restricted to SEEN_PAIRS: the
held-out colour-shape pairs never appear in an image or a caption (not even as a negative).

1.0.0: denoising loss only (epsilon MSE, t uniform over [0, 1000)), scenes of `shapes.sample_scene`.
2.0.0: scenes of `shapes.sample_scene_v2` (varied backgrounds, colours, sizes, edges), and a
contrastive hard-negative loss beside the denoising one (after Krojer et al.'s hard-negative
fine-tuning for diffusion image-text matching): for `--contrastive` scenes of each batch the
noised image x_t is scored with its caption and three hard negatives (attributes swapped or
changed) at one shared (t, eps), t uniform over [--ct-min, --ct-max) where shape is decided;
the loss is the cross-entropy of softmax(-err / (tau * mean err)) towards the true caption, i.e.
exactly the Diffusion Classifier's decision made differentiable. The true-caption samples count
in the denoising loss too. Progress lines carry `cacc`, how often the true caption already had
the smallest error in the batch.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import shapes
from common import linear_alphas_cumprod
from nets import TextEncoder, UNet
from training import Trainer
from versions import SHAPES_T2I

EMPTY = ""  # the unconditional prompt (classifier-free dropout)


def build_models():
    text = TextEncoder(len(shapes.VOCAB), shapes.MAX_LEN, dim=64, layers=2, heads=4)
    unet = UNet(in_ch=3, base=32, mults=(1, 2, 2), emb_dim=128, ctx_dim=64, attn_levels=(1, 2))
    return text, unet


def to_model_space(imgs_u8):
    return imgs_u8.astype(np.float32) / 127.5 - 1.0


def noised(x0, t, abar):
    eps = torch.randn_like(x0)
    a = abar[t][:, None, None, None]
    return a.sqrt() * x0 + (1 - a).sqrt() * eps, eps


def ids_of(captions):
    return torch.tensor([shapes.tokenize(c) for c in captions])


def step_v1(args, rng, abar, text, unet):
    imgs, caps = shapes.batch(rng, args.batch)
    caps = [EMPTY if rng.random() < 0.1 else c for c in caps]
    ids = ids_of(caps)
    x0 = torch.from_numpy(to_model_space(imgs))
    t = torch.randint(0, 1000, (args.batch,))
    xt, eps = noised(x0, t, abar)
    return F.mse_loss(unet(xt, t, text(ids)), eps), {}


def step_v2(args, rng, abar, text, unet):
    """Denoising on the whole batch plus the contrastive loss on its first --contrastive scenes."""
    scenes = [shapes.sample_scene_v2(rng) for _ in range(args.batch)]
    nc = args.contrastive
    x0 = torch.from_numpy(to_model_space(np.stack([s[0] for s in scenes])))
    t = torch.cat([torch.randint(args.ct_min, args.ct_max, (nc,)), torch.randint(0, 1000, (args.batch - nc,))])
    xt, eps = noised(x0, t, abar)
    plain = [EMPTY if rng.random() < 0.1 else s[1] for s in scenes[nc:]]
    contrast = [c for s in scenes[:nc] for c in [s[1], *s[2]]]  # true, then 3 negatives, per scene
    caps = contrast + plain
    reps = torch.cat([torch.arange(nc).repeat_interleave(4), torch.arange(nc, args.batch)])
    pred = unet(xt[reps], t[reps], text(ids_of(caps)))
    err = ((pred - eps[reps]) ** 2).mean(dim=(1, 2, 3))
    ce_err = err[: 4 * nc].view(nc, 4)
    denoise = torch.cat([ce_err[:, 0], err[4 * nc:]]).mean()
    logits = -ce_err / (args.tau * ce_err.mean(dim=1, keepdim=True).detach())
    ce = F.cross_entropy(logits, torch.zeros(nc, dtype=torch.long))
    cacc = (ce_err.argmin(dim=1) == 0).float().mean().item()
    return denoise + args.contrastive_weight * ce, {"denoise": denoise.item(), "ce": ce.item(), "cacc": cacc}


@torch.no_grad()
def monitor(text, unet, abar, version):
    """A quick progress check (not an evaluation: K = 4, 48 scenes each, monitor seeds 9101/9102):
    24-way accuracy on seen and on held-out single objects drawn by 1.0.0's renderer."""
    import reference_classifier as ref
    from common import preprocess_uint8
    prompts = [f"a {c} {s}" for c, s in shapes.ALL_PAIRS]
    cond = text(ids_of(prompts))
    out = {}
    for name, pairs, seed in (("seen", shapes.SEEN_PAIRS, 9101), ("heldout", sorted(shapes.HELD_OUT), 9102)):
        rng = np.random.default_rng(seed)
        hits = 0
        for n in range(48):
            c, s = pairs[n % len(pairs)]
            img = shapes.one_object(rng, c, s, "small" if rng.random() < 0.5 else "big")
            e = ref.classify_errors_flat(unet, cond, abar.numpy().astype(np.float64), preprocess_uint8(img, 32)[None],
                                         [f"monitor-{n}"], version, 4)[0]
            hits += int(e.mean(axis=1).argmin() == shapes.ALL_PAIRS.index((c, s)))
        out[name] = hits / 48
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default=SHAPES_T2I, choices=["1.0.0", "2.0.0"], help="which recipe (see above; default %(default)s)")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--contrastive", type=int, default=16, help="2.0.0: scenes per batch in the contrastive loss")
    ap.add_argument("--contrastive-weight", type=float, default=0.01)
    ap.add_argument("--tau", type=float, default=0.05, help="2.0.0: softmax temperature, relative to the mean error")
    ap.add_argument("--ct-min", type=int, default=50)
    ap.add_argument("--ct-max", type=int, default=650)
    ap.add_argument("--monitor-every", type=int, default=0, help="quick seen/held-out check every N steps (0: never)")
    ap.add_argument("--save-every", type=int, default=0, help="save the EMA weights to <out>.partial.pt every N steps")
    ap.add_argument("--resume-every", type=int, default=0, help="write <out>.resume.pt every N steps (0: never)")
    ap.add_argument("--resume", action="store_true", help="continue the run from <out>.resume.pt")
    ap.add_argument("--stop-at", type=int, default=0, help="stop after this step (the LR schedule still spans --steps); "
                    "<out> then holds the EMA weights of that step, the same as <out>.partial.pt saved there")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    abar = torch.from_numpy(linear_alphas_cumprod()).float()

    text, unet = build_models()
    trainer = Trainer({"text": text, "unet": unet}, args.steps, args.lr, clip=1.0, log_every=100,
                      resume_every=args.resume_every, out=args.out)
    counts = trainer.parameter_counts()
    print(f"unet {counts['unet'] / 1e6:.3f}M, text {counts['text'] / 1e6:.3f}M", flush=True)
    if args.resume:
        trainer.resume({"scenes": rng})
    step = step_v1 if args.version == "1.0.0" else step_v2
    while not trainer.done() and trainer.step_no != args.stop_at:
        loss, metrics = step(args, rng, abar, text, unet)
        trainer.step(loss, **metrics)
        trainer.maybe_save_resume({"scenes": rng})
        if args.save_every and trainer.step_no % args.save_every == 0 and not trainer.done():
            save(args.out + ".partial.pt", trainer, args)
        if args.monitor_every and trainer.step_no % args.monitor_every == 0:
            began = time.time()
            print(f"monitor step {trainer.step_no}: {monitor(trainer.ema['text'], trainer.ema['unet'], abar, args.version)} "
                  f"({time.time() - began:.0f} s)", flush=True)
    save(args.out, trainer, args)
    print(f"saved {args.out} after {trainer.minutes():.1f} min", flush=True)


def save(path, trainer, args):
    torch.save({"text": trainer.ema["text"].state_dict(), "unet": trainer.ema["unet"].state_dict(),
                "args": vars(args), "minutes": trainer.minutes(), "step": trainer.step_no}, path)


if __name__ == "__main__":
    main()
