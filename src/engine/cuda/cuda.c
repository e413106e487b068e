/* The cuda engine: SNIG on NVIDIA GPUs.
 *
 * prepare (once per plan): checks every layer (checksums, in parallel),
 * packs it (pack.h) into host memory, finds which layers keep the all-32 row
 * all-32, and chooses how the weights live on the GPUs: resident (copied to
 * every GPU once, here; the host copy is then dropped) or streamed through
 * a few layer buffers per batch (the host copy stays, page-locked when the
 * system allows).
 * infer (any number of times, possibly at once on several threads): plans
 * the batches for the memory left, starts one worker per GPU (worker.c) and
 * records what it measured in the result (kernel_seconds, engine_info).
 * The GPU side is in the .cu files behind cuda_engine.h. */
#include "cuda_run.h"
#include "host/dedup.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What prepare made; read-only for infer. */
typedef struct cuda_prepared {
    uint32_t n, layers;
    int gpus;
    snig__pack_layer *pack;
    uint8_t *retire;
    void *arena;                 /* host blobs; NULL once resident */
    int arena_pinned;
    uint64_t arena_bytes, max_bytes;
    snig__cuda_weights_plan wp;
    void **weights;              /* gpus entries: resident device copies */
    /* gpus entries: the device objects calls leave for the next (the only
     * part infer changes, atomically: several calls may run at once). */
    _Atomic(snig__cuda_dev *) *cache;
    uint64_t cap;                /* the caller's byte cap, 0 none */
    int shortcuts, fused;
    uint32_t section;
    char name[256];
    double pack_seconds, upload_seconds;
} cuda_prepared;

void *snig__cuda_host_alloc(size_t bytes, int *pinned)
{
    char err[SNIG_CUDA_ERRLEN];
    void *p = NULL;
    *pinned = 0;
    if (snig__cuda_pinned_alloc(&p, bytes, err) == 0) {
        *pinned = 1;
        return p;
    }
    /* Page-locking refused (too much of it, a container's limit): pageable
     * memory works too, its copies are slower. */
    return malloc(bytes ? bytes : 1);
}

void snig__cuda_host_free(void *p, int pinned)
{
    if (pinned)
        snig__cuda_pinned_free(p);
    else
        free(p);
}

