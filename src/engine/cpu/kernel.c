/* The cpu engine's kernel: one layer applied to one panel of 16 rows held
 * neuron-major (see cpu_internal.h).
 *
 * Scatter: for every input neuron i with a nonzero value in some lane, each
 * weight w(i, j) of the layer's CSR row i adds y[i] * w to the 16 lanes of
 * z[j]: one vector multiply and one vector add per weight, for 16 rows.
 * Input neurons that are zero in every lane are skipped.  Lanes that are
 * zero in an otherwise active neuron add +-0, which leaves every sum as it
 * is, so each lane's value is the reference engine's value to the bit.
 * Then the activation (snig_activate_general, per lane) writes the panel
 * back in place with its new nonzero masks.  (A row-at-a-time path, scalar
 * multiply-adds for input neurons alive in at most k lanes, was measured
 * and lost: docs/CPU.md.)
 *
 * This portable kernel ignores cpu_layer.cursor_width (the order of the
 * additions into each output neuron is the same either way).
 *
 * The same source is compiled for AVX2 (chosen at run time when the
 * processor has it but not AVX-512, which gets kernel_avx512.c) and for the
 * build's baseline, with GCC vector extensions.  Multiplies and adds stay
 * separate (no contraction: the build is ISO C11, and FMA is not enabled),
 * as in the reference.  SNIG_CPU_KERNEL=generic or =avx2 in the
 * environment forces a kernel (the tests cover each). */
#include "cpu_internal.h"

/* Bit-identical to the reference: multiplies and adds stay separate (gcc in
 * ISO C mode does not contract; clang must be told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "../activation.h"

#include <stdlib.h>
#include <string.h>

#define L16 CPU_LANES

/* 16 lanes of floats and of compare results (GCC vector extensions: one
 * zmm register with AVX-512, four xmm registers on the baseline). */
typedef float v16f __attribute__((vector_size(L16 * sizeof(float))));
typedef int32_t v16i __attribute__((vector_size(L16 * sizeof(int32_t))));

static inline __attribute__((always_inline)) void
scatter(const cpu_layer *L, const float *restrict y,
        const uint16_t *restrict mask, float *restrict z, uint64_t *madds,
        const bool c16, const bool hv)
{
    const uint32_t n_in = L->n_in;
    const uint16_t *col16 = L->col16;
    const uint32_t *col32 = L->col32;
    const float *val = L->val;
    const v16f *yv = (const v16f *)y;
    uint64_t m = 0;
    for (uint32_t s = 0; s < L->sections; s++) {
        /* one section: its panel of outputs stays in the L1 cache */
        const uint32_t *rowptr = L->rowptr + (size_t)s * (n_in + 1);
        v16f *zv = (v16f *)z + (size_t)s * L->width;
        for (uint32_t i = 0; i < n_in; i++) {
            uint32_t bits = mask[i];
            if (bits == 0)
                continue;
            uint32_t b = rowptr[i], e = rowptr[i + 1];
            m += (uint64_t)__builtin_popcount(bits) * (e - b);
            v16f yi = yv[i];
            if (hv) {
                for (uint32_t k = b; k < e; k++) {
                    uint32_t j = c16 ? col16[k] : col32[k];
                    zv[j] += yi * val[k];
                }
            } else {
                /* every weight is the same: so is y * w, computed once */
                v16f t = yi * L->uniform;
                for (uint32_t k = b; k < e; k++)
                    zv[c16 ? col16[k] : col32[k]] += t;
            }
        }
    }
    *madds += m;
}

static inline __attribute__((always_inline)) uint32_t lane_bits(v16i c)
{
    uint32_t m = 0;
    for (int q = 0; q < L16; q++)
        m |= (uint32_t)(c[q] & 1) << q;
    return m;
}

/* snig_activate_general on 16 lanes at once (the same operations, as
 * selects), for a bias rule and activation known at compile time:
 * NONZERO keeps z == 0 at 0; t = z + b; RELU and RELU_CAP send t < 0 to
 * +0; RELU_CAP sends t > cap to cap; a NaN stays NaN. */
static inline __attribute__((always_inline)) void
activate(const cpu_layer *L, float *restrict y, uint16_t *restrict mask,
         const float *restrict z, cpu_panel_stats *st, const bool dense,
         const int act)
{
    const v16f *zv = (const v16f *)z;
    v16f *yv = (v16f *)y;
    const v16f zero = {0}, cap = zero + L->cap;
    v16i any = {0}, all = (v16i){0} - 1;
    for (uint32_t j = 0; j < L->n_out; j++) {
        float b = L->bias ? L->bias[j] : L->bias_scalar;
        v16f zz = zv[j];
        v16f t = zz + b;
        v16i ti = (v16i)t;
        if (act != SNIG_ACT_IDENTITY) {
            v16i lt = t < zero;
            ti &= ~lt;
            if (act == SNIG_ACT_RELU_CAP) {
                v16i gt = t > cap;
                ti = (ti & ~gt) | ((v16i)cap & gt);
            }
        }
        if (!dense)
            ti &= zz != zero;
        v16f v = (v16f)ti;
        yv[j] = v;
        v16i vnz = v != zero;
        mask[j] = (uint16_t)lane_bits(vnz);
        any |= vnz;
        all &= v == cap;
    }
    st->alive = lane_bits(any);
    st->sat = act == SNIG_ACT_RELU_CAP ? lane_bits(all) : 0;
}

