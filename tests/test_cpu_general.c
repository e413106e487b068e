/* The cpu engine on general layers (snig_network_from_layers) against the
 * reference engine: random rectangular networks, both bias rules, the three
 * activations, real-valued inputs, with and without shortcuts, every kernel
 * (SNIG_CPU_KERNEL).  Categories, rows alive after each layer and the final
 * values must be identical (memcmp: same summation order, same bits); in
 * faithful mode the multiply-adds too, layer by layer.  Also: one plan
 * inferred from two threads at once gives the serial result. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer_spec {
    uint32_t n_out;
    snig_bias_rule rule;
    snig_activation act;
    float cap;
    uint32_t k;              /* nonzeros per row of W */
    float wmin, wmax;        /* weights uniform in [wmin, wmax] */
    float bmin, bmax;        /* per-neuron biases in [bmin, bmax] */
} layer_spec;

typedef struct general_case {
    const char *name;
    uint32_t n_in;
    uint32_t layers;
    layer_spec layer[6];
    uint64_t rows;
    double density;          /* of the inputs */
    float vmin, vmax;        /* input values */
    int saturates;           /* rows reach the cap: shortcuts skip work */
} general_case;

#define RC SNIG_ACT_RELU_CAP
#define RE SNIG_ACT_RELU
#define ID SNIG_ACT_IDENTITY
#define NZ SNIG_BIAS_NONZERO
#define DE SNIG_BIAS_DENSE

static const general_case cases[] = {
    {"classifier: relu, relu, identity scores", 300, 3,
     {{200, DE, RE, 0, 12, -0.4f, 0.5f, -0.3f, 0.1f},
      {120, DE, RE, 0, 10, -0.5f, 0.5f, -0.2f, 0.2f},
      {10, DE, ID, 0, 8, -1.0f, 1.0f, -0.5f, 0.5f}},
     90, 0.1, -1.0f, 2.0f, 0},
    {"challenge rule, rectangular, capped at 4", 256, 4,
     {{700, NZ, RC, 4.0f, 16, -0.2f, 0.6f, -0.3f, 0.0f},
      {300, NZ, RC, 4.0f, 20, -0.1f, 0.5f, -0.2f, 0.0f},
      {1500, NZ, RC, 4.0f, 24, 0.1f, 0.4f, -0.1f, 0.0f},
      {64, NZ, RC, 4.0f, 12, 0.2f, 0.6f, -0.1f, 0.0f}},
     70, 0.2, 0.5f, 4.0f, 0},
    {"saturating layers with a non-saturating one between", 128, 6,
     {{128, NZ, RC, 2.0f, 16, 0.2f, 0.5f, 0.0f, 0.1f},
      {160, NZ, RC, 2.0f, 16, 0.2f, 0.5f, 0.0f, 0.1f},
      {160, NZ, RC, 3.0f, 16, -0.1f, 0.3f, -0.5f, 0.1f},
      {96, NZ, RC, 3.0f, 16, 0.3f, 0.5f, 0.0f, 0.1f},
      {96, NZ, RC, 3.0f, 16, 0.3f, 0.5f, 0.0f, 0.1f},
      {40, DE, RE, 0, 16, -0.3f, 0.5f, -0.1f, 0.1f}},
     120, 0.3, 0.5f, 2.0f, 1},
    {"dense bias revives zero rows", 200, 5,
     {{150, NZ, RC, 32.0f, 10, -0.5f, 0.3f, -0.6f, -0.1f},
      {150, NZ, RC, 32.0f, 10, -0.5f, 0.3f, -0.6f, -0.1f},
      {90, DE, RE, 0, 10, -0.5f, 0.5f, -0.2f, 0.3f},
      {90, NZ, RC, 32.0f, 10, -0.5f, 0.5f, -0.3f, 0.0f},
      {20, DE, ID, 0, 10, -1.0f, 1.0f, -0.5f, 0.5f}},
     100, 0.05, 0.1f, 1.0f, 0},
    {"identity in the middle, negative values flow on", 180, 4,
     {{260, DE, ID, 0, 14, -0.5f, 0.5f, -0.1f, 0.1f},
      {260, NZ, ID, 0, 14, -0.5f, 0.5f, -0.1f, 0.1f},
      {80, NZ, RE, 0, 14, -0.5f, 0.5f, -0.1f, 0.1f},
      {30, NZ, RC, 1.0f, 8, -0.3f, 0.3f, -0.4f, -0.1f}},
     60, 0.1, -2.0f, 2.0f, 0},
    {"wide input: 70000 -> 64 -> 10, dense rows (gather in two sections)",
     70000, 2,
     {{64, NZ, RC, 32.0f, 3, -0.05f, 0.06f, -0.5f, 0.0f},
      {10, DE, ID, 0, 8, -1.0f, 1.0f, -0.5f, 0.5f}},
     24, 0.6, 0.1f, 1.0f, 0},
};

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static float uniform_in(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(next_random(s) >> 40) / (float)(1 << 24);
}

