#!/usr/bin/env python3
"""Independent float64 NumPy replica of `lee2018-nngp-mnist` (docs/SPEC.md §9).

Lee et al. 2018, Table 1 (MNIST, ReLU): NNGP and NTK-GP test accuracy at t = ∞ with the paper's
protocol, written from the protocol's description rather than from the Swift code: dense
kernels by the arc-cosine closed forms, SciPy's dense Cholesky, the same data selection and
preprocessing. The Swift claims L18-1k-replica and L18-10k-replica compare against the numbers
this script printed (recorded in docs/SPEC.md §9).

  python3 scripts/check-lee2018-numpy.py --rows 1000,10000 [--mnist data/mnist]

Needs numpy and scipy. Memory: about 8·N·(N + 10000)·5 bytes (≈ 9 GB at N = 10 000); the 50k row
does not fit as dense matrices and is not offered.
"""

import argparse
import gzip
import time

import numpy as np
import scipy.linalg

# (train size, hidden layers, σ_w², σ_b², paper NNGP accuracy)
ROWS = {1000: (20, 1.45, 0.28, 0.9279), 10000: (7, 0.61, 0.07, 0.9765)}


def idx(path, dims):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def standardise(x, train_mean):
    x = x - train_mean
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)            # population variance, as tf.nn.moments
    return (x - mu) / np.sqrt(var + 1e-15)


def kernels(x1, x2, hidden, w2, b2):
    """NNGP Σ and NTK Θ (NTK parametrisation, L = hidden + 1 weight layers); every input has
    x·x/d = 1, so every diagonal is the same number per layer."""
    d = x1.shape[1]
    s = w2 * (x1 @ x2.T) / d + b2
    t = s.copy()
    q = w2 + b2                                   # Σ(1)(x, x)
    for _ in range(hidden):
        rho = np.clip(s / q, -1.0, 1.0)
        theta = np.arccos(rho)
        s_dot = w2 * (np.pi - theta) / (2 * np.pi)
        s = w2 * q / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * rho) + b2
        t = t * s_dot + s
        q = w2 * q / 2 + b2
    return s, t


def solve(k, y):
    eps = 1e-10
    while eps < 1:
        try:
            c = scipy.linalg.cho_factor(k + eps * np.eye(len(k)), lower=True)
            return scipy.linalg.cho_solve(c, y), eps
        except np.linalg.LinAlgError:
            eps *= 10
    raise ArithmeticError("Cholesky failed")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="1000,10000")
    p.add_argument("--mnist", default="data/mnist")
    a = p.parse_args()
    xtr = idx(f"{a.mnist}/train-images-idx3-ubyte.gz", 3).reshape(60000, 784) / 255.0
    ytr = idx(f"{a.mnist}/train-labels-idx1-ubyte.gz", 1).astype(int)
    xte = idx(f"{a.mnist}/t10k-images-idx3-ubyte.gz", 3).reshape(10000, 784) / 255.0
    yte = idx(f"{a.mnist}/t10k-labels-idx1-ubyte.gz", 1).astype(int)
    pool_x, pool_y = xtr[10000:], ytr[10000:]     # the first 10 000 are the validation set
    for n in [int(s) for s in a.rows.split(",")]:
        hidden, w2, b2, paper = ROWS[n]
        sel = np.concatenate([np.where(pool_y == c)[0][: n // 10] for c in range(10)])
        x, labels = pool_x[sel], pool_y[sel]
        m = x.mean()
        x, xt = standardise(x, m), standardise(xte, m)
        y = np.eye(10)[labels] - 0.1
        t0 = time.time()
        s_tr, t_tr = kernels(x, x, hidden, w2, b2)
        s_te, t_te = kernels(xt, x, hidden, w2, b2)
        for name, k_tr, k_te in (("nngp", s_tr, s_te), ("ntk", t_tr, t_te)):
            alpha, eps = solve(k_tr, y)
            acc = float(np.mean(np.argmax(k_te @ alpha, axis=1) == yte))
            print(f"N = {n}: {name} accuracy {acc:.4f} (paper NNGP {paper:.4f}), jitter {eps:g}, "
                  f"{time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
