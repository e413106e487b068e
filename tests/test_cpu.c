/* The cpu engine against the reference engine, case by case (after ggml's
 * test-backend-ops): every case runs through "reference" and "cpu", and the
 * categories, the rows alive after each layer, the final values (1e-5
 * relative) and, without shortcuts, the multiply-add count must agree. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cpu_case {
    const char *name;
    uint32_t n, layers, k;
    float wmax, uniform;        /* wmax 0: every weight is `uniform` */
    int per_neuron;
    float bmin, bmax;           /* per-neuron biases, or bmin for all */
    uint64_t rows;
    double density;
    float vmax;
    uint32_t dup_every, sat_every;
    int threads;
    uint32_t batch;
    int shortcuts;
    int kill_layer;             /* > 0: that layer gets bias -40 (not
                                   saturating: saturated rows come back) */
    const char *kernel;         /* NULL: best; "generic", "avx2" */
    int sort_rows;              /* sort each row's columns (the kernel then
                                   walks rows of N > 16384 section by
                                   section) */
} cpu_case;

static const cpu_case cases[] = {
    {"uniform, dups and saturated rows", 256, 20, 16, 0, 0.125f, 0, -0.3f,
     0, 100, 0.1, 1, 7, 11, 2, 0, 1, 0, NULL, 0},
    {"uniform, no shortcuts, batch 33", 256, 20, 16, 0, 0.125f, 0, -0.3f, 0,
     100, 0.1, 1, 7, 11, 1, 33, 0, 0, NULL, 0},
    {"signed weights, per-neuron bias", 300, 12, 20, 0.5f, 0, 1, -4.0f,
     0.1f, 77, 0.2, 4, 5, 9, 2, 16, 1, 0, NULL, 0},
    {"signed weights, no shortcuts, batch 50", 300, 12, 20, 0.5f, 0, 1,
     -4.0f, 0.1f, 77, 0.2, 4, 5, 9, 1, 50, 0, 0, NULL, 0},
    {"signed weights, generic kernel", 300, 12, 20, 0.5f, 0, 1, -4.0f, 0.1f,
     77, 0.2, 4, 5, 9, 2, 20, 1, 0, "generic", 0},
    {"saturated rows come back", 128, 16, 16, 0, 0.125f, 0, -0.3f, 0, 90,
     0.2, 1, 4, 3, 2, 32, 1, 9, NULL, 0},
    {"saturated rows come back, generic", 128, 16, 16, 0, 0.125f, 0, -0.3f,
     0, 90, 0.2, 1, 4, 3, 1, 0, 1, 9, "generic", 0},
    {"one row per batch", 64, 6, 8, 0.6f, 0, 1, -0.9f, 0.05f, 19, 0.3, 2, 3,
     5, 2, 1, 1, 0, NULL, 0},
    {"signed weights, 1500 neurons: 3 sections", 1500, 6, 24, 0.5f, 0, 1,
     -4.0f, 0.1f, 40, 0.1, 4, 5, 9, 2, 0, 1, 0, NULL, 0},
    {"signed weights, 3 sections, generic", 1500, 6, 24, 0.5f, 0, 1, -4.0f,
     0.1f, 40, 0.1, 4, 5, 9, 1, 24, 0, 0, "generic", 0},
    {"signed weights, 3 sections, avx2", 1500, 6, 24, 0.5f, 0, 1, -4.0f,
     0.1f, 40, 0.1, 4, 5, 9, 2, 0, 1, 0, "avx2", 0},
    {"saturated rows come back, avx2", 128, 16, 16, 0, 0.125f, 0, -0.3f, 0,
     90, 0.2, 1, 4, 3, 2, 0, 1, 9, "avx2", 0},
    {"sorted rows, sections by cursor", 20000, 4, 8, 0.9f, 0, 1, -0.6f,
     0.1f, 40, 0.0002, 2, 4, 7, 2, 16, 1, 0, NULL, 1},
    {"sorted rows, no shortcuts", 20000, 4, 8, 0, 0.125f, 0, -0.3f, 0, 40,
     0.0002, 2, 4, 7, 1, 0, 0, 0, NULL, 1},
    {"32-bit indices", 70000, 4, 6, 0.9f, 0, 1, -0.6f, 0.1f, 21, 0.00004, 2, 4,
     0, 2, 8, 1, 0, NULL, 0},
    {"official shape 1024, dense rows, no shortcuts", 1024, 40, 32, 0, 0.0625f, 0, -0.3f, 0, 150,
     0.3, 1, 0, 0, 2, 0, 0, 0, NULL, 0},
};

/* Sorts the entries of every row by column (insertion sort: rows are
 * short). */
