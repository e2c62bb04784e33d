"""Export a Stable Diffusion 2.x checkpoint (diffusers layout) to a ready model folder for the worker.

NOT RUN ON THIS PROJECT'S MACHINES: the weights cannot be downloaded there, diffusers and
transformers are not installed, and there is no GPU. The parts that need neither (tokenizer.json from
vocab.json + merges.txt, schedule, manifest) are the code the stand-ins use and are checked here;
the network exports follow diffusers' own ONNX export and were not executed. Check the result with
the worker (`classify`) before you rely on it, and report problems.

    python3 onnx-models/tools/export_sd.py --checkpoint ~/models/stable-diffusion-2-base
    python3 onnx-models/tools/export_sd.py --checkpoint DIR --fp16 --id sd2-base-fp16   # needs CUDA

--checkpoint: a local diffusers folder (`model_index.json`, `unet/`, `vae/`, `text_encoder/`,
`tokenizer/` with vocab.json + merges.txt, `scheduler/scheduler_config.json`), e.g.
stabilityai/stable-diffusion-2-base. Needs torch, onnx, diffusers and transformers.

Writes --out (default onnx-models/<id>/): text_encoder.onnx (input_ids int32 or int64 [B,77] ->
last_hidden_state float32), vae_encoder.onnx (sample float32 [B,3,S,S] -> latent_sample [B,8,S/8,S/8]:
the posterior's mean and logvar), unet.onnx (sample, timestep, encoder_hidden_states -> out_sample;
float16 with --fp16; ONNX external data `unet.onnx.data` when over 2 GB: SD 2's UNet is 3.5 GB in
float32), tokenizer.json (CLIP BPE in the Hugging Face `tokenizers` format), model.json with the
paper's defaults (512 px, stages 25:5 then 250:1, prompt "a photo of a {label}.", temperature 1.0
NOT fitted) and README.md.
"""
import argparse
import json
import os
import shutil
import sys

import clip_tokenizer as ct
from common import fail, here, write_json
from onnx_export import (export, file_entries, finish_onnx, image_block, latent_space, network, new_manifest,
                         prediction_block, schedule_block, unfitted_classifier)

PAPER_STAGES = [[25, 5], [250, 1]]  # the paper's n_samples 25 250, to_keep 5 1


# ---------------------------------------------------------------- shared with export_dit.py
def require_modules(*names):
    """Imports the named packages or exits with one line naming every missing one."""
    missing = []
    mods = []
    for name in names:
        try:
            mods.append(__import__(name))
        except ImportError:
            missing.append(name)
    if missing:
        fail(f"missing Python package(s): {', '.join(missing)} (pip install {' '.join(missing)}); "
             f"this exporter needs {', '.join(names)}")
    return mods


def require_files(base, paths, what):
    missing = [p for p in paths if not os.path.exists(os.path.join(base, p))]
    if missing:
        fail(f"{base} is not {what}: missing {', '.join(missing)}")


def parse_stages(text):
    try:
        stages = [[int(a), int(b)] for a, b in (s.split(":") for s in text.split(","))]
    except ValueError:
        fail(f"--stages {text!r}: expected samples:keep pairs, e.g. 25:5,250:1")
    return stages


def vae_encoder_module(torch, vae):
    """diffusers' AutoencoderKL encoder returning the posterior parameters (mean, logvar): what
    vae.encode(x).latent_dist is built from, without sampling."""
    class VaeEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.vae = vae

        def forward(self, sample):
            h = self.vae.encoder(sample)
            qc = getattr(self.vae, "quant_conv", None)
            return qc(h) if qc is not None else h
    return VaeEncoder().eval()


def vae_space(vae_config):
    return latent_space(int(vae_config.get("latent_channels", 4)), float(vae_config.get("scaling_factor", 0.18215)),
                        2 ** (len(vae_config.get("block_out_channels", [0, 0, 0, 0])) - 1))


