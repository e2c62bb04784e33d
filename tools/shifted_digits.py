#!/usr/bin/env python3
"""Writes a deterministically corrupted copy of a labelled image folder (DIR/<label>/<image>.png).

The corruption (a distribution shift for the calibration study): Gaussian blur of radius BLUR
pixels, then additive Gaussian pixel noise of standard deviation NOISE (in 0..255 units),
clipped to 0..255. The noise generator is seeded from --seed and the image's path
(<label>/<file>), so one image always gets the same noise, whatever else is in the folder.

Usage: /usr/bin/python3 tools/shifted_digits.py SRC DST [--blur 1.0] [--noise 48] [--seed 13] [--limit N]
(needs Debian's python3-numpy and python3-pil; --limit takes every (n/N)-th image, like accuracy --limit)
"""
import argparse
import hashlib
import os

import numpy as np
from PIL import Image, ImageFilter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--blur", type=float, default=1.0)
    ap.add_argument("--noise", type=float, default=48.0)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    items = []
    for label in sorted(d for d in os.listdir(a.src) if os.path.isdir(os.path.join(a.src, d))):
        for f in sorted(os.listdir(os.path.join(a.src, label))):
            items.append((label, f))
    if a.limit and a.limit < len(items):
        items = [items[i * len(items) // a.limit] for i in range(a.limit)]
    for label, f in items:
        rel = label + "/" + f
        img = Image.open(os.path.join(a.src, label, f)).convert("L")
        if a.blur > 0:
            img = img.filter(ImageFilter.GaussianBlur(a.blur))
        x = np.asarray(img, dtype=np.float64)
        digest = hashlib.sha256(f"{a.seed}:{rel}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        x = np.clip(np.rint(x + rng.normal(0.0, a.noise, x.shape)), 0, 255).astype(np.uint8)
        os.makedirs(os.path.join(a.dst, label), exist_ok=True)
        Image.fromarray(x, mode="L").save(os.path.join(a.dst, label, f))
    print(f"wrote {len(items)} images to {a.dst} (blur {a.blur}, noise {a.noise}, seed {a.seed})")


if __name__ == "__main__":
    main()