typedef struct built {
    uint32_t *rowptr[6], *col[6];
    float *val[6], *bias[6];
    uint64_t *in_rowptr;
    uint32_t *in_col;
    float *in_val;
} built;

static void built_free(built *b)
{
    for (int l = 0; l < 6; l++) {
        free(b->rowptr[l]);
        free(b->col[l]);
        free(b->val[l]);
        free(b->bias[l]);
    }
    free(b->in_rowptr);
    free(b->in_col);
    free(b->in_val);
}

static snig_status build_case(snig_ctx *ctx, const general_case *c,
                              uint64_t seed, built *b, snig_network **net,
                              snig_inputs **in)
{
    snig_layer_desc d[6];
    uint32_t n_in = c->n_in;
    for (uint32_t l = 0; l < c->layers; l++) {
        const layer_spec *s = &c->layer[l];
        snig_layer_desc_init(&d[l]);
        b->rowptr[l] = malloc((n_in + 1) * sizeof(uint32_t));
        b->col[l] = malloc((size_t)n_in * s->k * sizeof(uint32_t));
        b->val[l] = malloc((size_t)n_in * s->k * sizeof(float));
        b->bias[l] = malloc(s->n_out * sizeof(float));
        if (!b->rowptr[l] || !b->col[l] || !b->val[l] || !b->bias[l])
            return SNIG_NOMEM;
        uint32_t k = 0;
        b->rowptr[l][0] = 0;
        for (uint32_t i = 0; i < n_in; i++) {
            /* rows of different lengths, columns in any order */
            uint32_t len = (uint32_t)(next_random(&seed) % (s->k + 1));
            for (uint32_t t = 0; t < len; t++) {
                b->col[l][k] = (uint32_t)(next_random(&seed) % s->n_out);
                b->val[l][k++] = uniform_in(&seed, s->wmin, s->wmax);
            }
            b->rowptr[l][i + 1] = k;
        }
        for (uint32_t j = 0; j < s->n_out; j++)
            b->bias[l][j] = uniform_in(&seed, s->bmin, s->bmax);
        d[l].n_in = n_in;
        d[l].n_out = s->n_out;
        d[l].rowptr = b->rowptr[l];
        d[l].col = b->col[l];
        d[l].val = b->val[l];
        d[l].bias = b->bias[l];
        d[l].bias_rule = s->rule;
        d[l].activation = s->act;
        d[l].cap = s->cap;
        n_in = s->n_out;
    }
    snig_status st = snig_network_from_layers(ctx, d, c->layers, SNIG_COPY,
                                              net);
    if (st != SNIG_OK)
        return st;
    b->in_rowptr = malloc((c->rows + 1) * sizeof(uint64_t));
    b->in_col = malloc((size_t)c->rows * c->n_in * sizeof(uint32_t));
    b->in_val = malloc((size_t)c->rows * c->n_in * sizeof(float));
    if (!b->in_rowptr || !b->in_col || !b->in_val)
        return SNIG_NOMEM;
    uint64_t k = 0;
    b->in_rowptr[0] = 0;
    for (uint64_t r = 0; r < c->rows; r++) {
        if (r % 9 == 4 && r > 0) {
            /* a duplicate of the row before */
            uint64_t from = b->in_rowptr[r - 1], to = k;
            for (uint64_t q = from; q < to; q++) {
                b->in_col[k] = b->in_col[q];
                b->in_val[k++] = b->in_val[q];
            }
        } else if (r % 11 == 6) {
            /* every input at the first layer's cap (or 1) */
            float v = c->layer[0].act == RC ? c->layer[0].cap : 1.0f;
            for (uint32_t i = 0; i < c->n_in; i++) {
                b->in_col[k] = i;
                b->in_val[k++] = v;
            }
        } else if (r % 13 != 7) {  /* r % 13 == 7: an empty row */
            for (uint32_t i = 0; i < c->n_in; i++)
                if ((double)(next_random(&seed) % 1000) < c->density * 1000) {
                    b->in_col[k] = i;
                    b->in_val[k++] = uniform_in(&seed, c->vmin, c->vmax);
                }
        }
        b->in_rowptr[r + 1] = k;
    }
    return snig_inputs_from_csr(ctx, c->rows, c->n_in, b->in_rowptr,
                                b->in_col, b->in_val, SNIG_COPY, in);
}

