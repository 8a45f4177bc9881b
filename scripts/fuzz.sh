#!/usr/bin/env bash
# make fuzz: libFuzzer harnesses for the three readers of untrusted files (IDX/gzip, CSV, .npy).
# Each harness in Fuzz/ is compiled together with NTKCore's sources into one module with
# Swift's -sanitize=fuzzer,address, then run for FUZZ_SECONDS (default 120) per reader, starting
# from the committed seed corpus Fuzz/corpus/<reader>/ (the interesting cases of issue 15: IDX
# headers whose sizes overflow, gzip bombs and trailing bytes, CRLF / NUL / huge CSV fields,
# Fortran-order, big-endian, truncated and overflowing .npy headers). New inputs go to
# $FUZZ_DIR/corpus-<reader> (not committed); a crash leaves its input as $FUZZ_DIR/crash-* and
# makes this script exit 1. Totals (executions, crashes) are printed per reader.
#   FUZZ_SECONDS=600 make fuzz      FUZZ_TARGETS="csv npy" make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-120}
dir=${FUZZ_DIR:-/tmp/ntk-fuzz}
targets=${FUZZ_TARGETS:-idx csv npy}
mkdir -p "$dir"
mapfile -t core < <(find Sources/NTKCore -name '*.swift' | sort)
incs=(-I Sources/CBLAS -I Sources/CLAPACKE -I Sources/CZlib -I Sources/CCrypto)
for f in $(pkg-config --cflags-only-I openblas lapacke zlib libcrypto); do incs+=(-Xcc "$f"); done
libs=(); for f in $(pkg-config --libs-only-L openblas); do libs+=(-L "${f#-L}"); done
# NTKCore imports the C target _KernelSIMD: compile its C files once (ASan-instrumented) and give
# swiftc a module map for its header.
mkdir -p "$dir/kernelsimd"
printf 'module _KernelSIMD {\n  header "%s"\n  export *\n}\n' "$PWD/Sources/_KernelSIMD/include/_KernelSIMD.h" \
  > "$dir/kernelsimd/module.modulemap"
simd_objs=()
for c in Sources/_KernelSIMD/*.c; do
  o="$dir/kernelsimd/$(basename "$c" .c).o"
  clang -O2 -fsanitize=address -I Sources/_KernelSIMD/include -c "$c" -o "$o"
  simd_objs+=("$o")
done
incs+=(-I "$dir/kernelsimd")
status=0
for t in $targets; do
  case $t in idx) h=Fuzz/IDXFuzz.swift ;; csv) h=Fuzz/CSVFuzz.swift ;; npy) h=Fuzz/NPYFuzz.swift ;;
    *) echo "fuzz: unknown target '$t' (idx, csv, npy)" >&2; exit 2 ;; esac
  bin="$dir/fuzz-$t"
  echo "== fuzz $t: building $bin"
  # (ld.gold warns about every ASan helper symbol; the log keeps them out of sight)
  swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name NTKCoreFuzz"${t^^}" \
    "${incs[@]}" "${libs[@]}" "${core[@]}" "$h" "${simd_objs[@]}" -o "$bin" > "$dir/build-$t.txt" 2>&1 \
    || { grep -v 'Cannot export local symbol' "$dir/build-$t.txt" >&2; exit 2; }
  mkdir -p "$dir/corpus-$t"
  echo "== fuzz $t: ${secs}s from Fuzz/corpus/$t"
  set +e
  (cd "$dir" && "$bin" -max_total_time="$secs" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
     -artifact_prefix="$dir/crash-$t-" "corpus-$t" "$OLDPWD/Fuzz/corpus/$t") > "$dir/log-$t.txt" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log-$t.txt" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -eq 0 ]; then echo "fuzz $t: $execs executions, no crash";
  else echo "fuzz $t: CRASH after $execs executions (exit $rc); input and log in $dir (log-$t.txt)"; status=1; fi
done
exit $status
