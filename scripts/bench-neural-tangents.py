#!/usr/bin/env python3
"""CPU benchmark of neural-tangents (JAX), side by side with our Swift `ntk-bench`.

Prints the same workload names as `swift run -c release ntk-bench` (Sources/ntk-bench/main.swift),
with the same timing rule: one warm-up run (which also pays for JIT compilation), then the median
of `--repeats` timed runs (mean of the two middle ones for an even count). Every timed result is
forced with `.block_until_ready()`, since JAX dispatches asynchronously.

Workloads (all float64: `jax_enable_x64` is switched on before anything else):

  dgemm n×n                                   jnp.dot of two Gaussian n×n matrices (XLA's roofline)
  analytic NTK L=4 relu N=… d=784             jitted stax kernel_fn(x, None, 'ntk'), L = 4 weight
                                              layers (3 hidden ReLU), W_std = 1, b_std = 0.1, 'ntk'
                                              parametrisation, Gaussian N×784 inputs
  empirical NTK L=4 width=… N=1000 [impl]     jitted nt.empirical_ntk_fn(apply_fn, trace_axes=(),
                                              vmap_axes=0, implementation=impl), x2 = None, 1 output
  GD step L=4 width=500 N=1000 O=10           jitted params -> params - lr·∇ (1/2N)Σ‖f−y‖², lr 1e-3;
                                              20 steps per timed call, time per step reported
  t=∞ prediction N=5000 train, 1000 test      nt.predict.gradient_descent_mse(k_tt, y, diag_reg=0)
                                              then predict_fn(t=None, 0., 0., k_test_train): the
                                              Cholesky factorisation + solve + one gemm (the kernels
                                              come from the analytic NTK of 6000 Gaussian inputs and
                                              are not timed). gradient_descent_mse caches the
                                              factorisation inside the predict_fn it returns, so a
                                              fresh one is built for every timed run. A second row,
                                              suffixed [jit], times the same call under jax.jit.

Largest N (`--predict-sizes`): the whole t=∞ NTK prediction as a user runs it,
nt.predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y_train, diag_reg=0) and then
predict_fn(t=None, x_test, get='ntk') (kernels included), L = 4 ReLU as above, Gaussian N×784 train
inputs, 10 outputs, `--predict-test` test inputs. Each size runs in a child process whose resident
memory the parent polls every 0.2 s; the child is killed when it passes `--max-rss-gb` or when the
machine's MemAvailable falls below 1 GB (so a size that does not fit never reaches the OOM killer of
a shared machine). Sizes run in increasing order and stop at the first that fails. `--save-inputs
DIR` also writes DIR/N/{x_train,y_train,x_test}.npy and NT's mean as DIR/N/mean_nt.npy, for
`ntk predict --x-train DIR/N/x_train.npy … --depth 4 --w-std 1 --b-std 0.1 --out mean.npy` on the
same data. The README's runs (2026-12-03): 10 000 and 15 000 fit (8.8 and 18.8 GB), 20 000 was
killed at the 20 GB cap, and 16 000 (with --max-rss-gb 22) died of SIGSEGV in SciPy's OpenBLAS:
    /tmp/nt/bin/python scripts/bench-neural-tangents.py --predict-sizes 10000,15000,20000 \
        --save-inputs /tmp/nt-predict
    /tmp/nt/bin/python scripts/bench-neural-tangents.py --predict-sizes 16000,17000,18000 --max-rss-gb 22

Threads: XLA's CPU backend uses all cores (its Eigen thread pool); nothing here restricts it, so
compare with `ntk-bench` run at its default OpenBLAS thread count (all cores too). jaxlib 0.4.25
runs Cholesky and triangular solves (the t=∞ row) through scipy's LAPACK, i.e. scipy's bundled
OpenBLAS, whose thread count is OpenBLAS's own (OPENBLAS_NUM_THREADS, default all cores). Run on
an otherwise idle machine: on a loaded one (seen here at nice 19 next to a 2-core job) OpenBLAS's
threads stalled ~0.12 s per call even at N = 200, and OPENBLAS_NUM_THREADS=1 removed it.

Versions it was run with (Python 3.11.7, Debian 12, x86-64, 2 cores; full run on 2026-11-23, results in README.md):
    neural-tangents 0.6.5, jax 0.4.25, jaxlib 0.4.25 (CPU), numpy 1.26.4
    (pip also pulled tensorflow 2.21.0 / tf2jax 0.3.6 / scipy 1.17.1: `import neural_tangents`
    0.6.5 imports tensorflow through neural_tangents.experimental, so it is a real dependency)

Install:
    python3 -m venv /tmp/nt && /tmp/nt/bin/pip install neural-tangents==0.6.5 jax==0.4.25 \\
        jaxlib==0.4.25 'numpy<2'

Run (full size; estimated to need ~10 GB RAM, for N = 10000 and the width-500 Jacobian-contraction NTK):
    /tmp/nt/bin/python scripts/bench-neural-tangents.py --repeats 5
Smoke test (tiny sizes, seconds):
    /tmp/nt/bin/python scripts/bench-neural-tangents.py --quick --repeats 1
"""