static void sort_rows(snig_network *net)
{
    for (uint32_t l = 0; l < net->layers; l++) {
        snig_layer *L = &net->layer[l];
        uint16_t *c16 = L->own_col;
        uint32_t *c32 = L->own_col;
        float *v = L->own_val;
        for (uint32_t i = 0; i < net->neurons; i++)
            for (uint32_t k = L->rowptr[i] + 1; k < L->rowptr[i + 1]; k++)
                for (uint32_t q = k; q > L->rowptr[i]; q--) {
                    uint32_t a = L->col16 ? c16[q - 1] : c32[q - 1];
                    uint32_t b = L->col16 ? c16[q] : c32[q];
                    if (a < b)
                        break;
                    if (L->col16) {
                        c16[q - 1] = (uint16_t)b;
                        c16[q] = (uint16_t)a;
                    } else {
                        c32[q - 1] = b;
                        c32[q] = a;
                    }
                    if (v != NULL) {
                        float t = v[q - 1];
                        v[q - 1] = v[q];
                        v[q] = t;
                    }
                }
    }
}

static int run_case(snig_ctx *ctx, const cpu_case *c)
{
    int before = test_failures;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *ref = NULL, *got = NULL;
    CHECK_OK(ctx, test_random_network(ctx, c->n, c->layers, c->k, c->wmax,
                                      c->uniform, c->per_neuron, c->bmin,
                                      c->bmax, 1234 + c->n, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, c->n, c->rows, c->density, c->vmax,
                                     c->dup_every, c->sat_every, 99, &in));
    if (net == NULL || in == NULL)
        goto cleanup;
    if (!c->per_neuron)
        CHECK_OK(ctx, snig_network_set_bias(ctx, net, c->bmin));
    if (c->sort_rows)
        sort_rows(net);
    if (c->kill_layer > 0)
        net->layer[c->kill_layer].bias_value = -40.0f;
    snig_options opt;
    snig_options_init(&opt);
    opt.keep_values = 1;
    opt.engine = "reference";
    opt.shortcuts = c->shortcuts;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &ref));
    if (c->kernel != NULL)
        setenv("SNIG_CPU_KERNEL", c->kernel, 1);
    opt.engine = "cpu";
    opt.threads = c->threads;
    opt.batch = c->batch;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &got));
    unsetenv("SNIG_CPU_KERNEL");
    if (ref == NULL || got == NULL)
        goto cleanup;
    const test_compare close = {.tolerance = 1e-5f, .live = 1};
    CHECK(test_same_results(c->name, ref, got, &close));
    uint64_t nr = 0;
    snig_result_categories(ref, &nr);
    if (!(nr > 0 && nr < c->rows))  /* the case says something */
        fprintf(stderr, "%s: %llu of %llu rows alive\n", c->name,
                (unsigned long long)nr, (unsigned long long)c->rows);
    CHECK(nr > 0 && nr < c->rows);
    if (!c->shortcuts)
        CHECK(snig_result_madds(ref) == snig_result_madds(got));
    else
        CHECK(snig_result_madds(got) <= snig_result_madds(ref));
cleanup:
    snig_result_free(&got);
    snig_result_free(&ref);
    snig_inputs_free(&in);
    snig_network_free(&net);
    if (test_failures != before)
        fprintf(stderr, "case failed: %s\n", c->name);
    return test_failures == before;
}

/* A memory-mapped network (checksums verified by the preparation tasks as
 * layers are first used) gives the reference's categories; a corrupt layer
 * makes the run fail with SNIG_CORRUPT and a message, never crash. */
static void mapped_network(snig_ctx *ctx)
{
    snig_network *net = NULL, *mapped = NULL;
    snig_inputs *in = NULL;
    snig_result *ref = NULL, *got = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/test_cpu_mapped.snb", SNIG_BINARY_DIR);
    CHECK_OK(ctx, test_random_network(ctx, 256, 8, 16, 0, 0.125f, 0, 0, 0, 7,
                                      &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 256, 60, 0.1, 1, 0, 7, 5, &in));
    if (net == NULL || in == NULL)
        goto cleanup;
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
    CHECK_OK(ctx, snig_network_save(ctx, net, path));
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.verify = 0;
    CHECK_OK(ctx, snig_network_load(ctx, path, &lo, &mapped));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &ref));
    opt.engine = "cpu";
    opt.threads = 2;
    CHECK_OK(ctx, snig_infer(ctx, mapped, in, &opt, &got));
    if (ref != NULL && got != NULL) {
        uint64_t a = 0, b = 0;
        const uint64_t *ca = snig_result_categories(ref, &a);
        const uint64_t *cb = snig_result_categories(got, &b);
        CHECK(a == b && memcmp(ca, cb, a * sizeof *ca) == 0);
    }
    snig_result_free(&got);
    snig_network_free(&mapped);
    /* flip a byte in the middle of the file: inside some layer's data */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f != NULL) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size / 2, SEEK_SET);
        int c = fgetc(f);
        fseek(f, size / 2, SEEK_SET);
        fputc(c ^ 0x5a, f);
        fclose(f);
    }
    snig_status st = snig_network_load(ctx, path, &lo, &mapped);
    if (st == SNIG_OK) {
        st = snig_infer(ctx, mapped, in, &opt, &got);
        CHECK(st == SNIG_CORRUPT);
        CHECK(got == NULL);
        CHECK(strstr(snig_errmsg(ctx), "checksum") != NULL);
    } else {
        CHECK(st == SNIG_CORRUPT);  /* the header caught it at load */
    }
    snig_clear_error(ctx);
