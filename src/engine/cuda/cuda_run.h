/* One run of the cuda engine as its C parts share it: the packed network,
 * the plan, the batch counter the GPU workers fetch from (SNIG's host task
 * graph: whoever is free takes the next batch, so faster GPUs take more). */
#ifndef SNIG_CUDA_RUN_H
#define SNIG_CUDA_RUN_H

#include "../engine.h"
#include "cuda_engine.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct snig__cuda_run {
    const snig_job *job;
    snig_result *res;
    snig__cuda_setup setup;       /* device and weights set by each worker */
    const void *const *weights;  /* per GPU: resident weights, or NULL */
    /* Per GPU: a device object a finished call left for the next one (its
     * memory, graph and page-locked staging), taken by one call at a time. */
    _Atomic(snig__cuda_dev *) *cache;
    snig__cuda_plan plan;
    int shortcuts;
    int threads;                 /* host threads of a worker's staging */
    uint64_t batches;
    atomic_uint_least64_t next;  /* the next batch to take */
    atomic_uint_least64_t done;  /* batches merged (progress) */
    double start;                /* of the call (progress) */
    atomic_int stop;             /* a worker failed: the others stop */
} snig__cuda_run;

/* One GPU's worker; its scratch is allocated by the calling thread (the
 * context's allocator is not for other threads). */
typedef struct snig__cuda_worker {
    snig__cuda_run *run;
    int device;
    uint32_t *rep_of[SNIG_CUDA_SLOTS];  /* batch: each row's representative */
    uint32_t *reps;              /* batch: first row of each representative */
    uint64_t *hash;              /* batch: hash of each row */
    uint32_t *table;             /* dedup hash table */
    pthread_t thread;
    int started;
    int rc;                      /* 0 or -1 with err */
    char err[SNIG_CUDA_ERRLEN];
    uint64_t batches_done;
    uint64_t device_bytes;
    double graph_seconds;        /* CUDA events around its graph launches */
    double stage_seconds;        /* host: duplicates found, rows staged */
    double merge_seconds;        /* host: results merged */
    double setup_seconds;        /* device object made (0: reused) */
    int reused;                  /* 1: an earlier call's device object */
    int io_pinned;
} snig__cuda_worker;

/* The worker's thread: creates its GPU's graph, runs batches until none is
 * left, merges their results into run->res. */
void *snig__cuda_worker_main(void *arg);

#endif /* SNIG_CUDA_RUN_H */
