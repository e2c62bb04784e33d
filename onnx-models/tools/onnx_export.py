"""What every exporter writes the same way: ONNX files, float16 conversion, manifest blocks
(model.json), file entries with sha256, golden tensors and reference cases, sample PNGs.

Used by export_models.py (the trained models), export_sd.py and export_dit.py (real checkpoints)
and standins.py, so the stand-ins go through the manifest code real checkpoints go through.
torch and onnx are imported inside the functions that need them: export_sd.py and export_dit.py
import this module before they check their optional packages, and report missing ones in one line.
"""
import inspect
import os

import numpy as np
from PIL import Image

from common import (T_TRAIN, linear_alphas_cumprod, scaled_linear_alphas_cumprod, sha256_file,
                    write_tensor)

OPSET = 17
TWO_GB = 2 ** 31


# ---------------------------------------------------------------- ONNX files
def export(module, args, path, names_in, names_out, check=True, grad=False):
    """torch.onnx.export with a dynamic batch axis on every input and output, the TorchScript
    exporter (torch >= 2.5 would otherwise pick the dynamo one), into `path` (large models: torch
    writes external data next to it). `check`: run the full ONNX checker on the loaded file
    (models over 2 GB cannot be loaded into one protobuf: finish_onnx checks those by path).
    `grad`: trace with autograd on, as export_models.py always did: under no_grad torch 1.13 takes
    nn.TransformerEncoderLayer's fused fast path, which does not export (PLATFORM.md)."""
    import onnx
    import torch
    kwargs = dict(opset_version=OPSET, input_names=names_in, output_names=names_out,
                  dynamic_axes={n: {0: "batch"} for n in names_in + names_out}, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.set_grad_enabled(grad):
        torch.onnx.export(module, args, path, **kwargs)
    if check:
        onnx.checker.check_model(onnx.load(path), full_check=True)


def finish_onnx(tmp_path, out_dir, name):
    """Moves an exported network into out_dir as `name`: one file when under 2 GB, otherwise the
    graph in `name` and every weight in `name`.data (ONNX external-data format). Returns the files."""
    import onnx
    model = onnx.load(tmp_path)  # loads torch's scattered external data too
    size = sum(len(t.raw_data) for t in model.graph.initializer)
    path = os.path.join(out_dir, name)
    for stale in (path, path + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    if size > TWO_GB - (64 << 20):
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=name + ".data", size_threshold=1024)
        files = [name, name + ".data"]
    else:
        onnx.save_model(model, path)
        files = [name]
    onnx.checker.check_model(path)  # by path: works above 2 GB
    return files


def _attr(node, name, default=None):
    import onnx
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def convert_to_float16(path_in, path_out, float32_inputs=(), external_data=None):
    """Turns an exported float32 graph into a float16 one with the onnx API: float initializers,
    float Constant nodes, Cast-to-float nodes and the float graph inputs/outputs become float16,
    except the inputs named in `float32_inputs` and everything upstream of a float16 boundary: a
    Cast(to float16) followed by Cast(to float) (standins.SDUNet's fp16_boundary) marks where a
    float32 subgraph (the timestep embedding) hands over to float16; the second Cast is removed.
    Names of inputs, outputs and nodes are kept; integer inputs and outputs keep their type.
    `external_data`: file name for the weights (ONNX external-data format) or None."""
    import onnx
    from onnx import TensorProto, numpy_helper
    model = onnx.load(path_in)
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    keep32, drop = set(), []
    for n in g.node:
        if n.op_type == "Cast" and _attr(n, "to") == TensorProto.FLOAT16:
            after = consumers.get(n.output[0], [])
            if len(after) == 1 and after[0].op_type == "Cast" and _attr(after[0], "to") == TensorProto.FLOAT:
                drop.append((n, after[0]))
                stack = [n.input[0]]
                while stack:
                    p = producer.get(stack.pop())
                    if p is not None and id(p) not in keep32:
                        keep32.add(id(p))
                        stack.extend(p.input)
    for marker, back in drop:
        for c in consumers.get(back.output[0], []):
            c.input[:] = [marker.output[0] if i == back.output[0] else i for i in c.input]
        g.node.remove(back)
    inits = {t.name: t for t in g.initializer}
    used16 = {i for n in g.node if id(n) not in keep32 for i in n.input}
    used32 = {i for n in g.node if id(n) in keep32 for i in n.input}
    for name, t in inits.items():
        if t.data_type == TensorProto.FLOAT and name in used16:
            if name in used32:
                raise ValueError(f"initializer {name} feeds both float32 and float16 nodes")
            t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), name))
    for n in g.node:
        if id(n) in keep32:
            continue
        if n.op_type == "Cast" and _attr(n, "to") == TensorProto.FLOAT:
            for a in n.attribute:
                if a.name == "to":
                    a.i = TensorProto.FLOAT16
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float16), a.t.name))
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT and v.name not in float32_inputs:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    if external_data:
        onnx.save_model(model, path_out, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=external_data, size_threshold=0)
        onnx.checker.check_model(path_out, full_check=True)
    else:
        onnx.save_model(model, path_out)


