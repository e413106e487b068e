/* The cuda engine against the reference engine: categories, rows alive
 * after each layer and final values (bit for bit in the reference order of
 * summation; categories in the fused order) on the official data and on
 * random networks with signed weights and per-neuron biases; one and
 * several batches, resident and streamed weights (a memory cap) with B = 1,
 * 2 and 4, shortcuts on and off, sections smaller than N.  Skipped (77)
 * without a GPU. */
#define _POSIX_C_SOURCE 200809L   /* setenv */
#include "testutil.h"

#include "core/internal.h"
#include "engine/cuda/host/pack.h"
#include "engine/cuda/host/plan.h"

#include <stdlib.h>
#include <string.h>

/* A cap that leaves no room for resident weights but room for `batch` rows
 * beside `buffers` streamed layer buffers (also when buffers >= layers,
 * issue 10: the plan clamps B to the layers). */
static uint64_t streaming_cap(const snig_network *net, const snig_inputs *in,
                              uint32_t layers, int buffers, uint32_t batch)
{
    uint64_t most = 0;
    uint32_t *count = malloc(net->neurons * sizeof *count);
    for (uint32_t l = 0; count != NULL && l < layers; l++) {
        snig__pack_layer d;
        const snig_layer *L = &net->layer[l];
        int values = L->val != NULL && !snig__pack_uniform(L->val, L->nnz);
        uint64_t slots = snig__pack_slots(net->neurons, L->nnz, L->col16,
                                         L->col32, count);
        if (snig__pack_plan(&d, net->neurons, L->nnz, slots, values,
                           L->has_bias && L->bias != NULL))
            most = d.bytes > most ? d.bytes : most;
    }
    free(count);
    uint32_t b = buffers > 0 ? (uint32_t)buffers : 2;
    b = b > layers ? layers : b;
    snig__cuda_layout lay;
    snig__cuda_layout_make(&lay, net->neurons, layers, batch,
                          snig__cuda_max_entries(in->rowptr, in->rows, batch),
                          b * most);
    return lay.total;
}

typedef struct variant {
    const char *what;
    uint32_t batch;
    int buffers;
    uint32_t cap_rows;   /* > 0: a cap that streams, room for these rows */
    int shortcuts;
    const char *order;   /* SNIG_CUDA_ORDER, NULL: the default */
    const char *section; /* SNIG_CUDA_SECTION, NULL: the default */
} variant;

static const variant variants[] = {
    {"one batch", 0, 0, 0, 1, NULL, NULL},
    {"one batch, no shortcuts", 0, 0, 0, 0, NULL, NULL},
    {"batches of 16", 16, 0, 0, 1, NULL, NULL},
    {"batches of 5, no shortcuts", 5, 0, 0, 0, NULL, NULL},
    {"streamed, B = 2", 0, 2, 16, 1, NULL, NULL},
    {"streamed, B = 4, batches of 8", 8, 4, 8, 1, NULL, NULL},
    {"streamed, B = 4, no shortcuts", 0, 4, 12, 0, NULL, NULL},
    {"streamed, B = 1", 0, 1, 16, 1, NULL, NULL},
    {"sections of 96 (odd staging)", 0, 0, 0, 1, NULL, "96"},
    {"sections of 250", 7, 0, 0, 0, NULL, "250"},
    {"fused order", 0, 0, 0, 1, "fused", NULL},
    {"fused order, streamed, no shortcuts", 0, 2, 16, 0, "fused", "512"},
};

static void compare(snig_ctx *ctx, const char *name, const snig_network *net,
                    const snig_inputs *in, uint32_t layers)
{
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    opt.layers = layers;
    snig_result *want = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &want));
    if (want == NULL)
        return;
    const uint32_t nl = snig_result_layers(want);
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        const variant *va = &variants[v];
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        o.keep_values = 1;
        o.layers = layers;
        o.batch = va->batch;
        o.weight_buffers = va->buffers;
        o.gpu_memory = va->cap_rows ? streaming_cap(net, in, nl, va->buffers,
                                                    va->cap_rows)
                                    : 0;
        o.shortcuts = va->shortcuts;
        if (va->order)
            setenv("SNIG_CUDA_ORDER", va->order, 1);
        if (va->section)
            setenv("SNIG_CUDA_SECTION", va->section, 1);
        snig_result *got = NULL;
        snig_status st = snig_infer(ctx, net, in, &o, &got);
        unsetenv("SNIG_CUDA_ORDER");
        unsetenv("SNIG_CUDA_SECTION");
        if (st != SNIG_OK) {
            fprintf(stderr, "%s, %s: %s (%s)\n", name, va->what,
                    snig_status_str(st), snig_errmsg(ctx));
            snig_clear_error(ctx);
            test_failures++;
            continue;
        }
        char what[200];
        snprintf(what, sizeof what, "%s, %s", name, va->what);
        /* Values bit for bit in the reference order; the fused order only
         * keeps the categories and the live counts. */
        const test_compare how = {.exact = va->order == NULL,
                                  .tolerance = 1e-4f, .live = 1};
        CHECK(test_same_results(what, want, got, &how));
        CHECK(snig_result_live_rows(got) != NULL);
        CHECK(snig_result_kernel_seconds(got) > 0.0);
        CHECK(strstr(snig_result_engine_info(got),
                     va->cap_rows ? "\"streamed\"" : "\"resident\"") !=
              NULL);
        snig_result_free(&got);
    }
    snig_result_free(&want);
}

