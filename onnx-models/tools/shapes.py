"""Seeded generator of 32x32 coloured-shape scenes with captions, and the word tokenizer.

Two training distributions: 1.0.0's (`sample_scene`: grey 128 background, two sizes, smooth edges)
and 2.0.0's (`sample_scene_v2`: the same grammar drawn with varied background shade and tint,
colour shifts, continuous sizes and aspect, anti-aliasing on or off, and for each caption three
hard-negative captions of seen pairs for the contrastive loss). Evaluation also uses a second,
independently written renderer (`render2.py`).

Grammar (fixed vocabulary; held-out tests are written against it):
    one object:  a [small|big] <colour> <shape>
    two objects: a <c1> <s1> left of a <c2> <s2>   (and its paraphrase with `right of`)
Grey background. HELD_OUT colour-shape pairs never appear in training images or captions.
"""
import itertools

import numpy as np

from common import fail

SIZE = 32
BACKGROUND = (128, 128, 128)
COLOURS = {
    "red": (220, 40, 40), "green": (40, 190, 60), "blue": (50, 80, 230),
    "yellow": (235, 220, 50), "magenta": (215, 50, 215), "cyan": (50, 215, 225),
}
SHAPES = ("circle", "square", "triangle", "cross")
SIZES = {"small": 10.0, "big": 17.0}
TWO_OBJECT_SIZE = 11.0
HELD_OUT = {("red", "triangle"), ("green", "circle"), ("blue", "cross"), ("yellow", "square")}
ALL_PAIRS = [(c, s) for c in COLOURS for s in SHAPES]
SEEN_PAIRS = [p for p in ALL_PAIRS if p not in HELD_OUT]

# ----------------------------------------------------------------- tokenizer
SPECIALS = ["<pad>", "<bos>", "<eos>"]
WORDS = ["a", "small", "big", *COLOURS, *SHAPES, "left", "right", "of"]
VOCAB = {w: i for i, w in enumerate(SPECIALS + WORDS)}
MAX_LEN = 12  # <bos> + 8 words + <eos>, padded


def tokenize(caption, max_len=MAX_LEN):
    """Lower-case, split on whitespace, <bos> words <eos>, pad to max_len. Unknown words fail."""
    words = caption.lower().split()
    unknown = [w for w in words if w not in VOCAB]
    if unknown:
        fail(f"unknown caption word(s) {unknown} in {caption!r}; vocabulary: {WORDS}")
    ids = [VOCAB["<bos>"]] + [VOCAB[w] for w in words] + [VOCAB["<eos>"]]
    if len(ids) > max_len:
        fail(f"caption {caption!r} is {len(ids)} tokens, over the maximum {max_len}")
    return ids + [VOCAB["<pad>"]] * (max_len - len(ids))


# ----------------------------------------------------------------- rendering
SS = 4  # supersampling factor: smooth edges, still exact and seeded
_grid = (np.arange(SIZE * SS) + 0.5) / SS
GY, GX = np.meshgrid(_grid, _grid, indexing="ij")


def shape_mask(shape, cx, cy, size, ss=SS, aspect=1.0):
    """Coverage in [0, 1] of a shape of the given size (bounding box side) at (cx, cy), sampled
    on an ss x ss grid per pixel (ss = 1: hard, aliased edges). aspect stretches x against y."""
    gy, gx = (GY, GX) if ss == SS else _grids(ss)
    r = size / 2.0
    dx, dy = (gx - cx) / aspect, gy - cy
    if shape == "circle":
        m = dx * dx + dy * dy <= r * r
    elif shape == "square":
        s = r * 0.85
        m = (np.abs(dx) <= s) & (np.abs(dy) <= s)
    elif shape == "triangle":  # upward, apex at top
        h = (dy + r) / (2 * r)  # 0 at apex .. 1 at base
        m = (h >= 0) & (h <= 1) & (np.abs(dx) <= h * r)
    elif shape == "cross":
        arm = r * 0.33
        m = ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
    else:
        fail(f"unknown shape {shape!r}")
    return m.reshape(SIZE, ss, SIZE, ss).mean(axis=(1, 3))


