"""Export DiT-XL/2 (facebookresearch/DiT) and its VAE to a ready model folder for the worker.

NOT RUN ON THIS PROJECT'S MACHINES: the weights cannot be downloaded there, diffusers and timm are
not installed, and there is no GPU. The manifest, schedule and class-name handling are the code the
stand-ins use; the network exports follow DiT's and diffusers' code and were not executed. Check the
result with the worker (`classify`) before you rely on it, and report problems.

    python3 onnx-models/tools/export_dit.py --checkpoint DiT-XL-2-256x256.pt \\
        --vae ~/models/sd-vae-ft-ema --dit-repo ~/src/DiT --class-names imagenet_classes.txt

--checkpoint: DiT's released weights (a state dict, or a training checkpoint with "ema");
--vae: a diffusers AutoencoderKL folder (stabilityai/sd-vae-ft-ema or -mse, as DiT's sample.py);
--dit-repo: a checkout of github.com/facebookresearch/DiT (its models.py; needs timm);
--class-names: the 1000 ImageNet class names, one per line in class-index order (this script does
not download them). Names must be unique: the worker maps a label to the index of its name.
Needs torch, onnx, diffusers and timm.

Writes --out (default onnx-models/<id>/): vae_encoder.onnx (sample float32 [B,3,256,256] ->
latent_sample [B,8,32,32]: mean and logvar), unet.onnx (x [B,4,32,32], t int64 [B], y int64 [B] ->
output [B,8,32,32]: epsilon then the learned variance; the weights go to unet.onnx.data, ONNX external
data, above 2 GB: DiT-XL/2 is 2.7 GB in float32), classes.txt, model.json (linear schedule, 256 px,
null class 1000, temperature 1.0 NOT fitted) and README.md.
"""
import argparse
import os
import shutil
import sys

from common import fail, here, write_json
from export_sd import UNFITTED_NOTE, parse_stages, require_files, require_modules, vae_encoder_module, vae_space
from onnx_export import (export, file_entries, finish_onnx, image_block, network, new_manifest, prediction_block,
                         schedule_block, unfitted_classifier)

# the reference code's adaptive ImageNet schedule (README: --n_samples 50 100 500 1000 --to_keep 500 50 10 1)
IMAGENET_STAGES = "50:500,100:50,500:10,1000:1"


def read_class_names(path, expected):
    if not os.path.isfile(path):
        fail(f"--class-names {path}: no such file")
    with open(path, encoding="utf-8") as f:
        names = [line.strip() for line in f.read().splitlines()]
    while names and not names[-1]:
        names.pop()
    if len(names) != expected:
        fail(f"{path}: {len(names)} class names, the model has {expected} classes (one name per line, index order)")
    blank = [i for i, n in enumerate(names) if not n]
    if blank:
        fail(f"{path}: empty class name on line(s) {', '.join(str(i + 1) for i in blank[:5])}")
    seen, dups = {}, []
    for i, n in enumerate(names):
        if n in seen:
            dups.append(f"{n!r} (lines {seen[n] + 1} and {i + 1})")
        seen.setdefault(n, i)
    if dups:
        fail(f"{path}: duplicate class names {', '.join(dups[:5])}: a label must name one class "
             "(use a list with unique names)")
    return names


def affine_layer_norms(torch, module):
    """DiT's LayerNorms have no affine parameters; some torch versions export those as an invalid
    ONNX node. Swaps in affine ones with weight 1 and bias 0: the same function."""
    for name, child in list(module.named_children()):
        if isinstance(child, torch.nn.LayerNorm) and not child.elementwise_affine:
            setattr(module, name, torch.nn.LayerNorm(child.normalized_shape, eps=child.eps))
        else:
            affine_layer_norms(torch, child)