import argparse
import os
import platform
import statistics
import sys
import time

# neural-tangents 0.6.5 imports tensorflow (via tf2jax); keep its C++ logging quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jaxlib  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import neural_tangents as nt  # noqa: E402
from neural_tangents import stax  # noqa: E402

DEPTH = 4  # L, the number of weight layers
W_STD, B_STD = 1.0, 0.1
D_IN = 784

IMPLEMENTATIONS = {
    "structured": nt.NtkImplementation.STRUCTURED_DERIVATIVES,
    "jacobian": nt.NtkImplementation.JACOBIAN_CONTRACTION,
    "ntvp": nt.NtkImplementation.NTK_VECTOR_PRODUCTS,
    "auto": nt.NtkImplementation.AUTO,
}


def mlp(width, outputs):
    """L = 4 weight layers: Dense, (ReLU, Dense) × 3, in the NTK parametrisation."""
    layers = [stax.Dense(width, W_std=W_STD, b_std=B_STD, parameterization="ntk")]
    for _ in range(DEPTH - 2):
        layers += [stax.Relu(), stax.Dense(width, W_std=W_STD, b_std=B_STD, parameterization="ntk")]
    layers += [stax.Relu(), stax.Dense(outputs, W_std=W_STD, b_std=B_STD, parameterization="ntk")]
    return stax.serial(*layers)


def block(x):
    """block_until_ready on every array leaf of a result."""
    return jax.tree_util.tree_map(lambda a: a.block_until_ready(), x)


def median_time(repeats, body):
    """One warm-up call, then the median wall-clock seconds of `repeats` calls."""
    body()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def row(name, seconds, note=""):
    print(f"{name:<52} {seconds:12.4f} {note}", flush=True)


