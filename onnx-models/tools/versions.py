"""The shipped version of each model, in one place.

The version is part of every noise seed (common.request_seed), so the trainer, the evaluators and
the exporter must agree on it: a mismatch gives golden cases and a temperature drawn with other
noise than the worker draws. Later versions are built with --version and live next to the shipped
folder, e.g. mnist-ddpm 1.1.0 in onnx-models/mnist-ddpm-1.1.0/; a superseded version keeps its folder
under a versioned name, e.g. shapes-t2i 1.0.0 in onnx-models/shapes-t2i-1.0.0/.
"""
MNIST_DDPM = "1.0.0"  # onnx-models/mnist-ddpm/
SHAPES_T2I = "2.0.0"  # onnx-models/shapes-t2i/ (1.0.0, superseded, is kept in onnx-models/shapes-t2i-1.0.0/)

SHIPPED = {"mnist-ddpm": MNIST_DDPM, "shapes-t2i": SHAPES_T2I}
