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


def scaled_linear_alphas_cumprod(beta_start=0.00085, beta_end=0.012, steps=T_TRAIN):
    """Stable Diffusion's "scaled_linear" schedule: betas = linspace(sqrt(start), sqrt(end), steps)^2,
    in float64 (as the original CompVis code; diffusers computes the same in float32)."""
    betas = np.linspace(math.sqrt(beta_start), math.sqrt(beta_end), steps, dtype=np.float64) ** 2
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


def plan_timesteps(k, t_train=T_TRAIN, t_range=None):
    """Timesteps of samples 0..k-1. Every power-of-two prefix is an evenly spaced grid over
    [lo, hi) and a sub-grid of every longer power-of-two prefix (nested grids). [lo, hi) is
    t_range (a model's classifier.timestepRange), else [1, t_train)."""
    lo, hi = t_range if t_range is not None else (1, t_train)
    ts = []
    for j in range(k):
        u = (van_der_corput(j) + GRID_OFFSET) % 1.0
        ts.append(lo + int(math.floor(u * (hi - lo))))
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


# ---------------------------------------------------------------- images: the paper's bicubic rule
# `bicubic-short-side-center-crop`: torchvision's Resize(size, BICUBIC) + CenterCrop(size) on a PIL
# image, as the paper's code preprocesses, but computed in float64 on the 0..255 values without
# PIL's uint8 rounding of the resized image. The Java Preprocessor mirrors these functions line by
# line; keep them literal.

BICUBIC_A = -0.5        # PIL's bicubic_filter: Keys' cubic convolution with a = -0.5
BICUBIC_SUPPORT = 2.0   # the filter is zero outside (-2, 2)


def bicubic_kernel(x):
    """PIL's bicubic_filter(x) (libImaging/Resample.c), in float64."""
    a = BICUBIC_A
    if x < 0.0:
        x = -x
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return 0.0


def bicubic_weights(n_in, n_out):
    """Resampling matrix (n_out x n_in) of PIL's BICUBIC resize along one axis, in float64:
    PIL's precompute_coeffs (libImaging/Resample.c) for the box (0, n_in), step by step:

        scale       = n_in / n_out                      (float64 division)
        filterscale = max(scale, 1.0)                   (the kernel widens when downsampling)
        support     = 2.0 * filterscale
        ss          = 1.0 / filterscale
        for each output index o = 0 .. n_out-1:
            center = (o + 0.5) * scale
            xmin   = max(0, trunc(center - support + 0.5))      (C's (int) cast: toward zero)
            xmax   = min(n_in, trunc(center + support + 0.5))   (exclusive end)
            for i = xmin .. xmax-1, in order:
                k[i] = bicubic_kernel((i - center + 0.5) * ss)
            total = k[xmin] + k[xmin+1] + ... + k[xmax-1]      (summed left to right)
            w[o, i] = k[i] / total        (if total == 0 the k[i] stay as they are)

    Every row sums to 1 (up to rounding). When n_in == n_out this is the identity exactly
    (the kernel is 1 at 0 and 0 at +-1, +-2). The resized image is wy @ img @ wx.T per channel.
    """
    w = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    filterscale = scale if scale >= 1.0 else 1.0
    support = BICUBIC_SUPPORT * filterscale
    ss = 1.0 / filterscale
    for o in range(n_out):
        center = (o + 0.5) * scale
        xmin = int(center - support + 0.5)  # int() truncates toward zero, like C
        if xmin < 0:
            xmin = 0
        xmax = int(center + support + 0.5)
        if xmax > n_in:
            xmax = n_in
        ks = [bicubic_kernel((i - center + 0.5) * ss) for i in range(xmin, xmax)]
        total = 0.0
        for k in ks:
            total += k
        for i, k in zip(range(xmin, xmax), ks):
            w[o, i] = k / total if total != 0.0 else k
    return w


def bicubic_resize_size(h, w, size):
    """torchvision Resize(size) with an int size: the short side becomes `size`, the long side
    int(size * long / short), the product taken first as an integer, then a float64 division,
    then truncated (floored: all positive). Returns (new_h, new_w); a square image gives (size, size)."""
    if w <= h:
        return int(size * h / w), size
    return size, int(size * w / h)


def bicubic_crop_offsets(h, w, size):
    """torchvision CenterCrop(size): top = int(round((h - size) / 2.0)), left likewise, with
    Python's round(): half to even (0.5 -> 0, 1.5 -> 2, 10.5 -> 10). Java: (int) Math.rint(...),
    not Math.round."""
    return int(round((h - size) / 2.0)), int(round((w - size) / 2.0))


def preprocess_uint8_bicubic(img_u8, size):
    """(C, H, W) uint8 -> (C, size, size) float32 in [-1, 1] by `bicubic-short-side-center-crop`:
    x = float64(img); resized = wy @ x @ wx.T per channel with wy = bicubic_weights(H, new_h),
    wx = bicubic_weights(W, new_w), (new_h, new_w) = bicubic_resize_size(H, W, size) (skipped
    when the size is unchanged: the weights would be the identity anyway); crop rows
    top..top+size-1 and columns left..left+size-1 (bicubic_crop_offsets on new_h, new_w);
    then float32(v / 127.5 - 1.0)."""
    c, h, w = img_u8.shape
    x = img_u8.astype(np.float64)
    nh, nw = bicubic_resize_size(h, w, size)
    if (nh, nw) != (h, w):
        wy, wx = bicubic_weights(h, nh), bicubic_weights(w, nw)
        x = np.einsum("oh,chw,pw->cop", wy, x, wx)
    top, left = bicubic_crop_offsets(nh, nw, size)
    x = x[:, top:top + size, left:left + size]
    return (x / 127.5 - 1.0).astype(np.float32)


def bicubic_self_check(seed=0):
    """Compares bicubic_weights with PIL's own BICUBIC resize of float images (mode "F": same
    coefficients as the uint8 path, no rounding; PIL keeps its intermediate rows in float32, so
    the two agree to ~1e-4 on 0..255 values, not bit for bit). Returns the largest difference;
    raises if it is not small. Covers down- and upsampling, odd factors and identity."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    worst = 0.0
    for (h, w), (nh, nw) in [((37, 23), (16, 11)), ((64, 96), (64, 85)), ((72, 96), (64, 85)),
                             ((13, 9), (40, 29)), ((20, 20), (20, 20)), ((300, 7), (5, 64))]:
        img = rng.uniform(0, 255, size=(h, w)).astype(np.float32)
        pil = np.asarray(Image.fromarray(img, mode="F").resize((nw, nh), Image.BICUBIC), dtype=np.float64)
        ours = bicubic_weights(h, nh) @ img.astype(np.float64) @ bicubic_weights(w, nw).T
        worst = max(worst, float(np.abs(pil - ours).max()))
    if worst > 1e-3:
        raise AssertionError(f"bicubic_weights differs from PIL's BICUBIC by {worst}")
    return worst


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
    Tiny and trivial to read from Java (GoldenTensor). dtype codes: 1 float32, 2 int64,
    3 float64, 4 int32, 5 float16 (IEEE half)."""
    arr = np.ascontiguousarray(arr)
    codes = {np.dtype(np.float32): 1, np.dtype(np.int64): 2, np.dtype(np.float64): 3, np.dtype(np.int32): 4,
             np.dtype(np.float16): 5}
    code = codes[arr.dtype]
    with open(path, "wb") as f:
        f.write(b"GTNS")
        f.write(struct.pack("<ii", code, arr.ndim))
        f.write(struct.pack("<" + "q" * arr.ndim, *arr.shape))
        f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())


def here(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *parts)
