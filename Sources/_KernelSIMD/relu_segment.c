// The analytic ReLU kernel's elementwise pass, compiled three times (AVX-512F, AVX2, baseline)
// and dispatched once at run time. See include/_KernelSIMD.h. The formulas are those of
// Sources/NTKCore/Kernels/AnalyticKernel+ReLU.swift (docs/SPEC.md §1.4): φ = atan2(√(ab − c²), c)
// by the Cephes reduction and rational approximation, E[relu relu] = (s + (π − φ)c)/(2π),
// E[relu' relu'] = (π − φ)/(2π).
#include "_KernelSIMD.h"
#include <math.h>

// Same operations and order as the Swift reference: no fused multiply-adds.
#pragma clang fp contract(off)

static inline __attribute__((always_inline)) double relu_angle(double s, double c) {
    double ac = fabs(c);
    int big = s > 2.414213562373095 * ac;
    int mid = s > 0.66 * ac;
    double num = big ? -ac : (mid ? s - ac : s);
    double den = big ? s : (mid ? s + ac : ac);
    double y0 = big ? 1.5707963267948966 : (mid ? 0.7853981633974483 : 0);
    double more = big ? 6.123233995736766e-17 : (mid ? 3.061616997868383e-17 : 0);
    double x = num / (den > 0 ? den : 1);
    double z = x * x;
    double p = (((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z
                 - 7.500855792314704667340e1) * z - 1.228866684490136173410e2) * z - 6.485021904942025371773e1;
    double q = ((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z
                 + 4.328810604912902668951e2) * z + 4.853903996359136964868e2) * z + 1.945506571482613964425e2;
    double theta = y0 + (x + x * (z * p / q) + more);
    return c < 0 ? 3.141592653589793 - theta : theta;
}

static inline __attribute__((always_inline)) void relu_segment_body(
        int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
        double *restrict s, double *restrict t, int64_t count, double w2, double b2) {
    for (int64_t j = 0; j < count; j++) { double v = s[j] + b2; s[j] = v; t[j] = v; }
    const double inv2pi = 0.15915494309189535;
    for (int64_t l = 0; l < steps; l++) {
        const double al = pa[l * pa_stride];
        const double *restrict bl = pb + l * pb_stride;
        // Four vectors in flight: one entry's chain (sqrt, two divisions, two polynomials) is
        // long, and a 64-entry segment has only 8 vectors per layer; interleaving them is 12-16%
        // faster in an L1-resident microbenchmark and changes no operation, so no bit.
        #pragma clang loop interleave_count(4)
        for (int64_t j = 0; j < count; j++) {
            double c = s[j];
            double rab = al * bl[j];
            double disc = (rab - c) * (rab + c);
            disc = disc > 0 ? disc : 0;                 // Swift.max(disc, 0) for non-NaN disc
            double sq = sqrt(disc);
            double pm = 3.141592653589793 - relu_angle(sq, c);
            double e = (sq + pm * c) * inv2pi, ed = pm * inv2pi;
            double sv = w2 * e + b2;
            s[j] = sv;
            t[j] = t[j] * (w2 * ed) + sv;
        }
    }
}

__attribute__((target("avx512f,avx512dq,avx512vl,avx2")))
static void relu_segment_avx512(int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
                                double *s, double *t, int64_t count, double w2, double b2) {
    relu_segment_body(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2);
}

__attribute__((target("avx2")))
static void relu_segment_avx2(int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
                              double *s, double *t, int64_t count, double w2, double b2) {
    relu_segment_body(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2);
}

static void relu_segment_baseline(int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
                                  double *s, double *t, int64_t count, double w2, double b2) {
    relu_segment_body(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2);
}

typedef void (*segment_fn)(int64_t, const double *, int64_t, const double *, int64_t, double *, double *, int64_t, double, double);

static int vector_bits(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) return 512;
    if (__builtin_cpu_supports("avx2")) return 256;
    return 128;
}

int ntk_relu_segment_vector_bits(void) {
    static int bits = 0;                                   // benign race: every thread computes the same value
    if (bits == 0) bits = vector_bits();
    return bits;
}

void ntk_relu_segment(int64_t steps, const double *pa, int64_t pa_stride, const double *pb, int64_t pb_stride,
                      double *s, double *t, int64_t count, double w2, double b2) {
    switch (ntk_relu_segment_vector_bits()) {
    case 512: relu_segment_avx512(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2); break;
    case 256: relu_segment_avx2(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2); break;
    default: relu_segment_baseline(steps, pa, pa_stride, pb, pb_stride, s, t, count, w2, b2); break;
    }
}
