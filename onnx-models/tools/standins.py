"""Small stand-in models with the exact interfaces of real Stable Diffusion and DiT checkpoints.

    /usr/bin/python3 onnx-models/tools/standins.py            # all three, a few seconds on one CPU thread
    /usr/bin/python3 onnx-models/tools/standins.py sd-tiny    # one of them

Writes onnx-models/standins/<id>/ (model.json, *.onnx, tokenizer.json or classes.txt, golden/,
samples/), the same layout as the shipped models:

  sd-tiny          Stable Diffusion layout, fp32: CLIP BPE tokenizer.json (a small vocabulary learnt
                   here), text_encoder.onnx (input_ids int32 [B,77] -> last_hidden_state [B,77,32]),
                   vae_encoder.onnx (sample [B,3,64,64] -> latent_sample [B,8,8,8]: mean, logvar),
                   unet.onnx (sample [B,4,8,8], timestep int64 [B], encoder_hidden_states -> out_sample),
                   epsilon, scaled_linear schedule; and *.fp16.onnx, float16 exports of the same
                   weights (the manifest's "float16" variants, which the fp16 switch picks).
  sd-tiny-v-fp16   the same architecture, other weights: float16 networks (weights and float I/O),
                   float32 timestep, v_prediction, unet.onnx in ONNX external-data format.
  dit-tiny         DiT layout: vae_encoder.onnx as above, unet.onnx (x [B,4,8,8], t int64 [B],
                   y int64 [B] -> output [B,8,8,8]: epsilon then the learned variance), classes.txt
                   (10 names, null class 10), linear schedule.

The weights are seeded random: the models have the interfaces, not the skill, of real ones. They
exist so that the worker's latent/text/class/fp16/v-prediction paths can be tested end to end
against the Python reference (golden/reference_cases.json) without multi-GB downloads.
Everything is seeded; running this twice gives the same files.
"""
import argparse
import math
import os
import shutil

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

import clip_tokenizer as ct
import reference_classifier as ref
from common import bicubic_self_check, here, write_json
from onnx_export import (convert_to_float16, export, file_entries, image_block, latent_space, new_manifest,
                         network, prediction_block, reference_case, save_png, schedule_block, unfitted_classifier,
                         write_golden)

VERSION = "0.1.0"
IMAGE, LATENT, LATENT_CH, TEXT_DIM, MAX_LEN = 64, 8, 4, 32, 77
SCALING = 0.18215
MERGES = 300
MIN_GAP, MIN_GAP_FP16 = 2e-3, 2e-2  # decision gaps of the golden cases (see golden_cases)
CLASSES = ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead shark", "electric ray",
           "stingray", "rooster", "hen", "ostrich"]


# ---------------------------------------------------------------- networks
def sinusoid(t, freqs):
    """Timestep embedding as diffusers (flip_sin_to_cos) and DiT: cat(cos(t f), sin(t f)), float32."""
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def frequencies(dim):
    half = dim // 2
    return torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)


