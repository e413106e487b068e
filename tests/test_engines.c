/* Every engine against the reference engine on one table of cases (after
 * ggml's test-backend-ops): each engine snig_engine_name lists and that can
 * run here runs every case, in a few option variants, and its result must
 * match the reference's: the categories exactly, the rows alive after each
 * layer, and the final values bit for bit for the engines that claim the
 * reference's bits, else within a tolerance.  An engine that refuses a case
 * with SNIG_UNSUPPORTED is listed as "not supported"; any other failure is
 * a failure.  A new engine is tested by being registered. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Engines whose results are the reference's bits (their docs say so: the
 * sums are done in the reference's order).  Others get a tolerance. */
static const char *const exact_engines[] = {"cpu", "mpi", "cuda"};
#define TOLERANCE 1e-4f

static int claims_exact(const char *engine)
{
    for (size_t i = 0; i < sizeof exact_engines / sizeof *exact_engines; i++)
        if (strcmp(engine, exact_engines[i]) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ the cases */

typedef struct test_case {
    char name[96];
    snig_network *net;
    snig_inputs *in;
} test_case;

#define MAX_CASES 24
static test_case cases[MAX_CASES];
static int ncases;

static void add_case(const char *name, snig_network *net, snig_inputs *in)
{
    if (net == NULL || in == NULL || ncases == MAX_CASES) {
        snig_network_free(&net);
        snig_inputs_free(&in);
        CHECK(!"a case could not be made");
        return;
    }
    test_case *c = &cases[ncases++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->net = net;
    c->in = in;
}

static uint64_t rng(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static float rng_float(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(rng(s) % 1000000) / 1000000.0f;
}

/* A chain of rectangular layers from memory (about a third of the edges
 * present, signed weights, per-neuron biases), every layer with `rule` and
 * `act`. */
static snig_network *general_network(snig_ctx *ctx, uint32_t layers,
                                     const uint32_t *width, snig_bias_rule rule,
                                     snig_activation act, uint64_t seed)
{
    snig_layer_desc d[8];
    uint32_t *rowptr[8] = {0}, *col[8] = {0};
    float *val[8] = {0}, *bias[8] = {0};
    snig_network *net = NULL;
    for (uint32_t l = 0; l < layers; l++) {
        uint32_t ni = width[l], no = width[l + 1], k = 0;
        rowptr[l] = calloc(ni + 1, sizeof(uint32_t));
        col[l] = malloc((size_t)ni * no * sizeof(uint32_t));
        val[l] = malloc((size_t)ni * no * sizeof(float));
        bias[l] = malloc(no * sizeof(float));
        if (!rowptr[l] || !col[l] || !val[l] || !bias[l])
            goto cleanup;
        for (uint32_t i = 0; i < ni; i++) {
            for (uint32_t j = 0; j < no; j++)
                if (rng(&seed) % 3 == 0) {
                    col[l][k] = j;
                    val[l][k++] = rng_float(&seed, -0.8f, 1.0f);
                }
            rowptr[l][i + 1] = k;
        }
        for (uint32_t j = 0; j < no; j++)
            bias[l][j] = rng_float(&seed, -0.3f, 0.2f);
        snig_layer_desc_init(&d[l]);
        d[l].n_in = ni;
        d[l].n_out = no;
        d[l].rowptr = rowptr[l];
        d[l].col = col[l];
        d[l].val = val[l];
        d[l].bias = bias[l];
        d[l].bias_rule = rule;
        d[l].activation = act;
        d[l].cap = 3.0f;
    }
    CHECK_OK(ctx, snig_network_from_layers(ctx, d, layers, SNIG_COPY, &net));
cleanup:
    for (uint32_t l = 0; l < layers; l++) {
        free(rowptr[l]);
        free(col[l]);
        free(val[l]);
        free(bias[l]);
    }
    return net;
}

/* Dense random rows (about half zeros) of n columns. */
static snig_inputs *dense_inputs(snig_ctx *ctx, uint64_t rows, uint32_t n,
                                 uint64_t seed)
{
    float *x = malloc(rows * n * sizeof *x);
    snig_inputs *in = NULL;
    if (x == NULL)
        return NULL;
    for (uint64_t i = 0; i < rows * n; i++)
        x[i] = rng(&seed) % 2 ? rng_float(&seed, 0.0f, 1.5f) : 0.0f;
    CHECK_OK(ctx, snig_inputs_from_dense(ctx, rows, n, x, &in));
    free(x);
    return in;
}

static void official_case(snig_ctx *ctx)
{
    if (!test_have_official("official 1024 x 120, 1200 rows"))
        return;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    test_load_official(ctx, 0, &net, &in);
    add_case("official 1024 x 120, 1200 rows", net, in);
}

/* A RadiX-Net network from the generator, through a binary file. */
static void generated_case(snig_ctx *ctx, uint32_t n, uint32_t layers)
{
    char path[600], name[96];
    snprintf(path, sizeof path, "%s/test_engines-%d-n%u.snb", SNIG_BINARY_DIR,
             (int)getpid(), n);
    snig_generate_options g;
    snig_generate_options_init(&g);
    g.neurons = n;
    g.layers = layers;
    g.seed = 5;
    g.has_bias = 1;
    g.bias = -0.3f;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, snig_generate_network(ctx, &g, path));
    CHECK_OK(ctx, snig_network_load(ctx, path, NULL, &net));
    unlink(path);
    CHECK_OK(ctx, test_random_inputs(ctx, n, 150, 0.1, 1.0f, 9, 13, 21, &in));
    snprintf(name, sizeof name, "generated RadiX-Net %u x %u", n, layers);
    add_case(name, net, in);
}

static void make_cases(snig_ctx *ctx)
{
    official_case(ctx);
    generated_case(ctx, 256, 24);
    generated_case(ctx, 1024, 12);

    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 300, 12, 20, 0.5f, 0, 1, -4.0f,
                                      0.1f, 7, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 300, 77, 0.2, 4.0f, 5, 9, 3, &in));
    add_case("random 300 x 12, signed weights, per-neuron bias", net, in);
    CHECK_OK(ctx, test_random_network(ctx, 128, 16, 16, 0, 0.125f, 0, 0, 0,
                                      11, &net));
    if (net != NULL)
        CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
    CHECK_OK(ctx, test_random_inputs(ctx, 128, 90, 0.2, 1.0f, 4, 3, 5, &in));
    add_case("random 128 x 16, uniform, repeated and saturated rows", net, in);

    static const uint32_t widths[][5] = {{40, 64, 24, 10}, {17, 17, 17, 17},
                                         {30, 5, 90, 12}};
    static const char *const rule_name[] = {"NONZERO", "DENSE"};
    static const char *const act_name[] = {"RELU_CAP", "RELU", "IDENTITY"};
    uint64_t seed = 100;
    for (int rule = 0; rule < 2; rule++)
        for (int act = 0; act < 3; act++) {
            const uint32_t *w = widths[(rule * 3 + act) % 3];
            char name[96];
            snprintf(name, sizeof name, "general %u-%u-%u-%u, bias %s, %s",
                     w[0], w[1], w[2], w[3], rule_name[rule], act_name[act]);
            net = general_network(ctx, 3, w, (snig_bias_rule)rule,
                                  (snig_activation)act, seed++);
            in = dense_inputs(ctx, 33, w[0], seed++);
            add_case(name, net, in);
        }
}

/* ----------------------------------------------------------- the runs */

typedef struct variant {
    const char *what;
    int threads;
    uint32_t batch;
    int shortcuts;
} variant;

static const variant variants[] = {
    {"default", 0, 0, 1},
    {"2 threads, batches of 7, no shortcuts", 2, 7, 0},
};

typedef struct tally {
    int ok, failed, unsupported;
} tally;

/* Runs every case on `engine` (with `local` inside a meta-engine such as
 * mpi); returns 1 when the engine ran as a meta-engine ("mpi/cpu"). */
static int run_engine(snig_ctx *ctx, const char *engine, const char *local,
                      tally *t)
{
    const int exact = claims_exact(engine);
    int meta = 0;
    for (int c = 0; c < ncases; c++) {
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = "reference";
        opt.keep_values = 1;
        snig_result *want = NULL;
        CHECK_OK(ctx, snig_infer(ctx, cases[c].net, cases[c].in, &opt, &want));
        for (size_t v = 0; want != NULL && v < sizeof variants / sizeof *variants;
             v++) {
            snig_options o = opt;
            o.engine = engine;
            o.local_engine = local;
            o.threads = variants[v].threads;
            o.batch = variants[v].batch;
            o.shortcuts = variants[v].shortcuts;
            snig_result *got = NULL;
            snig_status st = snig_infer(ctx, cases[c].net, cases[c].in, &o,
                                        &got);
            /* The engine as it names itself ("mpi/cpu"), when it ran. */
            char what[512];
            snprintf(what, sizeof what, "%-14.60s %-56.95s %.60s",
                     got != NULL ? snig_result_engine(got) : engine,
                     cases[c].name, variants[v].what);
            if (st == SNIG_UNSUPPORTED) {
                printf("%s: not supported (%s)\n", what, snig_errmsg(ctx));
                snig_clear_error(ctx);
                t->unsupported++;
                break;      /* the other variants would say the same */
            }
            if (st != SNIG_OK) {
                fprintf(stderr, "%s: FAILED: %s (%s)\n", what,
                        snig_status_str(st), snig_errmsg(ctx));
                snig_clear_error(ctx);
                test_failures++;
                t->failed++;
                continue;
            }
            meta |= strchr(snig_result_engine(got), '/') != NULL;
            const test_compare how = {.exact = exact, .tolerance = TOLERANCE,
                                      .live = 1};
            if (test_same_results(what, want, got, &how)) {
                printf("%s: OK (%s)\n", what, exact ? "bit for bit"
                                                    : "within 1e-4");
                t->ok++;
            } else {
                test_failures++;
                t->failed++;
            }
            snig_result_free(&got);
        }
        snig_result_free(&want);
    }
    return meta;
}

int main(void)
{
    snig_ctx *ctx = NULL;
    int rank = 0, size = 1;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK_OK(ctx, snig_dist_init(ctx, &rank, &size));
    make_cases(ctx);
    int engines = 0;
    for (size_t i = 0; snig_engine_name(i) != NULL; i++) {
        const char *e = snig_engine_name(i);
        if (strcmp(e, "reference") == 0)
            continue;
        if (!snig_engine_available(e)) {
            test_skip(e, "the engine cannot run on this machine");
            continue;
        }
        tally t = {0};
        /* A meta-engine also runs the reference inside. */
        if (run_engine(ctx, e, "cpu", &t))
            run_engine(ctx, e, "reference", &t);
        printf("%s: %d passed, %d failed, %d case(s) not supported\n", e,
               t.ok, t.failed, t.unsupported);
        CHECK(t.ok > 0);    /* an engine that supports nothing is untested */
        engines++;
    }
    CHECK(engines > 0);
    for (int c = 0; c < ncases; c++) {
        snig_network_free(&cases[c].net);
        snig_inputs_free(&cases[c].in);
    }
    snig_ctx_free(&ctx);
    snig_dist_finalize();
    return test_result("test_engines");
}
