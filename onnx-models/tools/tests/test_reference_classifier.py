"""reference_classifier.py on a tiny random network: shared samples, staged elimination, posterior."""
import unittest

import numpy as np
import torch
import torch.nn as nn

import reference_classifier as ref
from common import plan_timesteps, request_seed
from export_models import staged_accuracy
from onnx_export import schedule_block

torch.set_num_threads(1)
LABELS = ["zero", "one", "two", "three", "four"]


class TinyUNet(nn.Module):
    """Class-conditional noise predictor [B,1,4,4] with random weights: labels get different errors."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)
        self.emb = nn.Embedding(len(LABELS), 16)
        self.time = nn.Linear(1, 16)

    def forward(self, x, t, c):
        shift = self.emb(c) + self.time(t.float()[:, None] / 1000)
        return self.conv(x) + shift.reshape(-1, 1, 4, 4)


class ReferenceClassifierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.unet = TinyUNet().eval()
        cls.manifest = {"version": "9.9.9", "conditioning": {"kind": "class", "classNames": LABELS},
                        "schedule": schedule_block("linear"), "classifier": {"temperature": 0.5}}
        cls.cond = ref.Conditioner(cls.manifest)
        cls.x0 = np.random.default_rng(1).uniform(-1, 1, (1, 4, 4)).astype(np.float32)

    def classify(self, stages):
        return ref.classify(self.unet, self.cond, self.manifest, self.x0, LABELS, "req-1", stages)

    def test_staged_elimination_keeps_the_right_labels_on_shared_samples(self):
        staged = self.classify([[2, 3], [6, 1]])
        flat = self.classify([[6, 1]])
        counts = sorted(len(e) for e in staged["errors"].values())
        self.assertEqual(counts, [2, 2, 6, 6, 6])  # 2 labels eliminated after 2 samples, 3 scored on 6
        # every label sees the same (t, eps) pairs: staged errors are prefixes of the flat run's
        for lab in LABELS:
            n = len(staged["errors"][lab])
            self.assertEqual(staged["errors"][lab], flat["errors"][lab][:n], lab)
        first = {lab: np.mean(flat["errors"][lab][:2]) for lab in LABELS}
        kept = {lab for lab, e in staged["errors"].items() if len(e) == 6}
        self.assertEqual(kept, set(sorted(LABELS, key=first.get)[:3]))
        best = min(kept, key=lambda lab: np.mean(flat["errors"][lab]))
        self.assertEqual(staged["prediction"], best)
        self.assertEqual(max(staged["probabilities"], key=staged["probabilities"].get), best)
        self.assertEqual(staged["seed"], request_seed("req-1", "9.9.9"))
        self.assertEqual(staged["timesteps"], plan_timesteps(6))

    def test_eliminated_labels_keep_their_share_of_the_posterior(self):
        # stage-wise softmax(-mean_err / T), each stage on the samples all its labels share
        r = self.classify([[2, 3], [6, 1]])
        e, t = r["errors"], 0.5

        def softmax(labels, n):
            z = np.exp(-np.array([np.mean(e[lab][:n]) for lab in labels]) / t)
            return dict(zip(labels, z / z.sum()))
        first = softmax(LABELS, 2)
        kept = [lab for lab in LABELS if len(e[lab]) == 6]
        second = softmax(kept, 6)
        mass = sum(first[lab] for lab in kept)
        expected = {lab: mass * second[lab] if lab in kept else first[lab] for lab in LABELS}
        for lab in LABELS:
            self.assertAlmostEqual(r["probabilities"][lab], expected[lab], places=12)
        self.assertAlmostEqual(sum(r["probabilities"].values()), 1.0, places=12)
        self.assertGreater(min(r["probabilities"].values()), 1e-3)  # a temperature that spreads the mass

    def test_flat_errors_for_many_images_agree_with_classify(self):
        flat = self.classify([[4, 1]])
        cond_rows = self.cond(LABELS)
        abar = np.asarray(self.manifest["schedule"]["alphasCumprod"])
        many = ref.classify_errors_flat(self.unet, cond_rows, abar, [self.x0], ["req-1"], "9.9.9", 4)
        np.testing.assert_allclose(many[0], [flat["errors"][lab] for lab in LABELS], rtol=1e-12)

    def test_staged_accuracy_uses_the_same_elimination(self):
        # export_models.staged_accuracy re-runs the elimination on stored flat errors (model cards)
        flat = self.classify([[6, 1]])
        errors = np.array([[flat["errors"][lab] for lab in LABELS]])
        for stages in ([[2, 3], [6, 1]], [[1, 2], [6, 1]], [[4, 4], [6, 1]]):
            prediction = LABELS.index(self.classify(stages)["prediction"])
            self.assertEqual(staged_accuracy(errors, [prediction], stages), 1.0, stages)
        # label 0 is best on all 4 samples but worst on the first 2: the staged schedule drops it
        e = np.array([[[4, 4, 0, 0], [1, 1, 4, 4], [2, 2, 2.2, 2.2]]])
        self.assertEqual(staged_accuracy(e, [0], [[4, 1]]), 1.0)
        self.assertEqual(staged_accuracy(e, [2], [[2, 2], [4, 1]]), 1.0)


if __name__ == "__main__":
    unittest.main()
