/* RadiX-Net layers with the structure of the official challenge networks
 * (see ../shared/data/graphchallenge/README.md and docs/FIDELITY.md).
 * Generator-internal. */
#ifndef SNIG_GEN_RADIXNET_H
#define SNIG_GEN_RADIXNET_H

#include "../core/internal.h"

#define SNIG_RADIX_FANOUT 32u        /* nonzeros per row and per column */
#define SNIG_RADIX_WEIGHT 0.0625f    /* 1/16, every weight */
#define SNIG_RADIX_MAX_NEURONS (1u << 27) /* 32 N must fit a uint32 rowptr */

typedef struct snig_radixnet {
    snig_ctx *ctx;
    uint32_t neurons;        /* N */
    uint32_t m;              /* M = N / 16 */
    uint32_t log_m;          /* S = log2 M, layers per block */
    uint64_t seed;
    uint32_t block;          /* block whose permutation `perm` holds */
    uint32_t *perm;          /* N entries: p_block */
} snig_radixnet;

/* 1 when N = 16 * 2^k, N >= 64 and N <= SNIG_RADIX_MAX_NEURONS. */
int snig__radixnet_valid_neurons(uint32_t n);

snig_status snig__radixnet_init(snig_ctx *ctx, snig_radixnet *rx, uint32_t n,
                                uint64_t seed);
void snig__radixnet_free(snig_radixnet *rx);

/* Fills layer l (0-based) in kernel-ready form: rowptr (N + 1 entries) and
 * the sorted columns of every row in col16 (N <= 65536) or col32 (32 N
 * entries), both owned by the caller.  Layers may be asked for in any order;
 * asking in order draws each block's permutation once. */
snig_status snig__radixnet_layer(snig_radixnet *rx, uint32_t l,
                                 uint32_t *rowptr, uint16_t *col16,
                                 uint32_t *col32);

#endif
