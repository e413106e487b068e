/* The cuda engine's weight layout, built on the host, plain C so that the
 * packing and the per-section arithmetic are tested on CPUs (CI has no GPU)
 * and the .cu files include it unchanged.
 *
 * A layer is packed by OUTPUT neuron (CSC): for output neuron j, the input
 * neurons i with W[i, j] != 0, in increasing i.  A GPU thread owns one output
 * neuron and sums its column in that order, which is the order in which the
 * reference engine adds into z[j]: results agree to the bit, and no atomics
 * are needed.  The columns of 32 consecutive neurons (a group: one warp) are
 * interleaved, entry s of column j at slot grp[j / 32] + 32 s + j % 32, so a
 * warp reading the s-th entries of its 32 columns reads one contiguous run;
 * a group takes 32 x its longest column slots (RadiX-Net layers, 32 entries
 * in every column, waste none).  Input indices are 16 bits (N <= 65536);
 * the value array is left out when every value is equal; per-neuron biases
 * travel with the weights.  One layer is one blob (one copy to the device):
 *
 *   grp     (N / 32 + 1) x uint32   first slot of each group
 *   len     N x uint32              entries of each column
 *   idx     slots x uint16
 *   val     slots x float           only when the values differ
 *   bias    N x float               only for per-neuron biases
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
/* Columns interleaved together (a warp). */
#define SNIG_PACK_GROUP 32u

typedef struct snig__pack_layer {
    uint64_t offset;       /* of the blob in the arena (bytes, 256-aligned) */
    uint64_t bytes;        /* blob size (multiple of 256) */
    uint32_t nnz;
    uint32_t slots;        /* entries with the groups' padding */
    uint32_t len_off;      /* byte offsets inside the blob; grp at 0 */
    uint32_t idx_off;
    uint32_t val_off;      /* 0: no value array, every value is `uniform` */
    uint32_t bias_off;     /* 0: every neuron has bias `bias_scalar` */
    float uniform;
    float bias_scalar;
    int maps_saturated;    /* 1: the all-32 row comes out all-32 */
} snig__pack_layer;

/* Slots a layer needs (its entries and the groups' padding), given as CSR
 * by input neuron: nnz column indices in col16 or col32.  count: n scratch
 * uint32. */
uint64_t snig__pack_slots(uint32_t n, uint64_t nnz, const uint16_t *col16,
                         const uint32_t *col32, uint32_t *count);

/* Fills the sizes and offsets of d for a layer of n neurons, nnz entries
 * and `slots` slots (offset is left alone).  Returns 0 when the layer cannot
 * be packed (n or slots too large). */
int snig__pack_plan(snig__pack_layer *d, uint32_t n, uint64_t nnz,
                   uint64_t slots, int has_values, int per_neuron_bias);

/* Packs one layer given as CSR by input neuron (rowptr, col16 or col32, val
 * or NULL for `uniform`, bias or NULL for bias_scalar) into blob, which has
 * d->bytes bytes; d comes from snig__pack_plan with this layer's slots.
 * cursor: n scratch uint32.
 * Also sets d->maps_saturated, summing as the kernel does in the order
 * `fused` (pack_math.h). */
void snig__pack_fill(snig__pack_layer *d, uint32_t n, const uint32_t *rowptr,
                    const uint16_t *col16, const uint32_t *col32,
                    const float *val, float uniform, const float *bias,
                    float bias_scalar, int fused, void *blob,
                    uint32_t *cursor);

/* 1 when val[0..nnz) are all the same value (bit for bit). */
int snig__pack_uniform(const float *val, uint64_t nnz);

/* Largest section the host emulation takes. */
#define SNIG_PACK_EMULATE_SECTION 256u

/* Host emulation of one layer kernel step, with the kernel's tiling: tiles
 * of SNIG_CUDA_ROWS rows, input sections of `section` neurons (at most
 * SNIG_PACK_EMULATE_SECTION), a section skipped when it is zero in every
 * row of the tile, in the order `fused`.  yin/yout: rows x n.  Scratch:
 * acc n * SNIG_CUDA_ROWS floats, cursor n uint32. */
void snig__pack_emulate(const snig__pack_layer *d, const void *blob, uint32_t n,
                       uint32_t section, int fused, const float *yin,
                       float *yout, uint32_t rows, float *acc,
                       uint32_t *cursor);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_PACK_H */
