"""Shared, dependency-light pieces of the model tooling.

Everything here has a Java twin that must agree bit for bit (noise) or to float
tolerance (resize, schedule): keep the arithmetic boring and explicit.
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

T_TRAIN = 1000
MASK64 = (1 << 64) - 1


def fail(msg):
    """Exit with a clear message instead of a traceback (bad paths, bad words, ...)."""
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- noise schedule
def linear_alphas_cumprod(beta_start=1e-4, beta_end=0.02, steps=T_TRAIN):
    """DDPM's linear beta schedule, computed in float64."""
    betas = np.linspace(beta_start, beta_end, steps, dtype=np.float64)
    return np.cumprod(1.0 - betas)


# ---------------------------------------------------------------- portable PRNG
def splitmix64(state):
    """One SplitMix64 step: returns (new_state, output). Python ints, masked to 64 bits."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def fnv1a64(data: bytes):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & MASK64
    return h


def request_seed(request_id: str, model_version: str):
    """Seed of one request's noise: a function of (request id, model version) only."""
    return fnv1a64(request_id.encode("utf-8") + b"\x00" + model_version.encode("utf-8"))


def sample_seed(seed, j):
    """Seed of sample j of a request, so any sample's noise can be made on its own."""
    _, z = splitmix64((seed ^ ((j + 1) * 0xD1B54A32D192ED03 & MASK64)) & MASK64)
    return z


def gaussian_noise(seed, n):
    """n standard normals (float32) from SplitMix64 + Box-Muller in float64.

    Vectorised with numpy uint64 arithmetic; matches the Java NoiseGenerator exactly.
    """
    pairs = (n + 1) // 2
    k = np.arange(1, 2 * pairs + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + k * np.uint64(0x9E3779B97F4A7C15)
        z = state
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    # 53 random bits -> (0, 1]; never 0 so log is finite
    u = ((z >> np.uint64(11)).astype(np.float64) + 1.0) * (1.0 / 9007199254740992.0)
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * np.log(u1))
    theta = 2.0 * math.pi * u2
    out = np.empty(2 * pairs, dtype=np.float64)
    out[0::2] = r * np.cos(theta)
    out[1::2] = r * np.sin(theta)
    return out[:n].astype(np.float32)


# ---------------------------------------------------------------- sampling plan
def van_der_corput(j):
    """Base-2 radical inverse of j: 0, 1/2, 1/4, 3/4, 1/8, ..."""
    v, denom = 0.0, 1.0
    while j:
        denom *= 2.0
        v += (j & 1) / denom
        j >>= 1
    return v


GRID_OFFSET = 0.25  # places K=1 at t~250 and K=2 at t~250/750 (a centred pair)


def plan_timesteps(k, t_train=T_TRAIN):
    """Timesteps of samples 0..k-1. Every power-of-two prefix is an evenly spaced grid
    over [1, t_train) and a sub-grid of every longer power-of-two prefix (nested grids)."""
    ts = []
    for j in range(k):
        u = (van_der_corput(j) + GRID_OFFSET) % 1.0
        ts.append(1 + int(math.floor(u * (t_train - 1))))
    return ts


# ---------------------------------------------------------------- images
def area_weights(n_in, n_out):
    """Exact box-filter resampling matrix (n_out x n_in): each output cell averages the
    input over its footprint, partial pixels weighted by overlap. Same in Java."""
    w = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    for o in range(n_out):
        a, b = o * scale, (o + 1) * scale
        i0, i1 = int(math.floor(a)), min(n_in, int(math.ceil(b)))
        for i in range(i0, i1):
            overlap = min(b, i + 1) - max(a, i)
            if overlap > 0:
                w[o, i] = overlap / scale
    return w


def resize_area(img, out_h, out_w):
    """img: (C, H, W) float64 -> (C, out_h, out_w) by the separable area rule."""
    c, h, w = img.shape
    wy, wx = area_weights(h, out_h), area_weights(w, out_w)
    return np.einsum("oh,chw,pw->cop", wy, img, wx)


def center_crop_box(h, w, size):
    """Resize-short-side-then-crop, as the manifest's resize rule says: returns (new_h, new_w)."""
    if h <= w:
        return size, max(size, int(round(w * size / h)))
    return max(size, int(round(h * size / w))), size


def preprocess_uint8(img_u8, size):
    """(C, H, W) uint8 -> (C, size, size) float32 in [-1, 1]: area resize of the short side
    to `size`, centre crop, x/127.5 - 1. Mirrors the Java Preprocessor."""
    c, h, w = img_u8.shape
    x = img_u8.astype(np.float64) / 255.0
    nh, nw = center_crop_box(h, w, size)
    if (nh, nw) != (h, w):
        x = resize_area(x, nh, nw)
    top, left = (nh - size) // 2, (nw - size) // 2
    x = x[:, top:top + size, left:left + size]
    return (x * 2.0 - 1.0).astype(np.float32)


# ---------------------------------------------------------------- files
def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_tensor(path, arr):
    """Golden tensor file: little-endian header (magic, dtype, rank, dims) + raw data.
    Tiny and trivial to read from Java (GoldenTensor)."""
    arr = np.ascontiguousarray(arr)
    codes = {np.dtype(np.float32): 1, np.dtype(np.int64): 2, np.dtype(np.float64): 3, np.dtype(np.int32): 4}
    code = codes[arr.dtype]
    with open(path, "wb") as f:
        f.write(b"GTNS")
        f.write(struct.pack("<ii", code, arr.ndim))
        f.write(struct.pack("<" + "q" * arr.ndim, *arr.shape))
        f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())


def here(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *parts)
