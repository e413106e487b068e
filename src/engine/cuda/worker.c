/* A GPU worker: fetch a batch, stage its distinct rows in page-locked
 * memory, launch the batch graph, merge the categories (and values) of every
 * row, duplicates included. */
#include "../activation.h"
#include "cuda_run.h"
#include "host/dedup.h"

#include <string.h>

/* Copies the representatives' input rows to the staging buffers, on
 * `threads` threads (offsets first, then the rows side by side); returns
 * their nonzeros. */
static uint64_t stage(const snig_inputs *in, uint64_t first, uint32_t m,
                      const uint32_t *reps, snig_cuda_io *io, int threads)
{
    io->rowptr[0] = 0;
    for (uint32_t q = 0; q < m; q++) {
        uint64_t r = first + reps[q];
        io->rowptr[q + 1] = io->rowptr[q] + (in->rowptr[r + 1] - in->rowptr[r]);
    }
    const int64_t rows = m;
#pragma omp parallel for schedule(dynamic, 256) num_threads(threads)
    for (int64_t q = 0; q < rows; q++) {
        uint64_t r = first + reps[q];
        snig_cuda_entry *e = io->entries + io->rowptr[q];
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++, e++) {
            e->col = in->col[k];
            e->val = in->val[k];
        }
    }
    return io->rowptr[m];
}

static void merge(snig_cuda_run *run, snig_cuda_worker *w, uint64_t first,
                  uint32_t count, const snig_cuda_io *io)
{
    snig_result *res = run->res;
    const uint32_t n = run->setup.neurons, layers = run->setup.layers;
    for (uint32_t t = 0; t < count; t++) {
        uint32_t q = w->rep_of[t];
        uint8_t st = io->status[q];
        if (st == 0)
            continue;
        res->alive[first + t] = 1;
        if (res->values == NULL)
            continue;
        float *dst = res->values + (first + t) * n;
        if (st == 1)
            memcpy(dst, io->values + (size_t)q * n, (size_t)n * sizeof *dst);
        else
            for (uint32_t j = 0; j < n; j++)
                dst[j] = SNIG_YMAX;
    }
    /* Rows retired at layer k stay nonzero in every later layer. */
    uint64_t retired = 0;
    for (uint32_t l = 0; l < layers; l++) {
        atomic_fetch_add_explicit(&res->live[l], io->stats[l] + retired,
                                  memory_order_relaxed);
        retired += io->stats[layers + l];
    }
}

void *snig_cuda_worker_main(void *arg)
{
    snig_cuda_worker *w = arg;
    snig_cuda_run *run = w->run;
    const snig_inputs *in = run->job->in;
    const uint32_t batch = run->plan.batch;
    snig_cuda_setup setup = run->setup;
    snig_cuda_dev *dev = NULL;
    snig_cuda_io *io = NULL;

    w->rc = -1;
    setup.device = w->device;
    setup.weights = run->weights != NULL ? run->weights[w->device] : NULL;
    if (snig_cuda_dev_new(&setup, &run->plan, &dev, w->err) != 0)
        goto cleanup;
    w->device_bytes = snig_cuda_dev_bytes(dev);
    io = snig_cuda_dev_io(dev);
    w->io_pinned = io->pinned;
    for (;;) {
        if (atomic_load(&run->stop))
            break;
        uint64_t b = atomic_fetch_add(&run->next, 1);
        if (b >= run->batches)
            break;
        uint64_t first = b * batch;
        uint32_t count = (uint32_t)(in->rows - first < batch ? in->rows - first
                                                             : batch);
        uint32_t m = snig_dedup_rows(in->rowptr, in->col, in->val, first,
                                     count, run->shortcuts, w->rep_of,
                                     w->reps, io->mult, w->table, w->hash,
                                     run->threads);
        uint64_t nnz = stage(in, first, m, w->reps, io, run->threads);
        double seconds = 0.0;
        if (snig_cuda_dev_run(dev, m, nnz, &seconds, w->err) != 0)
            goto cleanup;
        w->graph_seconds += seconds;
        merge(run, w, first, count, io);
        w->batches_done++;
    }
    w->rc = 0;
cleanup:
    if (w->rc != 0)
        atomic_store(&run->stop, 1);   /* the other workers stop too */
    snig_cuda_dev_free(&dev);
    return NULL;
}
