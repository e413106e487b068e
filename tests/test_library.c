/* The library as a program uses it: networks and inputs from memory
 * (rectangular layers, both bias rules, the three activations, real
 * values), checked against a plain dense float32 computation written here;
 * prepared networks reused; handles freed in any order; one message per
 * call; progress through a callback; one plan used by two threads. */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- a small model */

typedef struct model {
    uint32_t layers;
    uint32_t width[8];            /* width[0] inputs, width[l+1] outputs */
    float *w[7];                  /* dense n_in x n_out, 0 = no edge */
    float *b[7];                  /* n_out */
    snig_bias_rule rule[7];
    snig_activation act[7];
    float cap[7];
    /* the same in CSR for snig */
    uint32_t *rowptr[7], *col[7];
    float *val[7];
} model;

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static float rng_float(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(rng_next(s) % 1000000) / 1000000.0f;
}

static void model_make(model *m, uint32_t layers, const uint32_t *width,
                       snig_bias_rule rule, const snig_activation *act,
                       uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->layers = layers;
    memcpy(m->width, width, (layers + 1) * sizeof *width);
    for (uint32_t l = 0; l < layers; l++) {
        uint32_t ni = width[l], no = width[l + 1];
        m->w[l] = calloc((size_t)ni * no, sizeof(float));
        m->b[l] = calloc(no, sizeof(float));
        m->rowptr[l] = calloc(ni + 1, sizeof(uint32_t));
        m->col[l] = calloc((size_t)ni * no, sizeof(uint32_t));
        m->val[l] = calloc((size_t)ni * no, sizeof(float));
        m->rule[l] = rule;
        m->act[l] = act[l];
        m->cap[l] = 2.5f;
        uint32_t k = 0;
        for (uint32_t i = 0; i < ni; i++) {
            for (uint32_t j = 0; j < no; j++)
                if (rng_next(&seed) % 4 == 0) {   /* about 25% dense */
                    float v = rng_float(&seed, -1.0f, 1.0f);
                    m->w[l][(size_t)i * no + j] = v;
                    m->col[l][k] = j;
                    m->val[l][k++] = v;
                }
            m->rowptr[l][i + 1] = k;
        }
        for (uint32_t j = 0; j < no; j++)
            m->b[l][j] = rng_float(&seed, -0.3f, 0.2f);
    }
}

static void model_free(model *m)
{
    for (uint32_t l = 0; l < m->layers; l++) {
        free(m->w[l]);
        free(m->b[l]);
        free(m->rowptr[l]);
        free(m->col[l]);
        free(m->val[l]);
    }
}

static snig_status model_network(snig_ctx *ctx, const model *m, unsigned flags,
                                 snig_network **net)
{
    snig_layer_desc d[7];
    for (uint32_t l = 0; l < m->layers; l++) {
        snig_layer_desc_init(&d[l]);
        d[l].n_in = m->width[l];
        d[l].n_out = m->width[l + 1];
        d[l].rowptr = m->rowptr[l];
        d[l].col = m->col[l];
        d[l].val = m->val[l];
        d[l].bias = m->b[l];
        d[l].bias_rule = m->rule[l];
        d[l].activation = m->act[l];
        d[l].cap = m->cap[l];
    }
    return snig_network_from_layers(ctx, d, m->layers, flags, net);
}

/* The independent computation: dense float32, summed by input neuron. */
static void model_dense(const model *m, const float *x, uint64_t rows,
                        float *out)
{
    float y[256], z[256];
    for (uint64_t r = 0; r < rows; r++) {
        memcpy(y, x + r * m->width[0], m->width[0] * sizeof *y);
        for (uint32_t l = 0; l < m->layers; l++) {
            uint32_t ni = m->width[l], no = m->width[l + 1];
            for (uint32_t j = 0; j < no; j++)
                z[j] = 0.0f;
            for (uint32_t i = 0; i < ni; i++)
                for (uint32_t j = 0; y[i] != 0.0f && j < no; j++)
                    if (m->w[l][(size_t)i * no + j] != 0.0f)
                        z[j] += y[i] * m->w[l][(size_t)i * no + j];
            for (uint32_t j = 0; j < no; j++) {
                float v = z[j];
                if (m->rule[l] == SNIG_BIAS_DENSE || v != 0.0f)
                    v += m->b[l][j];
                else
                    v = 0.0f;
                if (m->act[l] != SNIG_ACT_IDENTITY && v < 0.0f)
                    v = 0.0f;
                if (m->act[l] == SNIG_ACT_RELU_CAP && v > m->cap[l])
                    v = m->cap[l];
                y[j] = v;
            }
        }
        memcpy(out + r * m->width[m->layers], y,
               m->width[m->layers] * sizeof *y);
    }
}

