/* Shared by the cuda engine's .cu files only: the kernels' arguments, their
 * launch shapes, and the check that turns a CUDA error into a message. */
#ifndef SNIG_CUDA_INTERNAL_CUH
#define SNIG_CUDA_INTERNAL_CUH

#include "cuda_engine.h"

#include <cuda_runtime.h>
#include <stdint.h>

/* Threads of a block, and output neurons each owns in the layer kernel: a
 * block owns 2048 outputs, so a live row is staged N / 2048 times a layer.
 * Two blocks share a multiprocessor (registers: at most 128 a thread). */
#define SNIG_CUDA_THREADS 256
#define SNIG_CUDA_COLS 8
#define SNIG_CUDA_BLOCK_COLS (SNIG_CUDA_THREADS * SNIG_CUDA_COLS)
#define SNIG_CUDA_MIN_BLOCKS 2
/* About how many blocks a layer kernel launches (grid-stride over rows). */
#define SNIG_CUDA_BLOCKS 8192
/* The staged section (host/plan.h, snig__cuda_section) lives in dynamic
 * shared memory, 16 bytes per input neuron (4 rows interleaved). */

/* Clears the batch's state and spreads its input rows into dense Y. */
struct snig__input_args {
    uint32_t m;                      /* rows of this batch (set per batch) */
    uint32_t n;
    uint32_t layers;
    const uint64_t *rowptr;
    const snig__cuda_entry *entries;
    float *y;
    uint32_t *list;
    uint32_t *rownz;
    uint32_t *rowsat;
    uint8_t *status;
    uint32_t *count;                 /* layers + 1 */
    unsigned long long *stats;       /* 2 x layers */
};

/* One layer for the live rows of `list` (count of them in *count). */
struct snig_layer_args {
    const uint32_t *grp;             /* pack.h's layout */
    const uint32_t *len;
    const uint16_t *idx;
    const float *val;                /* NULL: every weight is `uniform` */
    const float *bias;               /* NULL: every bias is bias_scalar */
    float uniform;
    float bias_scalar;
    uint32_t n;
    uint32_t section;                /* input neurons staged per step */
    int vec;                         /* n % 4 == 0: 16-byte staging */
    const float *yin;
    float *yout;
    const uint32_t *list;
    const uint32_t *count;
    uint32_t *rownz;
    uint32_t *rowsat;
};

/* Keeps the rows a layer left nonzero, retires saturated ones. */
struct snig__compact_args {
    const uint32_t *list_in;
    const uint32_t *count_in;
    uint32_t *list_out;
    uint32_t *count_out;
    uint32_t *rownz;
    uint32_t *rowsat;
    uint32_t colblocks;              /* blocks across the neurons */
    int retire;
    int last;
    uint8_t *status;
    const uint32_t *mult;
    unsigned long long *live;
    unsigned long long *retired;
};

/* The kernels' addresses, for graph kernel nodes (kernel.cu). */
const void *snig__cuda_input_kernel(void);
const void *snig__cuda_layer_kernel(int fused);
const void *snig__cuda_compact_kernel(void);

/* 0 when e is cudaSuccess; else writes "file:line: what: reason" to err and
 * returns -1 (device.cu). */
int snig__cuda_check(cudaError_t e, const char *what, const char *file,
                    int line, char *err);

#endif /* SNIG_CUDA_INTERNAL_CUH */
