/* The cpu engine: SNIG's layered inference on CPU cores.
 *
 * prepare (once per plan) makes every layer ready in parallel: checksum and
 * page-in of a memory-mapped layer, cutting into cache-sized sections, the
 * saturation property and whether a zero row stays zero.  infer only reads
 * what prepare made, so several threads may infer on one plan at once:
 * the unique input rows are cut into batches, the threads take batches in
 * turn (OpenMP dynamic schedule), and each batch goes through every layer
 * in the thread's own slot of memory.  See cpu_internal.h for the layout
 * and kernel.c for the arithmetic. */
#include "cpu_internal.h"

#include <omp.h>
#include <string.h>

/* Rows per batch.  Few rows survive many layers, and rows of different
 * batches never share a panel, so batches are made large: one per thread
 * when that is at most 4096 rows, else equal batches of at most 4096 rows
 * (enough of them to balance the threads); and at most 64 MiB of values
 * per batch. */
static uint32_t default_batch(uint32_t rows, uint32_t widest, int threads)
{
    uint64_t b = ((uint64_t)rows + (uint32_t)threads - 1) / (uint32_t)threads;
    if (b > 4096) {
        uint64_t count = (rows + 4095) / 4096;
        b = (rows + count - 1) / count;
    }
    uint64_t cap = ((uint64_t)16 << 20) / widest;
    if (b > cap)
        b = cap;
    return b < CPU_LANES ? CPU_LANES : (uint32_t)b;
}

static int thread_count(const snig_job *job)
{
    return job->opt->threads > 0 ? job->opt->threads : omp_get_num_procs();
}

static void cpu_release(snig_ctx *ctx, void *prepared)
{
    cpu_prepared *prep = prepared;
    if (prep == NULL)
        return;
    for (uint32_t l = 0; prep->layer != NULL && l < prep->layers; l++)
        snig__cpu_layer_unpack(ctx, &prep->layer[l]);
    snig__free(ctx, prep->layer);
    snig__free(ctx, prep);
}

