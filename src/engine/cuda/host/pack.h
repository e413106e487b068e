/* The cuda engine's weight layout, built on the host, plain C so that the
 * packing and the per-section arithmetic are tested on CPUs (CI has no GPU)
 * and the .cu files include it unchanged.
 *
 * A layer is packed by OUTPUT neuron (CSC): for output neuron j, the input
 * neurons i with W[i, j] != 0, in increasing i.  A GPU thread owns one output
 * neuron and sums its column in that order, which is the order in which the
 * reference engine adds into z[j]: results agree to the bit, and no atomics
 * are needed.  Input indices are 16 bits (N <= 65536); the value array is
 * left out when every value is equal; per-neuron biases travel with the
 * weights.  One layer is one blob (so a blob is one copy to the device):
 *
 *   colptr  (N + 1) x uint32
 *   idx     nnz x uint16
 *   val     nnz x float        only when the values differ
 *   bias    N x float          only for per-neuron biases
 *
 * each part starting at a multiple of 16 bytes. */
#ifndef SNIG_CUDA_PACK_H
#define SNIG_CUDA_PACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest N the 16-bit indices allow. */
#define SNIG_PACK_MAX_NEURONS 65536u

typedef struct snig_pack_layer {
    uint64_t offset;       /* of the blob in the arena (bytes, 256-aligned) */
    uint64_t bytes;        /* blob size (multiple of 256) */
    uint32_t nnz;
    uint32_t idx_off;      /* byte offsets inside the blob; colptr at 0 */
    uint32_t val_off;      /* 0: no value array, every value is `uniform` */
    uint32_t bias_off;     /* 0: every neuron has bias `bias_scalar` */
    float uniform;
    float bias_scalar;
    int maps_saturated;    /* 1: the all-32 row comes out all-32 */
} snig_pack_layer;

/* Fills the sizes and offsets of d for a layer of n neurons and nnz entries
 * (offset is left alone).  Returns 0 when the layer cannot be packed (n or
 * nnz too large). */
int snig_pack_plan(snig_pack_layer *d, uint32_t n, uint64_t nnz,
                   int has_values, int per_neuron_bias);

/* Packs one layer given as CSR by input neuron (rowptr, col16 or col32, val
 * or NULL for `uniform`, bias or NULL for bias_scalar) into blob, which has
 * d->bytes bytes; d comes from snig_pack_plan.  cursor: n scratch uint32.
 * Also sets d->maps_saturated. */
void snig_pack_fill(snig_pack_layer *d, uint32_t n, const uint32_t *rowptr,
                    const uint16_t *col16, const uint32_t *col32,
                    const float *val, float uniform, const float *bias,
                    float bias_scalar, void *blob, uint32_t *cursor);

/* 1 when val[0..nnz) are all the same value (bit for bit). */
int snig_pack_uniform(const float *val, uint64_t nnz);

/* Largest section the host emulation takes. */
#define SNIG_PACK_EMULATE_SECTION 256u

/* Host emulation of one layer kernel step, with the kernel's tiling: tiles
 * of SNIG_CUDA_ROWS rows, input sections of `section` neurons (at most
 * SNIG_PACK_EMULATE_SECTION), a section skipped when it is zero in every
 * row of the tile.  yin/yout: rows x n.  Scratch: acc n * SNIG_CUDA_ROWS
 * floats, cursor n uint32. */
void snig_pack_emulate(const snig_pack_layer *d, const void *blob, uint32_t n,
                       uint32_t section, const float *yin, float *yout,
                       uint32_t rows, float *acc, uint32_t *cursor);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_PACK_H */
