/* The cuda engine's host side (cuda.c, worker.c: prepare and release,
 * packing, saturation flags, resident weights uploaded once per plan or
 * streamed, memory plan, pageable memory when page-locking fails, batches
 * fetched by one worker per GPU, duplicate rows, the merge of results and
 * row counts, the figures recorded in the result) on CPUs, over a fake GPU:
 * the functions of cuda_engine.h done on the host with the kernel's
 * arithmetic (the host emulation of pack.c) and the compaction rules of
 * kernel.cu.  Compared with the reference engine, values bit for bit (and
 * in the fused order, categories).
 *
 * The engine's C files are compiled into this program, so their symbols
 * come from here and not from the library (which has them only when built
 * with CUDA, and then is not asked for them). */
#define _POSIX_C_SOURCE 200809L   /* setenv */
#include "testutil.h"

#include "engine/cuda/cuda.c"
#include "engine/cuda/worker.c"
#include "engine/cuda/host/pack_math.h"
#include "io/snb_layout.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ a fake GPU */

static int fake_gpus = 1;
static int fake_pin_fails;       /* 1: page-locking refused */
static atomic_int fake_runs;     /* batches run, all fake GPUs together */
static atomic_int fake_retired;  /* rows that left all at 32 */
static atomic_int fake_shared;   /* staged rows standing for several */
static atomic_int fake_uploads;  /* weight copies to a GPU */
static atomic_int fake_streamed; /* batches that read the host arena */

int snig__cuda_count(void)
{
    return fake_gpus;
}

int snig__cuda_describe(int dev, snig__cuda_props *p, char *err)
{
    (void)err;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "fake \"GPU\" %d", dev);
    p->free_b = p->total_b = 1ull << 30;
    p->sms = 4;
    p->smem_block = 227 * 1024;
    p->smem_sm = 228 * 1024;
    p->major = 9;
    return 0;
}

int snig__cuda_pinned_alloc(void **p, size_t bytes, char *err)
{
    *p = fake_pin_fails ? NULL : malloc(bytes ? bytes : 1);
    if (*p == NULL)
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: cannot page-lock");
    return *p != NULL ? 0 : -1;
}

void snig__cuda_pinned_free(void *p)
{
    free(p);
}

int snig__cuda_device_alloc(int dev, uint64_t bytes, void **p, char *err)
{
    (void)dev;
    *p = malloc(bytes ? bytes : 1);
    if (*p == NULL)
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: out of device memory");
    return *p != NULL ? 0 : -1;
}

void snig__cuda_device_free(int dev, void *p)
{
    (void)dev;
    free(p);
}

int snig__cuda_upload(int dev, void *dst, const void *src, uint64_t bytes,
                     char *err)
{
    (void)dev;
    (void)err;
    memcpy(dst, src, bytes);
    atomic_fetch_add(&fake_uploads, 1);
    return 0;
}

struct snig__cuda_dev {
    snig__cuda_setup s;
    snig__cuda_plan plan;
    int slots;
    snig__cuda_io io[SNIG_CUDA_SLOTS];
    /* Launched batches, in order: the GPU computes a batch only when it is
     * waited for, from the slot's buffers as they are then, so a worker
     * that refilled a slot in flight would get wrong answers. */
    int queue[SNIG_CUDA_SLOTS], queued;
    uint32_t m[SNIG_CUDA_SLOTS];
    uint64_t nnz[SNIG_CUDA_SLOTS];
    float *y, *tin, *tout, *acc;
    uint32_t *cursor, *list, *next;
};

static atomic_int fake_overlapped;   /* launches while another was queued */

void snig__cuda_dev_free(snig__cuda_dev **dp)
{
    snig__cuda_dev *d = *dp;
    if (d == NULL)
        return;
    for (int i = 0; i < SNIG_CUDA_SLOTS; i++) {
        free(d->io[i].rowptr);
        free(d->io[i].mult);
        free(d->io[i].entries);
        free(d->io[i].status);
        free(d->io[i].stats);
        free(d->io[i].values);
    }
    free(d->y);
    free(d->tin);
    free(d->tout);
    free(d->acc);
    free(d->cursor);
    free(d->list);
    free(d->next);
    free(d);
    *dp = NULL;
}

