"""Temperature fitting and calibration metrics on per-label mean errors."""
import numpy as np


def posterior(mean_err, T):
    """softmax(-err / T) along the last axis."""
    z = -mean_err / T
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def nll(mean_err, y, T):
    p = posterior(mean_err, T)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-300, None))))


def ece(probs, y, bins=15):
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    correct = (pred == y).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def fit_temperature(mean_err, y):
    """Minimise NLL over log T: coarse grid, then golden-section refinement."""
    grid = np.linspace(-12, 4, 161)
    vals = [nll(mean_err, y, np.exp(g)) for g in grid]
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    phi = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - phi * (hi - lo), lo + phi * (hi - lo)
        if nll(mean_err, y, np.exp(a)) < nll(mean_err, y, np.exp(b)):
            hi = b
        else:
            lo = a
    return float(np.exp((lo + hi) / 2))
