"""Writes the shapes-t2i evaluation scenes as PNGs, for `sweep` (and `accuracy`) in Java:

    /usr/bin/python3 onnx-models/tools/write_shapes_scenes.py

The same scenes evaluate_shapes.py draws (same generator seeds and calls): validation, 6 per seen
colour-shape pair (seed 9001; temperatures and plans are fitted here), and evaluation, 8 per seen
pair (seed 9002) plus 20 per held-out pair (seed 9003), i.e. all 24 labels.
Output: onnx-models/shapes-t2i/{validation,evaluation}/<colour shape>/<n>.png
"""
import os

import numpy as np
from PIL import Image

import shapes
from common import here
from evaluate_shapes import SINGLES, single_scenes


def write(folder, imgs, labels, start=0):
    for n, (img, y) in enumerate(zip(imgs, labels)):
        d = os.path.join(folder, SINGLES[y])
        os.makedirs(d, exist_ok=True)
        Image.fromarray(img.transpose(1, 2, 0), mode="RGB").save(os.path.join(d, f"{start + n:04d}.png"), optimize=True)


def main():
    root = here("..", "shapes-t2i")
    x_val, y_val = single_scenes(np.random.default_rng(9001), shapes.SEEN_PAIRS, 6)
    x_seen, y_seen = single_scenes(np.random.default_rng(9002), shapes.SEEN_PAIRS, 8)
    x_held, y_held = single_scenes(np.random.default_rng(9003), sorted(shapes.HELD_OUT), 20)
    write(os.path.join(root, "validation"), x_val, y_val)
    write(os.path.join(root, "evaluation"), x_seen, y_seen)
    write(os.path.join(root, "evaluation"), x_held, y_held, start=len(y_seen))
    print(f"{len(y_val)} validation and {len(y_seen) + len(y_held)} evaluation scenes in {root}")


if __name__ == "__main__":
    main()