class Attention(nn.Module):
    """Multi-head attention, queries from x, keys/values from ctx (self-attention when ctx is x)."""

    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(ctx_dim, dim)
        self.v = nn.Linear(ctx_dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, ctx, mask=None):
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.k(ctx).reshape(b, ctx.shape[1], h, d // h).transpose(1, 2)
        v = self.v(ctx).reshape(b, ctx.shape[1], h, d // h).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) * self.scale
        if mask is not None:
            s = s + mask
        return self.out((torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(b, n, d))


class TextEncoder(nn.Module):
    """CLIP's text transformer, tiny: token + position embeddings, pre-norm causal layers with
    quick-GELU MLPs, final LayerNorm. input_ids (int32 or int64) [B, 77] -> [B, 77, dim]."""

    def __init__(self, vocab_size, dim=TEXT_DIM, layers=2, heads=4, max_len=MAX_LEN):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.position_embedding = nn.Parameter(torch.randn(max_len, dim) * 0.1)
        self.ln1 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.attn = nn.ModuleList(Attention(dim, dim, heads) for _ in range(layers))
        self.ln2 = nn.ModuleList(nn.LayerNorm(dim) for _ in range(layers))
        self.fc1 = nn.ModuleList(nn.Linear(dim, 4 * dim) for _ in range(layers))
        self.fc2 = nn.ModuleList(nn.Linear(4 * dim, dim) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(dim)
        self.register_buffer("mask", torch.full((max_len, max_len), float("-inf")).triu(1))

    def forward(self, input_ids):
        x = self.token_embedding(input_ids.long()) + self.position_embedding
        for ln1, attn, ln2, fc1, fc2 in zip(self.ln1, self.attn, self.ln2, self.fc1, self.fc2):
            h = ln1(x)
            x = x + attn(h, h, self.mask)
            h = fc1(ln2(x))
            x = x + fc2(h * torch.sigmoid(1.702 * h))
        return self.final_layer_norm(x)


class VaeEncoder(nn.Module):
    """The encoder half of SD's AutoencoderKL, tiny: 64x64x3 -> 8x8x(2 x 4) posterior parameters
    (mean, then logvar), after the quant_conv, as diffusers' vae.encode computes them."""

    def __init__(self, ch=(32, 64, 64), latent=LATENT_CH):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
        layers, cin = [], ch[0]
        for c in ch:
            layers += [nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, c, 3, stride=2, padding=1)]
            cin = c
        self.down = nn.Sequential(*layers)
        self.norm_out = nn.GroupNorm(8, cin)
        self.conv_out = nn.Conv2d(cin, 2 * latent, 3, padding=1)
        self.quant_conv = nn.Conv2d(2 * latent, 2 * latent, 1)

    def forward(self, sample):
        h = self.down(self.conv_in(sample))
        return self.quant_conv(self.conv_out(F.silu(self.norm_out(h))))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x))) + self.temb(F.silu(temb))[:, :, None, None]
        return self.skip(x) + self.conv2(F.silu(self.norm2(h)))


class CrossAttnBlock(nn.Module):
    """GroupNorm, then image tokens attend to the text tokens; residual."""

    def __init__(self, ch, ctx_dim, heads=4):
        super().__init__()
        self.norm = nn.GroupNorm(8, ch)
        self.attn = Attention(ch, ctx_dim, heads)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        tokens = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        return x + self.attn(tokens, ctx).transpose(1, 2).reshape(b, c, h, w)


def upsample2(x):
    """Nearest 2x upsampling with Expand + Reshape (no Resize node: its `scales` input is
    float32 only, which a float16 graph would have to special-case)."""
    b, c, h, w = x.shape
    return x[:, :, :, None, :, None].expand(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w)