def _grids(ss):
    g = (np.arange(SIZE * ss) + 0.5) / ss
    return np.meshgrid(g, g, indexing="ij")


def render(objects):
    """objects: list of (colour, shape, cx, cy, size). Returns uint8 (3, 32, 32)."""
    img = np.empty((3, SIZE, SIZE), dtype=np.float64)
    img[:] = np.asarray(BACKGROUND, dtype=np.float64)[:, None, None]
    for colour, shape, cx, cy, size in objects:
        cov = shape_mask(shape, cx, cy, size)[None]
        img = img * (1 - cov) + np.asarray(COLOURS[colour], dtype=np.float64)[:, None, None] * cov
    return np.round(img).clip(0, 255).astype(np.uint8)


def one_object(rng, colour, shape, size_word):
    size = SIZES[size_word] * rng.uniform(0.9, 1.1)
    r = size / 2 + 1
    cx, cy = rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r)
    return render([(colour, shape, cx, cy, size)])


def two_objects(rng, left, right):
    """left/right: (colour, shape). The left object's centre is in the left half."""
    size = TWO_OBJECT_SIZE * rng.uniform(0.9, 1.1)
    r = size / 2 + 0.5
    lx = rng.uniform(r, min(SIZE / 2 - 2, SIZE - r - size - 1))
    rx = rng.uniform(max(SIZE / 2 + 2, lx + size + 1), SIZE - r)  # no overlap: left stays left
    ly, ry = rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r)
    return render([(left[0], left[1], lx, ly, size), (right[0], right[1], rx, ry, size)])


def two_object_caption(left, right, relation):
    if relation == "left":
        return f"a {left[0]} {left[1]} left of a {right[0]} {right[1]}"
    return f"a {right[0]} {right[1]} right of a {left[0]} {left[1]}"


def sample_scene(rng, pairs=SEEN_PAIRS, p_two=0.5):
    """One random training scene and a caption drawn from its valid captions."""
    if rng.random() < p_two:
        i, j = rng.choice(len(pairs), 2, replace=True)
        left, right = pairs[i], pairs[j]
        relation = "left" if rng.random() < 0.5 else "right"
        return two_objects(rng, left, right), two_object_caption(left, right, relation)
    colour, shape = pairs[rng.integers(len(pairs))]
    size_word = "small" if rng.random() < 0.5 else "big"
    img = one_object(rng, colour, shape, size_word)
    cap = f"a {size_word} {colour} {shape}" if rng.random() < 0.6 else f"a {colour} {shape}"
    return img, cap


def batch(rng, n, pairs=SEEN_PAIRS, p_two=0.5):
    imgs, caps = zip(*(sample_scene(rng, pairs, p_two) for _ in range(n)))
    return np.stack(imgs), list(caps)


def attribute_swaps(left, right):
    """Winoground-style distractors for a two-object scene: the true caption first, then the
    captions with colours swapped, shapes swapped, and left/right swapped."""
    true = two_object_caption(left, right, "left")
    colours = two_object_caption((right[0], left[1]), (left[0], right[1]), "left")
    shapes_ = two_object_caption((left[0], right[1]), (right[0], left[1]), "left")
    sides = two_object_caption(right, left, "left")
    return [true, colours, shapes_, sides]


# ----------------------------------------------------------------- 2.0.0's training distribution
# Ranges the 2.0.0 scenes are drawn from (the model card quotes them; render2's evaluation scenes
# go outside them on purpose: sizes 7-8 and 20-21 px, backgrounds 72 and 184, border-crossing).
V2 = {"background": (80, 176), "tint": 8, "colour_shift": 24, "small": (8.5, 12.5), "big": (14.0, 19.0),
      "two": (9.0, 13.0), "aspect": 0.12, "aa": 0.5}


def _v2_colour(rng, name):
    return np.clip(np.asarray(COLOURS[name], dtype=np.float64) + rng.uniform(-1, 1, 3) * V2["colour_shift"], 0, 255)


