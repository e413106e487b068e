/* The plain C face of the cuda engine's .cu files: the engine's C code
 * (cuda.c, worker.c) calls CUDA only through these functions, so no C file
 * includes a CUDA header (and tests/test_cuda_host.c replaces them with a
 * fake GPU).  Every function that can fail returns 0 on success, else -1
 * with "file:line: what failed: CUDA's reason" in err. */
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

/* What the engine needs to know of a GPU. */
typedef struct snig__cuda_props {
    char name[256];             /* the driver's */
    uint64_t free_b, total_b;   /* memory now */
    int sms;                    /* multiprocessors */
    uint64_t smem_block;        /* shared memory one block may opt in to */
    uint64_t smem_sm;           /* shared memory per multiprocessor */
    int major, minor;           /* compute capability */
} snig__cuda_props;

/* GPUs present; 0 when there is no driver, no device or any error. */
int snig__cuda_count(void);
int snig__cuda_describe(int dev, snig__cuda_props *p, char *err);
/* Page-locked host memory usable by every GPU (for copies that overlap).
 * The engine calls it through snig__cuda_host_alloc (cuda.c), which falls
 * back to pageable memory. */
int snig__cuda_pinned_alloc(void **p, size_t bytes, char *err);
void snig__cuda_pinned_free(void *p);
/* Device memory of GPU dev, and a copy to it that has ended on return. */
int snig__cuda_device_alloc(int dev, uint64_t bytes, void **p, char *err);
void snig__cuda_device_free(int dev, void *p);
int snig__cuda_upload(int dev, void *dst, const void *src, uint64_t bytes,
                     char *err);

/* ---- cuda.c: host memory, page-locked where the system gives it */

/* bytes of page-locked memory, else of pageable memory (then *pinned is 0:
 * copies from it still work, slower).  NULL when neither is there. */
void *snig__cuda_host_alloc(size_t bytes, int *pinned);
void snig__cuda_host_free(void *p, int pinned);

/* ---- graph.cu: one GPU's buffers, CUDA Graph and host staging */

typedef struct snig__cuda_setup {
    int device;
    uint32_t neurons;
    uint32_t layers;
    const snig__pack_layer *pack;   /* layers entries */
    const void *weights;           /* resident: this GPU's copy of the arena
                                      (device memory); NULL: streamed */
    const void *arena;             /* host: every layer's blob (streamed) */
    uint64_t max_layer_bytes;
    int buffers;                   /* streamed: layer buffers */
    const uint8_t *retire;         /* layers entries: 1 when rows all at 32
                                      after layer l may leave (layers l+1..
                                      keep the all-32 row all-32) */
    int keep_values;
    int fused;                     /* summation order (pack_math.h) */
    uint32_t section;              /* input neurons staged per step */
    int slots;                     /* host staging slots: 2 stage the next
                                      batch while one runs, 1 */
} snig__cuda_setup;

/* Host staging slots a device object may have. */
#define SNIG_CUDA_SLOTS 2

/* Host side of a batch, owned by the device object (page-locked where
 * possible): the worker fills rowptr, mult and entries, and reads status,
 * stats and values. */
typedef struct snig__cuda_io {
    uint64_t *rowptr;           /* m + 1, rebased to 0 */
    uint32_t *mult;             /* m: rows each one stands for */
    snig__cuda_entry *entries;   /* rowptr[m] */
    uint8_t *status;            /* m: 0 dead, 1 alive (values in `values`),
                                   2 alive with every value at 32 */
    uint64_t *stats;            /* 2 x layers: weight of rows nonzero after
                                   layer l, then of rows retired at l */
    float *values;              /* keep_values: m x neurons */
    int pinned;                 /* 1 when every buffer is page-locked */
} snig__cuda_io;

typedef struct snig__cuda_dev snig__cuda_dev;

/* Allocates plan->layout on the GPU, builds and instantiates the batch
 * graph, and s->slots host staging slots.  Out: *out (free with
 * snig__cuda_dev_free). */
int snig__cuda_dev_new(const snig__cuda_setup *s, const snig__cuda_plan *plan,
                      snig__cuda_dev **out, char *err);
/* Slot `slot`'s host buffers (NULL past the slots made). */
snig__cuda_io *snig__cuda_dev_io(snig__cuda_dev *d, int slot);
int snig__cuda_dev_slots(const snig__cuda_dev *d);
/* Starts one batch of m rows (1 <= m <= plan batch) whose nnz input entries
 * are in slot `slot`: updates the graph's parameters, launches it and the
 * copies of the results to the slot, and returns at once.  The slot's
 * buffers are the GPU's until snig__cuda_dev_wait; batches run in the order
 * launched. */
int snig__cuda_dev_launch(snig__cuda_dev *d, int slot, uint32_t m, uint64_t nnz,
                         char *err);
/* Waits for the batch of `slot`: its results are then in the slot.
 * *graph_seconds: its graph launch as CUDA events time it (input copies,
 * streamed weights and every kernel of the batch). */
int snig__cuda_dev_wait(snig__cuda_dev *d, int slot, double *graph_seconds,
                       char *err);
/* What the object was made for (to reuse it for a later call). */
void snig__cuda_dev_shape(const snig__cuda_dev *d, snig__cuda_setup *s,
                         snig__cuda_plan *plan);
/* Bytes this object holds on the GPU. */
uint64_t snig__cuda_dev_bytes(const snig__cuda_dev *d);
void snig__cuda_dev_free(snig__cuda_dev **d);

#ifdef __cplusplus
}
#endif
#endif /* SNIG_CUDA_ENGINE_H */