static int cuda_available(void)
{
    return snig__cuda_count() > 0;
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
        snig__pack_layer d;
        /* The least the layer can take (the slots are known when packed). */
        if (!snig__pack_plan(&d, net->neurons, net->layer[l].nnz,
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

/* Checks every layer (checksums of lazily read .snb layers) and plans its
 * blob, in parallel; lays the blobs out in one arena. */
static snig_status plan_layers(const snig_job *job, cuda_prepared *p,
                               uint32_t *cursors, int threads)
{
    const snig_network *net = job->net;
    const uint32_t n = p->n;
    const int64_t layers = p->layers;
    int64_t bad = -1, corrupt = -1;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int64_t l = 0; l < layers; l++) {
        /* No ctx here: its message is not for several threads at once. */
        if (snig__layer_ready(NULL, net, (uint32_t)l) != SNIG_OK) {
#pragma omp critical
            corrupt = corrupt < 0 || l < corrupt ? l : corrupt;
            continue;
        }
        const snig_layer *L = &net->layer[l];
        float scalar;
        const float *bias = snig_layer_bias(job, (uint32_t)l, &scalar);
        int values = L->val != NULL && !snig__pack_uniform(L->val, L->nnz);
        uint64_t slots =
            snig__pack_slots(n, L->nnz, L->col16, L->col32,
                            cursors + (size_t)omp_get_thread_num() * n);
        if (!snig__pack_plan(&p->pack[l], n, L->nnz, slots, values,
                            bias != NULL)) {
#pragma omp critical
            bad = l;
        }
    }
    if (corrupt >= 0)   /* the first bad layer again, now with the message */
        return snig__layer_ready(job->ctx, net, (uint32_t)corrupt);
    if (bad >= 0)
        return snig__error(job->ctx, SNIG_UNSUPPORTED,
                           "%s: layer %lld cannot be packed for the cuda "
                           "engine (too many entries in a group of 32 "
                           "columns)", net->path, (long long)bad + 1);
    uint64_t at = 0, most = 0;
    for (int64_t l = 0; l < layers; l++) {
        p->pack[l].offset = at;
        at += p->pack[l].bytes;
        most = p->pack[l].bytes > most ? p->pack[l].bytes : most;
    }
    p->arena_bytes = at;
    p->max_bytes = most;
    return SNIG_OK;
}

/* Packs the layers in parallel (each thread its own cursor array). */
static void pack_layers(const snig_job *job, cuda_prepared *p,
                        uint32_t *cursors, int threads, double start)
{
    const snig_network *net = job->net;
    const uint32_t n = p->n;
    const int64_t layers = p->layers;
    unsigned char *arena = p->arena;
    _Atomic uint64_t done = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int64_t l = 0; l < layers; l++) {
        const snig_layer *L = &net->layer[l];
        float scalar;
        const float *bias = snig_layer_bias(job, (uint32_t)l, &scalar);
        uint32_t *cursor = cursors + (size_t)omp_get_thread_num() * n;
        snig__pack_fill(&p->pack[l], n, L->rowptr, L->col16, L->col32, L->val,
                       L->uniform, bias, scalar, p->fused,
                       arena + p->pack[l].offset, cursor);
        snig__progress(job->ctx, "prepare", atomic_fetch_add(&done, 1) + 1,
                       (uint64_t)layers, 0, start);
    }
}

/* The bytes every GPU used may take now: the least free memory among them,
 * less a margin.  props[0] out (and the least shared memory). */
static snig_status usable_memory(snig_ctx *ctx, int gpus, uint64_t *usable,
                                 snig__cuda_props *first)
{
    char err[SNIG_CUDA_ERRLEN];
    uint64_t least = UINT64_MAX;
    for (int d = 0; d < gpus; d++) {
        snig__cuda_props p;
        if (snig__cuda_describe(d, &p, err) != 0)
            return snig__error(ctx, SNIG_ENGINE, "%s", err);
        uint64_t u = p.free_b / 100 * 94;
        u = u > (64u << 20) ? u - (64u << 20) : 0;
        least = u < least ? u : least;
        if (d == 0) {
            *first = p;
        } else {
            first->smem_block = p.smem_block < first->smem_block
                                    ? p.smem_block
                                    : first->smem_block;
            first->smem_sm =
                p.smem_sm < first->smem_sm ? p.smem_sm : first->smem_sm;
        }
    }
    *usable = least;
    return SNIG_OK;
}

/* Tuning knobs for measurements (docs/CUDA.md): the summation order and the
 * section, read once per plan. */
static void read_knobs(int *fused, uint32_t *section)
{
    const char *order = getenv("SNIG_CUDA_ORDER");
    const char *sec = getenv("SNIG_CUDA_SECTION");
    *fused = order != NULL && strcmp(order, "fused") == 0;
    *section = sec != NULL ? (uint32_t)strtoul(sec, NULL, 10) : 0;
}

static void cuda_release(snig_ctx *ctx, void *prepared)
{
    cuda_prepared *p = prepared;
    if (p == NULL)
        return;
    for (int d = 0; p->cache != NULL && d < p->gpus; d++) {
        snig__cuda_dev *dev = atomic_exchange(&p->cache[d], NULL);
        snig__cuda_dev_free(&dev);
    }
    snig__free(ctx, (void *)p->cache);
    for (int d = 0; p->weights != NULL && d < p->gpus; d++)
        snig__cuda_device_free(d, p->weights[d]);
    snig__free(ctx, p->weights);
    if (p->arena != NULL)
        snig__cuda_host_free(p->arena, p->arena_pinned);
    snig__free(ctx, p->retire);
    snig__free(ctx, p->pack);
    snig__free(ctx, p);
}

/* Copies the arena to every GPU (resident weights), then drops it. */
static snig_status upload(snig_ctx *ctx, cuda_prepared *p)
{
    char err[SNIG_CUDA_ERRLEN];
    double t0 = snig__now();
    p->weights = snig__calloc(ctx, (size_t)p->gpus, sizeof *p->weights);
    if (p->weights == NULL)
        return SNIG_NOMEM;
    for (int d = 0; d < p->gpus; d++)
        if (snig__cuda_device_alloc(d, p->arena_bytes, &p->weights[d], err) ||
            snig__cuda_upload(d, p->weights[d], p->arena, p->arena_bytes, err))
            return snig__error(ctx, SNIG_ENGINE, "%s", err);
    snig__cuda_host_free(p->arena, p->arena_pinned);
    p->arena = NULL;
    p->upload_seconds = snig__now() - t0;
    return SNIG_OK;
}

static snig_status cuda_prepare(const snig_job *job, void **out)
{
    snig_ctx *ctx = job->ctx;
    const snig_options *opt = job->opt;
    const uint32_t n = job->net->neurons, layers = job->layers;
    snig_status st = SNIG_OK;
    uint32_t *cursors = NULL;
    double t0 = snig__now();
    cuda_prepared *p = snig__calloc(ctx, 1, sizeof *p);
    if (p == NULL)
        return SNIG_NOMEM;
    p->n = n;
    p->layers = layers;
    p->cap = opt->gpu_memory;
    p->shortcuts = opt->shortcuts != 0;
    read_knobs(&p->fused, &p->section);

    int present = snig__cuda_count();
    p->gpus = opt->gpus > 0 ? opt->gpus : present;
    if (present == 0) {
        st = snig__error(ctx, SNIG_UNSUPPORTED, "engine 'cuda': no GPU");
        goto cleanup;
    }
    if (p->gpus > present) {
        st = snig__error(ctx, SNIG_USAGE,
                         "engine 'cuda': %d GPUs asked for, %d present",
                         p->gpus, present);
        goto cleanup;
    }
    int threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    p->pack = snig__calloc(ctx, layers, sizeof *p->pack);
    p->retire = snig__calloc(ctx, layers, sizeof *p->retire);
    cursors = snig__malloc(ctx, (size_t)threads * n * sizeof *cursors);
    if (p->pack == NULL || p->retire == NULL || cursors == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    p->cache = snig__malloc(ctx, (size_t)p->gpus * sizeof *p->cache);
    if (p->cache == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (int d = 0; d < p->gpus; d++)
        atomic_init(&p->cache[d], NULL);
    st = plan_layers(job, p, cursors, threads);
    if (st != SNIG_OK)
        goto cleanup;

    /* Where the weights live. */
    uint64_t usable = 0;
    snig__cuda_props props;
    st = usable_memory(ctx, p->gpus, &usable, &props);
    if (st != SNIG_OK)
        goto cleanup;
    snprintf(p->name, sizeof p->name, "%s", props.name);
    p->section = snig__cuda_section(n, props.smem_block, props.smem_sm,
                                   p->section);
    uint64_t budget = p->cap != 0 && p->cap < usable ? p->cap : usable;
    if (!snig__cuda_weights_choose(&p->wp, n, layers, p->arena_bytes,
                                  p->max_bytes, budget,
                                  opt->weight_buffers)) {
        st = snig__error(ctx, SNIG_NOMEM,
                         "engine 'cuda': %llu bytes of GPU memory allowed, "
                         "%llu needed at least",
                         (unsigned long long)budget,
                         (unsigned long long)p->wp.need);
        goto cleanup;
    }

    /* Packed once, in parallel. */
    p->arena = snig__cuda_host_alloc(p->arena_bytes, &p->arena_pinned);
    if (p->arena == NULL) {
        st = snig__error(ctx, SNIG_NOMEM,
                         "engine 'cuda': %llu bytes of host memory for the "
                         "packed weights",
                         (unsigned long long)p->arena_bytes);
        goto cleanup;
    }
    pack_layers(job, p, cursors, threads, t0);
    /* A row all at 32 after layer l may leave when every later layer maps
     * the all-32 row to itself (exact: pack.c computed it as the kernel
     * would). */
    for (uint32_t l = layers, keeps = 1; l-- > 0;) {
        p->retire[l] = (uint8_t)(p->shortcuts && keeps);
        keeps = keeps && p->pack[l].maps_saturated;
    }
    p->pack_seconds = snig__now() - t0;
    if (p->wp.resident)
        st = upload(ctx, p);
cleanup:
    snig__free(ctx, cursors);
    if (st != SNIG_OK) {
        cuda_release(ctx, p);
        p = NULL;
    }
    *out = p;
    return st;
}

static snig_status run_workers(snig__cuda_run *run, int workers,
                               snig__cuda_worker *w)
{
    snig_ctx *ctx = run->job->ctx;
    snig_status st = SNIG_OK;
    /* One GPU: the calling thread is its worker. */
    if (workers == 1) {
        snig__cuda_worker_main(&w[0]);
    } else {
        for (int i = 0; i < workers; i++) {
            if (pthread_create(&w[i].thread, NULL, snig__cuda_worker_main,
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

/* The figures a program reads back (snig_result_engine_info): what ran
 * where, and what it moved. */
static void record(const cuda_prepared *p, const snig__cuda_run *run,
                   const snig__cuda_worker *w, int workers, snig_result *res)
{
    uint64_t peak = 0, batches = 0;
    double kernel = 0.0, stage = 0.0, merge = 0.0, setup = 0.0;
    int pinned = 1, reused = 1;
    for (int i = 0; i < workers; i++) {
        peak = w[i].device_bytes > peak ? w[i].device_bytes : peak;
        /* GPUs run side by side: the slowest one's sum. */
        kernel = w[i].graph_seconds > kernel ? w[i].graph_seconds : kernel;
        stage = w[i].stage_seconds > stage ? w[i].stage_seconds : stage;
        merge = w[i].merge_seconds > merge ? w[i].merge_seconds : merge;
        batches += w[i].batches_done;
        pinned = pinned && w[i].io_pinned;
        reused = reused && w[i].reused;
        setup = w[i].setup_seconds > setup ? w[i].setup_seconds : setup;
    }
    char name[256];
    snprintf(name, sizeof name, "%s", p->name);
    for (char *c = name; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 32)
            *c = '_';
    uint64_t streamed = p->wp.resident ? 0 : batches * p->arena_bytes;
    res->kernel_seconds = kernel;
    snprintf(res->engine_info, sizeof res->engine_info,
             "{\"gpus\": %d, \"gpu\": \"%s\", \"weights\": \"%s\", "
             "\"buffers\": %d, \"batch\": %u, \"batches\": %llu, "
             "\"section\": %u, \"order\": \"%s\", \"peak_gpu_bytes\": %llu, "
             "\"weight_bytes\": %llu, \"streamed_bytes\": %llu, "
             "\"upload_seconds\": %.6f, \"pack_seconds\": %.6f, "
             "\"host_stage_seconds\": %.6f, \"host_merge_seconds\": %.6f, "
             "\"slots\": %d, \"setup_seconds\": %.6f, \"reused\": %s, "
             "\"host_pinned\": %s}",
             workers, name, p->wp.resident ? "resident" : "streamed",
             p->wp.resident ? 0 : p->wp.buffers, run->plan.batch,
             (unsigned long long)batches, p->section,
             p->fused ? "fused" : "reference", (unsigned long long)peak,
             (unsigned long long)p->arena_bytes,
             (unsigned long long)streamed, p->upload_seconds,
             p->pack_seconds, stage, merge, run->setup.slots, setup,
             reused ? "true" : "false", pinned && (p->wp.resident || p->arena_pinned) ? "true"
                                                           : "false");
}

static snig_status cuda_infer(const snig_job *job, snig_result *res)
{
    snig_ctx *ctx = job->ctx;
    const snig_options *opt = job->opt;
    const snig_inputs *in = job->in;
    const cuda_prepared *p = job->prepared;
    snig_status st = SNIG_OK;
    snig__cuda_worker *w = NULL;
    int workers = 0;
    if (p == NULL)
        return snig__error(ctx, SNIG_ENGINE,
                           "engine 'cuda': infer without prepare");
    snig__cuda_run *run = snig__calloc(ctx, 1, sizeof *run);
    if (run == NULL)
        return SNIG_NOMEM;
    res->live_counted = true;
    if (in->rows == 0)
        goto cleanup;

    /* The batch: what is left of the cap and of the free memory now. */
    uint64_t usable = 0;
    snig__cuda_props props;
    st = usable_memory(ctx, p->gpus, &usable, &props);
    if (st != SNIG_OK)
        goto cleanup;
    /* A device object left by an earlier call is memory this call has. */
    uint64_t kept = 0;
    for (int d = 0; d < p->gpus; d++) {
        snig__cuda_dev *dev = atomic_load(&p->cache[d]);
        uint64_t b = dev != NULL ? snig__cuda_dev_bytes(dev) : 0;
        kept = b > kept ? b : kept;
    }
    uint64_t budget = usable + kept;
    if (p->cap != 0) {
        uint64_t left = p->wp.resident
                            ? (p->cap > p->arena_bytes ? p->cap - p->arena_bytes
                                                       : 0)
                            : p->cap;
        budget = left < budget ? left : budget;
    }
    uint64_t weight_bytes =
        p->wp.resident ? 0 : (uint64_t)p->wp.buffers * p->max_bytes;
    if (!snig__cuda_plan_make(&run->plan, p->n, p->layers, in->rowptr,
                             in->rows, weight_bytes, budget, opt->batch,
                             p->gpus)) {
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
    run->shortcuts = p->shortcuts;
    run->threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    run->setup = (snig__cuda_setup){
        .neurons = p->n, .layers = p->layers, .pack = p->pack,
        .arena = p->arena, .max_layer_bytes = p->max_bytes,
        .buffers = p->wp.buffers, .retire = p->retire,
        .keep_values = res->values != NULL, .fused = p->fused,
        .section = p->section};
    run->weights = (const void *const *)p->weights;
    run->cache = p->cache;
    run->batches = (in->rows + run->plan.batch - 1) / run->plan.batch;
    atomic_init(&run->next, 0);
    atomic_init(&run->done, 0);
    run->start = snig__now();
    atomic_init(&run->stop, 0);

    /* Workers and their scratch (allocated here, on the context's thread). */
    workers = p->gpus < (int)(run->batches < 1024 ? run->batches : 1024)
                  ? p->gpus
                  : (int)run->batches;
    /* A worker with more than one batch stages the next during the GPU's
     * work on the current one (two host slots). */
    run->setup.slots = run->batches > (uint64_t)workers ? SNIG_CUDA_SLOTS : 1;
    w = snig__calloc(ctx, (size_t)workers, sizeof *w);
    if (w == NULL) {
        st = SNIG_NOMEM;
        workers = 0;
        goto cleanup;
    }
    uint32_t table = snig__dedup_table_size(run->plan.batch);
    for (int i = 0; i < workers; i++) {
        w[i].run = run;
        w[i].device = i;
        for (int k = 0; k < SNIG_CUDA_SLOTS; k++)
            w[i].rep_of[k] =
                snig__malloc(ctx, run->plan.batch * sizeof(uint32_t));
        w[i].reps = snig__malloc(ctx, run->plan.batch * sizeof(uint32_t));
        w[i].hash = snig__malloc(ctx, run->plan.batch * sizeof(uint64_t));
        w[i].table = snig__malloc(ctx, (size_t)table * sizeof(uint32_t));
        if (w[i].rep_of[0] == NULL || w[i].rep_of[1] == NULL ||
            w[i].reps == NULL || w[i].hash == NULL || w[i].table == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
    }
    st = run_workers(run, workers, w);
    if (st == SNIG_OK)
        record(p, run, w, workers, res);
cleanup:
    for (int i = 0; i < workers; i++) {
        snig__free(ctx, w[i].table);
        snig__free(ctx, w[i].hash);
        snig__free(ctx, w[i].reps);
        for (int k = 0; k < SNIG_CUDA_SLOTS; k++)
            snig__free(ctx, w[i].rep_of[k]);
    }
    snig__free(ctx, w);
    snig__free(ctx, run);
    return st;
}

const struct snig_engine_i snig__engine_cuda = {
    .name = "cuda",
    .summary = "SNIG on NVIDIA GPUs: CUDA Graph per batch, weights resident "
               "or streamed, one worker per GPU",
    .available = cuda_available,
    .supports = cuda_supports,
    .prepare = cuda_prepare,
    .release = cuda_release,
    .infer = cuda_infer,
};
