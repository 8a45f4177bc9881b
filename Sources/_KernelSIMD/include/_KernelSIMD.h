#ifndef NTK_KERNEL_SIMD_H
#define NTK_KERNEL_SIMD_H
#include <stdint.h>

/// The elementwise pass of the analytic ReLU kernel (AnalyticKernel+ReLU.swift) over one row
/// segment of `count` entries, all `steps` layers of the recursion, vectorised for the widest
/// instruction set the CPU has (AVX-512, AVX2 or SSE2, chosen once at run time).
///
/// On entry s[j] holds the scaled input product for the segment; on return s[j] = Σ(L) and
/// t[j] = Θ(L). Layer l uses pa[l * pa_stride] (√Σ(l)(x,x) of the row's input) and
/// pb[l * pb_stride + j] (√Σ(l)(x',x') of the column inputs). The arithmetic is the Swift
/// reference's, operation for operation, with no contraction into fused multiply-adds, so
/// every variant returns the reference's bits (tested).
void ntk_relu_segment(int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
                      double *s, double *t, int64_t count, double w2, double b2);

/// Which variant `ntk_relu_segment` runs: 512 (AVX-512F), 256 (AVX2) or 128 (SSE2 baseline).
int ntk_relu_segment_vector_bits(void);

/// ReLU and its derivative on n entries, for gradient descent's elementwise passes:
/// out[k] = z[k] > 0 ? z[k] : 0 and g[k] = z[k] > 0 ? g[k] : 0 (branch-free, vectorised).
void ntk_relu_forward_d(const double *z, double *out, int64_t n);
void ntk_relu_forward_f(const float *z, float *out, int64_t n);
void ntk_relu_backward_d(double *g, const double *z, int64_t n);
void ntk_relu_backward_f(float *g, const float *z, int64_t n);

#endif
