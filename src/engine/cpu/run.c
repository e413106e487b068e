/* How the threads of one infer call share the work: batches one after the
 * other, each through the layers in segments, the panels of a segment
 * taken in turn by the threads, with no barrier (see snig__cpu_run_batches
 * below and docs/CPU.md). */
#include "cpu_internal.h"

#include <omp.h>
#include <sched.h>
#include <stdbool.h>

/* The longest run of layers the panels go through between two points where
 * the batch is compacted. */
#define CPU_SEGMENT_MAX 128u

/* The weights one segment's layers may hold: each panel streams every
 * layer of its segment, so the segment's weights should stay in the shared
 * cache for the next panel rather than come from memory each time (a
 * 4096-wide layer holds 256 KiB of indices: 32 layers). */
#define CPU_SEGMENT_BYTES ((uint64_t)8 << 20)

/* The layers [l, end) the panels run next without a stop: a saturated row
 * out of its panel must be back before a layer that does not keep it so. */
static uint32_t segment_end(const cpu_prepared *prep, const cpu_batch *b,
                            uint32_t l, uint32_t len)
{
    uint32_t end = prep->layers - l < len ? prep->layers : l + len;
    uint64_t bytes = 0;
    for (uint32_t m = l; m < end; m++) {
        const cpu_layer *L = &prep->layer[m];
        bytes += L->nnz * (L->val != NULL ? 6 : 2);
        if (m > l && (bytes > CPU_SEGMENT_BYTES ||
                      (b->sat_rows > 0 && !L->saturating)))
            return m;
    }
    return end;
}

/* After a segment: lanes a compaction would drop in front of layer `next`
 * (dead rows, and saturated ones in front of a saturating layer). */
static uint32_t droppable(const cpu_prepared *prep, const cpu_batch *b,
                          uint32_t next)
{
    const cpu_slot *s = b->slot;
    bool dead = next >= prep->drop_dead_from;
    bool sat = next < prep->layers && prep->shortcuts &&
               prep->layer[next].saturating;
    uint32_t n = 0;
    for (uint32_t pi = 0; pi * CPU_LANES < b->used; pi++) {
        uint32_t lanes = b->used - pi * CPU_LANES;
        uint32_t valid = lanes >= CPU_LANES ? 0xffffu : (1u << lanes) - 1;
        uint32_t gone = (dead ? ~(uint32_t)s->alive[pi] : 0u) |
                        (sat ? s->sat[pi] : 0u);
        n += (uint32_t)__builtin_popcount(gone & valid);
    }
    return n;
}

/* What the threads of one infer call share.  The work is published in
 * "epochs": one segment of one batch each.  A thread claims panels of the
 * current epoch; the thread that finishes its last panel readies the next
 * epoch (compaction, the next batch) and publishes it; the others wait for
 * it, yielding the processor (no barrier: on a machine shared with other
 * work, a spinning barrier waits for a thread that is not running). */
typedef struct cpu_sync {
    const cpu_run *run;
    cpu_slot *slot;
    uint32_t batch, nuniq, nbatches;   /* batches [k, nbatches) */
    _Atomic uint32_t *done;  /* batches done, of `total` (progress) */
    uint32_t total;
    /* the current epoch, written by the thread that readies it */
    cpu_batch b;
    uint32_t k;              /* batch */
    uint32_t l, end, len;    /* segment [l, end), next length */
    uint32_t panels;
    bool over;
    snig_status failed;
    double start;
    _Atomic uint32_t epoch;
    _Atomic uint64_t claim;  /* epoch << 32 | next panel */
    _Atomic uint32_t finished;
    /* The epoch's segment as the workers read it: a worker held up may read
     * it while the next epoch is readied (it then claims nothing). */
    _Atomic uint32_t pub_l, pub_end, pub_panels;
    _Atomic bool pub_over, pub_fill;
} cpu_sync;

static void publish(cpu_sync *x, uint32_t e)
{
    atomic_store_explicit(&x->pub_l, x->l, memory_order_relaxed);
    atomic_store_explicit(&x->pub_end, x->end, memory_order_relaxed);
    atomic_store_explicit(&x->pub_panels, x->panels, memory_order_relaxed);
    atomic_store_explicit(&x->pub_over, x->over, memory_order_relaxed);
    atomic_store_explicit(&x->pub_fill, x->b.fresh, memory_order_relaxed);
    atomic_store_explicit(&x->finished, 0, memory_order_relaxed);
    atomic_store_explicit(&x->claim, (uint64_t)e << 32, memory_order_relaxed);
    atomic_store_explicit(&x->epoch, e, memory_order_release);
}

/* Readies segments until one has panels to run, or the work is over
 * (one thread). */
