# ntk-replication — the two commands a reviewer needs:
#   make figures   regenerate every figure, its CSV/JSON record and figures/CLAIMS.md
#   make verify    run the test suite that asserts the paper's claims (what CI runs)
# Everything else is a building block of those two.

SHELL := /bin/bash
SWIFT ?= swift
# Release build with testability, used for both the binaries and the tests, so one build serves
# both (numeric Swift in debug is 10-50x slower).
SWIFTFLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release

APT_PACKAGES := pkg-config libopenblas-dev liblapacke-dev libpng-dev zlib1g-dev libssl-dev \
                libfreetype-dev fonts-dejavu-core curl libopenmpi-dev openmpi-bin libscalapack-openmpi-dev
PKG_MODULES := openblas lapacke libpng zlib libcrypto freetype2 ompi-c scalapack-openmpi
FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# OpenBLAS 0.3.21 picks its kernels from the CPU's model name. Under some hypervisors it does not
# recognise the model and falls back to Prescott (SSE3) kernels: dgemm then runs ~2.5x slower
# (measured 12 vs 31 GFLOP/s on a 2-core VM whose CPU has AVX-512). Unless the caller sets
# OPENBLAS_CORETYPE, choose the kernel family from the instruction-set flags the CPU reports:
# SkylakeX (AVX-512, same dgemm kernel as Cooperlake), else Haswell (AVX2 + FMA), else
# OpenBLAS's own choice. The numerics are the same library routines; only their speed changes.
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
ifneq ($(and $(filter avx512f,$(CPU_FLAGS)),$(filter avx512bw,$(CPU_FLAGS)),$(filter avx512vl,$(CPU_FLAGS)),$(filter avx512dq,$(CPU_FLAGS))),)
export OPENBLAS_CORETYPE := SkylakeX
else ifneq ($(and $(filter avx2,$(CPU_FLAGS)),$(filter fma,$(CPU_FLAGS))),)
export OPENBLAS_CORETYPE := Haswell
endif
endif

# One executable per paper figure: Sources/figN-<slug>/main.swift; then the external checks
# against other papers' tables (Sources/<name>/main.swift, listed here).
FIGURES := $(sort $(notdir $(wildcard Sources/fig*)))
EXPERIMENTS := lee2018-nngp-mnist

.PHONY: all deps build data test verify figures lee2018 bench plot-demo mutants fuzz clean help

all: build

help:
	@echo "make figures   regenerate every figure under figures/ (paper scale)"
	@echo "make verify    run the claim and unit tests (quick scale; what CI runs)"
	@echo "make deps      install the system libraries with apt if pkg-config cannot find them"
	@echo "make data      fetch MNIST into data/mnist and verify SHA-256 (NTK_MNIST_MIRROR=dir for a local copy)"
	@echo "make build     swift build (release)"
	@echo "make fig1 … make fig9   one figure (FIGURE_FLAGS=\"--scale quick\" for the small version)"
	@echo "make lee2018   Lee et al. 2018 Table 1 (MNIST NNGP at 1k, 10k, 50k, NTK at 1k, 10k; about 10 min)"
	@echo "make plot-demo the plotting demonstration under figures/demo"
	@echo "make bench     performance benchmarks (ntk-bench)"
	@echo "make mutants   apply deliberate faults to a scratch copy and show which test catches each"
	@echo "make fuzz      libFuzzer on the IDX/gzip, CSV and .npy readers (FUZZ_SECONDS per reader, default 120)"
	@echo "make clean     remove build products"

deps:
	@if pkg-config --exists $(PKG_MODULES) && [ -f $(FONT) ] && command -v curl >/dev/null && command -v mpirun >/dev/null; then \
	  echo "deps: all system libraries found"; \
	else \
	  echo "deps: installing $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build $(SWIFTFLAGS)

data:
	@bash scripts/fetch-mnist.sh data/mnist

test verify: deps data
	@echo "OpenBLAS kernels: $${OPENBLAS_CORETYPE:-chosen by OpenBLAS}"
	$(SWIFT) build $(SWIFTFLAGS) --build-tests
	$(SWIFT) test $(SWIFTFLAGS) --skip-build --disable-swift-testing

# Every figure and external check at paper scale (override with e.g. FIGURE_FLAGS="--scale quick" OUT=/tmp/figs),
# then CLAIMS.md; exits non-zero if any claim failed.
FIGURE_FLAGS ?=
OUT ?= figures
figures: build data
	@set -e; for f in $(FIGURES) $(EXPERIMENTS); do \
	  echo "== $$f $(FIGURE_FLAGS)"; $(BIN)/$$f --out $(OUT) $(FIGURE_FLAGS); \
	done
	$(BIN)/claims-report --dir $(OUT)

fig%: build data
	$(BIN)/$$(basename Sources/$@-*) --out $(OUT) $(FIGURE_FLAGS)

lee2018: build data
	$(BIN)/lee2018-nngp-mnist --out $(OUT) $(FIGURE_FLAGS)

plot-demo: build
	$(BIN)/plot-demo --out figures/demo

bench: build
	$(BIN)/ntk-bench --threads 2 --repeats 5

# Deliberate faults in a scratch copy (MUTANTS_DIR, default /tmp/ntk-mutants), each with the
# tests that must catch it; prints the table and fails if a fault goes uncaught. Not run by CI.
mutants: deps data
	@bash scripts/mutants.sh

clean:
	rm -rf .build

# libFuzzer (Swift's -sanitize=fuzzer,address) on the readers of untrusted files, from the seed
# corpus in Fuzz/corpus; exits 1 on a crash. Not run by CI.
fuzz: deps
	@bash scripts/fuzz.sh

