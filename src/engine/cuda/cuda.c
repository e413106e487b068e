/* The cuda engine: SNIG on NVIDIA GPUs.  This file prepares a run on the
 * host (packs every layer once into page-locked memory, finds which layers
 * keep the all-32 row all-32, plans memory and batches), starts one worker
 * per GPU (worker.c) and reports.  The GPU side is in the .cu files behind
 * cuda_engine.h. */
#include "cuda_run.h"
#include "host/dedup.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cuda_available(void)
{
    return snig_cuda_count() > 0;
}

static int cuda_supports(const snig_job *job)
{
    const snig_network *net = job->net;
    if (!snig__network_is_square(net, job->layers)) {
        snig__error(job->ctx, SNIG_UNSUPPORTED,
                    "engine 'cuda': only the challenge's layers (N x N, bias "
                    "on nonzeros, ReLU capped)");
        return 0;
    }
    if (net->neurons > SNIG_PACK_MAX_NEURONS) {
        snig__error(job->ctx, SNIG_UNSUPPORTED,
                    "engine 'cuda': %u neurons, at most %u (16-bit indices)",
                    net->neurons, SNIG_PACK_MAX_NEURONS);
        return 0;
    }
    if (job->layers == 0) {
        snig__error(job->ctx, SNIG_UNSUPPORTED,
                    "engine 'cuda': a run needs at least one layer");
        return 0;
    }
    for (uint32_t l = 0; l < job->layers; l++) {
        snig_pack_layer d;
        /* The least the layer can take (the slots are known when packed). */
        if (!snig_pack_plan(&d, net->neurons, net->layer[l].nnz,
                            net->layer[l].nnz, 1, 1)) {
            snig__error(job->ctx, SNIG_UNSUPPORTED,
                        "%s: layer %u: %llu entries, too many for the cuda "
                        "engine", net->path, l + 1,
                        (unsigned long long)net->layer[l].nnz);
            return 0;
        }
    }
    return 1;
}

/* Plans every layer's blob in one arena (counting each layer's slots, in
 * parallel); *arena_bytes, *max_bytes out. */
static snig_status plan_layers(const snig_job *job, snig_pack_layer *pack,
                               uint32_t *cursors, int threads,
                               uint64_t *arena_bytes, uint64_t *max_bytes)
{
    const snig_network *net = job->net;
    const uint32_t n = net->neurons;
    const int64_t layers = job->layers;
    int64_t bad = -1;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int64_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        float scalar;
        const float *bias = snig_layer_bias(job, (uint32_t)l, &scalar);
        int values = L->val != NULL && !snig_pack_uniform(L->val, L->nnz);
        uint64_t slots =
            snig_pack_slots(n, L->nnz, L->col16, L->col32,
                            cursors + (size_t)omp_get_thread_num() * n);
        if (!snig_pack_plan(&pack[l], n, L->nnz, slots, values,
                            bias != NULL)) {
#pragma omp critical
            bad = l;
        }
    }
    if (bad >= 0)
        return snig__error(job->ctx, SNIG_UNSUPPORTED,
                           "%s: layer %lld cannot be packed for the cuda "
                           "engine (too many entries in a group of 32 "
                           "columns)", net->path, (long long)bad + 1);
    uint64_t at = 0, most = 0;
    for (int64_t l = 0; l < layers; l++) {
        pack[l].offset = at;
        at += pack[l].bytes;
        most = pack[l].bytes > most ? pack[l].bytes : most;
    }
    *arena_bytes = at;
    *max_bytes = most;
    return SNIG_OK;
}

/* Packs the layers in parallel (each thread its own cursor array). */
static void pack_layers(const snig_job *job, snig_pack_layer *pack,
                        unsigned char *arena, uint32_t *cursors, int threads)
{
    const snig_network *net = job->net;
    const uint32_t n = net->neurons;
    const int64_t layers = job->layers;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int64_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        float scalar;
        const float *bias = snig_layer_bias(job, (uint32_t)l, &scalar);
        uint32_t *cursor = cursors + (size_t)omp_get_thread_num() * n;
        snig_pack_fill(&pack[l], n, L->rowptr, L->col16, L->col32, L->val,
                       L->uniform, bias, scalar, arena + pack[l].offset,
                       cursor);
    }
}

/* The bytes every GPU used may take: the least free memory among them, less
 * a margin, under the caller's cap. */
