"""training.Trainer (the loop shared by train_mnist.py and train_shapes.py), shapes' 2.0.0 training
distribution, and onnx_weights (weights read back from a shipped ONNX file)."""
import os
import tempfile
import unittest

import numpy as np
import torch
import torch.nn as nn

import onnx_weights
import shapes
import train_shapes
from onnx_export import export
from training import Trainer

torch.set_num_threads(1)


def run(out, steps, stop_at=None, resume=False):
    """A tiny regression trained with random batches from torch and numpy generators."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    trainer = Trainer({"net": net}, steps, 1e-2, clip=1.0, log_every=1000, resume_every=5, out=out)
    if resume:
        trainer.resume({"data": rng})
    while not trainer.done() and trainer.step_no != stop_at:
        x = torch.from_numpy(rng.normal(size=(16, 3)).astype(np.float32)) + torch.randn(16, 3) * 0.1
        trainer.step(((net(x) - x.sum(dim=1, keepdim=True)) ** 2).mean())
        trainer.maybe_save_resume({"data": rng})
    return trainer


class TrainerTest(unittest.TestCase):
    def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(self):
        with tempfile.TemporaryDirectory() as d:
            whole = run(os.path.join(d, "a"), 23)
            run(os.path.join(d, "b"), 23, stop_at=12)  # stopped after the resume point at 10
            resumed = run(os.path.join(d, "b"), 23, resume=True)
            self.assertEqual(resumed.step_no, 23)
            for a, b in zip(whole.ema["net"].parameters(), resumed.ema["net"].parameters()):
                self.assertTrue(torch.equal(a, b))
            for a, b in zip(whole.modules["net"].parameters(), resumed.modules["net"].parameters()):
                self.assertTrue(torch.equal(a, b))

    def test_resume_without_a_resume_file_fails_clearly(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(SystemExit) as e:
                run(os.path.join(d, "none"), 5, resume=True)
            self.assertIn("no ", str(e.exception))

    def test_ema_lags_the_live_weights(self):
        with tempfile.TemporaryDirectory() as d:
            t = run(os.path.join(d, "a"), 30)
            live = torch.cat([p.flatten() for p in t.modules["net"].parameters()])
            ema = torch.cat([p.flatten() for p in t.ema["net"].parameters()])
            self.assertFalse(torch.equal(live, ema))
            self.assertLess((live - ema).abs().max().item(), 1.0)


class ScenesV2Test(unittest.TestCase):
    def test_held_out_pairs_never_appear_in_a_caption_or_a_negative(self):
        rng = np.random.default_rng(1)
        held = [f"{c} {s}" for c, s in shapes.HELD_OUT]
        for _ in range(400):
            img, caption, negatives = shapes.sample_scene_v2(rng)
            self.assertEqual(img.shape, (3, 32, 32))
            self.assertEqual(len(negatives), 3)
            self.assertNotIn(caption, negatives)
            for text in [caption, *negatives]:
                shapes.tokenize(text)  # in the vocabulary and short enough
                self.assertFalse(any(h in text for h in held), text)

    def test_single_object_negatives_change_one_attribute(self):
        rng = np.random.default_rng(2)
        seen = 0
        for _ in range(200):
            _, caption, negatives = shapes.sample_scene_v2(rng)
            if "of" in caption.split():
                continue
            seen += 1
            words = caption.split()
            for n in negatives:
                diff = [a != b for a, b in zip(words, n.split())]
                self.assertEqual(sum(diff), 1, (caption, n))
        self.assertGreater(seen, 50)


class OnnxWeightsTest(unittest.TestCase):
    def test_text_encoder_and_unet_read_back_give_the_same_outputs(self):
        text, unet = train_shapes.build_models()
        with torch.no_grad():  # fresh LayerNorm/GroupNorm parameters are all equal: the exporter would merge them
            for p in [*text.parameters(), *unet.parameters()]:
                p.add_(torch.randn_like(p) * 0.05)
        ids = torch.tensor([shapes.tokenize("a red circle"), shapes.tokenize("a blue square left of a cyan cross")])
        with torch.no_grad():
            hidden = text(ids)
        x, t = torch.randn(2, 3, 32, 32), torch.tensor([10, 700])
        with tempfile.TemporaryDirectory() as d:
            text.train()  # the fused eval path does not export (PLATFORM.md); dropout is 0
            export(text, (ids,), os.path.join(d, "t.onnx"), ["input_ids"], ["last_hidden_state"], grad=True)
            export(unet.eval(), (x, t, hidden), os.path.join(d, "u.onnx"), ["sample", "timestep", "encoder_hidden_states"],
                   ["noise_pred"])
            text2, unet2 = train_shapes.build_models()  # other random weights until loaded
            onnx_weights.load_into(text2, os.path.join(d, "t.onnx"), (ids,))
            onnx_weights.load_into(unet2, os.path.join(d, "u.onnx"), (x, t, hidden))
        with torch.no_grad():
            self.assertTrue(torch.allclose(text2(ids), text.eval()(ids), atol=1e-6))
            self.assertTrue(torch.allclose(unet2(x, t, hidden), unet(x, t, hidden), atol=1e-5))


if __name__ == "__main__":
    unittest.main()
