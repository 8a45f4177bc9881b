#!/usr/bin/env python3
"""Compares `ntk predict` with neural-tangents' gradient_descent_mse_ensemble on generated cases.

For each case (kernel ntk/nngp, finite t and t = inf, ReLU/erf/identity, depth, W_std, b_std,
diag_reg, 1-3 outputs) it writes x_train, y_train, x_test as .npy, runs

    ntk predict ... --loss nt --time T|inf --learning-rate η --diag-reg r --out mean.npy --cov-out cov.npy

and compares MEAN and COV with neural-tangents (float64, `jax_enable_x64`), printing the largest
relative error (Frobenius, against neural-tangents' result) per case. Exit status 1 if any case
is above --tolerance. Not part of `make verify` (the Swift tests need no Python).

Measured 2026-12-02 (neural-tangents 0.6.5, jax 0.4.25): worst 1.1e-8 (ReLU NTK, ridgeless), the
others 1e-16…1e-11. The ReLU NTK residual is neural-tangents' own diagonal: it evaluates Σ̇ on
x = x' through arccos of a ratio that rounds to just below 1, and arccos' slope there turns
1e-16 into ~1e-8 in the angle, so its diagonal is off by up to 5e-9 relative (our diagonal comes
from the exact diagonal recursion). Off-diagonal NTK entries agree to 4e-16 and the NNGP to 3e-16.

Install (the same versions as scripts/bench-neural-tangents.py):
    python3 -m venv /tmp/nt && /tmp/nt/bin/pip install neural-tangents==0.6.5 jax==0.4.25 \\
        jaxlib==0.4.25 'numpy<2'
Run:
    /tmp/nt/bin/python scripts/check-predict-neural-tangents.py --ntk .build/release/ntk
"""

import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import numpy as onp  # noqa: E402
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402


def kernel_fn(depth, activation, w_std, b_std):
    act = {"relu": stax.Relu, "erf": stax.Erf, "identity": stax.Identity}[activation]
    layers = []
    for _ in range(depth - 1):
        layers += [stax.Dense(512, W_std=w_std, b_std=b_std, parameterization="ntk"), act()]
    layers += [stax.Dense(1, W_std=w_std, b_std=b_std, parameterization="ntk")]
    return stax.serial(*layers)[2]


CASES = [
    # kernel, t, η, activation, depth, W_std, b_std, diag_reg, N, M, d, O
    ("ntk", None, 1.0, "relu", 3, 1.0, 0.1, 0.0, 40, 9, 5, 1),
    ("nngp", None, 1.0, "relu", 3, 1.4, 0.2, 1e-3, 40, 9, 5, 2),
    ("ntk", 5.0, 0.5, "relu", 2, 1.2, 0.3, 0.0, 33, 7, 4, 3),
    ("nngp", 2.5, 1.0, "erf", 4, 1.5, 0.05, 1e-2, 30, 6, 3, 2),
    ("ntk", 50.0, 2.0, "erf", 3, 0.9, 0.4, 1e-4, 25, 8, 6, 1),
    ("ntk", None, 1.0, "erf", 2, 1.7, 0.0, 1e-6, 20, 5, 3, 2),
    ("nngp", None, 1.0, "identity", 2, 1.0, 0.5, 1e-2, 18, 5, 3, 1),
    ("ntk", 1000.0, 1.0, "relu", 5, 1.3, 0.1, 0.0, 50, 10, 8, 2),
    ("nngp", 0.3, 3.0, "relu", 1, 2.0, 0.7, 0.0, 15, 4, 6, 1),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ntk", default=".build/release/ntk")
    ap.add_argument("--tolerance", type=float, default=1e-7)
    args = ap.parse_args()
    rng = onp.random.default_rng(0)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k, (g, t, lr, act, depth, ws, bs, reg, n, m, d, o) in enumerate(CASES):
            x = rng.standard_normal((n, d))
            y = rng.standard_normal((n, o))
            xt = rng.standard_normal((m, d))
            paths = {name: os.path.join(tmp, f"{name}{k}.npy") for name in ("x", "y", "xt", "mean", "cov")}
            onp.save(paths["x"], x)
            onp.save(paths["y"], y)
            onp.save(paths["xt"], xt)
            cmd = [args.ntk, "predict", "--x-train", paths["x"], "--y-train", paths["y"], "--x-test", paths["xt"],
                   "--kernel", g, "--depth", str(depth), "--activation", act, "--w-std", repr(ws), "--b-std", repr(bs),
                   "--time", "inf" if t is None else repr(t), "--learning-rate", repr(lr), "--loss", "nt",
                   "--diag-reg", repr(reg), "--out", paths["mean"], "--cov-out", paths["cov"], "--quiet"]
            subprocess.run(cmd, check=True)
            ours_mean, ours_cov = onp.load(paths["mean"]), onp.load(paths["cov"])
            predict_fn = nt.predict.gradient_descent_mse_ensemble(
                kernel_fn(depth, act, ws, bs), x, y, learning_rate=lr, diag_reg=reg)
            ref = predict_fn(t=t, x_test=xt, get=g, compute_cov=True)
            ref_mean, ref_cov = onp.asarray(ref.mean), onp.asarray(ref.covariance)
            em = onp.linalg.norm(ours_mean - ref_mean) / onp.linalg.norm(ref_mean)
            ec = onp.linalg.norm(ours_cov - ref_cov) / onp.linalg.norm(ref_cov)
            worst = max(worst, em, ec)
            print(f"case {k}: {g:4s} t={t} lr={lr} {act} L={depth} W_std={ws} b_std={bs} diag_reg={reg} "
                  f"N={n} M={m} O={o}: mean rel err {em:.2e}, cov rel err {ec:.2e}")
    print(f"worst {worst:.2e} (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
