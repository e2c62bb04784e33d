"""calibration.py: temperature fitting and expected calibration error."""
import unittest

import numpy as np

from calibration import ece, fit_temperature, nll, posterior


class CalibrationTest(unittest.TestCase):
    def test_fitted_temperature_recovers_the_true_one_and_lowers_nll(self):
        rng = np.random.default_rng(0)
        err = rng.normal(1.0, 0.05, size=(3000, 4))
        p = posterior(err, 0.02)  # labels drawn from softmax(-err / 0.02): T = 0.02 is right
        y = np.array([rng.choice(4, p=row) for row in p])
        t = fit_temperature(err, y)
        self.assertAlmostEqual(t, 0.02, delta=0.004)
        self.assertLess(nll(err, y, t), nll(err, y, 1.0) - 0.1)
        # the minimum itself, not a grid point near it
        around = t * np.exp(np.linspace(-0.1, 0.1, 201))
        self.assertLessEqual(nll(err, y, t), min(nll(err, y, v) for v in around) + 1e-9)

    def test_posterior_prefers_the_lowest_error_and_sums_to_one(self):
        p = posterior(np.array([[0.3, 0.1, 0.2]]), 0.1)
        self.assertAlmostEqual(float(p.sum()), 1.0, places=12)
        self.assertEqual(int(p.argmax()), 1)

    def test_ece_of_a_calibrated_toy_is_zero_and_of_an_overconfident_one_is_the_gap(self):
        probs, y = [], []
        for c in (0.55, 0.65, 0.75, 0.85, 0.95):  # 100 answers at confidence c, exactly 100 c of them right
            right = int(round(100 * c))
            probs += [[c, 1 - c]] * 100
            y += [0] * right + [1] * (100 - right)
        self.assertAlmostEqual(ece(np.array(probs), np.array(y)), 0.0, places=9)
        over = np.array([[0.9, 0.1]] * 100)
        self.assertAlmostEqual(ece(over, np.array([0, 1] * 50)), 0.4, places=9)


if __name__ == "__main__":
    unittest.main()
