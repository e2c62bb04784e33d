"""The two small networks: a class-conditional UNet (DiT-style interface) and a
text-conditional UNet with cross-attention plus a word-level text encoder (SD-style)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim):
    """Sinusoidal embedding of integer or float timesteps, as in DDPM/SD."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, groups=8):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * cout)  # scale/shift (FiLM) from time+condition
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.c2(F.silu(h))
        return h + self.skip(x)


class CrossAttention(nn.Module):
    """Pre-norm multi-head attention from image tokens (queries) to text tokens."""

    def __init__(self, channels, ctx_dim, heads=4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(8, channels)
        self.q = nn.Linear(channels, channels, bias=False)
        self.k = nn.Linear(ctx_dim, channels, bias=False)
        self.v = nn.Linear(ctx_dim, channels, bias=False)
        self.out = nn.Linear(channels, channels)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        tokens = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        d = c // self.heads
        q = self.q(tokens).reshape(b, h * w, self.heads, d).transpose(1, 2)
        k = self.k(ctx).reshape(b, -1, self.heads, d).transpose(1, 2)
        v = self.v(ctx).reshape(b, -1, self.heads, d).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        o = (att @ v).transpose(1, 2).reshape(b, h * w, c)
        return x + self.out(o).transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    """Two-level UNet. Conditioning enters through FiLM (class embedding or pooled text,
    added to the time embedding) and, for text, cross-attention at the listed levels."""

    def __init__(self, in_ch, base=32, mults=(1, 2, 2), emb_dim=128, n_classes=None,
                 ctx_dim=None, attn_levels=()):
        super().__init__()
        self.emb_dim = emb_dim
        self.time_mlp = nn.Sequential(nn.Linear(emb_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(n_classes, emb_dim) if n_classes else None
        self.ctx_proj = nn.Linear(ctx_dim, emb_dim) if ctx_dim else None
        chs = [base * m for m in mults]
        self.conv_in = nn.Conv2d(in_ch, chs[0], 3, padding=1)
        self.down, self.down_attn, self.downsample = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        cin = chs[0]
        skips = []
        for i, c in enumerate(chs):
            self.down.append(ResBlock(cin, c, emb_dim))
            self.down_attn.append(CrossAttention(c, ctx_dim) if i in attn_levels else nn.Identity())
            skips.append(c)
            cin = c
            self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1) if i < len(chs) - 1 else nn.Identity())
        self.mid1 = ResBlock(cin, cin, emb_dim)
        self.mid_attn = CrossAttention(cin, ctx_dim) if ctx_dim else nn.Identity()
        self.mid2 = ResBlock(cin, cin, emb_dim)
        self.up, self.up_attn, self.upsample = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i in reversed(range(len(chs))):
            c = chs[i]
            self.up.append(ResBlock(cin + skips[i], c, emb_dim))
            self.up_attn.append(CrossAttention(c, ctx_dim) if i in attn_levels else nn.Identity())
            self.upsample.append(nn.Upsample(scale_factor=2, mode="nearest") if i > 0 else nn.Identity())
            cin = c
        self.out_norm = nn.GroupNorm(8, cin)
        self.conv_out = nn.Conv2d(cin, in_ch, 3, padding=1)
        self.attn_levels = set(attn_levels)

    def forward(self, sample, timestep, cond):
        emb = self.time_mlp(timestep_embedding(timestep, self.emb_dim))
        ctx = None
        if self.class_emb is not None:
            emb = emb + self.class_emb(cond)
        else:
            ctx = cond
            emb = emb + self.ctx_proj(ctx.mean(dim=1))  # pooled text, SDXL-style added embedding
        h = self.conv_in(sample)
        hs = []
        for i, (block, attn, ds) in enumerate(zip(self.down, self.down_attn, self.downsample)):
            h = block(h, emb)
            if i in self.attn_levels:
                h = attn(h, ctx)
            hs.append(h)
            h = ds(h)
        h = self.mid1(h, emb)
        if ctx is not None:
            h = self.mid_attn(h, ctx)
        h = self.mid2(h, emb)
        for j, (block, attn, us) in enumerate(zip(self.up, self.up_attn, self.upsample)):
            i = len(self.down) - 1 - j
            h = block(torch.cat([h, hs[i]], dim=1), emb)
            if i in self.attn_levels:
                h = attn(h, ctx)
            h = us(h)
        return self.conv_out(F.silu(self.out_norm(h)))


class TextEncoder(nn.Module):
    """Word-level transformer encoder: input_ids (B, L) -> last_hidden_state (B, L, D).
    Dropout 0 and no fused fast path, so it exports to ONNX (PLATFORM.md)."""

    def __init__(self, vocab_size, max_len, dim=64, layers=2, heads=4):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(1, max_len, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        nn.init.normal_(self.pos, std=0.02)

    def forward(self, input_ids):
        x = self.tok(input_ids) + self.pos[:, : input_ids.shape[1]]
        return self.norm(self.encoder(x))
