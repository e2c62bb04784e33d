#!/usr/bin/env python3
"""Golden values for org.difflabel.calibration.BinomialBounds, from SciPy (an independent implementation).

Writes src/test/resources/calibration/golden.json; BinomialBoundsGoldenTest compares the Java bounds
with these values (relative tolerance 1e-9), so the test does not need Python.

Usage (Debian's python3-scipy): /usr/bin/python3 tools/calibration_golden.py
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import special, stats

OUT = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "calibration", "golden.json")


def counts():
    for n in [1, 2, 5, 10, 30, 100, 300, 1000, 10000, 100000]:
        for k in sorted({0, 1, n // 50, n // 10, n // 2, n - 1, n}):
            if 0 <= k <= n:
                yield k, n


def main():
    clopper = []
    for k, n in counts():
        for delta in [0.01, 0.05, 0.1, 0.2]:
            # one-sided upper bound: the (1 - delta) quantile of Beta(k + 1, n - k); 1 when k = n
            upper = 1.0 if k == n else float(stats.beta.ppf(1 - delta, k + 1, n - k))
            clopper.append({"k": k, "n": n, "delta": delta, "upper": upper})
    cdf = []
    for k, n in counts():
        for p in [0.001, 0.02, 0.1, 0.5, 0.9]:
            cdf.append({"k": k, "n": n, "p": p, "cdf": float(stats.binom.cdf(k, n, p))})
    beta = []
    for x in [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]:
        for a, b in [(0.5, 0.5), (1, 1), (2.5, 7), (30, 3), (101, 900), (5000, 20)]:
            beta.append({"x": x, "a": a, "b": b, "value": float(special.betainc(a, b, x))})
    hb = []
    for n in [50, 300, 1000, 5000]:
        for mean in [0.0, 0.001, 0.004, 0.01, 0.03]:
            for alpha in [0.005, 0.02, 0.05]:
                r = min(mean, alpha)
                h1 = (0 if r == 0 else r * math.log(r / alpha)) + (1 - r) * math.log((1 - r) / (1 - alpha))
                hoeffding = math.exp(-n * h1)
                c = math.ceil(n * mean - 1e-9)
                bentkus = math.e * float(stats.binom.cdf(min(c, n), n, alpha))
                hb.append({"mean": mean, "n": n, "alpha": alpha, "p": min(1.0, hoeffding, bentkus)})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/calibration_golden.py", "scipy": scipy.__version__, "numpy": np.__version__,
                   "clopperPearsonUpper": clopper, "binomialCdf": cdf, "regularizedBeta": beta,
                   "hoeffdingBentkusPValue": hb}, f, indent=1)
    print(f"wrote {len(clopper)} + {len(cdf)} + {len(beta)} + {len(hb)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
