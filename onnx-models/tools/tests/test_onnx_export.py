"""onnx_export.py: ONNX export, float16 conversion, manifest blocks and file entries."""
import hashlib
import json
import os
import tempfile
import types
import unittest

import onnx
import torch
import torch.nn as nn
from onnx import TensorProto

import export_models
import export_sd
from common import here
from onnx_export import convert_to_float16, export, file_entries

torch.set_num_threads(1)
ELEM = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64"}


class Tiny(nn.Module):
    """x float [B,4], t float [B], c int64 [B] -> y [B,4]; the timestep embedding is float32 up to
    a Cast to float16 and back (the float16 boundary convert_to_float16 looks for)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("freqs", torch.tensor([1.0, 0.1, 0.01, 0.001]))
        self.lin = nn.Linear(4, 4)
        self.emb = nn.Embedding(3, 4)

    def forward(self, x, t, c):
        temb = torch.sin(t[:, None] * self.freqs).half().float()
        return self.lin(x + temb) + self.emb(c)


def io_types(model):
    return {v.name: ELEM[v.type.tensor_type.elem_type] for v in list(model.graph.input) + list(model.graph.output)}


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        torch.manual_seed(0)
        self.module = Tiny().eval()
        self.args = (torch.randn(2, 4), torch.tensor([3.0, 700.0]), torch.tensor([0, 2]))
        self.path = os.path.join(self.dir.name, "tiny.onnx")
        export(self.module, self.args, self.path, ["x", "t", "c"], ["y"])

    def test_export_names_every_input_and_output_with_a_dynamic_batch(self):
        model = onnx.load(self.path)
        self.assertEqual(io_types(model), {"x": "float32", "t": "float32", "c": "int64", "y": "float32"})
        for v in list(model.graph.input) + list(model.graph.output):
            self.assertEqual(v.type.tensor_type.shape.dim[0].dim_param, "batch", v.name)
        self.assertEqual(model.opset_import[0].version, 17)

    def test_float16_conversion_keeps_names_and_converts_only_the_float16_side(self):
        out = os.path.join(self.dir.name, "tiny.fp16.onnx")
        convert_to_float16(self.path, out, float32_inputs=("t",))
        model = onnx.load(out)
        # float inputs/outputs become float16, except the float32 inputs named; integers stay
        self.assertEqual(io_types(model), {"x": "float16", "t": "float32", "c": "int64", "y": "float16"})
        inits = {i.name: i.data_type for i in model.graph.initializer}
        self.assertEqual(inits["lin.weight"], TensorProto.FLOAT16)
        self.assertEqual(inits["emb.weight"], TensorProto.FLOAT16)
        # the boundary's Cast back to float is gone; no float32 path reaches the float16 side
        casts = [n for n in model.graph.node if n.op_type == "Cast"]
        self.assertEqual([a.i for n in casts for a in n.attribute if a.name == "to"], [TensorProto.FLOAT16])

    def test_float16_conversion_with_external_data(self):
        out = os.path.join(self.dir.name, "ext.onnx")
        convert_to_float16(self.path, out, float32_inputs=("t",), external_data="ext.onnx.data")
        self.assertGreater(os.path.getsize(os.path.join(self.dir.name, "ext.onnx.data")), 0)
        model = onnx.load(out)  # loads the weights back from ext.onnx.data
        self.assertEqual(len(model.graph.initializer), len(onnx.load(self.path).graph.initializer))

    def test_file_entries_hash_the_bytes(self):
        entries = file_entries(self.dir.name, ["tiny.onnx"])
        with open(self.path, "rb") as f:
            self.assertEqual(entries, [{"path": "tiny.onnx", "sha256": hashlib.sha256(f.read()).hexdigest()}])


class ManifestTest(unittest.TestCase):
    def test_every_shipped_manifest_lists_its_files_with_their_sha256(self):
        folders = ["mnist-ddpm", "mnist-ddpm-1.1.0", "shapes-t2i", "shapes-t2i-1.0.0"] + [
            os.path.join("standins", d) for d in ("sd-tiny", "sd-tiny-v-fp16", "dit-tiny")]
        for folder in folders:
            d = here("..", folder)
            files = json.load(open(os.path.join(d, "model.json")))["files"]
            self.assertTrue(files, folder)
            self.assertEqual(file_entries(d, [f["path"] for f in files]), files, folder)

    def test_export_models_rebuilds_the_shipped_manifests(self):
        # key order and values as shipped; set_plan.py adds the sequential plan to the classifier later
        builds = {"mnist-ddpm": lambda ev: export_models.mnist_manifest("1.0.0", ev),
                  "mnist-ddpm-1.1.0": lambda ev: export_models.mnist_manifest("1.1.0", ev),
                  "shapes-t2i": export_models.shapes_manifest}
        for folder, build in builds.items():
            d = here("..", folder)
            shipped = json.load(open(os.path.join(d, "model.json")))
            for key in ("timestepWeights", "sequential", "defaultPlan"):
                shipped["classifier"].pop(key, None)
            manifest = build(json.load(open(os.path.join(d, "evaluation.json"))))
            manifest["files"] = file_entries(d, [f["path"] for f in shipped["files"]])
            self.assertEqual(json.dumps(manifest, indent=2), json.dumps(shipped, indent=2), folder)

    def test_export_sd_gives_a_stable_diffusion_checkpoint_the_stand_ins_blocks(self):
        # sd-tiny stands in for Stable Diffusion 2 base: a checkpoint folder with its tokenizer and SD's
        # scheduler and VAE configs must get the same tokenizer, space and schedule blocks
        sd_tiny = here("..", "standins", "sd-tiny")
        standin = json.load(open(os.path.join(sd_tiny, "model.json")))
        model = json.load(open(os.path.join(sd_tiny, "tokenizer.json"), encoding="utf-8"))["model"]
        with tempfile.TemporaryDirectory() as ck:
            for sub, name, obj in (("scheduler", "scheduler_config.json",
                                    {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
                                     "num_train_timesteps": 1000, "prediction_type": "epsilon"}),
                                   ("vae", "config.json", {"latent_channels": 4, "scaling_factor": 0.18215,
                                                           "block_out_channels": [128, 256, 512, 512]}),
                                   ("tokenizer", "vocab.json", model["vocab"]),
                                   ("tokenizer", "tokenizer_config.json", {"pad_token": "!"})):
                os.makedirs(os.path.join(ck, sub), exist_ok=True)
                with open(os.path.join(ck, sub, name), "w", encoding="utf-8") as f:
                    json.dump(obj, f, ensure_ascii=False)
            with open(os.path.join(ck, "tokenizer", "merges.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(model["merges"]) + "\n")
            args = types.SimpleNamespace(id="sd-x", version="1.0.0", template="a photo of a {label}.",
                                         image_size=64, input_ids_type="int32", timestep_type="int64",
                                         stages="4:3,8:1")
            manifest = export_sd.build_manifest(args, ck, fp16=False)
        self.assertEqual(list(manifest), list(standin))
        for key in ("space", "image", "schedule", "prediction"):
            self.assertEqual(manifest[key], standin[key], key)
        self.assertEqual(manifest["conditioning"]["tokenizer"], standin["conditioning"]["tokenizer"])
        for net in ("textEncoder", "vaeEncoder", "unet"):
            plain = {k: v for k, v in standin["networks"][net].items() if k != "float16"}
            self.assertEqual(manifest["networks"][net], plain, net)


if __name__ == "__main__":
    unittest.main()
