/* The cpu engine's kernel written for AVX-512 (x86-64 only; chosen at run
 * time when the processor has it).  The same computation as kernel.c, one
 * zmm register per 16-lane panel row, with the lane masks of the activation
 * coming straight out of the compare instructions. */
#include "cpu_internal.h"

#ifdef CPU_HAVE_AVX512_KERNEL
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq")

#include "../activation.h"

#include <immintrin.h>

static inline __attribute__((always_inline)) uint64_t
scatter(const cpu_layer *L, uint32_t n, const float *restrict y,
        const uint16_t *restrict mask, float *restrict z, const bool c16,
        const bool hv)
{
    const uint16_t *col16 = L->col16;
    const uint32_t *col32 = L->col32;
    const float *val = L->val;
    uint64_t m = 0;
    for (uint32_t s = 0; s < L->sections; s++) {
        /* one section: its panel of outputs stays in the L1 cache */
        const uint32_t *rowptr = L->rowptr + (size_t)s * (n + 1);
        float *zs = z + (size_t)s * L->width * CPU_LANES;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t bits = mask[i];
            if (bits == 0)
                continue;
            uint32_t b = rowptr[i], e = rowptr[i + 1];
            m += (uint64_t)__builtin_popcount(bits) * (e - b);
            __m512 yi = _mm512_load_ps(y + (size_t)i * CPU_LANES);
            if (hv) {
                for (uint32_t k = b; k < e; k++) {
                    uint32_t j = c16 ? col16[k] : col32[k];
                    float *zj = zs + (size_t)j * CPU_LANES;
                    __m512 p = _mm512_mul_ps(yi, _mm512_set1_ps(val[k]));
                    _mm512_store_ps(zj, _mm512_add_ps(_mm512_load_ps(zj), p));
                }
            } else {
                /* every weight is the same: so is y * w, computed once */
                __m512 p = _mm512_mul_ps(yi, _mm512_set1_ps(L->uniform));
                for (uint32_t k = b; k < e; k++) {
                    uint32_t j = c16 ? col16[k] : col32[k];
                    float *zj = zs + (size_t)j * CPU_LANES;
                    _mm512_store_ps(zj, _mm512_add_ps(_mm512_load_ps(zj), p));
                }
            }
        }
    }
    return m;
}

/* Section by section through rows with sorted columns: cur[i] is where
 * row i's next section starts. */
static inline __attribute__((always_inline)) uint64_t
scatter_cursor(const cpu_layer *L, uint32_t n, const float *restrict y,
               const uint16_t *restrict mask, float *restrict z,
               uint32_t *restrict cur, const bool c16, const bool hv)
{
    const uint32_t *rowptr = L->rowptr;
    const uint16_t *col16 = L->col16;
    const uint32_t *col32 = L->col32;
    const float *val = L->val;
    uint64_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        cur[i] = rowptr[i];
        m += (uint64_t)__builtin_popcount(mask[i]) *
             (rowptr[i + 1] - rowptr[i]);
    }
    for (uint32_t lo = 0; lo < n; lo += L->cursor_width) {
        uint32_t hi = n - lo < L->cursor_width ? n : lo + L->cursor_width;
        for (uint32_t i = 0; i < n; i++) {
            if (mask[i] == 0)
                continue;
            uint32_t k = cur[i], e = rowptr[i + 1];
            __m512 yi = _mm512_load_ps(y + (size_t)i * CPU_LANES);
            __m512 p = _mm512_mul_ps(yi, _mm512_set1_ps(L->uniform));
            for (; k < e; k++) {
                uint32_t j = c16 ? col16[k] : col32[k];
                if (j >= hi)
                    break;
                if (hv)
                    p = _mm512_mul_ps(yi, _mm512_set1_ps(val[k]));
                float *zj = z + (size_t)j * CPU_LANES;
                _mm512_store_ps(zj, _mm512_add_ps(_mm512_load_ps(zj), p));
            }
            cur[i] = k;
        }
    }
    return m;
}

/* snig_activate on 16 lanes (the same operations, as masked moves): z == 0
 * stays +0; else z + b, below 0 -> +0, above YMAX -> YMAX; NaN stays NaN. */
static inline __attribute__((always_inline)) void
activate(const cpu_layer *L, uint32_t n, float *restrict y,
         uint16_t *restrict mask, const float *restrict z,
         cpu_panel_stats *st)
{
    const __m512 zero = _mm512_setzero_ps(), cap = _mm512_set1_ps(SNIG_YMAX);
    __mmask16 any = 0, all = 0xffff;
    for (uint32_t j = 0; j < n; j++) {
        float b = L->bias ? L->bias[j] : L->bias_scalar;
        __m512 zz = _mm512_load_ps(z + (size_t)j * CPU_LANES);
        __m512 t = _mm512_add_ps(zz, _mm512_set1_ps(b));
        __mmask16 nz = _mm512_cmp_ps_mask(zz, zero, _CMP_NEQ_UQ);
        __mmask16 lt = _mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
        __mmask16 gt = _mm512_cmp_ps_mask(t, cap, _CMP_GT_OQ);
        t = _mm512_mask_mov_ps(t, gt, cap);
        t = _mm512_maskz_mov_ps(nz & (__mmask16)~lt, t);
        _mm512_store_ps(y + (size_t)j * CPU_LANES, t);
        __mmask16 vnz = _mm512_cmp_ps_mask(t, zero, _CMP_NEQ_UQ);
        mask[j] = vnz;
        any |= vnz;
        all &= _mm512_cmp_ps_mask(t, cap, _CMP_EQ_OQ);
    }
    st->alive = any;
    st->sat = all;
}

void cpu_panel_avx512(const cpu_layer *L, uint32_t n, float *restrict y,
                      uint16_t *restrict mask, float *restrict z,
                      cpu_panel_stats *st)
{
    for (uint32_t j = 0; j < n; j++)
        _mm512_store_ps(z + (size_t)j * CPU_LANES, _mm512_setzero_ps());
    bool c16 = L->col16 != NULL, hv = L->val != NULL;
    uint32_t *cur = (uint32_t *)(z + (size_t)n * CPU_LANES);
    if (L->cursor_width != 0 && c16 && !hv)
        st->madds = scatter_cursor(L, n, y, mask, z, cur, true, false);
    else if (L->cursor_width != 0 && c16)
        st->madds = scatter_cursor(L, n, y, mask, z, cur, true, true);
    else if (L->cursor_width != 0 && hv)
        st->madds = scatter_cursor(L, n, y, mask, z, cur, false, true);
    else if (L->cursor_width != 0)
        st->madds = scatter_cursor(L, n, y, mask, z, cur, false, false);
    else if (c16 && hv)
        st->madds = scatter(L, n, y, mask, z, true, true);
    else if (c16)
        st->madds = scatter(L, n, y, mask, z, true, false);
    else if (hv)
        st->madds = scatter(L, n, y, mask, z, false, true);
    else
        st->madds = scatter(L, n, y, mask, z, false, false);
    activate(L, n, y, mask, z, st);
}
#else
/* not x86-64 with gcc: kernel.c's portable kernel only */
typedef int snig_cpu_no_avx512;
#endif