static float *random_rows(uint64_t rows, uint32_t n, uint64_t seed)
{
    float *x = calloc((size_t)rows * n, sizeof *x);
    for (uint64_t r = 0; r < rows; r++)
        for (uint32_t i = 0; r % 7 != 3 && i < n; i++)  /* some rows zero */
            if (rng_next(&seed) % 3 == 0)
                x[r * n + i] = rng_float(&seed, 0.0f, 2.0f);
    return x;
}

/* Every engine that accepts the network gives the dense computation's
 * categories; the reference and cpu engines its values to the bit. */
static void general_case(snig_ctx *ctx, uint32_t layers, const uint32_t *width,
                         snig_bias_rule rule, const snig_activation *act,
                         uint64_t seed)
{
    model m;
    model_make(&m, layers, width, rule, act, seed);
    const uint64_t rows = 50;
    const uint32_t nout = width[layers];
    float *x = random_rows(rows, width[0], seed + 1);
    float *want = calloc(rows * nout, sizeof *want);
    model_dense(&m, x, rows, want);
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, model_network(ctx, &m, seed % 2 ? SNIG_BORROW : SNIG_COPY,
                                &net));
    CHECK_OK(ctx, snig_inputs_from_dense(ctx, rows, width[0], x, &in));
    int ran = 0;
    for (size_t e = 0; net != NULL && in != NULL && snig_engine_name(e); e++) {
        const char *name = snig_engine_name(e);
        if (!snig_engine_available(name))
            continue;
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = name;
        opt.keep_values = 1;
        opt.threads = 2;
        snig_result *res = NULL;
        snig_status st = snig_infer(ctx, net, in, &opt, &res);
        if (st == SNIG_UNSUPPORTED) {
            CHECK(strlen(snig_errmsg(ctx)) > 0);
            CHECK(strcmp(name, "reference") != 0);
            continue;
        }
        CHECK_OK(ctx, st);
        if (res == NULL)
            continue;
        ran++;
        bool exact = strcmp(name, "reference") == 0 ||
                     strcmp(name, "cpu") == 0 || strcmp(name, "mpi") == 0;
        CHECK(snig_result_outputs(res) == nout);
        uint64_t ncat = 0, k = 0, bad = 0;
        const uint64_t *cat = snig_result_categories(res, &ncat);
        const uint64_t *rp;
        const uint32_t *cj;
        const float *cv;
        CHECK_OK(ctx, snig_result_values(res, &rp, &cj, &cv));
        for (uint64_t r = 0; r < rows; r++) {
            bool alive = false;
            for (uint32_t j = 0; j < nout; j++)
                alive = alive || want[r * nout + j] != 0.0f;
            bool listed = k < ncat && cat[k] == r + 1;
            k += listed;
            bad += alive != listed;
            const float *row = snig_result_row(res, r);
            CHECK((row != NULL) == alive);
            for (uint32_t j = 0; row != NULL && j < nout; j++) {
                float a = row[j], b = want[r * nout + j];
                if (exact ? memcmp(&a, &b, sizeof a) != 0 && !(a == 0 && b == 0)
                          : fabsf(a - b) > 1e-4f * (1.0f + fabsf(b)))
                    bad++;
            }
            /* The CSR holds the row's nonzeros, in column order. */
            uint64_t nz = 0;
            for (uint32_t j = 0; j < nout; j++)
                nz += alive && want[r * nout + j] != 0.0f;
            if (exact)
                CHECK(rp[r + 1] - rp[r] == nz);
            for (uint64_t q = rp[r]; q + 1 < rp[r + 1]; q++)
                CHECK(cj[q] < cj[q + 1]);
        }
        if (bad)
            fprintf(stderr, "engine %s, rule %d, seed %llu: %llu mismatches\n",
                    name, (int)rule, (unsigned long long)seed,
                    (unsigned long long)bad);
        CHECK(bad == 0);
        CHECK(k == ncat);
        snig_result_free(&res);
    }
    CHECK(ran >= 1);
    snig_inputs_free(&in);
    snig_network_free(&net);
    free(want);
    free(x);
    model_free(&m);
}

