/* How the cuda engine uses a GPU's memory: one allocation cut into the
 * buffers below, and the choice between resident weights (every layer
 * copied once) and streaming (B layer buffers refilled for every batch),
 * with the largest batch that fits the budget.  Plain C, tested on CPUs. */
#ifndef SNIG_CUDA_PLAN_H
#define SNIG_CUDA_PLAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most rows of one batch (counts and positions are 32 bits). */
#define SNIG_CUDA_MAX_BATCH (1u << 22)

/* One input nonzero as it travels to the GPU. */
typedef struct snig__cuda_entry {
    uint32_t col;
    float val;
} snig__cuda_entry;

/* Byte offsets of the device buffers inside one allocation. */
typedef struct snig__cuda_layout {
    uint64_t weights;   /* streamed: B blobs of max size (else empty) */
    uint64_t y[2];      /* batch x N floats each: Y in and out, in turn */
    uint64_t list[2];   /* batch uint32: live row positions, in turn */
    uint64_t rownz;     /* batch uint32: a block found the row nonzero */
    uint64_t rowsat;    /* batch uint32: blocks that found it all at 32 */
    uint64_t status;    /* batch uint8: 0 dead, 1 in the final Y, 2 at 32 */
    uint64_t rowptr;    /* batch + 1 uint64: input rows of the batch */
    uint64_t mult;      /* batch uint32: rows each one stands for */
    uint64_t entries;   /* max_entries snig__cuda_entry */
    uint64_t count;     /* layers + 1 uint32: live rows entering layer l */
    uint64_t stats;     /* 2 x layers uint64: live and retired weights */
    uint64_t total;
} snig__cuda_layout;

typedef struct snig__cuda_plan {
    uint32_t batch;         /* rows per batch */
    uint64_t max_entries;   /* input nonzeros of the largest batch */
    snig__cuda_layout layout;
} snig__cuda_plan;

void snig__cuda_layout_make(snig__cuda_layout *lay, uint32_t n, uint32_t layers,
                           uint32_t batch, uint64_t max_entries,
                           uint64_t weight_bytes);

/* Input nonzeros of the largest batch of `batch` rows. */
uint64_t snig__cuda_max_entries(const uint64_t *rowptr, uint64_t rows,
                               uint32_t batch);

/* Rows a resident plan keeps room for beside the weights (else the weights
 * are streamed: each batch runs every layer, so tiny batches would cost more
 * than streaming), and the input nonzeros per row assumed for them. */
#define SNIG_CUDA_RESIDENT_ROWS 1024u
#define SNIG_CUDA_RESIDENT_DENSITY 4u   /* n / 4 nonzeros a row */

/* How the weights live on a GPU, chosen once per plan (prepare). */
typedef struct snig__cuda_weights_plan {
    int resident;       /* 1: every layer copied once, at prepare */
    int buffers;        /* streamed: layer buffers refilled every batch */
    uint64_t need;      /* bytes asked for beside the rows (see below) */
} snig__cuda_weights_plan;

/* Resident when the arena and SNIG_CUDA_RESIDENT_ROWS rows fit the budget;
 * else streamed through want_buffers (0: 2; at most `layers`) buffers of
 * max_layer_bytes.  Returns 0 when not even one row fits beside the
 * buffers (w->need then holds the least that would). */
int snig__cuda_weights_choose(snig__cuda_weights_plan *w, uint32_t n,
                             uint32_t layers, uint64_t arena_bytes,
                             uint64_t max_layer_bytes, uint64_t budget,
                             int want_buffers);

/* Chooses the batch for a budget of `budget` bytes (what is left once
 * resident weights are on the GPU), the device buffers holding
 * `weight_bytes` of weights (0 when resident).  want_batch 0: as large as
 * fits (at most ceil(rows / gpus)); else exactly that (or fewer rows when
 * there are fewer).  Returns 1, or 0 when nothing fits (then
 * p->layout.total holds the smallest need). */
int snig__cuda_plan_make(snig__cuda_plan *p, uint32_t n, uint32_t layers,
                        const uint64_t *rowptr, uint64_t rows,
                        uint64_t weight_bytes, uint64_t budget,
                        uint32_t want_batch, int gpus);

/* Input neurons staged per section of the layer kernel (4 rows x 16 bytes
 * each, in dynamic shared memory): `want` when given (rounded down to a
 * multiple of 4, within the block's limit), else as many as let 2 blocks
 * share a multiprocessor, a multiple of 256, at least 256 and no more than
 * n needs.  smem_block: the most one block may opt in to; smem_sm: per
 * multiprocessor. */
uint32_t snig__cuda_section(uint32_t n, uint64_t smem_block, uint64_t smem_sm,
                           uint32_t want);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_PLAN_H */
