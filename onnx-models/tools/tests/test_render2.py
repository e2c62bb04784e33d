"""Tests for render2 (the independent evaluation renderer).

Run from the repository root:
    /usr/bin/python3 -m unittest discover -s onnx-models/tools/tests -t onnx-models/tools
"""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import render2  # noqa: E402


def _pixels(img):
    return img.reshape(3, -1).T.astype(int)  # (1024, 3)


def _nearest(rgb):
    names = list(render2.PALETTE)
    d = [np.sum((np.array(render2.PALETTE[n]) - rgb) ** 2) for n in names]
    return names[int(np.argmin(d))]


def _mask_of(img, colour, tol=60):
    """Pixels within tol (Euclidean) of a palette colour, as (32, 32) bool."""
    ref = np.array(render2.PALETTE[colour]).reshape(3, 1, 1)
    return np.sqrt(((img.astype(int) - ref) ** 2).sum(0)) < tol


# Textbook RGB of each colour name, independent of render2's own palette.
CANONICAL = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
    "yellow": (255, 255, 0), "magenta": (255, 0, 255), "cyan": (0, 255, 255),
}


def _canonical_name(rgb):
    names = list(CANONICAL)
    d = [np.sum((np.array(CANONICAL[n]) - np.asarray(rgb, int)) ** 2) for n in names]
    return names[int(np.argmin(d))]