# classifier.temperatureFit.note of a checkpoint exported without validation data
UNFITTED_NOTE = ("fit T on labelled validation images of your own data before trusting probabilities "
                 "(onnx-models/tools/calibration.py); T = 1 gives near-uniform posteriors")


# ---------------------------------------------------------------- Stable Diffusion
def schedule_from_config(cfg, path):
    """alphas_cumprod from a diffusers scheduler_config.json, in float64."""
    if cfg.get("trained_betas"):
        fail(f"{path}: trained_betas are not supported")
    kind = cfg.get("beta_schedule", "linear")
    start, end = float(cfg.get("beta_start", 0.0001)), float(cfg.get("beta_end", 0.02))
    steps = int(cfg.get("num_train_timesteps", 1000))
    if kind not in ("scaled_linear", "linear"):
        fail(f"{path}: beta_schedule {kind!r} is not supported (supported: scaled_linear, linear)")
    return schedule_block(kind, start, end, steps)


def prediction_from_config(cfg, path):
    kind = cfg.get("prediction_type", "epsilon")
    if kind not in ("epsilon", "v_prediction"):
        fail(f"{path}: prediction_type {kind!r} is not supported (supported: epsilon, v_prediction)")
    return prediction_block(kind)


def token_name(value):
    """special_tokens_map.json / tokenizer_config.json write a token as a string or {"content": ...}."""
    return value.get("content") if isinstance(value, dict) else value


def tokenizer_settings(tok_dir, vocab):
    """pad/bos/eos ids and max length of a checkpoint's CLIP tokenizer: SD 2.x pads with "!" (id 0),
    SD 1.x with <|endoftext|>."""
    cfg = {}
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        p = os.path.join(tok_dir, name)
        if os.path.isfile(p):
            cfg.update({k: v for k, v in json.load(open(p, encoding="utf-8")).items() if v is not None})
    pad = token_name(cfg.get("pad_token", ct.EOS))
    if pad not in vocab:
        fail(f"{tok_dir}: pad token {pad!r} is not in vocab.json")
    max_len = int(cfg.get("model_max_length", 77))
    if max_len > 1000:  # transformers' "no limit" placeholder
        max_len = 77
    return {"kind": "clip-bpe", "file": "tokenizer.json", "maxLength": max_len, "lowercase": True,
            "padId": vocab[pad], "bosId": vocab[ct.BOS], "eosId": vocab[ct.EOS], "truncate": True}


def build_manifest(args, ckpt, fp16):
    sched_path = os.path.join(ckpt, "scheduler", "scheduler_config.json")
    sched = json.load(open(sched_path, encoding="utf-8"))
    vae_cfg = json.load(open(os.path.join(ckpt, "vae", "config.json"), encoding="utf-8"))
    vocab, _ = ct.read_vocab_merges(os.path.join(ckpt, "tokenizer", "vocab.json"),
                                    os.path.join(ckpt, "tokenizer", "merges.txt"))
    fdt = "float16" if fp16 else "float32"
    return new_manifest(
        args.id, args.version,
        f"Stable Diffusion exported from {os.path.basename(os.path.normpath(ckpt))} by export_sd.py "
        f"({'float16' if fp16 else 'float32'} UNet).",
        {"kind": "text", "promptTemplate": args.template,
         "tokenizer": tokenizer_settings(os.path.join(ckpt, "tokenizer"), vocab)},
        vae_space(vae_cfg), image_block(args.image_size), schedule_from_config(sched, sched_path),
        prediction_from_config(sched, sched_path),
        {
            "textEncoder": network("text_encoder.onnx", {"input_ids": "input_ids"},
                                   {"input_ids": args.input_ids_type},
                                   {"last_hidden_state": "last_hidden_state"}, {"last_hidden_state": "float32"}),
            "vaeEncoder": network("vae_encoder.onnx", {"sample": "sample"}, {"sample": "float32"},
                                  {"latent": "latent_sample"}, {"latent": "float32"}),
            "unet": network("unet.onnx",
                            {"sample": "sample", "timestep": "timestep", "condition": "encoder_hidden_states"},
                            {"sample": fdt, "timestep": args.timestep_type, "condition": fdt},
                            {"noise": "out_sample"}, {"noise": fdt}),
        },
        unfitted_classifier(parse_stages(args.stages), UNFITTED_NOTE))