def load_dit(torch, args, latent_size, num_classes):
    sys.path.insert(0, os.path.abspath(args.dit_repo))
    try:
        import models as dit_models  # facebookresearch/DiT's models.py
    except ImportError as e:
        fail(f"cannot import DiT's models.py from {args.dit_repo}: {e} (it needs timm: pip install timm)")
    if args.model not in dit_models.DiT_models:
        fail(f"--model {args.model}: not in DiT's models.py (known: {', '.join(dit_models.DiT_models)})")
    model = dit_models.DiT_models[args.model](input_size=latent_size, num_classes=num_classes)
    state = torch.load(args.checkpoint, map_location="cpu")
    if isinstance(state, dict) and "ema" in state:
        state = state["ema"]
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        fail(f"{args.checkpoint} does not fit {args.model} at {args.image_size} px: {str(e).splitlines()[0]}")
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description="Export DiT (facebookresearch/DiT) + its VAE to a worker model folder. "
                                             "Not run on this project's machines.")
    ap.add_argument("--checkpoint", required=True, help="DiT weights, e.g. DiT-XL-2-256x256.pt")
    ap.add_argument("--vae", required=True, help="diffusers AutoencoderKL folder (sd-vae-ft-ema or sd-vae-ft-mse)")
    ap.add_argument("--dit-repo", required=True, help="checkout of facebookresearch/DiT (for models.py)")
    ap.add_argument("--class-names", required=True, help="class names, one per line, in class-index order")
    ap.add_argument("--out", help="model folder to write (default onnx-models/<id>)")
    ap.add_argument("--id", default="dit-xl-2-256", help="model id (default dit-xl-2-256)")
    ap.add_argument("--version", default="1.0.0", help="model version: part of every noise seed (default 1.0.0)")
    ap.add_argument("--model", default="DiT-XL/2", help="DiT config name in models.py (default DiT-XL/2)")
    ap.add_argument("--image-size", type=int, default=256, choices=[256, 512], help="256 or 512 (default 256)")
    ap.add_argument("--num-classes", type=int, default=1000, help="classes of the checkpoint (default 1000)")
    ap.add_argument("--fp16", action="store_true", help="float16 DiT (needs CUDA)")
    ap.add_argument("--stages", default=IMAGENET_STAGES,
                    help=f"default stages samples:keep,... (default {IMAGENET_STAGES})")
    ap.add_argument("--force", action="store_true", help="overwrite a non-empty output folder")
    args = ap.parse_args()

    for flag, path in (("--checkpoint", args.checkpoint), ("--dit-repo", args.dit_repo), ("--vae", args.vae)):
        if not os.path.exists(path):
            fail(f"{flag} {path}: not found")
    require_files(args.dit_repo, ["models.py"], "a facebookresearch/DiT checkout")
    require_files(args.vae, ["config.json"], "a diffusers AutoencoderKL folder")
    names = read_class_names(args.class_names, args.num_classes)
    stages = parse_stages(args.stages)
    torch, _, diffusers = require_modules("torch", "onnx", "diffusers")
    if args.fp16 and not torch.cuda.is_available():
        fail("--fp16 needs a CUDA GPU: PyTorch cannot run a float16 DiT on the CPU to trace it")
    out = os.path.abspath(args.out or here("..", args.id))
    if os.path.isdir(out) and os.listdir(out) and not args.force:
        fail(f"{out} exists and is not empty (use --force to overwrite)")
    os.makedirs(out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tmp = os.path.join(out, ".export-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    files = []
    try:
        print("VAE encoder...", file=sys.stderr)
        vae = diffusers.AutoencoderKL.from_pretrained(args.vae).eval().to(device)
        space = vae_space(dict(vae.config))
        p = os.path.join(tmp, "vae_encoder", "vae_encoder.onnx")
        os.makedirs(os.path.dirname(p))
        export(vae_encoder_module(torch, vae), (torch.zeros(1, 3, args.image_size, args.image_size, device=device),),
               p, ["sample"], ["latent_sample"], check=False)
        files += finish_onnx(p, out, "vae_encoder.onnx")
        del vae

        print("DiT (a few minutes; several GB of memory)...", file=sys.stderr)
        latent = args.image_size // space["downsample"]
        dit = load_dit(torch, args, latent, args.num_classes)
        for block in getattr(dit, "blocks", []):
            if hasattr(block.attn, "fused_attn"):
                block.attn.fused_attn = False  # timm's plain attention: the most portable ONNX
        affine_layer_norms(torch, dit)
        dtype = torch.float16 if args.fp16 else torch.float32
        dit = dit.to(device=device, dtype=dtype)
        if args.fp16:
            # DiT computes the timestep embedding in float32; hand it to the float16 MLP as diffusers does
            te = dit.t_embedder
            te.forward = lambda t: te.mlp(te.timestep_embedding(t, te.frequency_embedding_size).to(dtype))
        learned_sigma = dit.out_channels == 2 * dit.in_channels
        example = (torch.randn(2, dit.in_channels, latent, latent, dtype=dtype, device=device),
                   torch.tensor([10, 700], dtype=torch.int64, device=device),
                   torch.tensor([1, args.num_classes], dtype=torch.int64, device=device))
        p = os.path.join(tmp, "unet", "unet.onnx")
        os.makedirs(os.path.dirname(p))
        export(dit, example, p, ["x", "t", "y"], ["output"], check=False)
        files += finish_onnx(p, out, "unet.onnx")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    with open(os.path.join(out, "classes.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(n + "\n" for n in names))
    fdt = "float16" if args.fp16 else "float32"
    manifest = new_manifest(
        args.id, args.version,
        f"{args.model} ({args.image_size} px, class-conditional, learned sigma) exported from "
        f"{os.path.basename(args.checkpoint)} by export_dit.py.",
        {"kind": "class", "classNamesFile": "classes.txt", "nullClass": args.num_classes},
        space, image_block(args.image_size), schedule_block("linear", 1e-4, 0.02, 1000),
        prediction_block("epsilon", learned_sigma),
        {
            "vaeEncoder": network("vae_encoder.onnx", {"sample": "sample"}, {"sample": "float32"},
                                  {"latent": "latent_sample"}, {"latent": "float32"}),
            "unet": network("unet.onnx", {"sample": "x", "timestep": "t", "condition": "y"},
                            {"sample": fdt, "timestep": "int64", "condition": "int64"},
                            {"noise": "output"}, {"noise": fdt}),
        },
        unfitted_classifier(stages, UNFITTED_NOTE))
    print("hashing files (sha256)...", file=sys.stderr)
    manifest["files"] = file_entries(out, files + ["classes.txt"])
    write_json(os.path.join(out, "model.json"), manifest)
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"""# {args.id} {args.version}

{args.model} exported by `onnx-models/tools/export_dit.py` from `{os.path.basename(args.checkpoint)}` with the VAE
`{os.path.basename(os.path.normpath(args.vae))}`: {args.image_size} px, latent {latent}x{latent}, linear schedule
(1e-4..0.02, 1000 steps), epsilon with learned sigma (the worker uses the first {dit.in_channels} output channels),
null class {args.num_classes}. Class names: `classes.txt`.

Default stages {stages}: the reference code's adaptive ImageNet schedule. It costs about
{stage_cost(stages, args.num_classes):,} DiT calls per image.

**The temperature is not fitted (T = 1).** Fit it on labelled validation images before using the
probabilities; the prediction (argmin error) does not depend on it.
""")
    print(f"wrote {out}; check it with the worker's classify command")


def stage_cost(stages, n_labels):
    """Network calls of one image under staged elimination: each stage scores its surviving labels
    on the samples it adds."""
    alive, done, calls = n_labels, 0, 0
    for n, keep in stages:
        calls += alive * (n - done)
        alive, done = min(keep, alive), n
    return calls


if __name__ == "__main__":
    main()
