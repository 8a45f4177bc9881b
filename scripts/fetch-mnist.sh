#!/usr/bin/env bash
# Data step: puts the four MNIST IDX .gz files into data/mnist/ and verifies their SHA-256
# against data/mnist/SHA256SUMS (committed). Source order:
#   1. $NTK_MNIST_MIRROR: a local directory with the four files (CI points it at its local mirror)
#   2. the public mirrors below, with curl
# Each file goes to a temporary name, is checked, then renamed; a mismatch deletes only that
# temporary copy, names the file, and exits non-zero. Files already present and correct are kept.
set -euo pipefail

dest="${1:-data/mnist}"
sums="$dest/SHA256SUMS"
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
)

die() { echo "make data: $*" >&2; exit 1; }
[ -f "$sums" ] || die "checksum list $sums is missing (run from the repository root)"
command -v sha256sum >/dev/null || die "sha256sum not found (coreutils)"

expected_sum() { awk -v f="$1" '$2 == f || $2 == "*"f { print $1 }' "$sums"; }
actual_sum() { sha256sum "$1" | awk '{ print $1 }'; }

status=0
tmpfiles=()
cleanup() { for t in "${tmpfiles[@]}"; do rm -f "$t"; done; }
trap cleanup EXIT

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  want=$(expected_sum "$f")
  [ -n "$want" ] || die "no SHA-256 for $f in $sums"
  target="$dest/$f"
  if [ -f "$target" ] && [ "$(actual_sum "$target")" = "$want" ]; then
    echo "ok       $target (already present, SHA-256 verified)"
    continue
  fi
  tmp="$dest/.$f.tmp-$$"
  tmpfiles+=("$tmp")
  got=""
  if [ -n "${NTK_MNIST_MIRROR:-}" ]; then
    src="$NTK_MNIST_MIRROR/$f"
    if [ -f "$src" ]; then
      cp "$src" "$tmp"
      chmod 644 "$tmp"
      got="$src"
    else
      echo "make data: $src not found in NTK_MNIST_MIRROR=$NTK_MNIST_MIRROR; trying the public mirrors" >&2
    fi
  fi
  if [ -z "$got" ]; then
    command -v curl >/dev/null || die "curl not found and no local mirror; install curl or set NTK_MNIST_MIRROR"
    for m in "${mirrors[@]}"; do
      echo "download $m/$f" >&2
      if curl -fsSL --retry 2 --connect-timeout 20 -o "$tmp" "$m/$f"; then got="$m/$f"; break; fi
      echo "make data: download from $m failed" >&2
    done
  fi
  if [ -z "$got" ]; then
    echo "make data: could not obtain $f (set NTK_MNIST_MIRROR to a directory holding it)" >&2
    status=1
    continue
  fi
  have=$(actual_sum "$tmp")
  if [ "$have" != "$want" ]; then
    rm -f "$tmp"
    echo "make data: SHA-256 MISMATCH for $f from $got" >&2
    echo "           expected $want" >&2
    echo "           got      $have" >&2
    if [ -f "$target" ]; then
      echo "           the bad copy was discarded; the existing $target was not touched" >&2
    else
      echo "           the bad copy was discarded; nothing was written to $target" >&2
    fi
    status=1
    continue
  fi
  mv -f "$tmp" "$target"
  echo "ok       $target (from $got, SHA-256 verified)"
done
exit $status