def export_networks(args, ckpt, out, tmp):
    torch, _, diffusers, transformers = require_modules("torch", "onnx", "diffusers", "transformers")
    fp16 = args.fp16
    if fp16 and not torch.cuda.is_available():
        fail("--fp16 needs a CUDA GPU: PyTorch cannot run a float16 UNet on the CPU to trace it")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ids_dtype = {"int32": torch.int32, "int64": torch.int64}[args.input_ids_type]
    files = []

    print("text encoder...", file=sys.stderr)
    try:
        text = transformers.CLIPTextModel.from_pretrained(ckpt, subfolder="text_encoder", attn_implementation="eager")
    except TypeError:  # transformers before attn_implementation
        text = transformers.CLIPTextModel.from_pretrained(ckpt, subfolder="text_encoder")
    text = text.eval().to(device)

    class TextEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.text = text

        def forward(self, input_ids):
            return self.text(input_ids.long(), return_dict=False)[0]

    max_len = text.config.max_position_embeddings
    ids = torch.zeros(2, max_len, dtype=ids_dtype, device=device)
    p = os.path.join(tmp, "text_encoder", "text_encoder.onnx")
    os.makedirs(os.path.dirname(p))
    export(TextEncoder().eval(), (ids,), p, ["input_ids"], ["last_hidden_state"], check=False)
    files += finish_onnx(p, out, "text_encoder.onnx")
    hidden = text.config.hidden_size
    del text

    print("VAE encoder...", file=sys.stderr)
    vae = diffusers.AutoencoderKL.from_pretrained(ckpt, subfolder="vae").eval().to(device)
    size = args.image_size
    p = os.path.join(tmp, "vae_encoder", "vae_encoder.onnx")
    os.makedirs(os.path.dirname(p))
    export(vae_encoder_module(torch, vae), (torch.zeros(1, 3, size, size, device=device),), p,
           ["sample"], ["latent_sample"], check=False)
    files += finish_onnx(p, out, "vae_encoder.onnx")
    down = 2 ** (len(vae.config.block_out_channels) - 1)
    latent_ch = vae.config.latent_channels
    del vae

    print("UNet (a few minutes; several GB of memory)...", file=sys.stderr)
    dtype = torch.float16 if fp16 else torch.float32
    unet = diffusers.UNet2DConditionModel.from_pretrained(ckpt, subfolder="unet", torch_dtype=dtype).eval().to(device)
    try:  # the plain attention processor: classic ops, the most portable ONNX
        from diffusers.models.attention_processor import AttnProcessor
        unet.set_attn_processor(AttnProcessor())
    except ImportError:
        pass

    class UNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, encoder_hidden_states):
            return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]

    t_dtype = {"int64": torch.int64, "float32": torch.float32, "float16": torch.float16}[args.timestep_type]
    lat = size // down
    example = (torch.randn(2, latent_ch, lat, lat, dtype=dtype, device=device),
               torch.tensor([10, 700], dtype=t_dtype, device=device),
               torch.randn(2, max_len, hidden, dtype=dtype, device=device))
    p = os.path.join(tmp, "unet", "unet.onnx")
    os.makedirs(os.path.dirname(p))
    export(UNet().eval(), example, p, ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], check=False)
    files += finish_onnx(p, out, "unet.onnx")
    return files, hidden