static void ready_next(cpu_sync *x)
{
    const cpu_run *run = x->run;
    const cpu_prepared *prep = run->prep;
    snig_ctx *ctx = run->job->ctx;
    snig_result *res = run->res;
    for (;;) {
        if (x->l >= prep->layers) {
            snig__cpu_batch_finish(run, &x->b);
            snig__progress(ctx, "infer", atomic_fetch_add(x->done, 1) + 1,
                           x->total, 0, x->start);
            if (++x->k == x->nbatches) {
                x->over = true;
                return;
            }
            x->b = (cpu_batch){.first = x->k * x->batch, .slot = x->slot,
                               .rows = x->nuniq - x->k * x->batch < x->batch
                                           ? x->nuniq - x->k * x->batch
                                           : x->batch};
            snig__cpu_batch_start(run, &x->b);
            x->l = 0;
            x->len = 1;
        }
        /* snig_cancel: stop at the next segment; the message is set after
         * the run, on the calling thread */
        if (atomic_load_explicit(&ctx->cancel, memory_order_relaxed)) {
            x->failed = SNIG_CANCELLED;
            x->over = true;
            return;
        }
        double t = snig__now();
        x->panels = snig__cpu_batch_before(run, &x->b, x->l);
        x->end = segment_end(prep, &x->b, x->l, x->len);
        atomic_fetch_add_explicit(&res->layer_ns[x->l],
                                  (uint64_t)((snig__now() - t) * 1e9),
                                  memory_order_relaxed);
        /* the saturated rows out of the panels are alive throughout */
        for (uint32_t m = x->l + 1; m < x->end; m++)
            atomic_fetch_add_explicit(&res->live[m], x->b.sat_weight,
                                      memory_order_relaxed);
        if (x->panels > 0)
            return;
        x->b.width = prep->layer[x->end - 1].n_out;
        x->l = x->end;
    }
}

/* After the last panel of a segment (one thread): the next segment's
 * length follows what is measured (one layer while rows die or saturate,
 * so compaction pays; doubling up to CPU_SEGMENT_MAX while they do not),
 * then the next epoch is published. */
static void segment_done(cpu_sync *x)
{
    const cpu_prepared *prep = x->run->prep;
    x->b.fresh = false;
    uint32_t drop = droppable(prep, &x->b, x->end);
    x->len = drop * 8 >= x->b.used || drop >= CPU_LANES
                 ? 1 : (2 * x->len < CPU_SEGMENT_MAX ? 2 * x->len
                                                     : CPU_SEGMENT_MAX);
    x->b.width = prep->layer[x->end - 1].n_out;
    x->l = x->end;
    ready_next(x);
    publish(x, atomic_load_explicit(&x->epoch, memory_order_relaxed) + 1);
}

/* Waits until the epoch differs from `seen`: spins a little, then yields. */
static uint32_t wait_epoch(cpu_sync *x, uint32_t seen)
{
    for (unsigned spin = 0;; spin++) {
        uint32_t e = atomic_load_explicit(&x->epoch, memory_order_acquire);
        if (e != seen)
            return e;
        if (spin > 64)
            sched_yield();
    }
}

/* One thread's part: panels of each epoch until the work is over. */
static void work(cpu_sync *x, float *z)
{
    const cpu_run *run = x->run;
    snig_result *res = run->res;
    uint32_t seen = 0;
    for (;;) {
        seen = wait_epoch(x, seen);
        if (atomic_load_explicit(&x->pub_over, memory_order_relaxed))
            return;
        uint32_t l = atomic_load_explicit(&x->pub_l, memory_order_relaxed);
        uint32_t end = atomic_load_explicit(&x->pub_end, memory_order_relaxed);
        uint32_t panels =
            atomic_load_explicit(&x->pub_panels, memory_order_relaxed);
        bool fill = atomic_load_explicit(&x->pub_fill, memory_order_relaxed);
        for (;;) {
            uint64_t c = atomic_load_explicit(&x->claim, memory_order_acquire);
            uint32_t pi = (uint32_t)c;
            if ((uint32_t)(c >> 32) != seen || pi >= panels)
                break;
            if (!atomic_compare_exchange_weak(&x->claim, &c, c + 1))
                continue;
            if (fill) {
                double t = snig__now();
                snig__cpu_batch_fill(run, &x->b, pi);
                atomic_fetch_add_explicit(&res->layer_ns[l],
                                          (uint64_t)((snig__now() - t) * 1e9),
                                          memory_order_relaxed);
            }
            for (uint32_t m = l; m < end; m++) {
                double t = snig__now();
                snig__cpu_batch_panel(run, &x->b, m, pi, z);
                atomic_fetch_add_explicit(&res->layer_ns[m],
                                          (uint64_t)((snig__now() - t) * 1e9),
                                          memory_order_relaxed);
            }
            if (atomic_fetch_add(&x->finished, 1) + 1 == panels)
                segment_done(x);
        }
    }
}