def target(seconds):
    return f"target ≤ {seconds:.3g} s" if seconds is not None else ""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="timed runs per workload (median reported)")
    p.add_argument("--sizes", type=str, default=None,
                   help="analytic-NTK sizes N, comma separated (default 1000,5000,10000; 100 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes for a smoke test: analytic N=100, width 100, N=100 for empirical/GD, "
                        "200 train / 50 test for t=∞, 200×200 dgemm")
    p.add_argument("--batch-size", type=int, default=0,
                   help="compute the analytic NTK with nt.batch in blocks of this many rows (0: plain call)")
    p.add_argument("--empirical-impls", type=str, default="structured,jacobian",
                   help="empirical-NTK implementations to time, from " + ",".join(IMPLEMENTATIONS))
    p.add_argument("--max-jacobian-gb", type=float, default=None,
                   help="skip an implementation that materialises the Jacobian (jacobian) when N·P·8 bytes "
                        "exceeds this (default: half of the machine's RAM)")
    p.add_argument("--gemm-size", type=int, default=None, help="n of the n×n dgemm (default 4000; 200 with --quick)")
    p.add_argument("--skip-gemm", action="store_true", help="skip the dgemm roofline")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--predict-sizes", type=str, default=None,
                   help="only the largest-N test: whole t=∞ NTK predictions at these train sizes (comma separated), "
                        "each in a child process, time and peak RSS; stops at the first failure")
    p.add_argument("--predict-test", type=int, default=2000, help="test inputs of --predict-sizes")
    p.add_argument("--max-rss-gb", type=float, default=20.0,
                   help="kill a --predict-sizes child whose resident memory passes this (GB)")
    p.add_argument("--save-inputs", type=str, default=None,
                   help="with --predict-sizes: write DIR/N/{x_train,y_train,x_test,mean_nt}.npy")
    p.add_argument("--predict-child", type=int, default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.repeats < 1:
        p.error("--repeats must be at least 1")
    a.impls = [s.strip() for s in a.empirical_impls.split(",") if s.strip()]
    for s in a.impls:
        if s not in IMPLEMENTATIONS:
            p.error(f"unknown implementation {s!r}; choose from {', '.join(IMPLEMENTATIONS)}")
    if a.sizes is not None:
        a.analytic_sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    else:
        a.analytic_sizes = [100] if a.quick else [1000, 5000, 10000]
    if a.gemm_size is None:
        a.gemm_size = 200 if a.quick else 4000
    if a.max_jacobian_gb is None:
        try:
            a.max_jacobian_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 / 2
        except (ValueError, OSError):
            a.max_jacobian_gb = 8.0
    return a


def predict_child(a):
    """One whole t=∞ prediction at N = a.predict_child; prints one line: seconds and ru_maxrss."""
    import resource
    n, m = a.predict_child, a.predict_test
    rng = np.random.default_rng(a.seed)
    x_train = rng.standard_normal((n, D_IN))
    y_train = rng.standard_normal((n, 10))
    x_test = rng.standard_normal((m, D_IN))
    out = None
    if a.save_inputs:
        out = os.path.join(a.save_inputs, str(n))
        os.makedirs(out, exist_ok=True)
        for name, arr in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test)):
            np.save(os.path.join(out, name + ".npy"), arr)
    _, _, kernel_fn = mlp(1, 10)
    t0 = time.perf_counter()
    predict_fn = nt.predict.gradient_descent_mse_ensemble(kernel_fn, x_train, y_train, diag_reg=0.0)
    mean = predict_fn(t=None, x_test=x_test, get="ntk")
    mean = np.asarray(block(mean))
    seconds = time.perf_counter() - t0
    if out:
        np.save(os.path.join(out, "mean_nt.npy"), mean)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    finite = bool(np.all(np.isfinite(mean)))
    print(f"RESULT {n} {seconds:.2f} {peak} {finite}", flush=True)
    return 0


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def predict_sizes(a):
    """Largest N: each size in a child, killed past --max-rss-gb or when the machine runs short."""
    import signal
    import subprocess
    sizes = [int(s) for s in a.predict_sizes.split(",") if s.strip()]
    cap = a.max_rss_gb * 1e9
    print(f"neural-tangents {nt.__version__}, jax {jax.__version__}, jaxlib {jaxlib.__version__}; "
          f"whole t=∞ NTK prediction (L={DEPTH} ReLU, d={D_IN}, 10 outputs, {a.predict_test} test), "
          f"child killed past {a.max_rss_gb:g} GB RSS or below 1 GB MemAvailable")
    print(f"{'N':>7} {'seconds':>9} {'peak RSS GB':>12}  result", flush=True)
    for n in sorted(sizes):
        cmd = [sys.executable, os.path.abspath(__file__), "--predict-child", str(n),
               "--predict-test", str(a.predict_test), "--seed", str(a.seed)]
        if a.save_inputs:
            cmd += ["--save-inputs", a.save_inputs]
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen, killed = 0, None
        while child.poll() is None:
            r = rss(child.pid)
            seen = max(seen, r)
            avail = mem_available()
            if r > cap:
                killed = f"killed: RSS {r / 1e9:.1f} GB > {a.max_rss_gb:g} GB"
            elif avail is not None and avail < 1e9:
                killed = f"killed: machine MemAvailable {avail / 1e9:.2f} GB (RSS {r / 1e9:.1f} GB)"
            if killed:
                child.kill()
                break
            time.sleep(0.2)
        stdout, stderr = child.communicate()
        wall = time.perf_counter() - t0
        result = [l for l in stdout.splitlines() if l.startswith("RESULT ")]
        if killed or child.returncode != 0 or not result:
            # The reason: our kill, a signal (e.g. SIGSEGV), or the child's last error line
            # (its stderr is mostly TensorFlow/XLA log lines).
            errors = [l for l in stderr.splitlines() if "Error" in l or "error:" in l]
            if killed:
                why = killed
            elif child.returncode < 0:
                why = f"died of signal {-child.returncode} ({signal.Signals(-child.returncode).name})"
            else:
                why = (errors or ["exit %d" % child.returncode])[-1][:160]
            print(f"{n:>7} {wall:>9.1f} {seen / 1e9:>12.2f}  FAILED ({why})", flush=True)
            return 1
        _, _, seconds, peak, finite = result[0].split()
        print(f"{n:>7} {float(seconds):>9.1f} {int(peak) / 1e9:>12.2f}  ok"
              f"{'' if finite == 'True' else ' (non-finite mean!)'} (child wall {wall:.1f} s with data generation)",
              flush=True)
    return 0


