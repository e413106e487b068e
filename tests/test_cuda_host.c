/* The cuda engine's host side (cuda.c, worker.c: packing, saturation flags,
 * memory plan, batches fetched by one worker per GPU, duplicate rows, the
 * merge of results and row counts) on CPUs, over a fake GPU: the functions
 * of cuda_engine.h done on the host with the kernel's arithmetic (the host
 * emulation of pack.c) and the compaction rules of kernel.cu.  Compared
 * with the reference engine, values bit for bit.
 *
 * The engine's C files are compiled into this program, so their symbols
 * come from here and not from the library (which has them only when built
 * with CUDA, and then is not asked for them). */
#include "testutil.h"

#include "engine/cuda/cuda.c"
#include "engine/cuda/worker.c"
#include "engine/cuda/host/pack_math.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ a fake GPU */

static int fake_gpus = 1;
static atomic_int fake_runs;     /* batches run, all fake GPUs together */
static atomic_int fake_retired;  /* rows that left all at 32 */
static atomic_int fake_shared;   /* staged rows standing for several */

int snig_cuda_count(void)
{
    return fake_gpus;
}

int snig_cuda_describe(int dev, char *name, size_t name_len, uint64_t *free_b,
                       uint64_t *total_b, char *err)
{
    (void)err;
    if (name != NULL && name_len > 0)
        snprintf(name, name_len, "fake GPU %d", dev);
    *free_b = *total_b = 1ull << 30;
    return 0;
}

int snig_cuda_pinned_alloc(void **p, size_t bytes, char *err)
{
    *p = malloc(bytes ? bytes : 1);
    if (*p == NULL)
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: out of memory");
    return *p != NULL ? 0 : -1;
}

void snig_cuda_pinned_free(void *p)
{
    free(p);
}

struct snig_cuda_dev {
    snig_cuda_setup s;
    snig_cuda_plan plan;
    snig_cuda_io io;
    float *y, *tin, *tout, *acc;
    uint32_t *cursor, *list, *next;
};

