"""PyTorch weights read back from a shipped ONNX file, for models whose training checkpoint is
not kept (mnist-ddpm 1.0.0, shapes-t2i 1.0.0).

Initializers named like the state dict are copied. The exporter stores the rest anonymously, in
graph order: GroupNorm affine parameters folded into Mul/Add constants (reshaped back), and
Linear weights inside fused attention / feed-forward blocks as their transposes (MatMul
operands). Callers check the result against the model's golden tensors (`matches_golden`).
"""
import struct

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from common import fail

DTYPES = {1: np.float32, 2: np.int64, 3: np.float64, 4: np.int32}


def execution_order(module, example_inputs):
    """State-dict keys in the order their modules first run (the order the exporter meets them)."""
    order = []
    hooks = [m.register_forward_pre_hook(lambda mod, _, name=name: order.append(name))
             for name, m in module.named_modules()]
    with torch.no_grad():
        module(*example_inputs)
    for h in hooks:
        h.remove()
    first = {}
    for name in order:
        first.setdefault(name, len(first))
    keys = list(module.state_dict())
    owner = {k: k.rsplit(".", 1)[0] for k in keys}
    return sorted(keys, key=lambda k: (first.get(owner[k], len(first)), keys.index(k)))


def load_into(module, path, example_inputs):
    """Fills `module` (built with the exported architecture) from the ONNX file at `path`;
    example_inputs: one forward's arguments, to learn the execution order."""
    graph = onnx.load(path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    sd = module.state_dict()
    anonymous = [k for k in inits if k not in sd]
    missing = [k for k in execution_order(module, example_inputs) if k not in inits]
    if len(anonymous) != len(missing):
        fail(f"{path}: {len(missing)} parameters not found by name, {len(anonymous)} anonymous initializers")
    new = {k: torch.from_numpy(inits[k].copy()) for k in sd if k in inits}
    for k, a in zip(missing, anonymous):
        value, shape = inits[a], tuple(sd[k].shape)
        if "MatMul" in a:
            value = value.T  # a MatMul operand: the Linear weight transposed
        if value.size != sd[k].numel():
            fail(f"{path}: anonymous initializer {a} {value.shape} does not fit {k} {shape}")
        new[k] = torch.from_numpy(np.ascontiguousarray(value)).reshape(shape)
    module.load_state_dict(new)
    return module.eval()


def read_tensor(path):
    """A golden tensor (GTNS: magic, int32 dtype code, int32 rank, int64 dims, little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"GTNS":
        fail(f"{path}: not a GTNS tensor")
    code, rank = struct.unpack_from("<ii", data, 4)
    dims = struct.unpack_from(f"<{rank}q", data, 12)
    return np.frombuffer(data, dtype=DTYPES[code], offset=12 + 8 * rank).reshape(dims)