int snig__cuda_dev_new(const snig__cuda_setup *s, const snig__cuda_plan *plan,
                      snig__cuda_dev **out, char *err)
{
    const size_t b = plan->batch, n = s->neurons;
    snig__cuda_dev *d = calloc(1, sizeof *d);
    *out = NULL;
    if (d == NULL)
        return -1;
    d->s = *s;
    d->plan = *plan;
    d->slots = s->slots > 1 ? SNIG_CUDA_SLOTS : 1;
    int ok = 1;
    for (int i = 0; i < d->slots; i++) {
        snig__cuda_io *io = &d->io[i];
        io->pinned = !fake_pin_fails;
        io->rowptr = malloc((b + 1) * sizeof *io->rowptr);
        io->mult = malloc(b * sizeof *io->mult);
        io->entries = malloc((plan->max_entries + 1) * sizeof *io->entries);
        io->status = malloc(b);
        io->stats = malloc(2 * (size_t)s->layers * sizeof *io->stats);
        io->values = s->keep_values ? malloc(b * n * sizeof(float)) : NULL;
        ok = ok && io->rowptr && io->mult && io->entries && io->status &&
             io->stats && (!s->keep_values || io->values);
    }
    d->y = malloc(b * n * sizeof *d->y);
    d->tin = malloc(b * n * sizeof *d->tin);
    d->tout = malloc(b * n * sizeof *d->tout);
    d->acc = malloc(n * SNIG_CUDA_ROWS * sizeof *d->acc);
    d->cursor = malloc(n * sizeof *d->cursor);
    d->list = malloc(b * sizeof *d->list);
    d->next = malloc(b * sizeof *d->next);
    if (!ok || !d->y || !d->tin || !d->tout || !d->acc || !d->cursor ||
        !d->list || !d->next) {
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: out of memory");
        snig__cuda_dev_free(&d);
        return -1;
    }
    /* The plan must fit what the engine said the budget was. */
    CHECK(plan->layout.total <= (1ull << 30) / 100 * 94);
    *out = d;
    return 0;
}

snig__cuda_io *snig__cuda_dev_io(snig__cuda_dev *d, int slot)
{
    return slot < d->slots ? &d->io[slot] : NULL;
}

void snig__cuda_dev_shape(const snig__cuda_dev *d, snig__cuda_setup *s,
                         snig__cuda_plan *plan)
{
    *s = d->s;
    s->slots = d->slots;
    *plan = d->plan;
}

int snig__cuda_dev_slots(const snig__cuda_dev *d)
{
    return d->slots;
}

uint64_t snig__cuda_dev_bytes(const snig__cuda_dev *d)
{
    return d->plan.layout.total;
}

int snig__cuda_dev_launch(snig__cuda_dev *d, int slot, uint32_t m, uint64_t nnz,
                         char *err)
{
    if (slot < 0 || slot >= d->slots || m == 0 || m > d->plan.batch ||
        nnz > d->plan.max_entries || d->io[slot].rowptr[m] != nnz ||
        d->queued == SNIG_CUDA_SLOTS) {
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: batch does not fit the plan");
        return -1;
    }
    for (int i = 0; i < d->queued; i++)
        CHECK(d->queue[i] != slot);   /* a slot in flight is the GPU's */
    if (d->queued > 0)
        atomic_fetch_add(&fake_overlapped, 1);
    d->queue[d->queued++] = slot;
    d->m[slot] = m;
    d->nnz[slot] = nnz;
    return 0;
}

