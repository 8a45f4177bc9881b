#!/usr/bin/env bash
# ntk-mpi against ntk predict on one machine: N train (default 10000) Gaussian inputs in d = 784,
# 1000 test inputs, 10 outputs, L = 4 ReLU NTK, t = inf, for P = 1, 2 and 4 ranks
# (mpirun --bind-to none; ntk-mpi gives each rank its share of the cores as BLAS threads).
# Prints each run's wall time, phases and peak memory per rank from its --report, and the
# largest relative difference of the means from ntk predict's. Needs python3 with numpy to write
# the inputs. Run it alone on the machine (make bench's rule): flock /tmp/ntk-cpu.lock scripts/bench-mpi.sh
set -euo pipefail
N=${N:-10000}
BLOCK=${BLOCK:-128}
BIN=${BIN:-.build/release}
DIR=${DIR:-/tmp/ntk-bench-mpi}
mkdir -p "$DIR"
python3 - "$DIR" "$N" <<'PY'
import sys, numpy as np
d, n = sys.argv[1], int(sys.argv[2])
r = np.random.default_rng(0)
np.save(f"{d}/x.npy", r.standard_normal((n, 784)))
np.save(f"{d}/y.npy", r.standard_normal((n, 10)))
np.save(f"{d}/xt.npy", r.standard_normal((1000, 784)))
PY
ARGS=(predict --x-train "$DIR/x.npy" --y-train "$DIR/y.npy" --x-test "$DIR/xt.npy" --depth 4 --quiet)
/usr/bin/time -f "ntk predict: %e s wall, %M kB peak" "$BIN/ntk" "${ARGS[@]}" --out "$DIR/mean-ref.npy" --report "$DIR/ref.json"
cat "$DIR/ref.json"
for P in 1 2 4; do
  /usr/bin/time -f "ntk-mpi P=$P: %e s wall (mpirun)" mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$P" \
    "$BIN/ntk-mpi" "${ARGS[@]}" --block-size "$BLOCK" --out "$DIR/mean-$P.npy" --report "$DIR/p$P.json"
  cat "$DIR/p$P.json"
  python3 -c "import numpy as np; a=np.load('$DIR/mean-$P.npy'); b=np.load('$DIR/mean-ref.npy'); print('P=$P relative difference of the means:', abs(a-b).max()/abs(b).max())"
done
