/* The cpu engine: SNIG's task graph on CPU cores.
 *
 * The inference is one OpenMP task graph (libgomp schedules it; there is no
 * thread pool of our own):
 *   prepare(k)      makes layer block k ready: checksum and page-in of a
 *                   memory-mapped layer, saturation property; the blocks are
 *                   prepared in order, one after the other, while earlier
 *                   blocks are already being computed;
 *   start(b)        loads batch b's input rows into a slot;
 *   layers(b, k)    runs block k on batch b, after prepare(k) and
 *                   layers(b, k-1); batches advance independently;
 *   finish(b)       writes batch b's rows to the result and frees its slot.
 * Batches take turns on a few slots of memory (start(b) waits for
 * finish(b - slots)), so memory stays bounded whatever the input count.
 * See cpu_internal.h for the layout and kernel.c for the arithmetic. */
#include "cpu_internal.h"

#include <omp.h>
#include <string.h>

/* Rows per batch.  Few rows survive many layers, and rows of different
 * batches never share a panel, so batches are made large: one per thread
 * when that is at most 4096 rows, else equal batches of at most 4096 rows
 * (enough of them to balance the threads); and at most 64 MiB of values
 * per batch. */
static uint32_t default_batch(uint32_t rows, uint32_t n, int threads)
{
    uint64_t b = ((uint64_t)rows + (uint32_t)threads - 1) / (uint32_t)threads;
    if (b > 4096) {
        uint64_t count = (rows + 4095) / 4096;
        b = (rows + count - 1) / count;
    }
    uint64_t cap = ((uint64_t)16 << 20) / n;
    if (b > cap)
        b = cap;
    return b < CPU_LANES ? CPU_LANES : (uint32_t)b;
}

typedef struct cpu_run {
    cpu_plan plan;
    uint32_t *rep, *weight, *uniq;
    uint32_t nuniq, batch, nbatches, nslots, block, nblocks, prep_window;
    cpu_batch *batches;
    cpu_slot *slots;
    float *prep_scratch;
    char *dep_prep, *dep_batch, *dep_slot;
    _Atomic uint32_t *block_done; /* batches done with each block */
    _Atomic int failed;
    snig_status fail_status;
} cpu_run;

/* Preparation runs ahead of the computation at most `prep_window` blocks at
 * a time (one per thread): prepare(k) waits for prepare(k - window). */
static void task_prepare(cpu_run *run, uint32_t k)
{
    cpu_plan *p = &run->plan;
    uint32_t l1 = (k + 1) * run->block < p->layers ? (k + 1) * run->block
                                                   : p->layers;
    float *scratch = run->prep_scratch +
                     (size_t)(k % run->prep_window) * p->n;
    for (uint32_t l = k * run->block; l < l1 && !atomic_load(&run->failed);
         l++) {
        snig_status st = cpu_layer_prepare(p->job, l, scratch, &p->layer[l]);
        if (st != SNIG_OK && atomic_exchange(&run->failed, 1) == 0)
            run->fail_status = st;  /* the first failure, as in the ctx */
    }
    cpu_progress_tick(&p->progress, false);
}

static void task_layers(cpu_run *run, uint32_t b, uint32_t k)
{
    cpu_plan *p = &run->plan;
    /* snig_cancel: stop at the next block; the message is set after the
     * graph, on one thread. */
    if (atomic_load_explicit(&p->job->ctx->cancel, memory_order_relaxed) &&
        atomic_exchange(&run->failed, 1) == 0)
        run->fail_status = SNIG_CANCELLED;
    if (!atomic_load(&run->failed)) {
        uint32_t l1 = (k + 1) * run->block < p->layers ? (k + 1) * run->block
                                                       : p->layers;
        cpu_batch_layers(p, &run->batches[b], k * run->block, l1);
        /* the last batch through a block lets the kernel drop its pages
         * (memory-mapped networks larger than memory) */
        if (atomic_fetch_add(&run->block_done[k], 1) + 1 == run->nbatches)
            for (uint32_t l = k * run->block; l < l1; l++)
                snig__layer_release(p->job->net, l);
    }
    cpu_progress_tick(&p->progress, false);
}

