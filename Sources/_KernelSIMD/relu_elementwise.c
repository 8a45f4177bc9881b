// ReLU and its derivative over whole buffers (gradient descent's elementwise passes), as
// branch-free selects the compiler vectorises: a branch on the sign mispredicts half the time.
// Same results as the Swift definitions in Activation.swift: max(z, 0) gives +0 for z ≤ 0 and
// keeps NaN; the derivative passes g where z > 0 and gives 0 elsewhere (also for NaN z).
#include "_KernelSIMD.h"

#define RELU_PASSES(T, SUFFIX)                                                              \
    void ntk_relu_forward_##SUFFIX(const T *restrict z, T *restrict out, int64_t n) {        \
        for (int64_t k = 0; k < n; k++) { T v = z[k]; out[k] = (v <= 0) ? (T)0 : v; }        \
    }                                                                                        \
    void ntk_relu_backward_##SUFFIX(T *restrict g, const T *restrict z, int64_t n) {         \
        for (int64_t k = 0; k < n; k++) { T v = g[k]; g[k] = (z[k] > 0) ? v : (T)0; }          \
    }

RELU_PASSES(double, d)
RELU_PASSES(float, f)
