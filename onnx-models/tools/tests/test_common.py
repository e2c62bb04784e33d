"""common.py: the pieces the Java worker must reproduce (noise, sampling plan, resize weights)."""
import json
import os
import unittest

import numpy as np

from common import (area_weights, bicubic_weights, gaussian_noise, here, plan_timesteps, request_seed, resize_area,
                    sample_seed)


class PortableNoiseTest(unittest.TestCase):
    def test_noise_matches_the_java_noise_generator_bit_for_bit(self):
        # printed by org.difflabel.classifier.NoiseGenerator (requestSeed, sampleSeed, gaussian), as raw float bits
        seed = request_seed("golden-0", "1.0.0")
        self.assertEqual(seed, 1880535102012504758)
        self.assertEqual(sample_seed(seed, 3), 16781761731095557459)
        java = [0x3f9028f3, 0xbf3b742d, 0x3f48cddc, 0xc0198aa3, 0x3fa7dd5d, 0xbc33393b, 0x3f60ca9a]
        self.assertEqual(gaussian_noise(sample_seed(seed, 3), 7).view(np.uint32).tolist(), java)
        self.assertEqual(gaussian_noise(0, 5).view(np.uint32).tolist(),
                         [0xbee7cfdd, 0x3e54c09f, 0x4029a387, 0xbefb18b3, 0xbf7d1529])

    def test_an_odd_count_is_a_prefix_of_the_longer_draw(self):
        # the Java side fills any n from the same pairs: n values must not depend on n
        self.assertTrue(np.array_equal(gaussian_noise(12345, 9), gaussian_noise(12345, 10)[:9]))

    def test_seeds_and_timesteps_of_the_shipped_golden_cases(self):
        # the Java golden tests replay these cases: their seeds and timesteps come from request_seed and
        # plan_timesteps of the model's version, over the model's timestep range (shapes-t2i 2.0.0 has one)
        for folder in ("mnist-ddpm", "mnist-ddpm-1.1.0", "shapes-t2i", "shapes-t2i-1.0.0", os.path.join("standins", "sd-tiny")):
            path = here("..", folder, "golden", "reference_cases.json")
            manifest = json.load(open(here("..", folder, "model.json")))
            version = manifest["version"]
            rng = manifest["classifier"].get("timestepRange")
            cases = json.load(open(path))["cases"]
            self.assertTrue(cases, path)
            for case in cases:
                where = (folder, case["requestId"])
                self.assertEqual(case["seed"], str(request_seed(case["requestId"], version)), where)
                self.assertEqual(case["timesteps"], plan_timesteps(case["stages"][-1][0], t_range=rng and (rng["min"], rng["max"])),
                                 where)


class PlanTimestepsTest(unittest.TestCase):
    def test_power_of_two_prefixes_are_nested_even_grids_inside_the_schedule(self):
        ts = plan_timesteps(256)
        self.assertEqual(ts[:3], [250, 750, 500])  # K=1 at t~250, K=2 a centred pair (GRID_OFFSET)
        self.assertTrue(all(1 <= t <= 999 for t in ts))
        for k in (1, 2, 4, 8, 16, 32, 64, 128, 256):
            grid = sorted(ts[:k])
            self.assertEqual(len(set(grid)), k)
            self.assertTrue(all(abs((b - a) - 999 / k) <= 1 for a, b in zip(grid, grid[1:])), k)
            self.assertEqual(plan_timesteps(k), ts[:k])  # a prefix: a smaller K reuses the larger K's samples
            if k > 1:
                self.assertTrue(set(ts[:k // 2]) <= set(ts[:k]))


class ResizeWeightsTest(unittest.TestCase):
    def test_a_timestep_range_moves_the_same_nested_grid_into_it(self):
        # the same values as the Java SamplingPlanTest
        self.assertEqual(plan_timesteps(8, t_range=(50, 650)), [200, 500, 350, 50, 275, 575, 425, 125])
        self.assertEqual(plan_timesteps(8), [250, 750, 500, 1, 375, 875, 625, 125])
        ts = plan_timesteps(1024, t_range=(50, 650))
        self.assertEqual((min(ts), max(ts)), (50, 649))

    def test_area_weights_rows_sum_to_one_and_cover_each_input_equally(self):
        for n_in, n_out in ((28, 16), (16, 28), (37, 5), (10, 10), (96, 32)):
            w = area_weights(n_in, n_out)
            np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-12)
            # a box filter spreads every input pixel over the output with the same total weight
            np.testing.assert_allclose(w.sum(axis=0), n_out / n_in, atol=1e-12)
        np.testing.assert_array_equal(area_weights(7, 7), np.eye(7))

    def test_area_resize_of_a_two_to_one_downscale_averages_pairs(self):
        img = np.arange(16, dtype=np.float64).reshape(1, 4, 4)
        np.testing.assert_allclose(resize_area(img, 2, 2)[0], [[2.5, 4.5], [10.5, 12.5]])

    def test_bicubic_weights_rows_sum_to_one(self):
        for n_in, n_out in ((64, 85), (300, 5), (13, 40)):
            np.testing.assert_allclose(bicubic_weights(n_in, n_out).sum(axis=1), 1.0, atol=1e-12)


if __name__ == "__main__":
    unittest.main()