/* The batch graph, step by step as the kernels do it. */
static void fake_run(snig__cuda_dev *d, snig__cuda_io *io, uint32_t m)
{
    const uint32_t n = d->s.neurons, layers = d->s.layers;
    atomic_fetch_add(&fake_runs, 1);
    /* Resident: this GPU's uploaded copy; streamed: the host's arena. */
    const unsigned char *weights = d->s.weights;
    if (weights == NULL) {
        weights = d->s.arena;
        atomic_fetch_add(&fake_streamed, 1);
    }
    memset(io->stats, 0, 2 * (size_t)layers * sizeof *io->stats);
    for (uint32_t q = 0; q < m; q++) {
        float *y = d->y + (size_t)q * n;
        memset(y, 0, n * sizeof *y);
        for (uint64_t k = io->rowptr[q]; k < io->rowptr[q + 1]; k++)
            y[io->entries[k].col] = io->entries[k].val;
        io->status[q] = 0;
        d->list[q] = q;
        if (io->mult[q] > 1)
            atomic_fetch_add(&fake_shared, 1);
    }
    uint32_t count = m;
    for (uint32_t l = 0; l < layers; l++) {
        const snig__pack_layer *p = &d->s.pack[l];
        for (uint32_t t = 0; t < count; t++)
            memcpy(d->tin + (size_t)t * n, d->y + (size_t)d->list[t] * n,
                   n * sizeof *d->tin);
        snig__pack_emulate(p, weights + p->offset, n, 64, d->s.fused, d->tin,
                          d->tout, count, d->acc, d->cursor);
        uint32_t kept = 0;
        for (uint32_t t = 0; t < count; t++) {
            const uint32_t pos = d->list[t];
            const float *row = d->tout + (size_t)t * n;
            int nz = 0, sat = 1;
            for (uint32_t j = 0; j < n; j++) {
                nz |= row[j] != 0.0f;
                sat &= row[j] == SNIG_YMAX;
            }
            memcpy(d->y + (size_t)pos * n, row, n * sizeof *row);
            if (!nz)
                continue;
            io->stats[l] += io->mult[pos];
            if (l + 1 == layers) {
                io->status[pos] = 1;
            } else if (d->s.retire[l] && sat) {
                atomic_fetch_add(&fake_retired, 1);
                io->status[pos] = 2;
                io->stats[layers + l] += io->mult[pos];
            } else {
                d->next[kept++] = pos;
            }
        }
        uint32_t *t = d->list;
        d->list = d->next;
        d->next = t;
        count = kept;
    }
    if (io->values != NULL)
        memcpy(io->values, d->y, (size_t)m * n * sizeof *io->values);
}

/* Batches finish in the order launched: waiting for one runs those before
 * it too. */
int snig__cuda_dev_wait(snig__cuda_dev *d, int slot, double *graph_seconds,
                       char *err)
{
    int at = -1;
    for (int i = 0; i < d->queued; i++)
        if (d->queue[i] == slot)
            at = i;
    if (at < 0) {
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: slot %d not launched", slot);
        return -1;
    }
    CHECK(at == 0);   /* the worker collects in launch order */
    for (int i = 0; i <= at; i++)
        fake_run(d, &d->io[d->queue[i]], d->m[d->queue[i]]);
    for (int i = at + 1; i < d->queued; i++)
        d->queue[i - at - 1] = d->queue[i];
    d->queued -= at + 1;
    *graph_seconds = 0.001;
    return 0;
}

/* ------------------------------------------------------------- the tests */

/* A cap that leaves no room for resident weights but room for `batch` rows
 * beside `buffers` streamed layer buffers (also when buffers >= layers). */