class SDUNet(nn.Module):
    """SD's UNet2DConditionModel interface, tiny: sample [B,4,8,8], timestep [B] (int or float),
    encoder_hidden_states [B,77,D] -> out_sample [B,4,8,8]. Two levels (8x8, 4x4), cross-attention
    at every level and the middle. `fp16_boundary`: the timestep embedding is computed in float32
    and rounded to float16 before the time MLP, where diffusers' float16 UNet casts it."""

    def __init__(self, ctx_dim=TEXT_DIM, ch=(32, 64), temb=128, fp16_boundary=False):
        super().__init__()
        self.fp16_boundary = fp16_boundary
        self.register_buffer("freqs", frequencies(ch[0]))
        self.time_mlp = nn.Sequential(nn.Linear(ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(LATENT_CH, ch[0], 3, padding=1)
        self.res0, self.attn0 = ResBlock(ch[0], ch[0], temb), CrossAttnBlock(ch[0], ctx_dim)
        self.down = nn.Conv2d(ch[0], ch[0], 3, stride=2, padding=1)
        self.res1, self.attn1 = ResBlock(ch[0], ch[1], temb), CrossAttnBlock(ch[1], ctx_dim)
        self.mid1, self.mid_attn, self.mid2 = (ResBlock(ch[1], ch[1], temb), CrossAttnBlock(ch[1], ctx_dim),
                                               ResBlock(ch[1], ch[1], temb))
        self.up_res1, self.up_attn1 = ResBlock(2 * ch[1], ch[1], temb), CrossAttnBlock(ch[1], ctx_dim)
        self.up_conv = nn.Conv2d(ch[1], ch[1], 3, padding=1)
        self.up_res0, self.up_attn0 = ResBlock(ch[1] + ch[0], ch[0], temb), CrossAttnBlock(ch[0], ctx_dim)
        self.norm_out = nn.GroupNorm(8, ch[0])
        self.conv_out = nn.Conv2d(ch[0], LATENT_CH, 3, padding=1)
        # Random weights spread attention evenly over the 77 text tokens, of which only a few differ
        # between two labels: the output would hardly depend on the prompt (errors within ~0.3%).
        # Sharper attention and a stronger attention output make labels differ by a few percent.
        with torch.no_grad():
            for block in (self.attn0, self.attn1, self.mid_attn, self.up_attn1, self.up_attn0):
                block.attn.q.weight.mul_(3.0)
                block.attn.k.weight.mul_(3.0)
                block.attn.out.weight.mul_(4.0)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        t = sinusoid(timestep, self.freqs)
        if self.fp16_boundary:
            t = t.half().float()
        temb = self.time_mlp(t)
        h0 = self.attn0(self.res0(self.conv_in(sample), temb), ctx)
        h1 = self.attn1(self.res1(self.down(h0), temb), ctx)
        h = self.mid2(self.mid_attn(self.mid1(h1, temb), ctx), temb)
        h = self.up_attn1(self.up_res1(torch.cat([h, h1], dim=1), temb), ctx)
        h = self.up_conv(upsample2(h))
        h = self.up_attn0(self.up_res0(torch.cat([h, h0], dim=1), temb), ctx)
        return self.conv_out(F.silu(self.norm_out(h)))


def sincos_2d(dim, grid):
    """DiT's fixed 2-D sine-cosine position embedding (grid x grid tokens, dim channels)."""
    def one_d(d, pos):
        omega = 1.0 / 10000 ** (np.arange(d // 2, dtype=np.float64) / (d / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)
    gh, gw = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64), indexing="xy")
    emb = np.concatenate([one_d(dim // 2, gw), one_d(dim // 2, gh)], axis=1)
    return torch.from_numpy(emb.astype(np.float32))[None]


def plain_layer_norm(dim):
    """DiT's LayerNorm without affine parameters, written as an affine one with weight 1, bias 0
    (the same function): torch 1.13 exports a non-affine LayerNorm as an invalid ONNX node."""
    return nn.LayerNorm(dim, eps=1e-6)


class DiTBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = plain_layer_norm(dim)
        self.attn = Attention(dim, dim, heads)
        self.norm2 = plain_layer_norm(dim)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)
        self.ada = nn.Linear(dim, 6 * dim)

    def forward(self, x, c):
        sh1, sc1, g1, sh2, sc2, g2 = self.ada(F.silu(c))[:, None].chunk(6, dim=2)
        h = self.norm1(x) * (1 + sc1) + sh1
        x = x + g1 * self.attn(h, h)
        h = self.norm2(x) * (1 + sc2) + sh2
        return x + g2 * self.fc2(F.gelu(self.fc1(h), approximate="tanh"))


class DiT(nn.Module):
    """facebookresearch/DiT's interface, tiny: x [B,4,8,8], t int64 [B], y int64 [B] (num_classes =
    the null class) -> [B, 8, 8, 8] (epsilon, then the learned variance). Patch 2, adaLN blocks."""

    def __init__(self, num_classes=len(CLASSES), dim=64, depth=2, heads=4, patch=2):
        super().__init__()
        self.patch, self.out_ch = patch, 2 * LATENT_CH
        self.x_embedder = nn.Conv2d(LATENT_CH, dim, patch, stride=patch)
        self.register_buffer("pos_embed", sincos_2d(dim, LATENT // patch))
        self.register_buffer("freqs", frequencies(256))
        self.t_mlp = nn.Sequential(nn.Linear(256, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.y_embedder = nn.Embedding(num_classes + 1, dim)
        self.blocks = nn.ModuleList(DiTBlock(dim, heads) for _ in range(depth))
        self.norm_final = plain_layer_norm(dim)
        self.ada_final = nn.Linear(dim, 2 * dim)
        self.linear = nn.Linear(dim, patch * patch * self.out_ch)

    def forward(self, x, t, y):
        b = x.shape[0]
        g = LATENT // self.patch
        h = self.x_embedder(x).flatten(2).transpose(1, 2) + self.pos_embed
        c = self.t_mlp(sinusoid(t, self.freqs)) + self.y_embedder(y)
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.ada_final(F.silu(c))[:, None].chunk(2, dim=2)
        h = self.linear(self.norm_final(h) * (1 + scale) + shift)
        h = h.reshape(b, g, g, self.patch, self.patch, self.out_ch).permute(0, 5, 1, 3, 2, 4)
        return h.reshape(b, self.out_ch, g * self.patch, g * self.patch)


def seeded(seed, build):
    torch.manual_seed(seed)
    module = build()
    module.eval()
    return module


def round_to_half(module):
    """Weights rounded to float16 precision (kept as float32): the PyTorch side of a float16 model."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.half().float())
    return module


# ---------------------------------------------------------------- data
COLOURS = ["red", "green", "blue", "yellow", "orange", "purple", "pink", "brown", "black", "white", "grey"]
SHAPES = ["circle", "square", "triangle", "star", "heart", "hexagon"]
ANIMALS = ["cat", "dog", "bird", "horse", "fish", "cow", "sheep", "elephant", "tiger", "rabbit"]
OBJECTS = ["car", "chair", "cup", "lamp", "boat", "house", "tree", "flower", "clock", "book"]
TEMPLATES = ["a photo of a {c} {x}.", "a {c} {x}", "a drawing of the {x}, {c}.", "two {x}s next to a {c} {y}",
             "the {x} is {c}", "a close-up photo of a {x}!", "an image of {c} {x}s", "a {x} and a {y}",
             "a photo of the small {c} {x}.", "a blurry photo of a {x}."]


def corpus(n=3000, seed=11):
    """Seeded captions for learning the stand-in BPE vocabulary."""
    rng = np.random.default_rng(seed)
    things = SHAPES + ANIMALS + OBJECTS
    out = []
    for _ in range(n):
        t = TEMPLATES[rng.integers(len(TEMPLATES))]
        out.append(t.format(c=COLOURS[rng.integers(len(COLOURS))], x=things[rng.integers(len(things))],
                            y=things[rng.integers(len(things))]))
    return out


TOKENIZER_TEXTS = [
    ("plain words and punctuation", "a photo of a red circle."),
    ("upper case", "A Photo Of A BLUE Square!"),
    ("runs of spaces, tabs and newlines", "  a   red\t\tcat \n\n next to  a dog  "),
    ("words outside the merges (byte-level pieces)", "a zyxqv wombat"),
    ("contractions, digits one by one, punctuation runs", "it's the dog's toy, isn't it?? 42 cats..."),
    ("non-ASCII letters (multi-byte UTF-8)", "café, naïve résumé"),
    ("NFC: a decomposed accent gives the same ids as the composed one", "cafe\u0301, nai\u0308ve re\u0301sume\u0301"),
    ("a 4-byte character", "a \U0001F431 cat"),
    ("the special tokens written in the text", "a <|endoftext|> cat <|startoftext|>"),
    ("over 77 tokens: truncated, <|endoftext|> kept last", " ".join(["a photo of a red circle and a blue square,"] * 10)),
    ("empty string", ""),
    ("only spaces", "   "),
]


def draw_image(w, h, colour, shape, seed):
    """A flat-coloured shape on a light background with a little seeded noise (a real PNG photo
    stand-in: not constant, so resizing matters)."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (w, h), (235, 232, 225))
    d = ImageDraw.Draw(img)
    rgb = {"red": (210, 40, 40), "blue": (40, 70, 200), "green": (40, 160, 60), "yellow": (230, 200, 40)}[colour]
    cx, cy, r = w / 2, h / 2, min(w, h) * 0.3
    if shape == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=rgb)
    elif shape == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=rgb)
    else:
        d.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=rgb)
    a = np.asarray(img).astype(np.int16) + rng.integers(-12, 13, size=(h, w, 3))
    return np.clip(a, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- golden files
def golden_cases(model_id, manifest, unet, cond, vae, images, specs, min_gap):
    """Reference classifier runs. specs: (image name, true label, labels, stages, template).
    The request id of each case is the first of golden-<n>, golden-<n>-1, ... whose errors are
    separated by at least `min_gap` (relative) wherever the outcome depends on their order (an
    elimination cut, the prediction), so float differences between PyTorch and ONNX Runtime
    cannot flip a decision."""
    cases = []
    for n, (png, true_label, labels, stages, template) in enumerate(specs):
        x0 = ref.model_space(images[png], manifest, vae)
        for k in range(50):
            rid = f"golden-{n}" if k == 0 else f"golden-{n}-{k}"
            r = ref.classify(unet, cond, manifest, x0, labels, rid, stages, template=template)
            gap = decision_gap(r["errors"], labels, stages)
            if gap >= min_gap:
                break
        else:
            raise RuntimeError(f"{model_id}: no request id separates the labels by {min_gap}")
        cases.append({**reference_case(png, true_label, rid, labels, template, stages, r), "decisionGap": gap})
    return cases


def decision_gap(errors, labels, stages):
    """Smallest relative gap between mean errors across each cut the staged run made."""
    alive, gaps = list(labels), []
    for si, (n, keep) in enumerate(stages):
        means = sorted((float(np.mean(errors[lab][:n])), lab) for lab in alive)
        cut = 1 if si == len(stages) - 1 else min(keep, len(alive))
        if cut < len(means):
            a, b = means[cut - 1][0], means[cut][0]
            gaps.append((b - a) / max(abs(a), 1e-12))
        alive = [lab for _, lab in means[:cut]] if si < len(stages) - 1 else alive
    return min(gaps) if gaps else float("inf")


def tensor(arr, dtype):
    return np.ascontiguousarray(arr).astype(dtype)


def tolerance_fields(fp16):
    """How closely the worker must reproduce these cases: `tolerance`, relative, on every error
    (probabilities: absolute, at least 1e-4). Measured here with ONNX Runtime (npm onnxruntime-node
    1.21, CPU) running the whole reference classifier on the ONNX files: float32 stand-ins within
    2e-7 relative of the errors, the float16 one within 6e-4."""
    if fp16:
        return {"tolerance": 5e-3,
                "toleranceWhy": "float16 networks: this reference runs the PyTorch modules in float32 on weights "
                                "rounded to float16 and rounds every network input and output to float16, while ONNX "
                                "Runtime computes in float16 (or casts per node): errors differ by up to ~6e-4 "
                                "relative (measured), so compare at 5e-3; every decision (elimination cut, "
                                "prediction) is separated by at least 2e-2 (decisionGap)"}
    return {"tolerance": 1e-4,
            "toleranceWhy": "float32 networks: PyTorch and ONNX Runtime agree to float32 rounding (measured: 2e-7 "
                            "relative); every decision is separated by at least 2e-3 (decisionGap)"}


def sample_images(out, specs):
    """specs: (file name, width, height, colour, shape, seed) -> {"samples/<name>": (3, H, W) uint8}."""
    images = {}
    for name, w, h, colour, shape, seed in specs:
        chw = draw_image(w, h, colour, shape, seed).transpose(2, 0, 1).copy()
        save_png(chw, os.path.join(out, "samples", name))
        images[f"samples/{name}"] = chw
    return images


def classifier_block():
    return unfitted_classifier([[4, 3], [8, 1]],
                               "seeded random weights: the model has no skill; T = 1 is a placeholder")


def space_block():
    return latent_space(LATENT_CH, SCALING, IMAGE // LATENT)


# ---------------------------------------------------------------- the three stand-ins
def build_tokenizer(out):
    vocab, merges = ct.train_bpe(corpus(), MERGES)
    ct.write_tokenizer_json(os.path.join(out, "tokenizer.json"), vocab, merges)
    return ct.ClipTokenizer.from_json(os.path.join(out, "tokenizer.json"), pad_id=0)


def tokenizer_cases(tok, out):
    """golden/tokenizer_cases.json: a list of {what, text, ids, length, untruncatedLength, tokens}.
    ids: what the text encoder receives (bos + tokens + eos, truncated to 77 keeping eos last,
    padded with padId); length: the ids before padding; tokens: the BPE tokens without bos/eos."""
    cases = []
    for what, text in TOKENIZER_TEXTS:
        ids = tok.encode(text)
        cases.append({"what": what, "text": text, "ids": tok.encode_fixed(text, MAX_LEN, truncate=True),
                      "length": min(len(ids), MAX_LEN), "untruncatedLength": len(ids),
                      "tokens": tok.tokens(text)})
    write_json(os.path.join(out, "golden", "tokenizer_cases.json"), cases)


def build_sd(out, model_id, fp16):
    seeds = (101, 102, 103) if not fp16 else (201, 202, 203)
    tok = build_tokenizer(out)
    text = seeded(seeds[0], lambda: TextEncoder(len(tok.vocab)))
    vae = seeded(seeds[1], VaeEncoder)
    unet = seeded(seeds[2], lambda: SDUNet(fp16_boundary=fp16))
    if fp16:
        for m in (text, vae, unet):
            round_to_half(m)
    fdt = "float16" if fp16 else "float32"
    t_type = "float32" if fp16 else "int64"
    manifest = new_manifest(
        model_id, VERSION,
        ("Stand-in with Stable Diffusion 2's interfaces (CLIP BPE tokenizer.json, text encoder, VAE "
         "encoder, latent UNet)" + (", float16 networks, float32 timestep, v-prediction, UNet in "
                                     "external-data format" if fp16 else ", float32, epsilon")
         + "; seeded random weights, no skill: for tests only."),
        {"kind": "text", "promptTemplate": "a photo of a {label}.",
         "exampleLabels": ["red circle", "blue square", "green triangle", "yellow star", "black cat", "white dog"],
         "tokenizer": {"kind": "clip-bpe", "file": "tokenizer.json", "maxLength": MAX_LEN,
                       "lowercase": True, "padId": tok.pad_id, "bosId": tok.bos_id,
                       "eosId": tok.eos_id, "truncate": True}},
        space_block(), image_block(IMAGE), schedule_block("scaled_linear"),
        prediction_block("v_prediction" if fp16 else "epsilon"),
        {
            "textEncoder": network("text_encoder.onnx", {"input_ids": "input_ids"}, {"input_ids": "int32"},
                                   {"last_hidden_state": "last_hidden_state"}, {"last_hidden_state": fdt}),
            "vaeEncoder": network("vae_encoder.onnx", {"sample": "sample"}, {"sample": fdt},
                                  {"latent": "latent_sample"}, {"latent": fdt}),
            "unet": network("unet.onnx", {"sample": "sample", "timestep": "timestep",
                                          "condition": "encoder_hidden_states"},
                            {"sample": fdt, "timestep": t_type, "condition": fdt},
                            {"noise": "out_sample"}, {"noise": fdt}),
        },
        classifier_block())
    images = sample_images(out, [("red-circle-64x64.png", 64, 64, "red", "circle", 1),
                                 ("blue-square-80x64.png", 80, 64, "blue", "square", 2),
                                 ("green-triangle-72x96.png", 72, 96, "green", "triangle", 3)])

    # networks: export (float32), golden tensors from PyTorch
    ids = torch.tensor([tok.encode_fixed("a photo of a red circle."), tok.encode_fixed("a blue square")],
                       dtype=torch.int32)
    pix = torch.from_numpy(np.stack([ref.preprocess(images["samples/red-circle-64x64.png"], manifest),
                                     ref.preprocess(images["samples/green-triangle-72x96.png"], manifest)]))
    sample = torch.randn(2, LATENT_CH, LATENT, LATENT, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([10, 700], dtype=torch.float32 if fp16 else torch.int64)
    io = ref.io_round if fp16 else (lambda x, _: x)
    with torch.no_grad():
        hidden = io(text(ids), fdt)
        pix_in = io(pix, fdt)
        latent = io(vae(pix_in), fdt)
        sample_in = io(sample, fdt)
        y = io(unet(sample_in, t, hidden), fdt)
    tmp = os.path.join(out, ".fp32") if fp16 else out
    os.makedirs(tmp, exist_ok=True)
    export(text, (ids,), os.path.join(tmp, "text_encoder.onnx"), ["input_ids"], ["last_hidden_state"])
    export(vae, (pix_in,), os.path.join(tmp, "vae_encoder.onnx"), ["sample"], ["latent_sample"])
    export(unet, (sample_in, t, hidden), os.path.join(tmp, "unet.onnx"),
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"])
    files = ["text_encoder.onnx", "vae_encoder.onnx", "unet.onnx"]
    if not fp16:
        # float16 exports of the same weights, which the worker loads under fp16=on (or auto on CUDA):
        # the UNet is re-exported with the float16 boundary after its float32 timestep embedding, as
        # diffusers' float16 UNet has it (ONNX Runtime's CPU Sin/Cos take float32 only)
        unet16 = SDUNet(fp16_boundary=True)
        unet16.load_state_dict(unet.state_dict())
        unet16.eval()
        src16 = os.path.join(out, ".fp16-src")
        os.makedirs(src16, exist_ok=True)
        export(unet16, (sample, t, hidden), os.path.join(src16, "unet.onnx"),
               ["sample", "timestep", "encoder_hidden_states"], ["out_sample"])
        for name, src in (("text_encoder", out), ("vae_encoder", out), ("unet", src16)):
            convert_to_float16(os.path.join(src, name + ".onnx"), os.path.join(out, name + ".fp16.onnx"))
        shutil.rmtree(src16)
        files += ["text_encoder.fp16.onnx", "vae_encoder.fp16.onnx", "unet.fp16.onnx"]
        nets = manifest["networks"]
        nets["textEncoder"]["float16"] = {"file": "text_encoder.fp16.onnx", "inputTypes": {"input_ids": "int32"},
                                          "outputTypes": {"last_hidden_state": "float16"}}
        nets["vaeEncoder"]["float16"] = {"file": "vae_encoder.fp16.onnx", "inputTypes": {"sample": "float16"},
                                         "outputTypes": {"latent": "float16"}}
        nets["unet"]["float16"] = {"file": "unet.fp16.onnx",
                                   "inputTypes": {"sample": "float16", "timestep": "int64", "condition": "float16"},
                                   "outputTypes": {"noise": "float16"}}
    if fp16:
        convert_to_float16(os.path.join(tmp, "text_encoder.onnx"), os.path.join(out, "text_encoder.onnx"))
        convert_to_float16(os.path.join(tmp, "vae_encoder.onnx"), os.path.join(out, "vae_encoder.onnx"))
        convert_to_float16(os.path.join(tmp, "unet.onnx"), os.path.join(out, "unet.onnx"),
                           float32_inputs=("timestep",), external_data="unet.onnx.data")
        shutil.rmtree(tmp)
        files.append("unet.onnx.data")
    np_f = np.float16 if fp16 else np.float32
    write_golden(out, "text_encoder", [("input_ids", tensor(ids, np.int32)),
                                       ("last_hidden_state", tensor(hidden, np_f))])
    write_golden(out, "vae_encoder", [("sample", tensor(pix_in, np_f)), ("latent_sample", tensor(latent, np_f))])
    write_golden(out, "unet", [("sample", tensor(sample_in, np_f)),
                               ("timestep", tensor(t, np.float32 if fp16 else np.int64)),
                               ("encoder_hidden_states", tensor(hidden, np_f)), ("out_sample", tensor(y, np_f))])
    tokenizer_cases(tok, out)

    cond = ref.Conditioner(manifest, text_encoder=ref.text_encoder_fn(text, manifest),
                           tokenize=lambda p: tok.encode_fixed(p, MAX_LEN, truncate=True))
    # (image, nominal true label: the models have no skill, labels, stages, prompt template or None)
    labels = ["red circle", "blue square", "green triangle", "yellow star"]
    if not fp16:
        specs = [("samples/red-circle-64x64.png", "red circle", labels, [[6, 4]], None),
                 ("samples/green-triangle-72x96.png", "green triangle", labels[:3] + ["black cat"], [[4, 2], [8, 1]],
                  "a drawing of a {label}"),
                 ("samples/blue-square-80x64.png", "blue square", ["blue square", "red circle", "white dog"],
                  [[2, 2], [6, 1]], None)]
    else:
        specs = [("samples/red-circle-64x64.png", "red circle", labels, [[6, 4]], None),
                 ("samples/blue-square-80x64.png", "blue square", labels[:3], [[4, 2], [8, 1]], None),
                 ("samples/green-triangle-72x96.png", "green triangle", ["green triangle", "yellow star", "black cat"],
                  [[5, 3]], "a drawing of a {label}")]
    cases = golden_cases(model_id, manifest, ref.ManifestUNet(unet, manifest), cond, vae, images, specs,
                         MIN_GAP_FP16 if fp16 else MIN_GAP)
    write_json(os.path.join(out, "golden", "reference_cases.json"),
               {"model": model_id, **tolerance_fields(fp16), "cases": cases})
    manifest["files"] = file_entries(out, files + ["tokenizer.json"])
    write_json(os.path.join(out, "model.json"), manifest)


def build_dit(out, model_id):
    vae = seeded(301, VaeEncoder)
    dit = seeded(302, DiT)
    with open(os.path.join(out, "classes.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(name + "\n" for name in CLASSES))
    manifest = new_manifest(
        model_id, VERSION,
        ("Stand-in with DiT's interfaces (VAE encoder; x, t, y -> epsilon and learned variance; "
         "class names file); seeded random weights, no skill: for tests only."),
        {"kind": "class", "classNamesFile": "classes.txt", "nullClass": len(CLASSES)},
        space_block(), image_block(IMAGE), schedule_block("linear"), prediction_block("epsilon", learned_sigma=True),
        {
            "vaeEncoder": network("vae_encoder.onnx", {"sample": "sample"}, {"sample": "float32"},
                                  {"latent": "latent_sample"}, {"latent": "float32"}),
            "unet": network("unet.onnx", {"sample": "x", "timestep": "t", "condition": "y"},
                            {"sample": "float32", "timestep": "int64", "condition": "int64"},
                            {"noise": "output"}, {"noise": "float32"}),
        },
        classifier_block())
    images = sample_images(out, [("yellow-circle-64x64.png", 64, 64, "yellow", "circle", 4),
                                 ("red-square-96x72.png", 96, 72, "red", "square", 5),
                                 ("green-triangle-72x96.png", 72, 96, "green", "triangle", 6)])
    pix = torch.from_numpy(np.stack([ref.preprocess(images["samples/yellow-circle-64x64.png"], manifest),
                                     ref.preprocess(images["samples/red-square-96x72.png"], manifest)]))
    x = torch.randn(2, LATENT_CH, LATENT, LATENT, generator=torch.Generator().manual_seed(7))
    t = torch.tensor([10, 700])
    y = torch.tensor([3, len(CLASSES)])
    with torch.no_grad():
        latent = vae(pix)
        out_dit = dit(x, t, y)
    export(vae, (pix,), os.path.join(out, "vae_encoder.onnx"), ["sample"], ["latent_sample"])
    export(dit, (x, t, y), os.path.join(out, "unet.onnx"), ["x", "t", "y"], ["output"])
    write_golden(out, "vae_encoder", [("sample", tensor(pix, np.float32)), ("latent_sample", tensor(latent, np.float32))])
    write_golden(out, "unet", [("x", tensor(x, np.float32)), ("t", tensor(t, np.int64)), ("y", tensor(y, np.int64)),
                               ("output", tensor(out_dit, np.float32))])
    names = ref.load_class_names(manifest, out)
    cond = ref.Conditioner(manifest, class_names=names)
    specs = [("samples/yellow-circle-64x64.png", "goldfish", ["tench", "goldfish", "hen", "ostrich"], [[6, 4]], None),
             ("samples/red-square-96x72.png", "rooster", ["great white shark", "electric ray", "rooster"],
              [[4, 2], [8, 1]], None),
             ("samples/green-triangle-72x96.png", "stingray", ["tench", "stingray", "hen"], [[3, 2], [6, 1]], None)]
    cases = golden_cases(model_id, manifest, ref.ManifestUNet(dit, manifest), cond, vae, images, specs, MIN_GAP)
    write_json(os.path.join(out, "golden", "reference_cases.json"),
               {"model": model_id, **tolerance_fields(False), "cases": cases})
    manifest["files"] = file_entries(out, ["vae_encoder.onnx", "unet.onnx", "classes.txt"])
    write_json(os.path.join(out, "model.json"), manifest)


BUILDERS = {"sd-tiny": lambda out: build_sd(out, "sd-tiny", fp16=False),
            "sd-tiny-v-fp16": lambda out: build_sd(out, "sd-tiny-v-fp16", fp16=True),
            "dit-tiny": lambda out: build_dit(out, "dit-tiny")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ids", nargs="*", metavar="ID", help=f"stand-ins to build: {', '.join(BUILDERS)} (default: all)")
    ap.add_argument("--out", default=here("..", "standins"), help="parent folder (default onnx-models/standins)")
    args = ap.parse_args()
    unknown = [i for i in args.ids if i not in BUILDERS]
    if unknown:
        ap.error(f"unknown stand-in {', '.join(unknown)} (known: {', '.join(BUILDERS)})")
    torch.set_num_threads(1)
    print(f"bicubic_weights vs PIL BICUBIC (float images): max |diff| {bicubic_self_check():.2e} on 0..255")
    for model_id in args.ids or list(BUILDERS):
        out = os.path.join(args.out, model_id)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(os.path.join(out, "golden"))
        os.makedirs(os.path.join(out, "samples"))
        BUILDERS[model_id](out)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
        print(f"wrote {os.path.relpath(out)} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
