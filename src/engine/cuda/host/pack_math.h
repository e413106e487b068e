/* The per-section arithmetic of the cuda engine, written once for the GPU
 * kernel (kernel.cu) and its host emulation (pack.c).
 *
 * Products and sums are rounded one by one (no fused multiply-add), in the
 * order of the input neurons, as the reference engine computes them: the
 * GPU's values are the reference's values to the bit. */
#ifndef SNIG_CUDA_PACK_MATH_H
#define SNIG_CUDA_PACK_MATH_H

#include "../../activation.h"

#include <stdint.h>

/* Rows of Y one block (or one emulated step) computes together: each weight
 * loaded is used this many times. */
#define SNIG_CUDA_ROWS 4

SNIG_HD float snig_pack_madd(float acc, float y, float w)
{
#ifdef __CUDA_ARCH__
    return __fadd_rn(acc, __fmul_rn(y, w));
#else
    float p = y * w;   /* C11 without extensions: no contraction */
    return acc + p;
#endif
}

/* Adds the entries k.. of one packed column whose input neuron is below s1
 * (the end of the current section, which starts at s0) to acc[0..ROWS).
 * idx and val point at the column's first slot; its entries are `step`
 * slots apart (SNIG_PACK_GROUP).  ys holds the section for each row, `ystep`
 * floats apart.  Returns the first entry not used (where the next section
 * starts). */
SNIG_HD uint32_t snig_pack_section(const uint16_t *idx, const float *val,
                                   uint32_t step, float uniform, uint32_t k,
                                   uint32_t kend, uint32_t s0, uint32_t s1,
                                   const float *ys, uint32_t ystep,
                                   float *acc)
{
    for (; k < kend; k++) {
        uint32_t i = idx[(size_t)k * step];
        if (i >= s1)
            break;
        float w = val != 0 ? val[(size_t)k * step] : uniform;
        const float *y = ys + (i - s0);
        for (int r = 0; r < SNIG_CUDA_ROWS; r++)
            acc[r] = snig_pack_madd(acc[r], y[(uint32_t)r * ystep], w);
    }
    return k;
}

/* Skips the entries k.. of a column that fall in a section of zeros. */
SNIG_HD uint32_t snig_pack_skip(const uint16_t *idx, uint32_t step, uint32_t k,
                                uint32_t kend, uint32_t s1)
{
    while (k < kend && idx[(size_t)k * step] < s1)
        k++;
    return k;
}

#endif /* SNIG_CUDA_PACK_MATH_H */