static void run_graph(cpu_run *run, int threads)
{
    cpu_plan *p = &run->plan;
    char *dp = run->dep_prep, *db = run->dep_batch, *ds = run->dep_slot;
    (void)dp; /* gcc 12 counts a use in a depend clause as no use */
    (void)db;
    (void)ds;
#pragma omp parallel num_threads(threads)
#pragma omp single
    {
        uint32_t w = run->prep_window;
        for (uint32_t k = 0; k < run->nblocks; k++) {
#pragma omp task depend(in : dp[k]) depend(out : dp[k + w])
            task_prepare(run, k);
        }
        for (uint32_t b = 0; b < run->nbatches; b++) {
            uint32_t s = b % run->nslots;
            cpu_batch *batch = &run->batches[b];
#pragma omp task depend(inout : ds[s]) depend(out : db[b])
            {
                batch->slot = &run->slots[s];
                cpu_batch_start(p, batch);
            }
            for (uint32_t k = 0; k < run->nblocks; k++) {
#pragma omp task depend(in : dp[k + w]) depend(inout : db[b])
                task_layers(run, b, k);
            }
#pragma omp task depend(in : db[b]) depend(inout : ds[s])
            {
                cpu_batch_finish(p, batch);
                cpu_progress_tick(&p->progress, true);
            }
        }
    }
}

/* Rows that were not computed take the result of the row they duplicate. */
static void share_duplicates(cpu_run *run, snig_result *res)
{
    uint32_t n = run->plan.n;
    for (uint64_t r = 0; r < res->rows; r++) {
        uint32_t rep = run->rep[r];
        if (rep == r || !res->alive[rep])
            continue;
        res->alive[r] = 1;
        if (res->values != NULL)
            memcpy(res->values + r * n, res->values + (size_t)rep * n,
                   (size_t)n * sizeof *res->values);
    }
}

static snig_status setup(const snig_job *job, snig_result *res, int threads,
                         cpu_run *run)
{
    snig_ctx *ctx = job->ctx;
    const snig_inputs *in = job->in;
    cpu_plan *p = &run->plan;
    uint32_t rows = (uint32_t)in->rows, n = job->net->neurons;
    const char *kname;
    *p = (cpu_plan){.job = job, .res = res, .n = n, .layers = job->layers,
                    .shortcuts = job->opt->shortcuts != 0,
                    .kernel = cpu_kernel_pick(&kname)};
    run->rep = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *run->rep);
    run->weight = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *run->weight);
    run->uniq = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *run->uniq);
    p->layer = snig__calloc(ctx, job->layers + 1u, sizeof *p->layer);
    run->prep_window = (uint32_t)threads;
    run->prep_scratch = snig__malloc(ctx, (size_t)n * (size_t)threads *
                                              sizeof(float));
    p->scratch = snig__calloc(ctx, (size_t)threads, sizeof *p->scratch);
    if (!run->rep || !run->weight || !run->uniq || !p->layer ||
        !run->prep_scratch || !p->scratch)
        return SNIG_NOMEM;
    snig_status st = SNIG_OK;
    if (p->shortcuts) {
        st = cpu_find_duplicates(ctx, in, threads, run->rep, run->weight);
        if (st != SNIG_OK)
            return st;
    } else {
        for (uint32_t r = 0; r < rows; r++) {
            run->rep[r] = r;
            run->weight[r] = 1;
        }
    }
    for (uint32_t r = 0; r < rows; r++)
        if (run->rep[r] == r)
            run->uniq[run->nuniq++] = r;
    p->uniq = run->uniq;
    p->weight = run->weight;

    uint32_t batch = job->opt->batch ? job->opt->batch
                                     : default_batch(run->nuniq, n, threads);
    if (batch > run->nuniq)
        batch = run->nuniq ? run->nuniq : 1;
    run->batch = batch;
    run->nbatches = (run->nuniq + batch - 1) / batch;
    run->nslots = run->nbatches < 3u * (uint32_t)threads
                      ? run->nbatches : 3u * (uint32_t)threads;
    /* about 32k batch tasks at most: libgomp handles that many well */
    uint64_t cells = (uint64_t)run->nbatches * job->layers;
    run->block = (uint32_t)((cells + 32767) / 32768);
    if (run->block == 0)
        run->block = 1;
    run->nblocks = (job->layers + run->block - 1) / run->block;

    p->state = snig__calloc(ctx, run->nuniq + 1u, 1);
    run->batches = snig__calloc(ctx, run->nbatches + 1u, sizeof *run->batches);
    run->slots = snig__calloc(ctx, run->nslots + 1u, sizeof *run->slots);
    run->dep_prep = snig__calloc(ctx, run->nblocks + run->prep_window + 1u,
                                 1);
    run->dep_batch = snig__calloc(ctx, run->nbatches + 1u, 1);
    run->dep_slot = snig__calloc(ctx, run->nslots + 1u, 1);
    run->block_done = snig__calloc(ctx, run->nblocks + 1u,
                                   sizeof *run->block_done);
    if (!p->state || !run->batches || !run->slots || !run->dep_prep ||
        !run->dep_batch || !run->dep_slot || !run->block_done)
        return SNIG_NOMEM;
    for (uint32_t k = 0; k <= run->nblocks; k++)
        atomic_init(&run->block_done[k], 0);
    for (int t = 0; t < threads; t++) {
        p->scratch[t] = snig__malloc_aligned(ctx, CPU_SCRATCH_BYTES(n));
        if (p->scratch[t] == NULL)
            return SNIG_NOMEM;
    }
    for (uint32_t s = 0; s < run->nslots; s++) {
        st = cpu_slot_alloc(ctx, n, batch, &run->slots[s]);
        if (st != SNIG_OK)
            return st;
    }
    for (uint32_t b = 0; b < run->nbatches; b++) {
        run->batches[b].first = b * batch;
        run->batches[b].rows = run->nuniq - b * batch < batch
                                   ? run->nuniq - b * batch : batch;
    }
    cpu_progress_init(&p->progress, ctx,
                      run->nblocks + (uint64_t)run->nbatches *
                                         (run->nblocks + 1u),
                      run->nbatches);
    return SNIG_OK;
}