void snig_cuda_dev_free(snig_cuda_dev **dp)
{
    snig_cuda_dev *d = *dp;
    if (d == NULL)
        return;
    free(d->io.rowptr);
    free(d->io.mult);
    free(d->io.entries);
    free(d->io.status);
    free(d->io.stats);
    free(d->io.values);
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

int snig_cuda_dev_new(const snig_cuda_setup *s, const snig_cuda_plan *plan,
                      snig_cuda_dev **out, char *err)
{
    const size_t b = plan->batch, n = s->neurons;
    snig_cuda_dev *d = calloc(1, sizeof *d);
    *out = NULL;
    if (d == NULL)
        return -1;
    d->s = *s;
    d->plan = *plan;
    d->io.rowptr = malloc((b + 1) * sizeof *d->io.rowptr);
    d->io.mult = malloc(b * sizeof *d->io.mult);
    d->io.entries = malloc((plan->max_entries + 1) * sizeof *d->io.entries);
    d->io.status = malloc(b);
    d->io.stats = malloc(2 * (size_t)s->layers * sizeof *d->io.stats);
    d->io.values = s->keep_values ? malloc(b * n * sizeof(float)) : NULL;
    d->y = malloc(b * n * sizeof *d->y);
    d->tin = malloc(b * n * sizeof *d->tin);
    d->tout = malloc(b * n * sizeof *d->tout);
    d->acc = malloc(n * SNIG_CUDA_ROWS * sizeof *d->acc);
    d->cursor = malloc(n * sizeof *d->cursor);
    d->list = malloc(b * sizeof *d->list);
    d->next = malloc(b * sizeof *d->next);
    if (!d->io.rowptr || !d->io.mult || !d->io.entries || !d->io.status ||
        !d->io.stats || (s->keep_values && !d->io.values) || !d->y ||
        !d->tin || !d->tout || !d->acc || !d->cursor || !d->list ||
        !d->next) {
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: out of memory");
        snig_cuda_dev_free(&d);
        return -1;
    }
    /* The plan must fit what the engine said the budget was. */
    CHECK(plan->layout.total <= (1ull << 30) / 100 * 94);
    *out = d;
    return 0;
}

snig_cuda_io *snig_cuda_dev_io(snig_cuda_dev *d)
{
    return &d->io;
}

uint64_t snig_cuda_dev_bytes(const snig_cuda_dev *d)
{
    return d->plan.layout.total;
}

/* The batch graph, step by step as the kernels do it. */
int snig_cuda_dev_run(snig_cuda_dev *d, uint32_t m, uint64_t nnz, char *err)
{
    const uint32_t n = d->s.neurons, layers = d->s.layers;
    snig_cuda_io *io = &d->io;
    if (m == 0 || m > d->plan.batch || nnz > d->plan.max_entries ||
        io->rowptr[m] != nnz) {
        snprintf(err, SNIG_CUDA_ERRLEN, "fake: batch does not fit the plan");
        return -1;
    }
    atomic_fetch_add(&fake_runs, 1);
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
        const snig_pack_layer *p = &d->s.pack[l];
        for (uint32_t t = 0; t < count; t++)
            memcpy(d->tin + (size_t)t * n, d->y + (size_t)d->list[t] * n,
                   n * sizeof *d->tin);
        snig_pack_emulate(p, (const unsigned char *)d->s.arena + p->offset, n,
                          64, d->tin, d->tout, count, d->acc, d->cursor);
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
    return 0;
}

/* ------------------------------------------------------------- the tests */

static snig_result *run_fake(snig_ctx *ctx, const snig_network *net,
                             const snig_inputs *in, const snig_options *o)
{
    snig_job job = {.ctx = ctx, .net = net, .layers = net->layers, .in = in,
                    .opt = o, .bias = 0.0f};
    snig_official_bias(net->neurons, &job.bias);
    snig_result *res = NULL;
    CHECK_OK(ctx, snig__result_new(ctx, in->rows, in->first_row, net->neurons,
                                   net->layers, o->keep_values != 0, &res));
    if (res == NULL)
        return NULL;
    CHECK(snig_engine_cuda.supports(&job));
    snig_status st = snig_engine_cuda.infer(&job, res);
    if (st == SNIG_OK)
        st = snig__result_finish(ctx, res);
    if (st != SNIG_OK) {
        fprintf(stderr, "fake cuda: %s (%s)\n", snig_status_str(st),
                snig_errmsg(ctx));
        test_failures++;
        snig_result_free(&res);
    }
    return res;
}

static void compare(snig_ctx *ctx, const char *name, const snig_network *net,
                    const snig_inputs *in)
{
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    snig_result *want = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &want));
    struct {
        uint32_t batch;
        int gpus, shortcuts;
        uint64_t cap;   /* 1: the packed bytes, forcing streaming */
    } v[] = {{0, 1, 1, 0}, {0, 1, 0, 0}, {7, 1, 1, 0}, {5, 2, 1, 0},
             {0, 2, 0, 0}, {0, 1, 1, 1}, {3, 2, 1, 1}};
    for (size_t i = 0; want != NULL && i < sizeof v / sizeof *v; i++) {
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        o.keep_values = 1;
        o.batch = v[i].batch;
        o.shortcuts = v[i].shortcuts;
        fake_gpus = v[i].gpus;
        if (v[i].cap) {
            uint64_t total = 0;
            uint32_t *count = malloc(net->neurons * sizeof *count);
            for (uint32_t l = 0; l < net->layers; l++) {
                snig_pack_layer d;
                const snig_layer *L = &net->layer[l];
                int values = L->val && !snig_pack_uniform(L->val, L->nnz);
                uint64_t slots = snig_pack_slots(net->neurons, L->nnz,
                                                 L->col16, L->col32, count);
                CHECK(snig_pack_plan(&d, net->neurons, L->nnz, slots, values,
                                     L->has_bias && L->bias != NULL));
                total += d.bytes;
            }
            free(count);
            o.gpu_memory = total;
        }
        atomic_store(&fake_runs, 0);
        atomic_store(&fake_retired, 0);
        atomic_store(&fake_shared, 0);
        snig_result *got = run_fake(ctx, net, in, &o);
        if (got == NULL)
            continue;
        uint64_t c1 = 0, c2 = 0, bad = 0;
        const uint64_t *a = snig_result_categories(want, &c1);
        const uint64_t *b = snig_result_categories(got, &c2);
        CHECK(c1 == c2 && (c1 == 0 || memcmp(a, b, c1 * sizeof *a) == 0));
        const uint64_t *la = snig_result_live_rows(want);
        const uint64_t *lb = snig_result_live_rows(got);
        CHECK(lb != NULL);
        for (uint32_t l = 0; lb && l < net->layers; l++)
            bad += la[l] != lb[l];
        for (uint64_t r = 0; r < in->rows; r++) {
            const float *ra = snig_result_row(want, r);
            const float *rb = snig_result_row(got, r);
            for (uint32_t j = 0; j < net->neurons; j++) {
                float x = ra ? ra[j] : 0.0f, y = rb ? rb[j] : 0.0f;
                bad += memcmp(&x, &y, sizeof x) != 0;
            }
        }
        uint64_t batches = v[i].batch ? (in->rows + v[i].batch - 1) / v[i].batch
                                      : 0;
        if (batches)
            CHECK((uint64_t)atomic_load(&fake_runs) == batches);
        /* The shortcuts happen exactly when they are on (every 4th input
         * row repeats the one before; uniform weights 2 saturate rows). */
        CHECK((atomic_load(&fake_shared) > 0) == (v[i].shortcuts != 0));
        if (strcmp(name, "saturating") == 0)
            CHECK((atomic_load(&fake_retired) > 0) == (v[i].shortcuts != 0));
        if (bad || c1 != c2)
            fprintf(stderr, "%s, variant %zu: categories %llu vs %llu, %llu "
                    "differences\n", name, i, (unsigned long long)c1,
                    (unsigned long long)c2, (unsigned long long)bad);
        CHECK(bad == 0);
        snig_result_free(&got);
    }
    snig_result_free(&want);
    fake_gpus = 1;
}