static void test_general(snig_ctx *ctx)
{
    static const uint32_t w1[] = {40, 64, 24, 10};
    static const uint32_t w2[] = {17, 17, 17};
    static const uint32_t w3[] = {30, 5, 90, 12, 3};
    static const snig_activation acts[][4] = {
        {SNIG_ACT_RELU, SNIG_ACT_RELU, SNIG_ACT_IDENTITY, SNIG_ACT_IDENTITY},
        {SNIG_ACT_RELU_CAP, SNIG_ACT_RELU_CAP, SNIG_ACT_RELU_CAP,
         SNIG_ACT_RELU_CAP},
        {SNIG_ACT_IDENTITY, SNIG_ACT_RELU, SNIG_ACT_RELU_CAP,
         SNIG_ACT_IDENTITY},
    };
    for (int rule = 0; rule < 2; rule++)
        for (size_t a = 0; a < 3; a++) {
            general_case(ctx, 3, w1, (snig_bias_rule)rule, acts[a], 11 + a);
            general_case(ctx, 2, w2, (snig_bias_rule)rule, acts[a], 21 + a);
            general_case(ctx, 4, w3, (snig_bias_rule)rule, acts[a], 31 + a);
        }
}

/* ------------------------------------------------------ bad arrays refused */

static void test_refused(snig_ctx *ctx)
{
    uint32_t rowptr[] = {0, 1, 2}, col[] = {0, 3};
    float val[] = {1.0f, NAN};
    snig_layer_desc d;
    snig_layer_desc_init(&d);
    d.n_in = 2;
    d.n_out = 3;
    d.rowptr = rowptr;
    d.col = col;
    d.val = val;
    snig_network *net = NULL;
    CHECK(snig_network_from_layers(ctx, &d, 1, SNIG_COPY, &net) == SNIG_RANGE);
    CHECK(strstr(snig_errmsg(ctx), "out of range") != NULL);
    col[1] = 2;
    CHECK(snig_network_from_layers(ctx, &d, 1, SNIG_COPY, &net) == SNIG_FORMAT);
    CHECK(strstr(snig_errmsg(ctx), "not finite") != NULL);
    val[1] = 0.5f;
    snig_layer_desc two[2] = {d, d};   /* 2 -> 3 then 2 -> 3: no chain */
    CHECK(snig_network_from_layers(ctx, two, 2, SNIG_COPY, &net) == SNIG_SIZE);
    CHECK(net == NULL);
    d.activation = (snig_activation)7;
    CHECK(snig_network_from_layers(ctx, &d, 1, SNIG_COPY, &net) == SNIG_USAGE);
    d.activation = SNIG_ACT_RELU;
    CHECK_OK(ctx, snig_network_from_layers(ctx, &d, 1, SNIG_COPY, &net));
    CHECK(snig_errmsg(ctx)[0] == '\0');   /* a good call forgets the last */
    snig_layer_info info;
    CHECK(snig_network_layer_info(net, 0, &info) == 1);
    CHECK(info.n_in == 2 && info.n_out == 3 && info.nnz == 2);
    CHECK(info.activation == SNIG_ACT_RELU);
    CHECK(snig_network_layer_info(net, 1, &info) == 0);
    CHECK(snig_network_set_bias(ctx, net, INFINITY) == SNIG_USAGE);
    snig_network_free(&net);

    uint64_t irp[] = {0, 1};
    uint32_t icol[] = {5};
    snig_inputs *in = NULL;
    CHECK(snig_inputs_from_csr(ctx, 1, 2, irp, icol, NULL, 0, &in) ==
          SNIG_RANGE);
    icol[0] = 1;
    CHECK_OK(ctx, snig_inputs_from_csr(ctx, 1, 2, irp, icol, NULL, SNIG_BORROW,
                                       &in));
    CHECK(snig_inputs_nonzeros(in) == 1);
    snig_inputs_free(&in);
    float dense[] = {0.0f, INFINITY};
    CHECK(snig_inputs_from_dense(ctx, 1, 2, dense, &in) == SNIG_FORMAT);
}