static uint64_t streaming_cap(const snig_network *net, const snig_inputs *in,
                              int buffers, uint32_t batch)
{
    uint64_t most = 0;
    uint32_t *count = malloc(net->neurons * sizeof *count);
    for (uint32_t l = 0; count != NULL && l < net->layers; l++) {
        snig__pack_layer d;
        const snig_layer *L = &net->layer[l];
        int values = L->val && !snig__pack_uniform(L->val, L->nnz);
        uint64_t slots = snig__pack_slots(net->neurons, L->nnz, L->col16,
                                         L->col32, count);
        CHECK(snig__pack_plan(&d, net->neurons, L->nnz, slots, values,
                             L->has_bias && L->bias != NULL));
        most = d.bytes > most ? d.bytes : most;
    }
    free(count);
    uint32_t b = buffers > 0 ? (uint32_t)buffers : 2;
    b = b > net->layers ? net->layers : b;
    snig__cuda_layout lay;
    snig__cuda_layout_make(&lay, net->neurons, net->layers, batch,
                          snig__cuda_max_entries(in->rowptr, in->rows, batch),
                          b * most);
    return lay.total;
}

/* prepare, infer, release: what a plan does with the engine. */
static snig_result *run_fake(snig_ctx *ctx, const snig_network *net,
                             const snig_inputs *in, const snig_options *o)
{
    snig_job job = {.ctx = ctx, .net = net, .layers = net->layers,
                    .opt = o, .bias = 0.0f};
    snig_official_bias(net->neurons, &job.bias);
    snig_result *res = NULL;
    CHECK(snig__engine_cuda.supports(&job));
    snig_status st = snig__engine_cuda.prepare(&job, &job.prepared);
    if (st == SNIG_OK)
        st = snig__result_new(ctx, in->rows, in->first_row, net->neurons,
                              net->layers, o->keep_values != 0, &res);
    job.in = in;
    if (st == SNIG_OK)
        st = snig__engine_cuda.infer(&job, res);
    if (st == SNIG_OK)
        st = snig__result_finish(ctx, res);
    if (st != SNIG_OK) {
        fprintf(stderr, "fake cuda: %s (%s)\n", snig_status_str(st),
                snig_errmsg(ctx));
        test_failures++;
        snig_result_free(&res);
    }
    snig__engine_cuda.release(ctx, job.prepared);
    return res;
}

typedef struct variant {
    uint32_t batch;
    int gpus, shortcuts, buffers;
    uint32_t cap_rows;   /* > 0: streamed, room for this many rows */
    int fused, pin_fails;
} variant;

static const variant variants[] = {
    {0, 1, 1, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0}, {7, 1, 1, 0, 0, 0, 0},
    {5, 2, 1, 0, 0, 0, 0}, {0, 2, 0, 0, 0, 0, 0}, {0, 1, 1, 0, 9, 0, 0},
    {3, 2, 1, 0, 5, 0, 0},
    /* issue 10: B = 4 on few layers, batches of 8 (clamped to the layers) */
    {8, 1, 1, 4, 8, 0, 0}, {0, 1, 0, 4, 8, 0, 0}, {0, 1, 1, 1, 6, 0, 0},
    /* page-locking refused: pageable host memory, same answers */
    {0, 1, 1, 0, 0, 0, 1}, {6, 1, 1, 2, 6, 0, 1},
    /* the fused order */
    {0, 1, 1, 0, 0, 1, 0}, {4, 2, 0, 2, 4, 1, 0},
};