static snig_status budget_of(snig_ctx *ctx, int gpus, uint64_t cap,
                             uint64_t *budget, char *name, size_t name_len)
{
    char err[SNIG_CUDA_ERRLEN];
    uint64_t least = UINT64_MAX;
    for (int d = 0; d < gpus; d++) {
        uint64_t free_b, total_b;
        if (snig_cuda_describe(d, d == 0 ? name : NULL, name_len, &free_b,
                               &total_b, err) != 0)
            return snig__error(ctx, SNIG_ENGINE, "%s", err);
        uint64_t usable = free_b / 100 * 94;
        usable = usable > (64u << 20) ? usable - (64u << 20) : 0;
        least = usable < least ? usable : least;
    }
    *budget = cap != 0 && cap < least ? cap : least;
    return SNIG_OK;
}

static snig_status run_workers(snig_cuda_run *run, int workers,
                               snig_cuda_worker *w)
{
    snig_ctx *ctx = run->job->ctx;
    snig_status st = SNIG_OK;
    /* One GPU: the calling thread is its worker. */
    if (workers == 1) {
        snig_cuda_worker_main(&w[0]);
    } else {
        for (int i = 0; i < workers; i++) {
            if (pthread_create(&w[i].thread, NULL, snig_cuda_worker_main,
                               &w[i]) != 0) {
                atomic_store(&run->stop, 1);
                st = snig__error(ctx, SNIG_ENGINE,
                                 "engine 'cuda': cannot start the thread of "
                                 "GPU %d", i);
                break;
            }
            w[i].started = 1;
        }
        for (int i = 0; i < workers; i++)
            if (w[i].started)
                pthread_join(w[i].thread, NULL);
    }
    for (int i = 0; i < workers && st == SNIG_OK; i++)
        if ((workers == 1 || w[i].started) && w[i].rc != 0)
            st = snig__error(ctx, SNIG_ENGINE, "GPU %d: %s", w[i].device,
                             w[i].err);
    return st;
}

/* gpu_seconds: from the workers' start (device setup, first transfer) to
 * the last batch's results merged on the host; packing is before it. */
static void report(const snig_cuda_run *run, const snig_cuda_worker *w,
                   int workers, const char *name, double gpu_seconds)
{
    if (run->job->ctx->progress_fn == NULL)
        return;
    uint64_t peak = 0;
    for (int i = 0; i < workers; i++)
        peak = w[i].device_bytes > peak ? w[i].device_bytes : peak;
    char weights[64];
    if (run->plan.resident)
        snprintf(weights, sizeof weights, "resident");
    else
        snprintf(weights, sizeof weights, "streamed through %d buffers",
                 run->plan.buffers);
    fprintf(stderr,
            "cuda: %d GPU(s) (%s), weights %s, batch %u, %llu batch(es), "
            "peak_gpu_bytes %llu per GPU, gpu_seconds %.6f\n",
            workers, name, weights, run->plan.batch,
            (unsigned long long)run->batches, (unsigned long long)peak,
            gpu_seconds);
}

