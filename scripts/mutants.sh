#!/usr/bin/env bash
# make mutants: shows that the tests can fail for the errors they exist to catch.
#
# Copies the tracked sources to a scratch directory (MUTANTS_DIR, default /tmp/ntk-mutants; its
# .build is kept between runs so each fault costs an incremental build), then for each
# deliberate fault below: applies it to the scratch copy, builds, runs the quick tests named for
# it, records which tests failed, and restores the file. Prints a table fault → catching tests
# and exits 1 if any fault was not caught or could not be applied. Never touches this checkout.
#
#   scripts/mutants.sh            all faults
#   scripts/mutants.sh 3 7        only faults 3 and 7
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
scratch="${MUTANTS_DIR:-/tmp/ntk-mutants}"
flags=(-c release -Xswiftc -enable-testing)

# id | description | file | perl substitution (applied once, must match) | test filter (XCTest regex)
faults=(
  "1|wrong β: the network's bias scale is 0|Sources/NTKCore/Network/MLP.swift|s/self\.beta = beta\n/self.beta = 0 * beta\n/g|testFig1Quick|EmpiricalNTKTests"
  "2|√N in place of N in the kernel-PCA eigenvalue scaling|Sources/NTKFigures/Figures/Fig5MNISTKernelPCA.swift|s/e\.values\.map \{ \\\$0 \/ n \}/e.values.map { \\\$0 \/ n.squareRoot() }/|testFig5Quick"
  "3|NTK-GP covariance (the variance of the limiting law) ×2|Sources/NTKCore/Predict/GradientFlow.swift|s/cov = cov - cross - cross\.transposed\n        return cov/cov = cov - cross - cross.transposed\n        cov.scale(by: 2)\n        return cov/|testFig3Quick|testFig9Quick"
  "4|fig3's limiting law replaced by the prior Σ|Sources/NTKFigures/Figures/Fig3FunctionDistribution.swift|s/let cov = try flow\.covariance\(/let cov = kxx.nngp; _ = try flow.covariance(/|testFig3Quick"
  "5|off-by-one in the GD step count (one extra step)|Sources/NTKCore/Network/GradientDescent.swift|s/if k == steps \{ break \}/if k == steps + 1 { break }/|MLPTests|PredictorTests"
  "6|dropped bias gradient|Sources/NTKCore/Network/GradientDescent.swift|s/alpha: T\(scale \* beta\)/alpha: T(0 * scale * beta)/|MLPTests|PredictorTests"
  "7|learning rate ×1.1 in gradient descent|Sources/NTKCore/Network/GradientDescent.swift|s/let scale = -learningRate \/ Double\(n\)/let scale = -1.1 * learningRate \/ Double(n)/|MLPTests|PredictorTests"
  "8|float32 rounding inside the analytic ReLU kernel|Sources/NTKCore/Kernels/AnalyticKernel+ReLU.swift|s/let s = disc\.squareRoot\(\)/let s = Double(Float(disc.squareRoot()))/|AnalyticKernelTests"
  "9|Arora network without the antisymmetric pairing (u(0) ≠ 0)|Sources/NTKCore/Network/TwoLayerReLU.swift|s/a \+= a\.map \{ -\\\$0 \}/a += a/|testFig6Quick"
  "10|claim 15 recorded as a prediction instead of a calibration|Sources/NTKFigures/Figures/Fig5MNISTKernelPCA.swift|s/let kind = ClaimKind\.calibration\(/let kind = ClaimKind.prediction; _ = (/|testFig5Quick"
  "11|products cut into as many blocks as there are threads (bytes depend on --threads)|Sources/NTKCore/LinearAlgebra/Parallel.swift|s/        return c\n    \}\n\n    \/\/\/ Cuts/        return Swift.min(c, workerCount)\n    }\n\n    \/\/\/ Cuts/|ThreadCountDeterminismTests"
  "12|pNTK without its 1/O (the NTK of the plain sum of logits)|Sources/NTKCore/Kernels/EmpiricalNTK.swift|s/repeating: 1 \/ Double\(o\)\.squareRoot\(\)/repeating: 1/|testFig7Quick|EmpiricalNTKTests"
  "13|Lee et al.'s σ_w² used as σ_w (no square root)|Sources/NTKFigures/Figures/Lee2018NNGPMNIST.swift|s/weightStd: weightVariance\.squareRoot\(\)/weightStd: weightVariance/|testLee2018Quick"
  "14|MNIST images not standardised per image (only the mean pixel subtracted)|Sources/NTKFigures/Figures/Lee2018NNGPMNIST.swift|s/for j in 0\.\.<d \{ row\[j\] = \(row\[j\] - mean\) \* inv \}//|testLee2018Quick"
  "15|fig8: the linearisation trained at twice the network's learning rate|Sources/NTKFigures/Figures/Fig8LinearizedDynamics.swift|s/let flow0 = try GradientFlow\(kTrainTrain: theta0, learningRate: eta\)/let flow0 = try GradientFlow(kTrainTrain: theta0, learningRate: 2 * eta)/|testFig8Quick"
  "16|fig9: the NTK-GP evaluated at twice the networks' time (step 2k for k)|Sources/NTKFigures/Figures/Fig9NTKGaussianProcess.swift|s/let \(mu, cov\) = try process\(\.steps\(k\)\)/let (mu, cov) = try process(.steps(2 * k))/|testFig9Quick"
  "17|FMA contraction allowed in the vectorised ReLU kernel (bytes no longer match the scalar loop)|Sources/_KernelSIMD/relu_segment.c|s/#pragma clang fp contract\(off\)/#pragma clang fp contract(fast)/|VectorisedReLUKernelTests|AnalyticKernelTests"
  "18|t = ∞ guard back to a bare λmin > 0 (the Cholesky's relative singularity threshold set to 0)|Sources/NTKCore/LinearAlgebra/RFP.swift|s/        Double\(n\) \* Double\.ulpOfOne \* maxDiagonal\n/        0 * Double(n) * Double.ulpOfOne * maxDiagonal\n/|RFPTests|KernelPredictorTests|NTKPredictCLITests"
  "19|t = ∞ on a handed-over kernel: the error path rebuilds the kernel without restoring its diagonal|Sources/NTKCore/Predict/KernelRegression.swift|s/k\[i, i\] = diagonal\[i\]/k[i, i] = k[i, i]/|PredictorTests|LinearAlgebraTests"
  "20|fig6's float32 training never writes the trained weights back|Sources/NTKCore/Network/TwoLayerReLU.swift|s/for i in 0\.\.<dst\.count \{ dst\[i\] = Double\(src\[i\]\) \}/for i in 0..<0 { dst[i] = Double(src[i]) }/|TwoLayerReLUTests|testFig6Quick"
  "21|the parallel finiteness scan before dpftrf misses the last entry of each range|Sources/NTKCore/LinearAlgebra/Parallel.swift|s/for k in ranges\[c\] \{ ok = ok/for k in ranges[c].dropLast() { ok = ok/|RFPTests"
  "22|a non-finite packed kernel reported as a failed first minor (so every jitter is tried)|Sources/NTKCore/LinearAlgebra/RFP.swift|s/throw LinearAlgebraError\.nonFinite\(\x22train kernel \(plus ridge\)\x22\)/return 1/|RFPTests|testPredictBadInputIsOneLineExitTwoNothingWritten"
  "23|ntk predict compares its outputs as strings (./a.npy or a link passes, and overwrites --out before failing)|Sources/NTKCLI/Destinations.swift|s/outputs\.map \{ AtomicFile\.identity\(\\\$0\.path\) \?\? \x22path \x22 \+ \\\$0\.path \}/outputs.map { \x22path \x22 + \\\$0.path }/|testHostileInputsAndDestinations"
)