/* ------------------------------------------------ the official data, reused */

/* One plan, ten batches of 120 rows: the same categories as ten separate
 * calls and as the official truth. */
static void test_plan_reuse(snig_ctx *ctx)
{
    if (!test_have_official("test_library: plan reuse"))
        return;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 120;
    snig_network *net = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, TEST_OFFICIAL_NETWORK, &lo, &net));
    snig_options opt;
    snig_options_init(&opt);
    opt.threads = 2;
    snig_plan *plan = NULL;
    CHECK_OK(ctx, snig_plan_new(ctx, net, &opt, &plan));
    CHECK(strcmp(snig_plan_engine(plan), "") != 0);
    /* The plan keeps the network: the user may free it first. */
    snig_network *keep = net;
    snig_network_free(&net);
    uint64_t found = 0;
    for (int b = 0; b < 10 && plan != NULL; b++) {
        lo.layers = 0;
        lo.neurons = 1024;
        lo.row_first = 120u * (uint64_t)b;
        lo.row_count = 120;
        snig_inputs *in = NULL;
        CHECK_OK(ctx, snig_inputs_load(ctx, TEST_OFFICIAL_INPUTS, &lo, &in));
        snig_result *a = NULL;
        CHECK_OK(ctx, snig_plan_infer(ctx, plan, in, &a));
        uint64_t na = 0;
        const uint64_t *ca = snig_result_categories(a, &na);
        for (uint64_t i = 0; i < na; i++, found++)
            CHECK(found < TEST_OFFICIAL_COUNT &&
                  ca[i] == test_official_categories[found]);
        CHECK(snig_result_prepare_seconds(a) == snig_plan_seconds(plan));
        snig_result_free(&a);
        snig_inputs_free(&in);
    }
    CHECK(found == TEST_OFFICIAL_COUNT);
    (void)keep;
    snig_plan_free(&plan);
    CHECK(plan == NULL);
}

/* --------------------------------------------------- two threads, one plan */

typedef struct worker {
    const snig_plan *plan;
    const snig_inputs *in;
    uint64_t count;
    uint64_t sum;
    snig_status st;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    snig_ctx *ctx = NULL;
    w->st = snig_ctx_new(&ctx, NULL);
    for (int rep = 0; rep < 3 && w->st == SNIG_OK; rep++) {
        snig_result *res = NULL;
        w->st = snig_plan_infer(ctx, w->plan, w->in, &res);
        const uint64_t *cat = snig_result_categories(res, &w->count);
        w->sum = 0;
        for (uint64_t i = 0; i < w->count; i++)
            w->sum += cat[i] * (i + 1);
        snig_result_free(&res);
    }
    snig_ctx_free(&ctx);
    return NULL;
}

static void test_threads(snig_ctx *ctx)
{
    static const uint32_t width[] = {64, 64, 64, 64};
    static const snig_activation act[] = {SNIG_ACT_RELU_CAP, SNIG_ACT_RELU_CAP,
                                          SNIG_ACT_RELU_CAP};
    model m;
    model_make(&m, 3, width, SNIG_BIAS_NONZERO, act, 99);
    for (int l = 0; l < 3; l++)
        m.cap[l] = 32.0f;   /* the challenge's kind, which every engine runs */
    float *x = random_rows(400, 64, 5);
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, model_network(ctx, &m, SNIG_COPY, &net));
    CHECK_OK(ctx, snig_inputs_from_dense(ctx, 400, 64, x, &in));
    /* Under ThreadSanitizer (SNIG_TSAN=1) only the engines without OpenMP:
     * libgomp is not instrumented, so its synchronisation is invisible. */
    const char *engines[] = {"reference", "cpu"};
    int nengines = getenv("SNIG_TSAN") != NULL ? 1 : 2;
    for (int e = 0; e < nengines && net && in; e++) {
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = engines[e];
        opt.threads = 1;
        snig_plan *plan = NULL;
        CHECK_OK(ctx, snig_plan_new(ctx, net, &opt, &plan));
        worker w[2] = {{.plan = plan, .in = in}, {.plan = plan, .in = in}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        CHECK(w[0].st == SNIG_OK && w[1].st == SNIG_OK);
        CHECK(w[0].count == w[1].count && w[0].sum == w[1].sum);
        CHECK(w[0].count > 0);
        snig_plan_free(&plan);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);
    free(x);
    model_free(&m);
}

