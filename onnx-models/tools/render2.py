"""Second, independently written renderer of coloured-shape scenes.

Used only to EVALUATE a text-conditioned model that was trained on a different
renderer: the scenes here are drawn with PIL ImageDraw primitives, with their own
palette, geometry, backgrounds, sizes and placement rules (see DESCRIPTION).

API
    single(rng, colour, shape) -> uint8 array (3, 32, 32)
    two(rng, left, right)      -> uint8 array (3, 32, 32); left/right = (colour, shape)
    sample_single / sample_two -> the scene parameters that single / two draw
    draw_scene(background, objects, aa) -> draws explicit parameters

Run as a script to write a contact sheet:  python3 render2.py /tmp/sheet.png
"""

import math
import sys

import numpy as np
from PIL import Image, ImageDraw

SIDE = 32
SUPERSAMPLE = 8

PALETTE = {
    "red": (222, 38, 44),
    "green": (36, 184, 58),
    "blue": (42, 78, 228),
    "yellow": (238, 214, 34),
    "magenta": (214, 44, 206),
    "cyan": (38, 206, 218),
}
COLOURS = tuple(PALETTE)
SHAPES = ("circle", "square", "triangle", "cross")
BACKGROUNDS = (72, 104, 152, 184)
SINGLE_SIZES = (7, 8, 20, 21)
TWO_SIZES = (9, 10, 13, 14)
MIN_INSIDE = 0.85          # fraction of the box side that must lie inside, per axis
CROSS_ARM = 0.4            # arm thickness as a fraction of the box side
TWO_MIN_DX = 3.0           # left centre at least this many px left of the right centre
TWO_GAP = 1.0              # boxes of a two-object scene keep at least this gap on one axis

DESCRIPTION = (
    "Evaluation scenes come from a second renderer written independently of the "
    "training renderer. Each 32x32 RGB scene has a uniform grey background whose "
    "level is drawn from {72, 104, 152, 184}. Objects are drawn with PIL ImageDraw "
    "primitives in a fixed saturated palette (red (222,38,44), green (36,184,58), "
    "blue (42,78,228), yellow (238,214,34), magenta (214,44,206), cyan (38,206,218)): "
    "a circle is the ellipse inscribed in its square bounding box, a square fills the "
    "box, a triangle points upward and is equilateral (full box width, 0.866 of its "
    "height, centred vertically), and a cross is a plus sign with arms 0.4 of the box "
    "side thick. Anti-aliasing is chosen per scene with probability 1/2: when on, the "
    "scene is drawn at 8x resolution (positions on a 1/8-pixel grid) and reduced with "
    "a box filter; when off, it is drawn directly at 32x32 on integer positions, with "
    "hard aliased edges. Single-object scenes use box sides of 7, 8, 20 or 21 px, "
    "smaller and larger than in training, placed uniformly so that at least 85% of "
    "the box side lies inside the image on each axis, so objects may touch or cross "
    "the border. Two-object scenes use one side for both objects, drawn from "
    "{9, 10, 13, 14} px; both boxes lie fully inside the image, do not overlap (at "
    "least a 1 px gap on one axis), and the first-named object's centre is at least "
    "3 px left of the second's."
)


def _check(colour, shape):
    if colour not in PALETTE:
        raise ValueError(f"unknown colour {colour!r}; vocabulary: {', '.join(COLOURS)}")
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; vocabulary: {', '.join(SHAPES)}")


def _span(a, b):
    """Pixels whose centres lie in the continuous interval [a, b), as an inclusive range."""
    return math.ceil(a - 0.5), math.ceil(b - 0.5) - 1


def _draw_object(draw, k, colour, shape, x0, y0, size):
    """Draw one object on a canvas k times the 32x32 resolution.

    (x0, y0) is the top-left corner of the bounding box and size its side, in
    32x32 pixel units (continuous coordinates: pixel i covers [i, i+1)).
    """
    fill = PALETTE[colour]
    X0, Y0, S = x0 * k, y0 * k, size * k

    def rect(a0, b0, a1, b1):
        i0, i1 = _span(a0, a1)
        j0, j1 = _span(b0, b1)
        if i1 >= i0 and j1 >= j0:
            draw.rectangle([i0, j0, i1, j1], fill=fill)

    if shape == "square":
        rect(X0, Y0, X0 + S, Y0 + S)
    elif shape == "circle":
        i0, i1 = _span(X0, X0 + S)
        j0, j1 = _span(Y0, Y0 + S)
        draw.ellipse([i0, j0, i1, j1], fill=fill)
    elif shape == "triangle":
        h = S * math.sqrt(3.0) / 2.0
        top = Y0 + (S - h) / 2.0
        bottom = top + h
        # PIL polygon vertices sit on pixel centres: continuous c -> c - 0.5
        pts = [(X0 + S / 2.0 - 0.5, top - 0.5),
               (X0 + S - 0.5, bottom - 0.5),
               (X0 - 0.5, bottom - 0.5)]
        draw.polygon(pts, fill=fill)
    elif shape == "cross":
        t = CROSS_ARM * S
        cx, cy = X0 + S / 2.0, Y0 + S / 2.0
        rect(X0, cy - t / 2.0, X0 + S, cy + t / 2.0)
        rect(cx - t / 2.0, Y0, cx + t / 2.0, Y0 + S)
    else:  # pragma: no cover - guarded by _check
        raise ValueError(f"unknown shape {shape!r}; vocabulary: {', '.join(SHAPES)}")


