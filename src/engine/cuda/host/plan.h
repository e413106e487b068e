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
typedef struct snig_cuda_entry {
    uint32_t col;
    float val;
} snig_cuda_entry;

/* Byte offsets of the device buffers inside one allocation. */
typedef struct snig_cuda_layout {
    uint64_t weights;   /* resident: every blob; else B blobs of max size */
    uint64_t y[2];      /* batch x N floats each: Y in and out, in turn */
    uint64_t list[2];   /* batch uint32: live row positions, in turn */
    uint64_t rownz;     /* batch uint32: a block found the row nonzero */
    uint64_t rowsat;    /* batch uint32: blocks that found it all at 32 */
    uint64_t status;    /* batch uint8: 0 dead, 1 in the final Y, 2 at 32 */
    uint64_t rowptr;    /* batch + 1 uint64: input rows of the batch */
    uint64_t mult;      /* batch uint32: rows each one stands for */
    uint64_t entries;   /* max_entries snig_cuda_entry */
    uint64_t count;     /* layers + 1 uint32: live rows entering layer l */
    uint64_t stats;     /* 2 x layers uint64: live and retired weights */
    uint64_t total;
} snig_cuda_layout;

typedef struct snig_cuda_plan {
    uint32_t batch;         /* rows per batch */
    uint64_t max_entries;   /* input nonzeros of the largest batch */
    int resident;
    int buffers;            /* weight buffers when streaming */
    snig_cuda_layout layout;
} snig_cuda_plan;

void snig_cuda_layout_make(snig_cuda_layout *lay, uint32_t n, uint32_t layers,
                           uint32_t batch, uint64_t max_entries,
                           uint64_t weight_bytes);

/* Input nonzeros of the largest batch of `batch` rows. */
uint64_t snig_cuda_max_entries(const uint64_t *rowptr, uint64_t rows,
                               uint32_t batch);

/* Chooses the plan for a budget of `budget` bytes.  want_batch 0: as large
 * as fits (at most ceil(rows / gpus)); else exactly that (or fewer rows when
 * there are fewer).  want_buffers 0: 2.  Resident when it fits.  Returns 1,
 * or 0 when nothing fits (then p->layout.total holds the smallest need). */
int snig_cuda_plan_make(snig_cuda_plan *p, uint32_t n, uint32_t layers,
                        const uint64_t *rowptr, uint64_t rows,
                        uint64_t arena_bytes, uint64_t max_layer_bytes,
                        uint64_t budget, uint32_t want_batch,
                        int want_buffers, int gpus);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_PLAN_H */