class Render2Test(unittest.TestCase):
    def test_palette_names(self):
        self.assertEqual(set(render2.PALETTE), set(CANONICAL))
        for name, rgb in render2.PALETTE.items():
            self.assertEqual(_canonical_name(rgb), name, rgb)
            # saturated: channel spread large, clearly not grey
            self.assertGreater(max(rgb) - min(rgb), 140, (name, rgb))

    def test_shape_dtype(self):
        rng = np.random.default_rng(0)
        for img in (render2.single(rng, "red", "circle"),
                    render2.two(rng, ("blue", "square"), ("green", "cross"))):
            self.assertEqual(img.shape, (3, 32, 32))
            self.assertEqual(img.dtype, np.uint8)

    def test_deterministic(self):
        a = render2.single(np.random.default_rng(7), "cyan", "triangle")
        b = render2.single(np.random.default_rng(7), "cyan", "triangle")
        np.testing.assert_array_equal(a, b)
        a = render2.two(np.random.default_rng(7), ("red", "circle"), ("yellow", "cross"))
        b = render2.two(np.random.default_rng(7), ("red", "circle"), ("yellow", "cross"))
        np.testing.assert_array_equal(a, b)
        # and the rng actually matters
        imgs = {render2.single(np.random.default_rng(s), "cyan", "triangle").tobytes()
                for s in range(10)}
        self.assertGreater(len(imgs), 5)

    def test_background_corner(self):
        rng = np.random.default_rng(1)
        checked = 0
        for _ in range(40):
            bg, objs, aa = render2.sample_single(rng, "green", "square")
            img = render2.draw_scene(bg, objs, aa)
            _, _, x0, y0, size = objs[0]
            cx, cy = x0 + size / 2, y0 + size / 2
            # the corner farthest from the object's centre
            px = 0 if cx > 16 else 31
            py = 0 if cy > 16 else 31
            # object box must be at least 2 px from that corner pixel
            if (px == 0 and x0 < 3) or (px == 31 and x0 + size > 29) or \
               (py == 0 and y0 < 3) or (py == 31 and y0 + size > 29):
                continue
            checked += 1
            v = img[:, py, px]
            self.assertTrue(v[0] == v[1] == v[2], v)
            self.assertIn(int(v[0]), render2.BACKGROUNDS)
            self.assertEqual(int(v[0]), bg)
        self.assertGreater(checked, 10)

    def test_dominant_colour(self):
        rng = np.random.default_rng(2)
        for colour in render2.COLOURS:
            for shape in render2.SHAPES:
                img = render2.single(rng, colour, shape)
                px = _pixels(img)
                obj = px[~((px[:, 0] == px[:, 1]) & (px[:, 1] == px[:, 2]))]
                self.assertGreater(len(obj), 5, (colour, shape))
                vals, counts = np.unique(obj, axis=0, return_counts=True)
                dominant = vals[np.argmax(counts)]
                self.assertEqual(_nearest(dominant), colour, (shape, dominant))
                self.assertEqual(_canonical_name(dominant), colour, (shape, dominant))
                np.testing.assert_array_equal(dominant, render2.PALETTE[colour])

    def test_antialiasing(self):
        obj = [("magenta", "circle", 5.25, 6.5, 15)]
        off = render2.draw_scene(104, [("magenta", "circle", 5, 6, 15)], aa=False)
        colours = {tuple(p) for p in _pixels(off)}
        self.assertEqual(colours, {(104, 104, 104), render2.PALETTE["magenta"]})
        on = render2.draw_scene(104, obj, aa=True)
        colours = {tuple(p) for p in _pixels(on)}
        intermediate = colours - {(104, 104, 104), render2.PALETTE["magenta"]}
        self.assertGreater(len(intermediate), 3)
        # sampled scenes: AA-off ones never have intermediate colours
        rng = np.random.default_rng(3)
        seen = {True: 0, False: 0}
        for _ in range(20):
            bg, objs, aa = render2.sample_single(rng, "blue", "triangle")
            img = render2.draw_scene(bg, objs, aa)
            extra = {tuple(p) for p in _pixels(img)} - {(bg,) * 3, render2.PALETTE["blue"]}
            seen[aa] += 1
            if not aa:
                self.assertEqual(extra, set())
        self.assertTrue(seen[True] and seen[False])

    def test_square_covers_more_than_circle(self):
        for aa in (False, True):
            counts = {}
            for shape in ("circle", "square", "triangle", "cross"):
                img = render2.draw_scene(72, [("red", shape, 8, 8, 16)], aa=aa)
                counts[shape] = _mask_of(img, "red", tol=120).sum()
            self.assertGreater(counts["square"], counts["circle"], counts)
            self.assertGreater(counts["circle"], counts["triangle"], counts)
            self.assertGreater(counts["circle"], counts["cross"], counts)
            # square fills its 16x16 box; circle about pi/4 of it
            self.assertAlmostEqual(counts["square"], 256, delta=2)
            self.assertAlmostEqual(counts["circle"] / 256, np.pi / 4, delta=0.08)

    def test_two_left_right(self):
        rng = np.random.default_rng(4)
        for i in range(30):
            left = (render2.COLOURS[i % 6], render2.SHAPES[i % 4])
            right = (render2.COLOURS[(i + 3) % 6], render2.SHAPES[(i + 1) % 4])
            bg, objs, aa = render2.sample_two(rng, left, right)
            (_, _, xl, yl, s), (_, _, xr, yr, s2) = objs
            self.assertEqual(s, s2)
            self.assertIn(s, render2.TWO_SIZES)
            for v in (xl, yl, xr, yr):
                self.assertTrue(0 <= v <= 32 - s)
            self.assertLess(xl + s / 2, xr + s / 2)
            overlap = (xl < xr + s and xr < xl + s) and (yl < yr + s and yr < yl + s)
            self.assertFalse(overlap)
            img = render2.draw_scene(bg, objs, aa)
            ml, mr = _mask_of(img, left[0]), _mask_of(img, right[0])
            self.assertGreater(ml.sum(), 3)
            self.assertGreater(mr.sum(), 3)
            xs = np.arange(32)[None, :]
            self.assertLess((ml * xs).sum() / ml.sum(), (mr * xs).sum() / mr.sum())

    def test_sizes_and_border(self):
        rng = np.random.default_rng(5)
        for _ in range(200):
            _, objs, _ = render2.sample_single(rng, "red", "square")
            _, _, x0, y0, s = objs[0]
            self.assertIn(s, render2.SINGLE_SIZES)
            for v in (x0, y0):
                inside = min(v + s, 32) - max(v, 0)
                self.assertGreaterEqual(inside, 0.85 * s - 1e-9)

    def test_unknown_word(self):
        rng = np.random.default_rng(0)
        with self.assertRaisesRegex(ValueError, "purple.*red, green"):
            render2.single(rng, "purple", "circle")
        with self.assertRaisesRegex(ValueError, "hexagon.*circle, square"):
            render2.single(rng, "red", "hexagon")
        with self.assertRaises(ValueError):
            render2.two(rng, ("red", "circle"), ("blue", "star"))

    def test_description(self):
        self.assertIsInstance(render2.DESCRIPTION, str)
        self.assertIn("8x", render2.DESCRIPTION)


if __name__ == "__main__":
    unittest.main()