static void random_cases(snig_ctx *ctx)
{
    struct {
        uint32_t n, layers, k, rows;
        float wmax, uniform, bias;
        int per_neuron;
    } cases[] = {
        /* Signed weights, per-neuron biases: rows die at different layers. */
        {256, 8, 16, 203, 0.5f, 0.0f, 0.0f, 1},
        /* Larger than one shared-memory section (2048), N not a multiple
         * of the 256 threads of a block. */
        {4160, 3, 24, 45, 0.4f, 0.0f, 0.0f, 1},
        /* N not a multiple of 4: the scalar staging. */
        {1001, 5, 12, 33, 0.5f, 0.0f, 0.0f, 1},
        /* Small N (fewer neurons than threads); uniform weights 2 that
         * saturate rows, which then leave the computation. */
        {64, 12, 32, 57, 0.0f, 2.0f, -0.3f, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        snig_network *net = NULL;
        snig_inputs *in = NULL;
        CHECK_OK(ctx, test_random_network(ctx, cases[c].n, cases[c].layers,
                                          cases[c].k, cases[c].wmax,
                                          cases[c].uniform,
                                          cases[c].per_neuron, -0.3f, 0.05f,
                                          100 + c, &net));
        CHECK_OK(ctx, test_random_inputs(ctx, cases[c].n, cases[c].rows, 0.08,
                                         4.0f, 5, 7, 200 + c, &in));
        if (net != NULL && in != NULL) {
            if (!cases[c].per_neuron)
                CHECK_OK(ctx, snig_network_set_bias(ctx, net, cases[c].bias));
            char name[64];
            snprintf(name, sizeof name, "random N=%u L=%u", cases[c].n,
                     cases[c].layers);
            compare(ctx, name, net, in, 0);
        }
        snig_inputs_free(&in);
        snig_network_free(&net);
    }
}

static void official_case(snig_ctx *ctx)
{
    if (!test_have_official("official case"))
        return;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    if (test_load_official(ctx, 0, &net, &in)) {
        /* The 19 official categories through all 120 layers. */
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        snig_result *res = NULL;
        CHECK_OK(ctx, snig_infer(ctx, net, in, &o, &res));
        uint64_t count = 0;
        const uint64_t *cat = res ? snig_result_categories(res, &count) : NULL;
        CHECK(count == 19 &&
              memcmp(cat, test_official_categories,
                     sizeof test_official_categories) == 0);
        if (res != NULL)
            fprintf(stderr, "official 1024 x 120, 1200 rows: %.4f s, kernels "
                    "%.4f s, %s\n", snig_result_seconds(res),
                    snig_result_kernel_seconds(res),
                    snig_result_engine_info(res));
        snig_result_free(&res);
        compare(ctx, "official 1024 x 120", net, in, 0);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);
}

static void errors(snig_ctx *ctx)
{
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 2, 4, 0.5f, 0.0f, 1, -0.1f,
                                      0.0f, 7, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 10, 0.2, 1.0f, 0, 0, 8, &in));
    if (net != NULL && in != NULL) {
        snig_options o;
        snig_options_init(&o);
        o.engine = "cuda";
        snig_result *res = NULL;
        /* A cap nothing fits in: a clear error, no result. */
        o.gpu_memory = 1000;
        CHECK(snig_infer(ctx, net, in, &o, &res) == SNIG_NOMEM);
        CHECK(res == NULL && strstr(snig_errmsg(ctx), "GPU memory") != NULL);
        snig_clear_error(ctx);
        /* More GPUs than present. */
        o.gpu_memory = 0;
        o.gpus = 1024;
        CHECK(snig_infer(ctx, net, in, &o, &res) == SNIG_USAGE);
        CHECK(res == NULL);
        snig_clear_error(ctx);
    }
    snig_inputs_free(&in);
    snig_network_free(&net);
}

int main(void)
{
    /* Also 0 when the library was built without CUDA. */
    if (!snig_engine_available("cuda")) {
        fprintf(stderr, "test_cuda: no cuda engine or no GPU: skipped\n");
        return TEST_SKIP;
    }
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    unsetenv("SNIG_CUDA_ORDER");
    unsetenv("SNIG_CUDA_SECTION");
    random_cases(ctx);
    official_case(ctx);
    errors(ctx);
    snig_ctx_free(&ctx);
    return test_result("test_cuda");
}