static inline __attribute__((always_inline)) void
panel_layer(const cpu_layer *L, float *restrict y, uint16_t *restrict mask,
            float *restrict z, cpu_panel_stats *st)
{
    memset(z, 0, (size_t)L->n_out * L16 * sizeof *z);
    uint64_t madds = 0;
    bool c16 = L->col16 != NULL, hv = L->val != NULL;
    if (c16 && hv)
        scatter(L, y, mask, z, &madds, true, true);
    else if (c16)
        scatter(L, y, mask, z, &madds, true, false);
    else if (hv)
        scatter(L, y, mask, z, &madds, false, true);
    else
        scatter(L, y, mask, z, &madds, false, false);
    CPU_ACTIVATE_BY_KIND(L, activate, L, y, mask, z, st);
    st->madds = madds;
}

static void panel_generic(const cpu_layer *L, float *restrict y,
                          uint16_t *restrict mask, float *restrict z,
                          cpu_panel_stats *st)
{
    panel_layer(L, y, mask, z, st);
}

#ifdef CPU_HAVE_AVX512_KERNEL
__attribute__((target("avx2")))
static void panel_avx2(const cpu_layer *L, float *restrict y,
                       uint16_t *restrict mask, float *restrict z,
                       cpu_panel_stats *st)
{
    panel_layer(L, y, mask, z, st);
}
#endif

cpu_kernel_fn snig__cpu_kernel_pick(const char **name)
{
    const char *want = getenv("SNIG_CPU_KERNEL");
    bool generic = want != NULL && strcmp(want, "generic") == 0;
    bool avx2 = want != NULL && strcmp(want, "avx2") == 0;
#ifdef CPU_HAVE_AVX512_KERNEL
    __builtin_cpu_init();
    if (!generic && !avx2 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq")) {
        *name = "avx512";
        return snig__cpu_panel_avx512;
    }
    if (!generic && __builtin_cpu_supports("avx2")) {
        *name = "avx2";
        return panel_avx2;
    }
#else
    (void)avx2;
#endif
    *name = "generic";
    return panel_generic;
}

/* The panel-mask pass of a fill (cpu_internal.h), portable. */
static uint32_t masks_generic(const float *restrict y, uint16_t *restrict mask,
                              uint32_t n)
{
    uint32_t any = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m = 0;
        for (uint32_t q = 0; q < CPU_LANES; q++)
            m |= (uint32_t)(y[(size_t)i * CPU_LANES + q] != 0.0f) << q;
        mask[i] = (uint16_t)m;
        any |= m;
    }
    return any;
}

#ifdef CPU_HAVE_AVX512_KERNEL
#include <immintrin.h>

/* The same with two 8-lane compares per neuron (unordered: a NaN is
 * nonzero, as with !=). */
__attribute__((target("avx2")))
static uint32_t masks_avx2(const float *restrict y, uint16_t *restrict mask,
                           uint32_t n)
{
    const __m256 zero = _mm256_setzero_ps();
    uint32_t any = 0;
    for (uint32_t i = 0; i < n; i++) {
        const float *p = y + (size_t)i * CPU_LANES;
        uint32_t lo = (uint32_t)_mm256_movemask_ps(
            _mm256_cmp_ps(_mm256_load_ps(p), zero, _CMP_NEQ_UQ));
        uint32_t hi = (uint32_t)_mm256_movemask_ps(
            _mm256_cmp_ps(_mm256_load_ps(p + 8), zero, _CMP_NEQ_UQ));
        uint32_t m = lo | hi << 8;
        mask[i] = (uint16_t)m;
        any |= m;
    }
    return any;
}
#endif

/* Compaction's lane move (cpu_internal.h), portable: lane by lane. */
static void move_generic(const float *restrict src, float *restrict dst,
                         uint16_t *restrict dmask, uint32_t n,
                         const uint8_t *to_from, uint32_t count,
                         uint32_t lanes)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nz = 0;
        for (uint32_t c = 0; c < count; c++) {
            float v = src[(size_t)i * CPU_LANES + to_from[2 * c + 1]];
            dst[(size_t)i * CPU_LANES + to_from[2 * c]] = v;
            nz |= (uint32_t)(v != 0.0f) << to_from[2 * c];
        }
        dmask[i] = (uint16_t)((dmask[i] & ~lanes) | nz);
    }
}

cpu_move_fn snig__cpu_move_pick(cpu_kernel_fn kernel)
{
#ifdef CPU_HAVE_AVX512_KERNEL
    if (kernel == snig__cpu_panel_avx512)
        return snig__cpu_move_avx512;
#endif
    (void)kernel;
    return move_generic;
}

cpu_masks_fn snig__cpu_masks_pick(cpu_kernel_fn kernel)
{
#ifdef CPU_HAVE_AVX512_KERNEL
    if (kernel == snig__cpu_panel_avx512)
        return snig__cpu_masks_avx512;
    if (kernel == panel_avx2)
        return masks_avx2;
#endif
    (void)kernel;
    return masks_generic;
}