def _v2_render(rng, objects):
    """objects: (colour name, shape, cx, cy, size). Background shade + tint, colour shifts, aspect
    jitter and anti-aliasing (4x4 supersampling) or none, all drawn from rng."""
    bg = rng.uniform(*V2["background"]) + rng.uniform(-1, 1, 3) * V2["tint"]
    ss = SS if rng.random() < V2["aa"] else 1
    img = np.empty((3, SIZE, SIZE), dtype=np.float64)
    img[:] = bg[:, None, None]
    for colour, shape, cx, cy, size in objects:
        aspect = 1.0 + rng.uniform(-1, 1) * V2["aspect"]
        cov = shape_mask(shape, cx, cy, size, ss, aspect)[None]
        img = img * (1 - cov) + _v2_colour(rng, colour)[:, None, None] * cov
    return np.round(img).clip(0, 255).astype(np.uint8)


def _seen(pair):
    return pair in SEEN_PAIRS


def _other(rng, options):
    return options[rng.integers(len(options))]


def sample_scene_v2(rng):
    """(image, caption, [3 hard-negative captions]) from 2.0.0's training distribution. Negatives
    are captions of seen pairs only (held-out pairs stay out of every caption): for one object, two
    with the shape changed and one with the colour changed; for two objects, colours swapped, shapes
    swapped and sides swapped where that changes the caption (and stays seen), else one object's
    shape or colour changed."""
    if rng.random() < 0.5:
        colour, shape = SEEN_PAIRS[rng.integers(len(SEEN_PAIRS))]
        size_word = "small" if rng.random() < 0.5 else "big"
        size = rng.uniform(*V2[size_word])
        r = size / 2 * (1 + V2["aspect"])
        img = _v2_render(rng, [(colour, shape, rng.uniform(r, SIZE - r), rng.uniform(r, SIZE - r), size)])
        prefix = f"a {size_word} " if rng.random() < 0.5 else "a "
        shapes_ = [s for s in SHAPES if s != shape and _seen((colour, s))]
        colours = [c for c in COLOURS if c != colour and _seen((c, shape))]
        picks = rng.permutation(len(shapes_))[:2]
        negs = [f"{prefix}{colour} {shapes_[i]}" for i in picks] + [f"{prefix}{_other(rng, colours)} {shape}"]
        return img, f"{prefix}{colour} {shape}", negs
    left, right = (SEEN_PAIRS[i] for i in rng.choice(len(SEEN_PAIRS), 2, replace=True))
    relation = "left" if rng.random() < 0.5 else "right"
    size = rng.uniform(*V2["two"])
    r = size / 2 * (1 + V2["aspect"]) + 0.5
    lx = rng.uniform(r, min(SIZE / 2 - 2, SIZE - r - size - 1))
    rx = rng.uniform(max(SIZE / 2 + 2, lx + size + 1), SIZE - r)
    img = _v2_render(rng, [(*left, lx, rng.uniform(r, SIZE - r), size), (*right, rx, rng.uniform(r, SIZE - r), size)])
    true = two_object_caption(left, right, relation)
    swaps = [((right[0], left[1]), (left[0], right[1])), ((left[0], right[1]), (right[0], left[1])), (right, left)]
    negs = [two_object_caption(a, b, relation) for a, b in swaps if _seen(a) and _seen(b)
            and two_object_caption(a, b, relation) != true]
    while len(negs) < 3:  # change one attribute of one object
        which = rng.integers(2)
        obj = (left, right)[which]
        options = [p for p in SEEN_PAIRS if p != obj and (p[0] == obj[0] or p[1] == obj[1])]
        new = _other(rng, options)
        cap = two_object_caption(new, right, relation) if which == 0 else two_object_caption(left, new, relation)
        if cap != true and cap not in negs:
            negs.append(cap)
    return img, true, negs


if __name__ == "__main__":
    assert not any(p in HELD_OUT for p in SEEN_PAIRS) and len(ALL_PAIRS) == 24
    rng = np.random.default_rng(0)
    for _ in range(5):
        img, cap = sample_scene(rng)
        print(cap, tokenize(cap))
    print(list(itertools.islice(VOCAB.items(), 30)))