def write_card(out, manifest, ckpt):
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(f"""# {manifest['id']} {manifest['version']}

Exported by `onnx-models/tools/export_sd.py` from `{os.path.basename(os.path.normpath(ckpt))}` (diffusers layout).
Prediction type `{manifest['prediction']['type']}`, schedule `{manifest['schedule']['recipe']}`, {manifest['image']['size']} px,
bicubic resize of the short side and centre crop (the paper's preprocessing).

Defaults from the paper (Li et al., ICCV 2023): stages {manifest['classifier']['stages']} (n_samples 25 250,
to_keep 5 1), prompt template `{manifest['conditioning']['promptTemplate']}`.

**The temperature is not fitted (T = 1).** Fit it on labelled validation images of your data before
using the probabilities; the prediction (argmin error) does not depend on it.
""")


def main():
    ap = argparse.ArgumentParser(description="Export a Stable Diffusion 2.x checkpoint (diffusers layout) to a "
                                             "worker model folder. Not run on this project's machines.")
    ap.add_argument("--checkpoint", required=True, help="local diffusers folder (model_index.json, unet/, vae/, ...)")
    ap.add_argument("--out", help="model folder to write (default onnx-models/<id>)")
    ap.add_argument("--id", default="sd2-base", help="model id (default sd2-base)")
    ap.add_argument("--version", default="1.0.0", help="model version: part of every noise seed (default 1.0.0)")
    ap.add_argument("--fp16", action="store_true", help="float16 UNet (needs CUDA)")
    ap.add_argument("--input-ids-type", choices=["int32", "int64"], default="int32",
                    help="element type of the text encoder's input_ids (default int32, as diffusers' ONNX export)")
    ap.add_argument("--timestep-type", choices=["int64", "float32", "float16"], default="int64",
                    help="element type of the UNet's timestep input (default int64)")
    ap.add_argument("--image-size", type=int, default=512, help="input side in pixels (default 512; 768 for SD 2.x 768)")
    ap.add_argument("--template", default="a photo of a {label}.", help="default prompt template")
    ap.add_argument("--stages", default="25:5,250:1", help="default stages samples:keep,... (default 25:5,250:1)")
    ap.add_argument("--force", action="store_true", help="overwrite a non-empty output folder")
    args = ap.parse_args()

    ckpt = os.path.abspath(os.path.expanduser(args.checkpoint))
    if not os.path.isdir(ckpt):
        fail(f"--checkpoint {args.checkpoint}: no such folder")
    require_files(ckpt, ["unet/config.json", "vae/config.json", "text_encoder/config.json", "tokenizer/vocab.json",
                         "tokenizer/merges.txt", "scheduler/scheduler_config.json"],
                  "a diffusers Stable Diffusion folder")
    if "{label}" not in args.template:
        fail("--template must contain {label}")
    if args.image_size % 64:
        fail("--image-size must be a multiple of 64")
    require_modules("torch", "onnx", "diffusers", "transformers")
    out = os.path.abspath(args.out or here("..", args.id))
    if os.path.isdir(out) and os.listdir(out) and not args.force:
        fail(f"{out} exists and is not empty (use --force to overwrite)")
    os.makedirs(out, exist_ok=True)

    # everything that needs no weights first, so a bad folder fails in seconds
    vocab, merges = ct.read_vocab_merges(os.path.join(ckpt, "tokenizer", "vocab.json"),
                                         os.path.join(ckpt, "tokenizer", "merges.txt"))
    manifest = build_manifest(args, ckpt, args.fp16)
    ct.write_tokenizer_json(os.path.join(out, "tokenizer.json"), vocab, merges)

    tmp = os.path.join(out, ".export-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        files, hidden = export_networks(args, ckpt, out, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("hashing files (sha256)...", file=sys.stderr)
    manifest["files"] = file_entries(out, files + ["tokenizer.json"])
    write_json(os.path.join(out, "model.json"), manifest)
    write_card(out, manifest, ckpt)
    print(f"wrote {out} (text hidden size {hidden}); check it with the worker's classify command")


if __name__ == "__main__":
    main()