/* got must equal ref: categories, live rows, values to the bit; madds
 * equal (faithful) or fewer (shortcuts). */
static void compare(const snig_result *ref, const snig_result *got,
                    uint64_t rows, int shortcuts, int saturates,
                    const char *what)
{
    int before = test_failures;
    uint64_t nr = 0, ng = 0;
    const uint64_t *cr = snig_result_categories(ref, &nr);
    const uint64_t *cg = snig_result_categories(got, &ng);
    CHECK(nr == ng && memcmp(cr, cg, nr * sizeof *cr) == 0);
    uint32_t layers = snig_result_layers(ref), outs = snig_result_outputs(ref);
    CHECK(snig_result_outputs(got) == outs);
    const uint64_t *lr = snig_result_live_rows(ref);
    const uint64_t *lg = snig_result_live_rows(got);
    CHECK(lg != NULL && memcmp(lr, lg, layers * sizeof *lr) == 0);
    const uint64_t *mr = snig_result_layer_madds(ref);
    const uint64_t *mg = snig_result_layer_madds(got);
    CHECK(mg != NULL && snig_result_layer_seconds(got) != NULL);
    if (!shortcuts) {
        CHECK(snig_result_madds(ref) == snig_result_madds(got));
        CHECK(mg != NULL && memcmp(mr, mg, layers * sizeof *mr) == 0);
    } else {
        CHECK(snig_result_madds(got) <= snig_result_madds(ref));
        if (saturates)
            CHECK(snig_result_madds(got) < snig_result_madds(ref));
    }
    for (uint64_t r = 0; r < rows; r++) {
        const float *a = snig_result_row(ref, r), *b = snig_result_row(got, r);
        CHECK((a == NULL) == (b == NULL));
        if (a != NULL && b != NULL)
            CHECK(memcmp(a, b, outs * sizeof *a) == 0);
    }
    if (test_failures != before)
        fprintf(stderr, "failed: %s\n", what);
}

