/* A GPU worker: fetch a batch, stage its distinct rows in page-locked
 * memory, launch the batch graph, merge the categories (and values) of every
 * row, duplicates included.  With several batches the next one is staged in
 * the other host slot while the GPU runs the current one. */
#include "../activation.h"
#include "cuda_run.h"
#include "host/dedup.h"

#include <string.h>

/* Copies the representatives' input rows to the staging buffers, on
 * `threads` threads (offsets first, then the rows side by side); returns
 * their nonzeros. */
static uint64_t stage(const snig_inputs *in, uint64_t first, uint32_t m,
                      const uint32_t *reps, snig__cuda_io *io, int threads)
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
        snig__cuda_entry *e = io->entries + io->rowptr[q];
        for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++, e++) {
            e->col = in->col[k];
            e->val = in->val[k];
        }
    }
    return io->rowptr[m];
}

static void merge(snig__cuda_run *run, const uint32_t *rep_of, uint64_t first,
                  uint32_t count, const snig__cuda_io *io)
{
    snig_result *res = run->res;
    const uint32_t n = run->setup.neurons, layers = run->setup.layers;
    for (uint32_t t = 0; t < count; t++) {
        uint32_t q = rep_of[t];
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

/* 1 when a device object made for (ds, dp) serves a call of (s, p). */
static int fits(const snig__cuda_setup *ds, const snig__cuda_plan *dp,
                const snig__cuda_setup *s, const snig__cuda_plan *p)
{
    return ds->device == s->device && ds->weights == s->weights &&
           ds->neurons == s->neurons && ds->layers == s->layers &&
           ds->keep_values == s->keep_values && ds->slots >= s->slots &&
           ds->fused == s->fused && ds->section == s->section &&
           dp->batch >= p->batch && dp->max_entries >= p->max_entries;
}

/* The device object of this GPU: the one an earlier call left when it
 * fits, else a new one. */
static int dev_take(snig__cuda_worker *w, const snig__cuda_setup *s,
                    snig__cuda_dev **dev)
{
    snig__cuda_run *run = w->run;
    *dev = run->cache != NULL ? atomic_exchange(&run->cache[w->device], NULL)
                              : NULL;
    if (*dev != NULL) {
        snig__cuda_setup ds;
        snig__cuda_plan dp;
        snig__cuda_dev_shape(*dev, &ds, &dp);
        if (fits(&ds, &dp, s, &run->plan)) {
            w->reused = 1;
            return 0;
        }
        snig__cuda_dev_free(dev);
    }
    double t0 = snig__now();
    int rc = snig__cuda_dev_new(s, &run->plan, dev, w->err);
    w->setup_seconds = snig__now() - t0;
    return rc;
}

/* Leaves the device object for the next call (or frees it when another
 * call left one already). */
static void dev_give_back(snig__cuda_worker *w, snig__cuda_dev **dev)
{
    snig__cuda_run *run = w->run;
    snig__cuda_dev *none = NULL;
    if (*dev != NULL && run->cache != NULL &&
        atomic_compare_exchange_strong(&run->cache[w->device], &none, *dev))
        *dev = NULL;
    snig__cuda_dev_free(dev);
}

/* One batch in flight: where its rows go in the result. */
typedef struct in_flight {
    uint64_t first;
    uint32_t count;
} in_flight;

void *snig__cuda_worker_main(void *arg)
{
    snig__cuda_worker *w = arg;
    snig__cuda_run *run = w->run;
    const snig_inputs *in = run->job->in;
    const uint32_t batch = run->plan.batch;
    snig__cuda_setup setup = run->setup;
    snig__cuda_dev *dev = NULL;
    in_flight slot_of[SNIG_CUDA_SLOTS];
    int pending = -1;

    w->rc = -1;
    setup.device = w->device;
    setup.weights = run->weights != NULL ? run->weights[w->device] : NULL;
    if (dev_take(w, &setup, &dev) != 0)
        goto cleanup;
    w->device_bytes = snig__cuda_dev_bytes(dev);
    w->io_pinned = 1;
    const int slots = snig__cuda_dev_slots(dev);
    for (int i = 0; i < slots; i++)
        w->io_pinned = w->io_pinned && snig__cuda_dev_io(dev, i)->pinned;
    for (int slot = 0;; slot = (slot + 1) % slots) {
        /* Stage and launch the next batch (in the slot not in flight)... */
        uint64_t b = atomic_load(&run->stop) ? run->batches
                                              : atomic_fetch_add(&run->next, 1);
        if (b < run->batches) {
            double t0 = snig__now();
            snig__cuda_io *io = snig__cuda_dev_io(dev, slot);
            uint64_t first = b * batch;
            uint32_t count = (uint32_t)(in->rows - first < batch
                                            ? in->rows - first
                                            : batch);
            uint32_t m = snig__dedup_rows(
                in->rowptr, in->col, in->val, first, count, run->shortcuts,
                w->rep_of[slot], w->reps, io->mult, w->table, w->hash,
                run->threads);
            uint64_t nnz = stage(in, first, m, w->reps, io, run->threads);
            w->stage_seconds += snig__now() - t0;
            if (snig__cuda_dev_launch(dev, slot, m, nnz, w->err) != 0)
                goto cleanup;
            slot_of[slot] = (in_flight){first, count};
        }
        /* ... then collect the one launched before it (or this one, with a
         * single slot). */
        int collect = slots == 1 ? (b < run->batches ? slot : -1) : pending;
        if (collect >= 0) {
            double seconds = 0.0, t0;
            if (snig__cuda_dev_wait(dev, collect, &seconds, w->err) != 0)
                goto cleanup;
            t0 = snig__now();
            w->graph_seconds += seconds;
            merge(run, w->rep_of[collect], slot_of[collect].first,
                  slot_of[collect].count, snig__cuda_dev_io(dev, collect));
            w->merge_seconds += snig__now() - t0;
            w->batches_done++;
            snig__progress(run->job->ctx, "infer",
                           atomic_fetch_add(&run->done, 1) + 1, run->batches,
                           0, run->start);
        }
        if (b >= run->batches)
            break;
        pending = slots == 1 ? -1 : slot;
    }
    w->rc = 0;
cleanup:
    if (w->rc != 0) {
        atomic_store(&run->stop, 1);   /* the other workers stop too */
        snig__cuda_dev_free(&dev);      /* a failed GPU's object is not kept */
    }
    dev_give_back(w, &dev);
    return NULL;
}