static snig_status cpu_prepare(const snig_job *job, void **prepared)
{
    snig_ctx *ctx = job->ctx;
    const snig_network *net = job->net;
    int threads = thread_count(job);
    *prepared = NULL;
    cpu_prepared *prep = snig__calloc(ctx, 1, sizeof *prep);
    if (prep == NULL)
        return SNIG_NOMEM;
    prep->layers = job->layers;
    prep->n_in = net->neurons;
    prep->n_final = snig__network_outputs(net, job->layers);
    prep->shortcuts = job->opt->shortcuts != 0;
    prep->widest = net->neurons;
    for (uint32_t l = 0; l < job->layers; l++)
        if (net->layer[l].n_out > prep->widest)
            prep->widest = net->layer[l].n_out;
    prep->layer = snig__calloc(ctx, job->layers + 1u, sizeof *prep->layer);
    float *scratch = snig__malloc(ctx, (size_t)prep->widest * (size_t)threads *
                                           sizeof *scratch);
    snig_status st = SNIG_OK;
    if (prep->layer == NULL || scratch == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    _Atomic int failed;
    atomic_init(&failed, (int)SNIG_OK);
    double start = snig__now();
    _Atomic uint32_t done;
    atomic_init(&done, 0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (uint32_t l = 0; l < job->layers; l++) {
        if (atomic_load(&failed) != SNIG_OK)
            continue;
        float *z = scratch + (size_t)omp_get_thread_num() * prep->widest;
        snig_status s = snig__cpu_layer_prepare(job, l, z, &prep->layer[l]);
        int ok = SNIG_OK;
        if (s != SNIG_OK)
            atomic_compare_exchange_strong(&failed, &ok, (int)s);
        snig__progress(ctx, "prepare", atomic_fetch_add(&done, 1) + 1,
                       job->layers, 0, start);
    }
    st = (snig_status)atomic_load(&failed);
    if (st != SNIG_OK)
        goto cleanup;
    /* dead rows may leave their panel after the last layer that revives a
     * zero row */
    for (uint32_t l = 0; l < job->layers; l++)
        if (prep->layer[l].revives)
            prep->drop_dead_from = l + 1;
cleanup:
    snig__free(ctx, scratch);
    if (st != SNIG_OK)
        cpu_release(ctx, prep);
    else
        *prepared = prep;
    return st;
}

/* Rows that were not computed take the result of the row they duplicate. */
static void share_duplicates(const uint32_t *rep, snig_result *res)
{
    uint32_t n = res->neurons;
    for (uint64_t r = 0; r < res->rows; r++) {
        uint32_t k = rep[r];
        if (k == r || !res->alive[k])
            continue;
        res->alive[r] = 1;
        if (res->values != NULL)
            memcpy(res->values + r * n, res->values + (size_t)k * n,
                   (size_t)n * sizeof *res->values);
    }
}

/* One thread's share: batches taken in turn, each through every layer. */
static snig_status run_batches(const cpu_run *run, uint32_t batch,
                               uint32_t nuniq, int threads)
{
    const snig_job *job = run->job;
    const cpu_prepared *prep = run->prep;
    snig_ctx *ctx = job->ctx;
    uint32_t nbatches = (nuniq + batch - 1) / batch;
    _Atomic int failed;
    atomic_init(&failed, (int)SNIG_OK);
    _Atomic uint32_t done;
    atomic_init(&done, 0);
    double start = snig__now();
    if (threads > (int)nbatches)
        threads = nbatches ? (int)nbatches : 1;
#pragma omp parallel num_threads(threads)
    {
        cpu_slot slot = {0};
        snig_status st;
        /* the context is not thread safe: one allocation at a time */
#pragma omp critical(snig_cpu_ctx)
        st = snig__cpu_slot_alloc(ctx, prep->widest, batch, &slot);
        int ok = SNIG_OK;
        if (st != SNIG_OK)
            atomic_compare_exchange_strong(&failed, &ok, (int)st);
#pragma omp for schedule(dynamic, 1)
        for (uint32_t k = 0; k < nbatches; k++) {
            if (atomic_load_explicit(&failed, memory_order_relaxed) != SNIG_OK)
                continue;
            cpu_batch b = {.first = k * batch, .slot = &slot,
                           .rows = nuniq - k * batch < batch ? nuniq - k * batch
                                                             : batch};
            snig__cpu_batch_start(run, &b);
            for (uint32_t l = 0; l < prep->layers; l++) {
                /* snig_cancel: stop at the next layer; the message is set
                 * after the loop, on one thread */
                if (atomic_load_explicit(&ctx->cancel, memory_order_relaxed)) {
                    ok = SNIG_OK;
                    atomic_compare_exchange_strong(&failed, &ok,
                                                   (int)SNIG_CANCELLED);
                    break;
                }
                double t = snig__now();
                snig__cpu_batch_layer(run, &b, l);
                atomic_fetch_add_explicit(
                    &run->res->layer_ns[l],
                    (uint64_t)((snig__now() - t) * 1e9), memory_order_relaxed);
            }
            snig__cpu_batch_finish(run, &b);
            snig__progress(ctx, "infer", atomic_fetch_add(&done, 1) + 1,
                           nbatches, 0, start);
        }
#pragma omp critical(snig_cpu_ctx)
        snig__cpu_slot_free(ctx, &slot);
    }
    return (snig_status)atomic_load(&failed);
}

static snig_status cpu_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    const snig_inputs *in = job->in;
    const cpu_prepared *prep = job->prepared;
    int threads = thread_count(job);
    uint32_t rows = (uint32_t)in->rows, nuniq = 0;
    const char *kname;
    uint32_t *rep = NULL, *weight = NULL, *uniq = NULL;
    snig_status st = SNIG_OK;
    if (prep == NULL)
        return snig__error(ctx, SNIG_INTERNAL, "cpu engine: not prepared");
    if (in->rows >= UINT32_MAX) {
        st = snig__error(ctx, SNIG_UNSUPPORTED,
                         "cpu engine: %llu input rows in one run; split them "
                         "(rows_first / row_count)",
                         (unsigned long long)in->rows);
        goto cleanup;
    }
    rep = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *rep);
    weight = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *weight);
    uniq = snig__malloc(ctx, ((size_t)rows + 1) * sizeof *uniq);
    if (rep == NULL || weight == NULL || uniq == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (prep->shortcuts) {
        st = snig__cpu_find_duplicates(ctx, in, threads, rep, weight);
        if (st != SNIG_OK)
            goto cleanup;
    } else {
        for (uint32_t r = 0; r < rows; r++) {
            rep[r] = r;
            weight[r] = 1;
        }
    }
    for (uint32_t r = 0; r < rows; r++)
        if (rep[r] == r)
            uniq[nuniq++] = r;
    cpu_run run = {.job = job, .prep = prep, .res = res, .uniq = uniq,
                   .weight = weight, .kernel = snig__cpu_kernel_pick(&kname)};
    uint32_t batch = job->opt->batch ? job->opt->batch
                                     : default_batch(nuniq, prep->widest,
                                                     threads);
    if (batch > nuniq)
        batch = nuniq ? nuniq : 1;
    st = run_batches(&run, batch, nuniq, threads);
    if (st == SNIG_CANCELLED)
        snig__check_cancel(ctx);
    if (st != SNIG_OK)
        goto cleanup;
    share_duplicates(rep, res);
    res->live_counted = true;
    res->layer_counted = true;
cleanup:
    snig__free(ctx, uniq);
    snig__free(ctx, weight);
    snig__free(ctx, rep);
    return st;
}

const struct snig_engine_i snig_engine_cpu = {
    .name = "cpu",
    .summary = "OpenMP over batches of rows, vectorised 16-row panels with a "
               "row-at-a-time path for sparse rows, exact shortcuts",
    .prepare = cpu_prepare,
    .release = cpu_release,
    .infer = cpu_infer,
};