static void errors(snig_ctx *ctx, const snig_network *net,
                   const snig_inputs *in)
{
    snig_options o;
    snig_options_init(&o);
    o.engine = "cuda";
    snig_job job = {.ctx = ctx, .net = net, .layers = net->layers, .in = in,
                    .opt = &o, .bias = -0.3f};
    snig_result *res = NULL;
    CHECK_OK(ctx, snig__result_new(ctx, in->rows, 0, net->neurons,
                                   net->layers, false, &res));
    o.gpu_memory = 100;   /* nothing fits */
    CHECK(snig_engine_cuda.infer(&job, res) == SNIG_NOMEM);
    CHECK(strstr(snig_errmsg(ctx), "GPU memory") != NULL);
    snig_clear_error(ctx);
    o.gpu_memory = 0;
    o.gpus = 3;           /* more than present */
    CHECK(snig_engine_cuda.infer(&job, res) == SNIG_USAGE);
    snig_clear_error(ctx);
    o.gpus = 0;
    fake_gpus = 0;        /* no GPU */
    CHECK(!snig_engine_cuda.available());
    CHECK(snig_engine_cuda.infer(&job, res) == SNIG_UNSUPPORTED);
    snig_clear_error(ctx);
    fake_gpus = 1;
    snig_result_free(&res);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    struct {
        uint32_t n, layers, k;
        float wmax, uniform;
        int per_neuron;
    } cases[] = {
        {128, 6, 8, 0.5f, 0.0f, 1},    /* signed weights, per-neuron bias */
        {64, 8, 32, 0.0f, 2.0f, 0},    /* saturating: rows retire */
    };
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
            compare(ctx, c == 0 ? "signed" : "saturating", net, in);
            if (c == 0)
                errors(ctx, net, in);
        }
        snig_inputs_free(&in);
        snig_network_free(&net);
    }
    snig_ctx_free(&ctx);
    return test_result("test_cuda_host");
}