static void compare(snig_ctx *ctx, const char *name, const snig_network *net,
                    const snig_inputs *in)
{
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    snig_result *want = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &want));
    for (size_t i = 0; want != NULL && i < sizeof variants / sizeof *variants;
         i++) {
        const variant *v = &variants[i];
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        o.keep_values = 1;
        o.batch = v->batch;
        o.shortcuts = v->shortcuts;
        o.weight_buffers = v->buffers;
        fake_gpus = v->gpus;
        fake_pin_fails = v->pin_fails;
        if (v->cap_rows)
            o.gpu_memory = streaming_cap(net, in, v->buffers, v->cap_rows);
        if (v->fused)
            setenv("SNIG_CUDA_ORDER", "fused", 1);
        atomic_store(&fake_runs, 0);
        atomic_store(&fake_retired, 0);
        atomic_store(&fake_shared, 0);
        atomic_store(&fake_uploads, 0);
        atomic_store(&fake_streamed, 0);
        atomic_store(&fake_overlapped, 0);
        snig_result *got = run_fake(ctx, net, in, &o);
        unsetenv("SNIG_CUDA_ORDER");
        fake_pin_fails = 0;
        if (got == NULL)
            continue;
        char what[200];
        snprintf(what, sizeof what, "%s, variant %zu", name, i);
        /* Values bit for bit in the reference order. */
        const test_compare how = {.exact = !v->fused, .tolerance = 1e-4f,
                                  .live = 1};
        CHECK(test_same_results(what, want, got, &how));
        CHECK(snig_result_live_rows(got) != NULL);
        uint64_t batches = v->batch ? (in->rows + v->batch - 1) / v->batch
                                    : 0;
        int runs = atomic_load(&fake_runs);
        if (batches)
            CHECK((uint64_t)runs == batches);
        /* Several batches per GPU: the next one was staged and launched
         * while one was in flight. */
        if (batches > (uint64_t)v->gpus)
            CHECK(atomic_load(&fake_overlapped) > 0);
        /* Resident: one upload per GPU at prepare, nothing streamed;
         * streamed: no upload, every batch reads the host arena. */
        if (v->cap_rows)
            CHECK(atomic_load(&fake_uploads) == 0 &&
                  atomic_load(&fake_streamed) == runs);
        else
            CHECK(atomic_load(&fake_uploads) == v->gpus &&
                  atomic_load(&fake_streamed) == 0);
        /* The shortcuts happen exactly when they are on (every 4th input
         * row repeats the one before; uniform weights 2 saturate rows). */
        CHECK((atomic_load(&fake_shared) > 0) == (v->shortcuts != 0));
        if (strcmp(name, "saturating") == 0)
            CHECK((atomic_load(&fake_retired) > 0) == (v->shortcuts != 0));
        /* The figures a program reads back: JSON, the fake's times. */
        const char *info = snig_result_engine_info(got);
        CHECK(snig_result_kernel_seconds(got) >= 0.001 * runs / v->gpus);
        CHECK(strstr(info, v->cap_rows ? "\"weights\": \"streamed\""
                                       : "\"weights\": \"resident\"") != NULL);
        CHECK(strstr(info, v->pin_fails ? "\"host_pinned\": false"
                                        : "\"host_pinned\": true") != NULL);
        CHECK(strstr(info, v->fused ? "\"order\": \"fused\""
                                    : "\"order\": \"reference\"") != NULL);
        CHECK(strstr(info, "\"gpu\": \"fake _GPU_ 0\"") != NULL);
        CHECK(strstr(info, "\"reused\": false") != NULL);   /* new plan */
        snig_result_free(&got);
    }
    snig_result_free(&want);
    fake_gpus = 1;
}

/* One plan, several batches of inputs, from several threads at once: infer
 * reads the prepared state only. */
typedef struct shared_plan {
    const snig_job *job;
    const snig_inputs *in;
    snig_result *res;
    snig_status st;
} shared_plan;

static void *infer_thread(void *arg)
{
    shared_plan *sp = arg;
    snig_ctx *ctx = NULL;
    sp->st = snig_ctx_new(&ctx, NULL);
    snig_job job = *sp->job;
    job.ctx = ctx;
    job.in = sp->in;
    if (sp->st == SNIG_OK)
        sp->st = snig__result_new(ctx, sp->in->rows, 0, job.net->neurons,
                                  job.layers, false, &sp->res);
    if (sp->st == SNIG_OK)
        sp->st = snig__engine_cuda.infer(&job, sp->res);
    if (sp->st == SNIG_OK)
        sp->st = snig__result_finish(ctx, sp->res);
    snig_ctx_free(&ctx);
    return NULL;
}