static snig_status cuda_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    const snig_options *opt = job->opt;
    const snig_inputs *in = job->in;
    const uint32_t n = job->net->neurons, layers = job->layers;
    snig_status st = SNIG_OK;
    char err[SNIG_CUDA_ERRLEN], name[256] = "";
    snig_pack_layer *pack = NULL;
    uint8_t *retire = NULL;
    uint32_t *cursors = NULL;
    void *arena = NULL;
    snig_cuda_worker *w = NULL;
    int workers = 0;
    snig_cuda_run *run = snig__calloc(ctx, 1, sizeof *run);
    if (run == NULL)
        return SNIG_NOMEM;

    int present = snig_cuda_count();
    int gpus = opt->gpus > 0 ? opt->gpus : present;
    if (present == 0) {
        st = snig__error(ctx, SNIG_UNSUPPORTED, "engine 'cuda': no GPU");
        goto cleanup;
    }
    if (gpus > present) {
        st = snig__error(ctx, SNIG_USAGE,
                         "engine 'cuda': %d GPUs asked for, %d present", gpus,
                         present);
        goto cleanup;
    }
    res->live_counted = true;
    if (in->rows == 0)
        goto cleanup;
    for (uint32_t l = 0; l < layers && st == SNIG_OK; l++)
        st = snig__layer_ready(ctx, job->net, l);
    if (st != SNIG_OK)
        goto cleanup;

    /* Weights: planned, packed once into page-locked memory. */
    uint64_t arena_bytes = 0, max_bytes = 0;
    int threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    pack = snig__calloc(ctx, layers, sizeof *pack);
    retire = snig__calloc(ctx, layers, sizeof *retire);
    cursors = snig__malloc(ctx, (size_t)threads * n * sizeof *cursors);
    if (pack == NULL || retire == NULL || cursors == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    st = plan_layers(job, pack, cursors, threads, &arena_bytes, &max_bytes);
    if (st != SNIG_OK)
        goto cleanup;
    if (snig_cuda_pinned_alloc(&arena, arena_bytes, err) != 0) {
        st = snig__error(ctx, SNIG_NOMEM, "%s", err);
        goto cleanup;
    }
    pack_layers(job, pack, arena, cursors, threads);
    for (uint32_t l = 0; l < layers; l++)
        snig__layer_release(job->net, l);   /* the packed copy is used now */
    /* A row all at 32 after layer l may leave when every later layer maps
     * the all-32 row to itself (exact: pack.c computed it as the kernel
     * would). */
    run->shortcuts = opt->shortcuts != 0;
    for (uint32_t l = layers, keeps = 1; l-- > 0;) {
        retire[l] = (uint8_t)(run->shortcuts && keeps);
        keeps = keeps && pack[l].maps_saturated;
    }

    uint64_t budget = 0;
    st = budget_of(ctx, gpus, opt->gpu_memory, &budget, name, sizeof name);
    if (st != SNIG_OK)
        goto cleanup;
    if (!snig_cuda_plan_make(&run->plan, n, layers, in->rowptr, in->rows,
                             arena_bytes, max_bytes, budget, opt->batch,
                             opt->weight_buffers, gpus)) {
        st = snig__error(ctx, SNIG_NOMEM,
                         "engine 'cuda': %llu bytes of GPU memory allowed, "
                         "%llu needed at least%s",
                         (unsigned long long)budget,
                         (unsigned long long)run->plan.layout.total,
                         opt->batch ? " (try a smaller --batch)" : "");
        goto cleanup;
    }
    run->job = job;
    run->res = res;
    run->setup = (snig_cuda_setup){
        .neurons = n, .layers = layers, .pack = pack, .arena = arena,
        .arena_bytes = arena_bytes, .max_layer_bytes = max_bytes,
        .retire = retire, .keep_values = res->values != NULL};
    run->batches = (in->rows + run->plan.batch - 1) / run->plan.batch;
    atomic_init(&run->next, 0);
    atomic_init(&run->stop, 0);

    /* Workers and their scratch (allocated here, on the context's thread). */
    workers = gpus < (int)(run->batches < 1024 ? run->batches : 1024)
                  ? gpus
                  : (int)run->batches;
    w = snig__calloc(ctx, (size_t)workers, sizeof *w);
    if (w == NULL) {
        st = SNIG_NOMEM;
        workers = 0;
        goto cleanup;
    }
    uint32_t table = snig_dedup_table_size(run->plan.batch);
    for (int i = 0; i < workers; i++) {
        w[i].run = run;
        w[i].device = i;
        w[i].rep_of = snig__malloc(ctx, run->plan.batch * sizeof(uint32_t));
        w[i].reps = snig__malloc(ctx, run->plan.batch * sizeof(uint32_t));
        w[i].table = snig__malloc(ctx, (size_t)table * sizeof(uint32_t));
        if (w[i].rep_of == NULL || w[i].reps == NULL || w[i].table == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
    }
    double t0 = snig__now();
    st = run_workers(run, workers, w);
    if (st == SNIG_OK)
        report(run, w, workers, name, snig__now() - t0);
cleanup:
    for (int i = 0; i < workers; i++) {
        snig__free(ctx, w[i].table);
        snig__free(ctx, w[i].reps);
        snig__free(ctx, w[i].rep_of);
    }
    snig__free(ctx, w);
    snig_cuda_pinned_free(arena);
    snig__free(ctx, cursors);
    snig__free(ctx, retire);
    snig__free(ctx, pack);
    snig__free(ctx, run);
    return st;
}

const struct snig_engine_i snig_engine_cuda = {
    .name = "cuda",
    .summary = "SNIG on NVIDIA GPUs: CUDA Graph per batch, weights resident "
               "or streamed, one worker per GPU",
    .available = cuda_available,
    .supports = cuda_supports,
    .infer = cuda_infer,
};
