/* The cpu engine's kernel written for AVX-512 (x86-64, gcc or clang; chosen
 * at run time when the processor has it).  The same computation as
 * kernel.c, one zmm register per 16-lane panel row, with the lane masks of
 * the activation coming straight out of the compare instructions.  Every
 * function carries the target attribute, so the build needs no -march. */
#include "cpu_internal.h"

/* Bit-identical to the reference: multiplies and adds stay separate (gcc in
 * ISO C mode does not contract; clang must be told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#ifdef CPU_HAVE_AVX512_KERNEL

#include "../activation.h"

#include <immintrin.h>
#include <string.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))
#define INLINE static inline __attribute__((always_inline)) AVX512

INLINE uint64_t scatter(const cpu_layer *L, const float *restrict y,
                        const uint16_t *restrict mask, float *restrict z,
                        const bool c16, const bool hv)
{
    const uint32_t n_in = L->n_in;
    const uint16_t *col16 = L->col16;
    const uint32_t *col32 = L->col32;
    const float *val = L->val;
    uint64_t m = 0;
    for (uint32_t s = 0; s < L->sections; s++) {
        /* one section: its panel of outputs stays in the L1 cache */
        const uint32_t *rowptr = L->rowptr + (size_t)s * (n_in + 1);
        float *zs = z + (size_t)s * L->width * CPU_LANES;
        for (uint32_t i = 0; i < n_in; i++) {
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
INLINE uint64_t scatter_cursor(const cpu_layer *L, const float *restrict y,
                               const uint16_t *restrict mask,
                               float *restrict z, uint32_t *restrict cur,
                               const bool c16, const bool hv)
{
    const uint32_t n_in = L->n_in, n_out = L->n_out;
    const uint32_t *rowptr = L->rowptr;
    const uint16_t *col16 = L->col16;
    const uint32_t *col32 = L->col32;
    const float *val = L->val;
    uint64_t m = 0;
    for (uint32_t i = 0; i < n_in; i++) {
        cur[i] = rowptr[i];
        m += (uint64_t)__builtin_popcount(mask[i]) *
             (rowptr[i + 1] - rowptr[i]);
    }
    for (uint32_t lo = 0; lo < n_out; lo += L->cursor_width) {
        uint32_t hi = n_out - lo < L->cursor_width ? n_out
                                                   : lo + L->cursor_width;
        for (uint32_t i = 0; i < n_in; i++) {
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

/* snig_activate_general on 16 lanes (the same operations, as masked
 * moves), for a bias rule and activation known at compile time: NONZERO
 * keeps z == 0 at +0; t = z + b; RELU and RELU_CAP send t < 0 to +0;
 * RELU_CAP sends t > cap to cap; a NaN stays NaN.  Output j's sum zz goes
 * to y and mask; *any and *all gather the lanes alive and at the cap. */
INLINE void activate_one(const cpu_layer *L, uint32_t j, __m512 zz,
                         float *restrict y, uint16_t *restrict mask,
                         __mmask16 *any, __mmask16 *all, const bool dense,
                         const int act)
{
    const __m512 zero = _mm512_setzero_ps();
    float b = L->bias ? L->bias[j] : L->bias_scalar;
    __m512 t = _mm512_add_ps(zz, _mm512_set1_ps(b));
    __mmask16 keep = 0xffff;
    if (!dense)
        keep = _mm512_cmp_ps_mask(zz, zero, _CMP_NEQ_UQ);
    if (act != SNIG_ACT_IDENTITY)
        keep &= (__mmask16)~_mm512_cmp_ps_mask(t, zero, _CMP_LT_OQ);
    if (act == SNIG_ACT_RELU_CAP) {
        const __m512 cap = _mm512_set1_ps(L->cap);
        t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, cap, _CMP_GT_OQ),
                               cap);
    }
    t = _mm512_maskz_mov_ps(keep, t);
    _mm512_store_ps(y + (size_t)j * CPU_LANES, t);
    __mmask16 vnz = _mm512_cmp_ps_mask(t, zero, _CMP_NEQ_UQ);
    mask[j] = vnz;
    *any |= vnz;
    if (act == SNIG_ACT_RELU_CAP)
        *all &= _mm512_cmp_ps_mask(t, _mm512_set1_ps(L->cap), _CMP_EQ_OQ);
}

INLINE void activate(const cpu_layer *L, float *restrict y,
                     uint16_t *restrict mask, const float *restrict z,
                     cpu_panel_stats *st, const bool dense, const int act)
{
    __mmask16 any = 0, all = 0xffff;
    for (uint32_t j = 0; j < L->n_out; j++)
        activate_one(L, j, _mm512_load_ps(z + (size_t)j * CPU_LANES), y,
                     mask, &any, &all, dense, act);
    st->alive = any;
    st->sat = act == SNIG_ACT_RELU_CAP ? all : 0;
}

/* Multiply-adds the reference does (inputs nonzero per lane), and the
 * entries the scatter would visit (rows of neurons nonzero in some lane).
 * When every row has the same length, both are that length times counts
 * of the masks, 32 masks to a vector. */
INLINE uint64_t count_work(const cpu_layer *L, const uint16_t *restrict mask,
                           uint64_t *visit)
{
    const uint32_t n = L->n_in;
    uint64_t m = 0, v = 0;
    uint32_t i = 0;
    if (L->row_len != 0) {
        for (; i + 32 <= n; i += 32) {
            uint64_t w[8];
            memcpy(w, mask + i, sizeof w);  /* any alignment, no aliasing */
            m += (uint64_t)(__builtin_popcountll(w[0]) +
                            __builtin_popcountll(w[1]) +
                            __builtin_popcountll(w[2]) +
                            __builtin_popcountll(w[3])) +
                 (uint64_t)(__builtin_popcountll(w[4]) +
                            __builtin_popcountll(w[5]) +
                            __builtin_popcountll(w[6]) +
                            __builtin_popcountll(w[7]));
            __m512i x = _mm512_loadu_si512(mask + i);
            v += (uint64_t)__builtin_popcount(_mm512_test_epi16_mask(x, x));
        }
        for (; i < n; i++) {
            m += (uint64_t)__builtin_popcount(mask[i]);
            v += mask[i] != 0;
        }
        *visit = v * L->row_len;
        return m * L->row_len;
    }
    const uint32_t *rs = L->row_start;
    for (; i < n; i++) {
        uint32_t len = rs[i + 1] - rs[i];
        m += (uint64_t)__builtin_popcount(mask[i]) * len;
        v += mask[i] != 0 ? len : 0;
    }
    *visit = v;
    return m;
}

/* One entry of a column's sum: y_i * w (or the product made once). */
#define TERM(k)                                                              \
    (hv ? _mm512_mul_ps(_mm512_load_ps(src + (size_t)rows[k] * CPU_LANES),  \
                        _mm512_set1_ps(val[k]))                              \
        : _mm512_load_ps(src + (size_t)rows[k] * CPU_LANES))

/* The gather kernel: section by section of input neurons, output by
 * output, its entries by input neuron, the sum in a register (four outputs
 * at a time, so four chains of additions overlap), carried from one
 * section to the next through z.  The same additions in the same order as
 * the scatter.  When every weight is the same, the sums read prod, y times
 * the weight made once per input neuron, and the last section activates
 * each sum as it is done, writing y in place; a layer with its own weights
 * multiplies each entry, reading y itself (a copy of it for the activation
 * in place cost more than the pass over z it saves: its entries load their
 * weight too, three loads an entry). */
#define GATHER_FINISH(a, jj)                                                 \
    do {                                                                     \
        if (last && !hv)                                                     \
            activate_one(L, jj, a, y, mask, &any, &all, dense, act);         \
        else                                                                 \
            _mm512_store_ps(z + (size_t)(jj) * CPU_LANES, a);                \
    } while (0)

INLINE void gather(const cpu_layer *L, float *restrict y,
                   uint16_t *restrict mask, float *restrict z,
                   float *restrict prod, cpu_panel_stats *st, const bool hv,
                   const bool dense, const int act)
{
    const uint32_t n_out = L->n_out;
    const uint16_t *rows = L->crow;
    const float *val = L->cval;
    const float *src = y;
    if (!hv) {
        __m512 w = _mm512_set1_ps(L->uniform);
        for (uint32_t i = 0; i < L->n_in; i++)
            _mm512_store_ps(prod + (size_t)i * CPU_LANES,
                            _mm512_mul_ps(_mm512_load_ps(y + (size_t)i *
                                                         CPU_LANES), w));
        src = prod;
    }
    __mmask16 any = 0, all = 0xffff;
    for (uint32_t s = 0; s < L->csc_sections; s++) {
        const uint32_t *cp = L->colptr + (size_t)s * (n_out + 1);
        const bool last = s + 1 == L->csc_sections;
        uint32_t j = 0;
        for (; j + 4 <= n_out; j += 4) {
            uint32_t b0 = cp[j], b1 = cp[j + 1], b2 = cp[j + 2];
            uint32_t b3 = cp[j + 3], e3 = cp[j + 4];
            uint32_t m = b1 - b0;
            m = b2 - b1 < m ? b2 - b1 : m;
            m = b3 - b2 < m ? b3 - b2 : m;
            m = e3 - b3 < m ? e3 - b3 : m;
            float *zj = z + (size_t)j * CPU_LANES;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            if (s > 0) {
                a0 = _mm512_load_ps(zj);
                a1 = _mm512_load_ps(zj + CPU_LANES);
                a2 = _mm512_load_ps(zj + 2 * CPU_LANES);
                a3 = _mm512_load_ps(zj + 3 * CPU_LANES);
            }
            for (uint32_t t = 0; t < m; t++) {
                a0 = _mm512_add_ps(a0, TERM(b0 + t));
                a1 = _mm512_add_ps(a1, TERM(b1 + t));
                a2 = _mm512_add_ps(a2, TERM(b2 + t));
                a3 = _mm512_add_ps(a3, TERM(b3 + t));
            }
            for (uint32_t k = b0 + m; k < b1; k++)
                a0 = _mm512_add_ps(a0, TERM(k));
            for (uint32_t k = b1 + m; k < b2; k++)
                a1 = _mm512_add_ps(a1, TERM(k));
            for (uint32_t k = b2 + m; k < b3; k++)
                a2 = _mm512_add_ps(a2, TERM(k));
            for (uint32_t k = b3 + m; k < e3; k++)
                a3 = _mm512_add_ps(a3, TERM(k));
            GATHER_FINISH(a0, j);
            GATHER_FINISH(a1, j + 1);
            GATHER_FINISH(a2, j + 2);
            GATHER_FINISH(a3, j + 3);
        }
        for (; j < n_out; j++) {
            __m512 a = s > 0 ? _mm512_load_ps(z + (size_t)j * CPU_LANES)
                             : _mm512_setzero_ps();
            for (uint32_t k = cp[j]; k < cp[j + 1]; k++)
                a = _mm512_add_ps(a, TERM(k));
            GATHER_FINISH(a, j);
        }
        src += (size_t)L->csc_width * CPU_LANES;
    }
    if (hv) {
        activate(L, y, mask, z, st, dense, act);
        return;
    }
    st->alive = any;
    st->sat = act == SNIG_ACT_RELU_CAP ? all : 0;
}
#undef GATHER_FINISH
#undef TERM

AVX512 void snig__cpu_panel_avx512(const cpu_layer *L, float *restrict y,
                                   uint16_t *restrict mask, float *restrict z,
                                   cpu_panel_stats *st)
{
    bool c16 = L->col16 != NULL, hv = L->val != NULL;
    uint64_t visit = 0;
    float *prod = z + (size_t)L->n_out * CPU_LANES;
    if (L->colptr != NULL) {
        st->madds = count_work(L, mask, &visit);
        if (visit * CPU_SCATTER_COST > L->nnz * CPU_GATHER_COST) {
            if (hv)
                CPU_ACTIVATE_BY_KIND(L, gather, L, y, mask, z, prod, st,
                                     true);
            else
                CPU_ACTIVATE_BY_KIND(L, gather, L, y, mask, z, prod, st,
                                     false);
            return;
        }
    }
    for (uint32_t j = 0; j < L->n_out; j++)
        _mm512_store_ps(z + (size_t)j * CPU_LANES, _mm512_setzero_ps());
    uint32_t *cur = (uint32_t *)prod;
    if (L->cursor_width != 0 && c16 && !hv)
        st->madds = scatter_cursor(L, y, mask, z, cur, true, false);
    else if (L->cursor_width != 0 && c16)
        st->madds = scatter_cursor(L, y, mask, z, cur, true, true);
    else if (L->cursor_width != 0 && hv)
        st->madds = scatter_cursor(L, y, mask, z, cur, false, true);
    else if (L->cursor_width != 0)
        st->madds = scatter_cursor(L, y, mask, z, cur, false, false);
    else if (c16 && hv)
        st->madds = scatter(L, y, mask, z, true, true);
    else if (c16)
        st->madds = scatter(L, y, mask, z, true, false);
    else if (hv)
        st->madds = scatter(L, y, mask, z, false, true);
    else
        st->madds = scatter(L, y, mask, z, false, false);
    CPU_ACTIVATE_BY_KIND(L, activate, L, y, mask, z, st);
}
AVX512 uint32_t snig__cpu_masks_avx512(const float *restrict y,
                                       uint16_t *restrict mask, uint32_t n)
{
    const __m512 zero = _mm512_setzero_ps();
    __mmask16 any = 0;
    for (uint32_t i = 0; i < n; i++) {
        __mmask16 m = _mm512_cmp_ps_mask(
            _mm512_load_ps(y + (size_t)i * CPU_LANES), zero, _CMP_NEQ_UQ);
        mask[i] = m;
        any |= m;
    }
    return any;
}

/* Compaction's lane move: one permute per neuron moves every lane of the
 * group at once. */
AVX512 void snig__cpu_move_avx512(const float *restrict src,
                                  float *restrict dst,
                                  uint16_t *restrict dmask, uint32_t n,
                                  const uint8_t *to_from, uint32_t count,
                                  uint32_t lanes)
{
    uint32_t from[CPU_LANES] = {0};
    for (uint32_t c = 0; c < count; c++)
        from[to_from[2 * c]] = to_from[2 * c + 1];
    const __m512i idx = _mm512_loadu_si512(from);
    const __m512 zero = _mm512_setzero_ps();
    const __mmask16 k = (__mmask16)lanes;
    for (uint32_t i = 0; i < n; i++) {
        __m512 d = _mm512_mask_permutexvar_ps(
            _mm512_load_ps(dst + (size_t)i * CPU_LANES), k, idx,
            _mm512_load_ps(src + (size_t)i * CPU_LANES));
        _mm512_store_ps(dst + (size_t)i * CPU_LANES, d);
        __mmask16 nz = _mm512_mask_cmp_ps_mask(k, d, zero, _CMP_NEQ_UQ);
        dmask[i] = (uint16_t)((dmask[i] & ~lanes) | nz);
    }
}

#else
/* not x86-64 with gcc or clang: kernel.c's portable kernel only */
typedef int snig_cpu_no_avx512;
#endif