static void run_case(snig_ctx *ctx, const general_case *c)
{
    built b = {0};
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *ref = NULL;
    CHECK_OK(ctx, build_case(ctx, c, 77 + c->n_in, &b, &net, &in));
    if (net == NULL || in == NULL)
        goto cleanup;
    snig_options opt;
    snig_options_init(&opt);
    opt.keep_values = 1;
    opt.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &ref));
    if (ref == NULL)
        goto cleanup;
    uint64_t nr = 0;
    snig_result_categories(ref, &nr);
    /* the case says something: some rows alive, and some dead unless the
     * last layer adds its bias to every output */
    bool dense_end = c->layer[c->layers - 1].rule == DE;
    if (!(nr > 0 && (nr < c->rows || dense_end)))
        fprintf(stderr, "%s: %llu of %llu rows alive\n", c->name,
                (unsigned long long)nr, (unsigned long long)c->rows);
    CHECK(nr > 0 && (nr < c->rows || dense_end));
    static const char *kernels[] = {NULL, "generic", "avx2"};
    for (int kc = 0; kc < 3; kc++)
        for (int shortcuts = 0; shortcuts <= 1; shortcuts++)
            for (int mode = 0; mode < 3; mode++) {
                /* one thread, batches of 17 rows (partial panels); two
                 * threads, a batch each; two threads sharing one batch */
                int threads = mode == 0 ? 1 : 2;
                char what[256];
                snprintf(what, sizeof what, "%s, kernel %s, shortcuts %d, "
                         "%d threads%s", c->name,
                         kernels[kc] ? kernels[kc] : "best", shortcuts,
                         threads, mode == 2 ? ", one batch" : "");
                if (kernels[kc] != NULL)
                    setenv("SNIG_CPU_KERNEL", kernels[kc], 1);
                snig_result *got = NULL;
                opt.engine = "cpu";
                opt.shortcuts = shortcuts;
                opt.threads = threads;
                opt.batch = mode == 0 ? 17 : mode == 1 ? 0 : UINT32_MAX;
                CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &got));
                unsetenv("SNIG_CPU_KERNEL");
                if (got != NULL)
                    compare(ref, got, c->rows, shortcuts, c->saturates, what);
                snig_result_free(&got);
            }
cleanup:
    snig_result_free(&ref);
    snig_inputs_free(&in);
    snig_network_free(&net);
    built_free(&b);
}

typedef struct infer_arg {
    const snig_plan *plan;
    const snig_inputs *in;
    snig_result *res;
    snig_status st;
} infer_arg;

static void *infer_thread(void *p)
{
    infer_arg *a = p;
    snig_ctx *ctx = NULL;
    a->st = snig_ctx_new(&ctx, NULL);
    if (a->st == SNIG_OK)
        a->st = snig_plan_infer(ctx, a->plan, a->in, &a->res);
    snig_ctx_free(&ctx);
    return NULL;
}

/* Two threads infer on one plan at once: each gets the serial result. */
static void plan_two_threads(snig_ctx *ctx)
{
    const general_case *c = &cases[1];
    built b = {0};
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan = NULL;
    snig_result *serial = NULL;
    CHECK_OK(ctx, build_case(ctx, c, 5, &b, &net, &in));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "cpu";
    opt.keep_values = 1;
    opt.threads = 2;
    if (net != NULL && in != NULL)
        CHECK_OK(ctx, snig_plan_new(ctx, net, &opt, &plan));
    if (plan != NULL) {
        CHECK(strcmp(snig_plan_engine(plan), "cpu") == 0);
        CHECK_OK(ctx, snig_plan_infer(ctx, plan, in, &serial));
        infer_arg a[2] = {{plan, in, NULL, SNIG_OK}, {plan, in, NULL, SNIG_OK}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            CHECK(pthread_create(&t[i], NULL, infer_thread, &a[i]) == 0);
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            CHECK(a[i].st == SNIG_OK);
            if (serial != NULL && a[i].res != NULL)
                compare(serial, a[i].res, c->rows, 0, 0,
                        "two threads, one plan");
            snig_result_free(&a[i].res);
        }
    }
    snig_result_free(&serial);
    snig_plan_free(&plan);
    snig_inputs_free(&in);
    snig_network_free(&net);
    built_free(&b);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, &cases[i]);
    plan_two_threads(ctx);
    snig_ctx_free(&ctx);
    return test_result("test_cpu_general");
}