selected=("$@")
want() { [ ${#selected[@]} -eq 0 ] && return 0; local s; for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

echo "mutants: scratch copy in $scratch"
# The scratch directory is emptied below: refuse anything that is not one this script made.
case "$(cd "$scratch" 2>/dev/null && pwd -P)" in
  /|"$here"|"$HOME") echo "mutants: refusing MUTANTS_DIR=$scratch (it would be emptied)"; exit 2 ;;
esac
if [ -d "$scratch" ] && [ -n "$(ls -A "$scratch")" ] && [ ! -e "$scratch/.ntk-mutants-scratch" ]; then
  echo "mutants: $scratch is not empty and was not made by this script; choose another MUTANTS_DIR"; exit 2
fi
mkdir -p "$scratch"
touch "$scratch/.ntk-mutants-scratch"
# A fresh copy of the sources (the build directory stays): files deleted from the checkout must
# not linger in the scratch copy (a stale Sources/ntk/CSV.swift once broke the build there).
find "$scratch" -mindepth 1 -maxdepth 1 ! -name .build ! -name data ! -name build.log ! -name .ntk-mutants-scratch -exec rm -rf {} +
(cd "$here" && git ls-files -z -- . ":(exclude)data/mnist" | xargs -0 cp --parents -t "$scratch")
mkdir -p "$scratch/data"
[ -e "$scratch/data/mnist/train-images-idx3-ubyte.gz" ] || { rm -rf "$scratch/data/mnist"; ln -s "$here/data/mnist" "$scratch/data/mnist"; }
cd "$scratch"
echo "mutants: baseline build"
swift build "${flags[@]}" --build-tests >"$scratch/build.log" 2>&1 || { echo "baseline build failed, see $scratch/build.log"; exit 2; }

rows=() ; missed=0
for f in "${faults[@]}"; do
  IFS='|' read -r id what file subst filter <<<"$f"
  filter="${f#*|*|*|*|}"
  shown="${filter//|/\\|}"   # the filter as a Markdown table cell (| escaped)
  want "$id" || continue
  cp "$file" "$file.orig"
  if ! perl -0 -e 'local $/; my $s = <STDIN>; my $n = ($s =~ '"$subst"'); die "no match\n" unless $n; print $s' <"$file.orig" >"$file" 2>/dev/null; then
    mv "$file.orig" "$file"; rows+=("| $id | $what | — | **fault did not apply** |"); missed=1; continue
  fi
  echo "mutants: fault $id: $what (tests: $filter)"
  if ! swift build "${flags[@]}" --build-tests >"$scratch/build-$id.log" 2>&1; then
    mv "$file.orig" "$file"; rows+=("| $id | $what | — | **does not build** (build-$id.log) |"); missed=1; continue
  fi
  swift test "${flags[@]}" --skip-build --disable-swift-testing --filter "$filter" >"$scratch/test-$id.log" 2>&1
  caught=$(grep -oE "error: [A-Za-z0-9_]+\.test[A-Za-z0-9_]+" "$scratch/test-$id.log" | sed 's/error: //' | sort -u | paste -sd, - | sed 's/,/, /g')
  mv "$file.orig" "$file"
  if [ -n "$caught" ]; then rows+=("| $id | $what | \`$shown\` | caught by $caught |")
  else rows+=("| $id | $what | \`$shown\` | **NOT CAUGHT** |"); missed=1; fi
done
swift build "${flags[@]}" --build-tests >/dev/null 2>&1   # leave the scratch build clean

echo
echo "| # | deliberate fault | tests run | result |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit $missed
