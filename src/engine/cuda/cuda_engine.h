/* The plain C face of the cuda engine's .cu files: the engine's C code
 * (cuda.c, worker.c) calls CUDA only through these functions, so no C file
 * includes a CUDA header.  Every function that can fail returns 0 on
 * success, else -1 with "file:line: what failed: CUDA's reason" in err. */
#ifndef SNIG_CUDA_ENGINE_H
#define SNIG_CUDA_ENGINE_H

#include "host/pack.h"
#include "host/plan.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SNIG_CUDA_ERRLEN 512

/* ---- device.cu */

/* GPUs present; 0 when there is no driver, no device or any error. */
int snig_cuda_count(void);
/* Name (the driver's), free and total memory of GPU dev. */
int snig_cuda_describe(int dev, char *name, size_t name_len, uint64_t *free_b,
                       uint64_t *total_b, char *err);
/* Page-locked host memory usable by every GPU (for copies that overlap). */
int snig_cuda_pinned_alloc(void **p, size_t bytes, char *err);
void snig_cuda_pinned_free(void *p);

/* ---- graph.cu: one GPU's buffers, CUDA Graph and host staging */

typedef struct snig_cuda_setup {
    int device;
    uint32_t neurons;
    uint32_t layers;
    const snig_pack_layer *pack;   /* layers entries */
    const void *arena;             /* pinned: every layer's blob */
    uint64_t arena_bytes;
    uint64_t max_layer_bytes;
    const uint8_t *retire;         /* layers entries: 1 when rows all at 32
                                      after layer l may leave (layers l+1..
                                      keep the all-32 row all-32) */
    int keep_values;
} snig_cuda_setup;

/* Host side of a batch, page-locked, owned by the device object: the worker
 * fills rowptr, mult and entries, and reads status, stats and values. */
typedef struct snig_cuda_io {
    uint64_t *rowptr;           /* m + 1, rebased to 0 */
    uint32_t *mult;             /* m: rows each one stands for */
    snig_cuda_entry *entries;   /* rowptr[m] */
    uint8_t *status;            /* m: 0 dead, 1 alive (values in `values`),
                                   2 alive with every value at 32 */
    uint64_t *stats;            /* 2 x layers: weight of rows nonzero after
                                   layer l, then of rows retired at l */
    float *values;              /* keep_values: m x neurons */
} snig_cuda_io;

typedef struct snig_cuda_dev snig_cuda_dev;

/* Allocates plan->layout on the GPU, copies resident weights, builds and
 * instantiates the batch graph.  Out: *out (free with snig_cuda_dev_free). */
int snig_cuda_dev_new(const snig_cuda_setup *s, const snig_cuda_plan *plan,
                      snig_cuda_dev **out, char *err);
snig_cuda_io *snig_cuda_dev_io(snig_cuda_dev *d);
/* Runs one batch of m rows (1 <= m <= plan batch) whose nnz input entries
 * are in io: updates the graph's parameters, launches it, brings the results
 * to io and waits. */
int snig_cuda_dev_run(snig_cuda_dev *d, uint32_t m, uint64_t nnz, char *err);
/* Bytes this object holds on the GPU. */
uint64_t snig_cuda_dev_bytes(const snig_cuda_dev *d);
void snig_cuda_dev_free(snig_cuda_dev **d);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_ENGINE_H */