/* Starts batches [k0, k1) of `batch` rows and publishes the first epoch. */
static void sync_start(cpu_sync *x, const cpu_run *run, cpu_slot *slot,
                       uint32_t batch, uint32_t nuniq, uint32_t k0,
                       uint32_t k1, _Atomic uint32_t *done, uint32_t total)
{
    *x = (cpu_sync){.run = run, .slot = slot, .batch = batch, .nuniq = nuniq,
                    .nbatches = k1, .k = k0, .done = done, .total = total,
                    .start = snig__now(), .len = 1};
    atomic_init(&x->epoch, 0);
    atomic_init(&x->claim, 0);
    atomic_init(&x->finished, 0);
    atomic_init(&x->pub_l, 0);
    atomic_init(&x->pub_end, 0);
    atomic_init(&x->pub_panels, 0);
    atomic_init(&x->pub_over, false);
    atomic_init(&x->pub_fill, false);
    x->b = (cpu_batch){.first = k0 * batch, .slot = slot,
                       .rows = nuniq - k0 * batch < batch ? nuniq - k0 * batch
                                                          : batch};
    snig__cpu_batch_start(run, &x->b);
    ready_next(x);
    publish(x, 1);
}

/* Each thread alone on whole batches (taken in turn): no thread ever waits
 * for another until the end.  Chosen when there are at least as many
 * batches as threads. */
static snig_status run_alone(const cpu_run *run, uint32_t batch,
                             uint32_t nuniq, uint32_t nbatches, int threads,
                             float **z)
{
    snig_ctx *ctx = run->job->ctx;
    _Atomic int failed;
    atomic_init(&failed, (int)SNIG_OK);
    _Atomic uint32_t done;
    atomic_init(&done, 0);
#pragma omp parallel num_threads(threads)
    {
        cpu_slot slot = {0};
        snig_status st;
        /* the context is not thread safe: one allocation at a time */
#pragma omp critical(snig_cpu_ctx)
        st = snig__cpu_slot_alloc(ctx, run->prep->widest, batch, &slot);
        int ok = SNIG_OK;
        if (st != SNIG_OK)
            atomic_compare_exchange_strong(&failed, &ok, (int)st);
#pragma omp for schedule(dynamic, 1)
        for (uint32_t k = 0; k < nbatches; k++) {
            if (atomic_load(&failed) != SNIG_OK)
                continue;
            cpu_sync x;
            sync_start(&x, run, &slot, batch, nuniq, k, k + 1, &done,
                       nbatches);
            work(&x, z[omp_get_thread_num()]);
            ok = SNIG_OK;
            if (x.failed != SNIG_OK)
                atomic_compare_exchange_strong(&failed, &ok, (int)x.failed);
        }
#pragma omp critical(snig_cpu_ctx)
        snig__cpu_slot_free(ctx, &slot);
    }
    return (snig_status)atomic_load(&failed);
}

/* The threads together on each batch, one batch after the other (fewer
 * batches than threads: a few rows). */
static snig_status run_shared(const cpu_run *run, uint32_t batch,
                              uint32_t nuniq, uint32_t nbatches, int threads,
                              float **z)
{
    snig_ctx *ctx = run->job->ctx;
    cpu_slot slot = {0};
    snig_status st = snig__cpu_slot_alloc(ctx, run->prep->widest, batch,
                                          &slot);
    if (st != SNIG_OK)
        return st;
    _Atomic uint32_t done;
    atomic_init(&done, 0);
    cpu_sync x;
    sync_start(&x, run, &slot, batch, nuniq, 0, nbatches, &done, nbatches);
#pragma omp parallel num_threads(threads)
    work(&x, z[omp_get_thread_num()]);
    snig__cpu_slot_free(ctx, &slot);
    return x.failed;
}

/* Batches of `batch` rows, each through the layers in segments: every
 * panel runs all the layers of a segment on its own (a panel stays in the
 * cache from one layer to the next); between segments the batch is
 * compacted.  With at least as many batches as threads, each thread runs
 * whole batches alone; else the threads share the panels of each batch. */
snig_status snig__cpu_run_batches(const cpu_run *run, uint32_t batch,
                                  uint32_t nuniq, int threads)
{
    snig_ctx *ctx = run->job->ctx;
    uint32_t nbatches = (nuniq + batch - 1) / batch;
    if (nbatches == 0)
        return SNIG_OK;
    float **z = snig__calloc(ctx, (size_t)threads, sizeof *z);
    snig_status st = z != NULL ? SNIG_OK : SNIG_NOMEM;
    for (int t = 0; st == SNIG_OK && t < threads; t++) {
        z[t] = snig__malloc_aligned(ctx,
                                    CPU_SCRATCH_BYTES(run->prep->widest));
        if (z[t] == NULL)
            st = SNIG_NOMEM;
    }
    if (st == SNIG_OK)
        st = nbatches >= (uint32_t)threads
                 ? run_alone(run, batch, nuniq, nbatches, threads, z)
                 : run_shared(run, batch, nuniq, nbatches, threads, z);
    for (int t = 0; z != NULL && t < threads; t++)
        snig__free_aligned(ctx, z[t]);
    snig__free(ctx, z);
    return st;
}