def draw_scene(background, objects, aa):
    """Draw explicit scene parameters.

    background: grey level 0..255; objects: list of (colour, shape, x0, y0, size)
    with box corner and side in 32x32 pixel units; aa: bool.
    Returns uint8 array (3, 32, 32).
    """
    for colour, shape, *_ in objects:
        _check(colour, shape)
    k = SUPERSAMPLE if aa else 1
    img = Image.new("RGB", (SIDE * k, SIDE * k), (int(background),) * 3)
    draw = ImageDraw.Draw(img)
    for colour, shape, x0, y0, size in objects:
        _draw_object(draw, k, colour, shape, x0, y0, size)
    if aa:
        img = img.resize((SIDE, SIDE), Image.BOX)
    return np.ascontiguousarray(np.asarray(img, dtype=np.uint8).transpose(2, 0, 1))


def _grid(aa):
    return 1.0 / SUPERSAMPLE if aa else 1.0


def _uniform_on_grid(rng, lo, hi, step):
    """Uniform over multiples of step in [lo, hi]."""
    a = math.ceil(lo / step - 1e-9)
    b = math.floor(hi / step + 1e-9)
    return int(rng.integers(a, b + 1)) * step


def sample_single(rng, colour, shape):
    """Parameters (background, objects, aa) of a single-object scene."""
    _check(colour, shape)
    background = int(rng.choice(BACKGROUNDS))
    size = int(rng.choice(SINGLE_SIZES))
    aa = bool(rng.integers(2))
    step = _grid(aa)
    out = (1.0 - MIN_INSIDE) * size
    lo, hi = -out, SIDE - size + out
    x0 = _uniform_on_grid(rng, lo, hi, step)
    y0 = _uniform_on_grid(rng, lo, hi, step)
    return background, [(colour, shape, x0, y0, size)], aa


def sample_two(rng, left, right):
    """Parameters (background, objects, aa) of a two-object scene."""
    (lc, ls), (rc, rs) = left, right
    _check(lc, ls)
    _check(rc, rs)
    background = int(rng.choice(BACKGROUNDS))
    size = int(rng.choice(TWO_SIZES))
    aa = bool(rng.integers(2))
    step = _grid(aa)
    while True:
        xl, yl, xr, yr = (_uniform_on_grid(rng, 0.0, SIDE - size, step) for _ in range(4))
        if xr - xl < TWO_MIN_DX:
            continue
        apart_x = xl + size + TWO_GAP <= xr
        apart_y = yl + size + TWO_GAP <= yr or yr + size + TWO_GAP <= yl
        if apart_x or apart_y:
            break
    return background, [(lc, ls, xl, yl, size), (rc, rs, xr, yr, size)], aa


def single(rng, colour, shape):
    """One object of the given colour and shape; uint8 array (3, 32, 32)."""
    return draw_scene(*sample_single(rng, colour, shape))


def two(rng, left, right):
    """Two objects, left = (colour, shape) left of right = (colour, shape)."""
    return draw_scene(*sample_two(rng, left, right))


def contact_sheet(path, seed=0, scale=4):
    """Write a PNG of seeded examples: one row per colour of singles, then pairs."""
    rng = np.random.default_rng(seed)
    tiles = []
    for i, colour in enumerate(COLOURS):
        row = [single(rng, colour, shape) for shape in SHAPES for _ in range(2)]
        tiles.append(row)
    for r in range(3):
        row = []
        for j in range(8):
            a = (COLOURS[(r * 8 + j) % 6], SHAPES[(r + j) % 4])
            b = (COLOURS[(r * 8 + j + 1 + r) % 6], SHAPES[(r + 2 * j + 1) % 4])
            row.append(two(rng, a, b))
        tiles.append(row)
    pad = 2
    cell = SIDE * scale + pad
    sheet = Image.new("RGB", (len(tiles[0]) * cell + pad, len(tiles) * cell + pad), (255, 255, 255))
    for r, row in enumerate(tiles):
        for c, arr in enumerate(row):
            im = Image.fromarray(arr.transpose(1, 2, 0)).resize((SIDE * scale,) * 2, Image.NEAREST)
            sheet.paste(im, (pad + c * cell, pad + r * cell))
    sheet.save(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: render2.py OUT.png")
    contact_sheet(sys.argv[1])
    print(f"wrote {sys.argv[1]}")