cleanup:
    snig_result_free(&got);
    snig_result_free(&ref);
    snig_network_free(&mapped);
    snig_inputs_free(&in);
    snig_network_free(&net);
    remove(path);
}

/* More than 4096 rows: the duplicate search first looks at a sample.  Rows
 * repeated at a distance the sample sees (a block of 1500 rows four times)
 * and rows repeated next to each other (which it may not see) both give the
 * reference engine's results, values and all; the repeated block is
 * computed once. */
static void sampled_duplicates(snig_ctx *ctx)
{
    snig_network *net = NULL;
    snig_inputs *block = NULL, *tiled = NULL, *pairs = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 256, 12, 16, 0.0f, 0.5f, 0,
                                      -0.3f, -0.3f, 5, &net));
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.3f));
    CHECK_OK(ctx, test_random_inputs(ctx, 256, 1500, 0.08, 1.0f, 0, 0, 6,
                                     &block));
    CHECK_OK(ctx, test_random_inputs(ctx, 256, 5000, 0.08, 1.0f, 2, 0, 7,
                                     &pairs));
    if (net == NULL || block == NULL || pairs == NULL)
        goto cleanup;
    const uint64_t reps = 4, nz = block->rowptr[block->rows];
    uint64_t *rp = malloc((reps * block->rows + 1) * sizeof *rp);
    uint32_t *col = malloc(reps * nz * sizeof *col);
    float *val = malloc(reps * nz * sizeof *val);
    for (uint64_t t = 0, r = 0; rp && col && val && t < reps; t++) {
        memcpy(col + t * nz, block->col, nz * sizeof *col);
        memcpy(val + t * nz, block->val, nz * sizeof *val);
        for (uint64_t q = 0; q < block->rows; q++, r++)
            rp[r] = t * nz + block->rowptr[q];
        rp[reps * block->rows] = reps * nz;
    }
    if (rp && col && val)
        CHECK_OK(ctx, snig_inputs_from_csr(ctx, reps * block->rows, 256, rp,
                                           col, val, SNIG_COPY, &tiled));
    free(rp);
    free(col);
    free(val);
    snig_inputs *ins[2] = {tiled, pairs};
    for (int i = 0; i < 2 && ins[i] != NULL; i++) {
        snig_options opt;
        snig_options_init(&opt);
        opt.keep_values = 1;
        opt.threads = 2;
        opt.engine = "reference";
        snig_result *want = NULL, *got = NULL;
        CHECK_OK(ctx, snig_infer(ctx, net, ins[i], &opt, &want));
        opt.engine = "cpu";
        CHECK_OK(ctx, snig_infer(ctx, net, ins[i], &opt, &got));
        const test_compare exact = {.exact = 1, .live = 1};
        if (want != NULL && got != NULL)
            CHECK(test_same_results(i ? "adjacent duplicates"
                                      : "duplicates 1500 rows apart",
                                    want, got, &exact));
        uint64_t n = 0;
        snig_result_categories(want, &n);
        CHECK(n > 0);
        /* each of the four copies of a row computed once: the work of
         * the block alone */
        snig_result *once = NULL;
        if (i == 0) {
            CHECK_OK(ctx, snig_infer(ctx, net, block, &opt, &once));
            if (once != NULL && got != NULL)
                CHECK(snig_result_madds(got) == snig_result_madds(once));
            snig_result_free(&once);
        }
        snig_result_free(&want);
        snig_result_free(&got);
    }
cleanup:
    snig_inputs_free(&tiled);
    snig_inputs_free(&pairs);
    snig_inputs_free(&block);
    snig_network_free(&net);
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK(snig_engine_available("cpu"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, &cases[i]);
    mapped_network(ctx);
    sampled_duplicates(ctx);
    snig_ctx_free(&ctx);
    return test_result("test_cpu");
}