static void concurrent(snig_ctx *ctx, const snig_network *net,
                       const snig_inputs *in)
{
    snig_options o;
    snig_options_init(&o);
    o.engine = "cuda";
    o.batch = 6;
    snig_job job = {.ctx = ctx, .net = net, .layers = net->layers, .opt = &o,
                    .bias = -0.3f};
    CHECK_OK(ctx, snig__engine_cuda.prepare(&job, &job.prepared));
    snig_result *want = NULL;
    snig_options ro;
    snig_options_init(&ro);
    ro.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, in, &ro, &want));
    shared_plan sp[3];
    pthread_t th[3];
    for (int t = 0; t < 3; t++) {
        sp[t] = (shared_plan){.job = &job, .in = in};
        CHECK(pthread_create(&th[t], NULL, infer_thread, &sp[t]) == 0);
    }
    for (int t = 0; t < 3; t++) {
        pthread_join(th[t], NULL);
        CHECK(sp[t].st == SNIG_OK);
        uint64_t c1 = 0, c2 = 0;
        const uint64_t *a = snig_result_categories(want, &c1);
        const uint64_t *b = sp[t].res ? snig_result_categories(sp[t].res, &c2)
                                      : NULL;
        CHECK(b != NULL && c1 == c2 &&
              (c1 == 0 || memcmp(a, b, c1 * sizeof *a) == 0));
        snig_result_free(&sp[t].res);
    }
    /* One call after another: the second reuses the first's device object
     * (memory, graph, staging), with the same answers. */
    for (int t = 0; t < 2; t++) {
        infer_thread(&sp[0]);
        CHECK(sp[0].st == SNIG_OK && sp[0].res != NULL);
        if (sp[0].res == NULL)
            break;
        uint64_t c1 = 0, c2 = 0;
        const uint64_t *a = snig_result_categories(want, &c1);
        const uint64_t *b = snig_result_categories(sp[0].res, &c2);
        CHECK(c1 == c2 && (c1 == 0 || memcmp(a, b, c1 * sizeof *a) == 0));
        CHECK(strstr(snig_result_engine_info(sp[0].res), "\"reused\": true") !=
              NULL);   /* the threads above left one already */
        snig_result_free(&sp[0].res);
    }
    snig_result_free(&want);
    snig__engine_cuda.release(ctx, job.prepared);
}

static void errors(snig_ctx *ctx, const snig_network *net,
                   const snig_inputs *in)
{
    snig_options o;
    snig_options_init(&o);
    o.engine = "cuda";
    snig_job job = {.ctx = ctx, .net = net, .layers = net->layers, .in = NULL,
                    .opt = &o, .bias = -0.3f};
    void *prepared = NULL;
    o.gpu_memory = 100;   /* nothing fits */
    CHECK(snig__engine_cuda.prepare(&job, &prepared) == SNIG_NOMEM);
    CHECK(prepared == NULL && strstr(snig_errmsg(ctx), "GPU memory") != NULL);
    snig_clear_error(ctx);
    o.gpu_memory = 0;
    o.gpus = 3;           /* more than present */
    CHECK(snig__engine_cuda.prepare(&job, &prepared) == SNIG_USAGE);
    snig_clear_error(ctx);
    o.gpus = 0;
    fake_gpus = 0;        /* no GPU */
    CHECK(!snig__engine_cuda.available());
    CHECK(snig__engine_cuda.prepare(&job, &prepared) == SNIG_UNSUPPORTED);
    snig_clear_error(ctx);
    fake_gpus = 1;
    /* A batch too large for the memory left: refused at infer. */
    o.gpu_memory = streaming_cap(net, in, 2, 2);
    o.batch = (uint32_t)in->rows;
    CHECK_OK(ctx, snig__engine_cuda.prepare(&job, &prepared));
    snig_result *res = NULL;
    CHECK_OK(ctx, snig__result_new(ctx, in->rows, 0, net->neurons,
                                   net->layers, false, &res));
    job.in = in;
    job.prepared = prepared;
    CHECK(snig__engine_cuda.infer(&job, res) == SNIG_NOMEM);
    CHECK(strstr(snig_errmsg(ctx), "--batch") != NULL);
    snig_clear_error(ctx);
    snig_result_free(&res);
    snig__engine_cuda.release(ctx, prepared);
    snig__engine_cuda.release(ctx, NULL);   /* nothing prepared: no-op */
}