/* ------------------------------------------- messages, order, progress */

static void test_messages(snig_ctx *ctx)
{
    snig_network *net = NULL;
    CHECK(snig_network_load(ctx, "/nonexistent/first.tsv", NULL, &net) != SNIG_OK);
    CHECK(strstr(snig_errmsg(ctx), "first") != NULL);
    CHECK(snig_network_load(ctx, "/nonexistent/second.tsv", NULL, &net) != SNIG_OK);
    CHECK(strstr(snig_errmsg(ctx), "second") != NULL);
    CHECK(strstr(snig_errmsg(ctx), "first") == NULL);
    CHECK(snig_engine_available(NULL) == 0);
    CHECK(snig_engine_summary(NULL) == NULL);
}

static void test_free_order(void)
{
    static const uint32_t width[] = {8, 6, 4};
    static const snig_activation act[] = {SNIG_ACT_RELU, SNIG_ACT_IDENTITY};
    model m;
    model_make(&m, 2, width, SNIG_BIAS_DENSE, act, 3);
    float *x = random_rows(10, 8, 4);
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan = NULL;
    snig_result *res = NULL;
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    CHECK_OK(ctx, model_network(ctx, &m, SNIG_COPY, &net));
    CHECK_OK(ctx, snig_inputs_from_dense(ctx, 10, 8, x, &in));
    CHECK_OK(ctx, snig_plan_new(ctx, net, &opt, &plan));
    CHECK(snig_network_set_bias(ctx, net, 0.0f) == SNIG_USAGE);  /* planned */
    CHECK_OK(ctx, snig_plan_infer(ctx, plan, in, &res));
    /* The context first, then the network before its plan. */
    snig_ctx_free(&ctx);
    snig_network_free(&net);
    CHECK(snig_result_outputs(res) == 4);
    snig_result_free(&res);
    snig_inputs_free(&in);
    snig_plan_free(&plan);
    free(x);
    model_free(&m);
}

typedef struct progress_seen {
    int calls;
    uint64_t last_done, last_total;
} progress_seen;

static void on_progress(const snig_progress *p, void *user)
{
    progress_seen *s = user;
    if (strcmp(p->phase, "infer") != 0)
        return;
    s->calls++;
    s->last_done = p->done;
    s->last_total = p->total;
}

static void test_progress(snig_ctx *ctx)
{
    static const uint32_t width[] = {16, 16};
    static const snig_activation act[] = {SNIG_ACT_RELU};
    model m;
    model_make(&m, 1, width, SNIG_BIAS_DENSE, act, 8);
    float *x = random_rows(30, 16, 2);
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    progress_seen seen = {0};
    snig_set_progress(ctx, on_progress, &seen);
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    CHECK_OK(ctx, model_network(ctx, &m, SNIG_COPY, &net));
    CHECK_OK(ctx, snig_inputs_from_dense(ctx, 30, 16, x, &in));
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
    CHECK(seen.calls >= 1);
    CHECK(seen.last_total > 0 && seen.last_done == seen.last_total);
    snig_set_progress(ctx, NULL, NULL);
    snig_result_free(&res);
    snig_inputs_free(&in);
    snig_network_free(&net);
    free(x);
    model_free(&m);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    if (getenv("SNIG_TSAN") != NULL) {   /* the thread test alone */
        test_threads(ctx);
        snig_ctx_free(&ctx);
        return test_result("test_library (ThreadSanitizer)");
    }
    test_general(ctx);
    test_refused(ctx);
    test_plan_reuse(ctx);
    test_threads(ctx);
    test_messages(ctx);
    test_free_order();
    test_progress(ctx);
    snig_ctx_free(&ctx);
    return test_result("test_library");
}
