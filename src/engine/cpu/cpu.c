/* The cpu engine: SNIG's layered inference on CPU cores.
 *
 * prepare (once per plan) makes every layer ready in parallel: checksum and
 * page-in of a memory-mapped layer, cutting into cache-sized sections, the
 * copy by output neuron for the gather kernel, the saturation property and
 * whether a zero row stays zero.  infer only reads what prepare made, so
 * several threads may infer on one plan at once: duplicate rows are found,
 * the unique rows cut into batches, and run.c shares them out.  See
 * cpu_internal.h for the layout and kernel.c for the arithmetic. */
#include "cpu_internal.h"

#include <omp.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* The L2 cache of one core, in bytes (1 MiB when the system does not say). */
static size_t l2_bytes(void)
{
    long v = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
    v = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    return v >= 64 * 1024 && v <= 64l * 1024 * 1024 ? (size_t)v
                                                     : (size_t)1 << 20;
}

/* Rows per batch.  Where rows die (the challenge's networks), few survive
 * many layers, and rows of different batches never share a panel, so
 * batches are made large: one per thread when that is at most 4096 rows,
 * else equal batches of at most 4096 rows (enough of them to balance the
 * threads); and at most 64 MiB of values per batch.  Where no row can leave
 * its panel in at least half of the layers (a layer before them revives a
 * zero row: torch's bias on every output), every row stays, and a batch
 * gains nothing from its size: its values (rows x widest) are then held to
 * the L2 cache, so that a layer's output is still there for the next layer
 * and no fresh memory is faulted in at each call (measured on the pruned
 * 784-1024-1024-10 MLP, bench/mlp_shape: 4096-row batches 1.5x slower). */
static uint32_t default_batch(const cpu_prepared *prep, uint32_t rows,
                              int threads)
{
    uint32_t widest = prep->widest;
    uint64_t b = ((uint64_t)rows + (uint32_t)threads - 1) / (uint32_t)threads;
    if (b > 4096) {
        uint64_t count = (rows + 4095) / 4096;
        b = (rows + count - 1) / count;
    }
    uint64_t cap = ((uint64_t)16 << 20) / widest;
    if (prep->drop_dead_from > 0 && 2 * prep->drop_dead_from >= prep->layers) {
        uint64_t fit = l2_bytes() / ((uint64_t)widest * sizeof(float));
        fit -= fit % CPU_LANES;
        cap = fit < 4 * CPU_LANES ? 4 * CPU_LANES : fit;
    }
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
    snig__cpu_free_huge(ctx, prep->packed);
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
    size_t *offset = snig__malloc(ctx, (job->layers + 1u) * sizeof *offset);
    float *scratch = snig__malloc(ctx, (size_t)prep->widest * (size_t)threads *
                                           sizeof *scratch);
    snig_status st = SNIG_OK;
    if (prep->layer == NULL || offset == NULL || scratch == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    /* Every layer read and checked first (lazily loaded layers get their
     * arrays here): the packed sizes depend on what a layer holds. */
    _Atomic int bad;
    atomic_init(&bad, (int)SNIG_OK);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (uint32_t l = 0; l < job->layers; l++) {
        snig_status s = atomic_load(&bad) == SNIG_OK
                            ? snig__layer_ready(ctx, net, l) : SNIG_OK;
        int ok = SNIG_OK;
        if (s != SNIG_OK)
            atomic_compare_exchange_strong(&bad, &ok, (int)s);
    }
    st = (snig_status)atomic_load(&bad);
    if (st != SNIG_OK)
        goto cleanup;
    /* One block for every layer's packed copies: one allocation, in huge
     * pages where the kernel allows (a page fault costs microseconds) */
    offset[0] = 0;
    for (uint32_t l = 0; l < job->layers; l++)
        offset[l + 1] = offset[l] + snig__cpu_layer_bytes(&net->layer[l]);
    prep->packed = snig__cpu_alloc_huge(ctx, offset[job->layers]);
    if (prep->packed == NULL) {
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
        snig_status s = snig__cpu_layer_prepare(
            job, l, (uint8_t *)prep->packed + offset[l], z, &prep->layer[l]);
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
    snig__free(ctx, offset);
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
    run.masks = snig__cpu_masks_pick(run.kernel);
    run.move = snig__cpu_move_pick(run.kernel);
    uint32_t batch = job->opt->batch ? job->opt->batch
                                     : default_batch(prep, nuniq, threads);
    if (batch > nuniq)
        batch = nuniq ? nuniq : 1;
    st = snig__cpu_run_batches(&run, batch, nuniq, threads);
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

const struct snig_engine_i snig__engine_cpu = {
    .name = "cpu",
    .summary = "OpenMP over batches of rows, 16-row panels (gather for dense "
               "panels, scatter for sparse ones), exact shortcuts",
    .prepare = cpu_prepare,
    .release = cpu_release,
    .infer = cpu_infer,
};