# ---------------------------------------------------------------- model.json
# Each block is built in the key order the shipped manifests have: the files are compared byte for byte.
def new_manifest(model_id, version, description, conditioning, space, image, schedule, prediction, networks,
             classifier):
    """A model.json with an empty file list (file_entries fills it once every file is written)."""
    return {"formatVersion": 1, "id": model_id, "version": version, "description": description,
            "conditioning": conditioning, "space": space, "image": image, "schedule": schedule,
            "prediction": prediction, "networks": networks, "classifier": classifier, "files": []}


DEFAULT_BETAS = {"linear": (1e-4, 0.02), "scaled_linear": (0.00085, 0.012)}  # DDPM's; Stable Diffusion's


def schedule_block(recipe, beta_start=None, beta_end=None, steps=T_TRAIN):
    """The schedule with its alphas_cumprod written out (float64), so no reader recomputes it."""
    start, end = DEFAULT_BETAS[recipe] if beta_start is None else (beta_start, beta_end)
    abar = {"linear": linear_alphas_cumprod, "scaled_linear": scaled_linear_alphas_cumprod}[recipe](start, end, steps)
    return {"recipe": recipe, "betaStart": start, "betaEnd": end, "trainSteps": steps,
            "alphasCumprod": [float(v) for v in abar]}


def latent_space(channels, scaling, downsample):
    return {"kind": "latent", "vaeEncoder": "vaeEncoder", "latentChannels": channels, "scalingFactor": scaling,
            "downsample": downsample}


def image_block(size, resize="bicubic-short-side-center-crop", channels=3, colour="rgb", background=(255, 255, 255)):
    """Defaults: the paper's preprocessing of an RGB model (bicubic, white behind transparency)."""
    return {"size": size, "channels": channels, "colour": colour, "resize": resize,
            "normalization": "x/127.5-1", "alphaBackground": list(background)}


def prediction_block(kind="epsilon", learned_sigma=False):
    return {"type": kind, "learnedSigma": learned_sigma}


def network(file, inputs, input_types, outputs, output_types=None):
    """A networks entry; output_types None leaves outputTypes out (float32 outputs, the older models)."""
    block = {"file": file, "inputs": inputs, "inputTypes": input_types, "outputs": outputs}
    if output_types is not None:
        block["outputTypes"] = output_types
    return block


def classifier_block(temperature, temperature_fit, stages, timestep_range=None):
    """timestep_range: {"min", "max", "why"}, the [min, max) the samples are spread over (absent: [1, T))."""
    block = {"temperature": temperature, "temperatureFit": temperature_fit, "error": "mse-per-sample", "stages": stages}
    if timestep_range:
        block["timestepRange"] = timestep_range
    return block


def unfitted_classifier(stages, note):
    """T = 1 with the reason it is not fitted: near-uniform posteriors, the prediction unaffected."""
    return classifier_block(1.0, {"method": "not fitted", "note": note}, stages)


def file_entries(folder, names):
    """manifest.files: the worker checks every file against its sha256 before loading it."""
    return [{"path": n, "sha256": sha256_file(os.path.join(folder, n))} for n in names]


# ---------------------------------------------------------------- golden files and samples
def write_golden(out, network_name, pairs):
    """golden/<network>.<tensor>.gtns for each (tensor name, array): one forward pass's inputs and
    outputs, which the worker's ONNX Runtime run must reproduce."""
    for name, arr in pairs:
        write_tensor(os.path.join(out, "golden", f"{network_name}.{name}.gtns"), arr)


def reference_case(png, true_label, request_id, labels, template, stages, result):
    """One entry of golden/reference_cases.json from a reference_classifier.classify result."""
    r = result
    return {"image": png, "trueLabel": true_label, "requestId": request_id, "labels": labels,
            "promptTemplate": template, "stages": stages, "seed": str(r["seed"]),
            "timesteps": r["timesteps"], "errors": r["errors"], "probabilities": r["probabilities"],
            "prediction": r["prediction"]}


def save_png(chw_u8, path):
    """(C, H, W) uint8 with C = 1 (greyscale) or 3 (RGB) -> an optimized PNG."""
    c = chw_u8.shape[0]
    img = chw_u8[0] if c == 1 else chw_u8.transpose(1, 2, 0)
    Image.fromarray(img, mode="L" if c == 1 else "RGB").save(path, optimize=True)
