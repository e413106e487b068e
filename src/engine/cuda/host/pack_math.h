/* The per-section arithmetic of the cuda engine, written once for the GPU
 * kernel (kernel.cu) and its host emulation (pack.c).
 *
 * Two orders of summation, both the same from run to run:
 *   reference (fused = 0): products and sums rounded one by one (no fused
 *     multiply-add), in the order of the input neurons, as the reference
 *     engine computes them: the GPU's values are the reference's to the bit;
 *   fused (fused = 1): one fused multiply-add per entry, same order (one
 *     instruction instead of two; values may differ from the reference's in
 *     the last bit, so categories can only be trusted after the check).
 * The rows of a tile sit interleaved in shared memory, ys[4 i + r] for input
 * neuron s0 + i of row r, so one 16-byte read serves the 4 rows. */
#ifndef SNIG_CUDA_PACK_MATH_H
#define SNIG_CUDA_PACK_MATH_H

#include "../../activation.h"

#include <math.h>
#include <stdint.h>

/* Rows of Y one block (or one emulated step) computes together: each weight
 * loaded is used this many times.  4: one float4 of shared memory. */
#define SNIG_CUDA_ROWS 4

/* No input neuron: ends a column's walk. */
#define SNIG_PACK_END 0xffffffffu

SNIG_HD float snig__pack_madd(float acc, float y, float w, int fused)
{
#ifdef __CUDA_ARCH__
    return fused ? __fmaf_rn(y, w, acc) : __fadd_rn(acc, __fmul_rn(y, w));
#else
    if (fused)
        return fmaf(y, w, acc);
    float p = y * w;   /* C11 without extensions: no contraction */
    return acc + p;
#endif
}

/* Adds the entries k.. of one packed column whose input neuron is below s1
 * (the end of the current section, which starts at s0) to acc[0..ROWS).
 * idx and val point at the column's first slot; its entries are `step`
 * slots apart (SNIG_PACK_GROUP).  ys holds the section, rows interleaved.
 * The next entry's index is read before the current one is used (two loads
 * in flight).  Returns the first entry not used (where the next section
 * starts). */
SNIG_HD uint32_t snig__pack_section(const uint16_t *idx, const float *val,
                                   uint32_t step, float uniform, uint32_t k,
                                   uint32_t kend, uint32_t s0, uint32_t s1,
                                   const float *ys, int fused, float *acc)
{
    uint32_t i = k < kend ? idx[(size_t)k * step] : SNIG_PACK_END;
    while (i < s1) {
        const uint32_t next =
            k + 1 < kend ? idx[(size_t)(k + 1) * step] : SNIG_PACK_END;
        const float w = val != 0 ? val[(size_t)k * step] : uniform;
#ifdef __CUDA_ARCH__
        const float4 y = *(const float4 *)(ys + (size_t)(i - s0) * 4);
        acc[0] = snig__pack_madd(acc[0], y.x, w, fused);
        acc[1] = snig__pack_madd(acc[1], y.y, w, fused);
        acc[2] = snig__pack_madd(acc[2], y.z, w, fused);
        acc[3] = snig__pack_madd(acc[3], y.w, w, fused);
#else
        const float *y = ys + (size_t)(i - s0) * SNIG_CUDA_ROWS;
        for (int r = 0; r < SNIG_CUDA_ROWS; r++)
            acc[r] = snig__pack_madd(acc[r], y[r], w, fused);
#endif
        k++;
        i = next;
    }
    return k;
}

/* Skips the entries k.. of a column that fall in a section of zeros. */
SNIG_HD uint32_t snig__pack_skip(const uint16_t *idx, uint32_t step, uint32_t k,
                                uint32_t kend, uint32_t s1)
{
    while (k < kend && idx[(size_t)k * step] < s1)
        k++;
    return k;
}

#endif /* SNIG_CUDA_PACK_MATH_H */
