"""Writes the MNIST validation split (the 600 digits the temperature is fitted on, 60 per digit;
never the held-out test split) as PNGs, for fitting sampling plans in Java (`sweep --fit`):

    /usr/bin/python3 onnx-models/tools/write_validation.py

Output: onnx-models/mnist-ddpm/validation/<digit>/<row>.png, the same format as heldout/.
"""
import os

import mnist_data
from common import here
from export_models import save_png


def main():
    x_val, y_val = mnist_data.load_split()["val"]
    out = here("..", "mnist-ddpm", "validation")
    for i in range(len(x_val)):
        d = os.path.join(out, str(y_val[i]))
        os.makedirs(d, exist_ok=True)
        save_png(x_val[i], os.path.join(d, f"{i:04d}.png"))
    print(f"{len(x_val)} validation digits in {out}")


if __name__ == "__main__":
    main()