/* A layer whose checksum fails (found lazily, in prepare's parallel
 * check): SNIG_CORRUPT naming the file, nothing prepared. */
static void corrupt_layer(snig_ctx *ctx, const snig_network *net)
{
    char path[] = "/tmp/snig-cuda-host-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    CHECK_OK(ctx, snig_network_save(ctx, net, path));
    FILE *f = fopen(path, "r+b");
    unsigned char buf[SNB_ENTRY_SIZE];
    snb_entry e;
    /* The third layer's entry (the inputs' entries come first: none). */
    CHECK(f != NULL && fseek(f, SNB_HEADER_SIZE + 2 * SNB_ENTRY_SIZE,
                             SEEK_SET) == 0 &&
          fread(buf, 1, sizeof buf, f) == sizeof buf);
    snig__snb_entry_decode(buf, 2, net->neurons, &e);   /* the writer's */
    int c = EOF;
    if (f != NULL && fseek(f, (long)(e.offset + e.length / 2), SEEK_SET) == 0)
        c = fgetc(f);
    CHECK(c != EOF && fseek(f, -1, SEEK_CUR) == 0 && fputc(c ^ 0x10, f) != EOF);
    if (f != NULL)
        fclose(f);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.verify = 0;   /* checked when first used: in prepare */
    snig_network *bad = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, path, &lo, &bad));
    if (bad != NULL) {
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        snig_job job = {.ctx = ctx, .net = bad, .layers = bad->layers,
                        .opt = &o, .bias = -0.3f};
        void *prepared = NULL;
        CHECK(snig__engine_cuda.prepare(&job, &prepared) == SNIG_CORRUPT);
        CHECK(prepared == NULL && strstr(snig_errmsg(ctx), path) != NULL &&
              strstr(snig_errmsg(ctx), "layer 3") != NULL);
        snig_clear_error(ctx);
    }
    snig_network_free(&bad);
    unlink(path);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    unsetenv("SNIG_CUDA_ORDER");
    unsetenv("SNIG_CUDA_SECTION");
    struct {
        uint32_t n, layers, k;
        float wmax, uniform;
        int per_neuron;
    } cases[] = {
        {128, 6, 8, 0.5f, 0.0f, 1},    /* signed weights, per-neuron bias */
        {64, 8, 32, 0.0f, 2.0f, 0},    /* saturating: rows retire */
        {96, 3, 8, 0.5f, 0.0f, 1},     /* 3 layers: B = 4 is clamped */
    };
    const char *names[] = {"signed", "saturating", "three layers"};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        snig_network *net = NULL;
        snig_inputs *in = NULL;
        CHECK_OK(ctx, test_random_network(ctx, cases[c].n, cases[c].layers,
                                          cases[c].k, cases[c].wmax,
                                          cases[c].uniform,
                                          cases[c].per_neuron, -0.3f, 0.05f,
                                          30 + c, &net));
        CHECK_OK(ctx, test_random_inputs(ctx, cases[c].n, 41, 0.08, 4.0f, 4,
                                         6, 40 + c, &in));
        if (net != NULL && in != NULL) {
            if (!cases[c].per_neuron)
                CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
            compare(ctx, names[c], net, in);
            if (c == 0) {
                errors(ctx, net, in);
                corrupt_layer(ctx, net);
                concurrent(ctx, net, in);
            }
        }
        snig_inputs_free(&in);
        snig_network_free(&net);
    }
    snig_ctx_free(&ctx);
    return test_result("test_cuda_host");
}