static void teardown(snig_ctx *ctx, cpu_run *run, int threads)
{
    cpu_plan *p = &run->plan;
    for (uint32_t s = 0; run->slots != NULL && s < run->nslots; s++)
        cpu_slot_free(ctx, &run->slots[s]);
    for (int t = 0; p->scratch != NULL && t < threads; t++)
        snig__free_aligned(ctx, p->scratch[t]);
    for (uint32_t l = 0; p->layer != NULL && l < p->layers; l++)
        cpu_layer_unpack(ctx, &p->layer[l]);
    snig__free(ctx, (void *)run->block_done);
    snig__free(ctx, run->dep_slot);
    snig__free(ctx, run->dep_batch);
    snig__free(ctx, run->dep_prep);
    snig__free(ctx, run->slots);
    snig__free(ctx, run->batches);
    snig__free(ctx, p->state);
    snig__free(ctx, p->scratch);
    snig__free(ctx, run->prep_scratch);
    snig__free(ctx, p->layer);
    snig__free(ctx, run->uniq);
    snig__free(ctx, run->weight);
    snig__free(ctx, run->rep);
}

static snig_status cpu_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    int threads = job->opt->threads > 0 ? job->opt->threads
                                        : omp_get_num_procs();
    cpu_run run = {0};
    atomic_init(&run.failed, 0);
    snig_status st = SNIG_OK;
    if (job->in->rows >= UINT32_MAX) {
        st = snig__error(ctx, SNIG_UNSUPPORTED,
                         "cpu engine: %llu input rows in one run; split them "
                         "(rows_first / row_count)",
                         (unsigned long long)job->in->rows);
        goto cleanup;
    }
    st = setup(job, res, threads, &run);
    if (st != SNIG_OK)
        goto cleanup;
    run_graph(&run, threads);
    cpu_progress_end(&run.plan.progress);
    if (atomic_load(&run.failed)) {
        st = run.fail_status;
        if (st == SNIG_CANCELLED)
            snig__check_cancel(ctx);
        goto cleanup;
    }
    share_duplicates(&run, res);
    res->live_counted = true;
cleanup:
    teardown(ctx, &run, threads);
    return st;
}

static int cpu_supports(const snig_job *job)
{
    if (snig__network_is_square(job->net, job->layers))
        return 1;
    snig__error(job->ctx, SNIG_UNSUPPORTED,
                "engine 'cpu': only the challenge's layers (N x N, bias on "
                "nonzeros, ReLU capped) for now");
    return 0;
}

const struct snig_engine_i snig_engine_cpu = {
    .name = "cpu",
    .supports = cpu_supports,
    .summary = "OpenMP task graph over batches x layer blocks, vectorised "
               "16-row panels, exact shortcuts",
    .infer = cpu_infer,
};