def main():
    a = parse_args()
    if a.predict_child is not None:
        return predict_child(a)
    if a.predict_sizes is not None:
        return predict_sizes(a)
    n_emp = 100 if a.quick else 1000
    widths = [100] if a.quick else [500, 2000]
    gd_width, gd_n, gd_out, gd_steps, gd_lr = (100 if a.quick else 500), n_emp, 10, 20, 1e-3
    n_train, n_test = (200, 50) if a.quick else (5000, 1000)

    print(f"neural-tangents {nt.__version__}, jax {jax.__version__}, jaxlib {jaxlib.__version__}, "
          f"numpy {np.__version__}, Python {platform.python_version()}")
    print(f"devices {jax.devices()}; x64 {jax.config.jax_enable_x64}; "
          f"{os.cpu_count()} CPUs visible (XLA uses all of them); "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} (scipy LAPACK)")
    print(f"{'workload':<52} {'median s':>12} note")

    key = jax.random.PRNGKey(a.seed)

    def gaussian(shape):
        nonlocal key
        key, sub = jax.random.split(key)
        return jax.random.normal(sub, shape, dtype=jnp.float64)

    # dgemm roofline (XLA / Eigen), for comparison with the OpenBLAS row of ntk-bench.
    if not a.skip_gemm:
        n = a.gemm_size
        ga, gb = gaussian((n, n)), gaussian((n, n))
        dot = jax.jit(jnp.dot)
        t = median_time(a.repeats, lambda: dot(ga, gb).block_until_ready())
        row(f"dgemm {n}×{n}", t, f"{2.0 * n ** 3 / t / 1e9:.1f} GFLOP/s")

    # Analytic NTK (the width of the stax layers is irrelevant to kernel_fn).
    _, _, kernel_fn = mlp(1, 1)
    kernel_jit = jax.jit(kernel_fn, static_argnames="get")
    if a.batch_size > 0:
        analytic = nt.batch(kernel_fn, batch_size=a.batch_size, store_on_device=True)
    else:
        analytic = kernel_jit
    for n in a.analytic_sizes:
        x = gaussian((n, D_IN))
        t = median_time(a.repeats, lambda: analytic(x, None, "ntk").block_until_ready())
        note = target({5000: 0.7, 10000: 2.5}.get(n))
        if a.batch_size > 0:
            note = (note + f" (nt.batch {a.batch_size})").strip()
        row(f"analytic NTK L=4 relu N={n} d={D_IN}", t, note)

    # Empirical NTK, one output, x2 = None.
    xe = gaussian((n_emp, D_IN))
    for w in widths:
        init_fn, apply_fn, _ = mlp(w, 1)
        key, sub = jax.random.split(key)
        _, params = init_fn(sub, (-1, D_IN))
        n_params = sum(p.size for p in jax.tree_util.tree_leaves(params))
        jac_gb = n_emp * n_params * 8 / 2**30
        results = {}
        for name in a.impls:
            label = f"empirical NTK L=4 width={w} N={n_emp} [{name}]"
            if name == "jacobian" and jac_gb > a.max_jacobian_gb:
                print(f"{label:<52} {'skipped':>12} Jacobian {jac_gb:.1f} GB > --max-jacobian-gb "
                      f"{a.max_jacobian_gb:.1f}", flush=True)
                continue
            ntk_fn = jax.jit(nt.empirical_ntk_fn(apply_fn, trace_axes=(), vmap_axes=0,
                                                  implementation=IMPLEMENTATIONS[name]))
            try:
                t = median_time(a.repeats, lambda: ntk_fn(xe, None, params).block_until_ready())
            except Exception as e:  # e.g. out of memory
                print(f"{label:<52} {'failed':>12} {type(e).__name__}: {str(e).splitlines()[0][:120]}",
                      flush=True)
                continue
            results[name] = (t, ntk_fn(xe, None, params))
            row(label, t, target(0.9 if (w, n_emp) == (2000, 1000) else None))
        if len(results) > 1:  # the implementations must agree
            ks = [np.asarray(k) for _, k in results.values()]
            diff = max(float(np.max(np.abs(k - ks[0]))) / float(np.max(np.abs(ks[0]))) for k in ks[1:])
            fastest = min(results, key=lambda s: results[s][0])
            print(f"  width {w}: fastest {fastest}; max relative difference between implementations "
                  f"{diff:.1e}", flush=True)

    # One full-batch GD step on (1/2N) Σ ‖f − y‖², `gd_steps` steps per timed call.
    init_fn, apply_fn, _ = mlp(gd_width, gd_out)
    key, sub = jax.random.split(key)
    _, params0 = init_fn(sub, (-1, D_IN))
    y = gaussian((gd_n, gd_out))

    def loss(params, x, y):
        return 0.5 * jnp.sum((apply_fn(params, x) - y) ** 2) / x.shape[0]

    @jax.jit
    def gd_step(params, x, y):
        g = jax.grad(loss)(params, x, y)
        return jax.tree_util.tree_map(lambda p, gp: p - gd_lr * gp, params, g)

    def train():
        p = params0
        for _ in range(gd_steps):
            p = gd_step(p, xe, y)
        return block(p)

    t = median_time(a.repeats, train) / gd_steps
    row(f"GD step L=4 width={gd_width} N={gd_n} O={gd_out}", t,
        target(0.075 if (gd_width, gd_n) == (500, 1000) else None))

    # t = ∞ (ridgeless) mean prediction; kernels precomputed, not timed.
    xt = gaussian((n_train + n_test, D_IN))
    k = kernel_jit(xt, None, "ntk").block_until_ready()
    k_tt = k[:n_train, :n_train].block_until_ready()
    k_st = k[n_train:, :n_train].block_until_ready()
    del k
    y_train = gaussian((n_train, 10))

    def prediction(k_tt, y_train, k_st):
        predict_fn = nt.predict.gradient_descent_mse(k_tt, y_train, diag_reg=0.0)
        return predict_fn(t=None, fx_train_0=0.0, fx_test_0=0.0, k_test_train=k_st)

    # As the library is normally used (op by op), then the same function under jax.jit.
    prediction_jit = jax.jit(prediction)
    full_size = (n_train, n_test) == (5000, 1000)
    for suffix, fn in (("", prediction), (" [jit]", prediction_jit)):
        t = median_time(a.repeats, lambda: block(fn(k_tt, y_train, k_st)))
        fx_test = np.asarray(fn(k_tt, y_train, k_st)[1])
        note = target(1.0 if full_size else None)
        if not np.all(np.isfinite(fx_test)):
            note += " (non-finite prediction!)"
        row(f"t=∞ prediction N={n_train} train, {n_test} test{suffix}", t, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
