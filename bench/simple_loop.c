/* The simplest correct program, as a peer of the cpu engine (issue 13):
 * each row in turn, scatter into a dense accumulator, activation, next
 * layer; OpenMP over rows.  With --skip-saturated a row at the cap in every
 * neuron skips a layer that keeps it there (the one shortcut such a loop
 * gets cheaply).  For the challenge's layers (bias on nonzeros, ReLU capped).
 *
 * Side by side: with --snig the same process also prepares a snig plan
 * (cpu engine) once and times its inference on the same inputs, and the
 * two alternate `--runs` times; one JSON object gives both medians.
 *
 * usage: simple_loop --network PATH --input PATH [--threads T] [--runs N]
 *                    [--skip-saturated] [--snig | --snig-only]
 *                    [--no-shortcuts]
 * (--snig-only: snig's inference alone, e.g. under a profiler) */
#include "core/internal.h"
#include "engine/activation.h"
#include "bench_median.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loop_net {
    uint32_t n, layers;
    const snig_layer *layer;
    float *bias;             /* per layer */
    uint8_t *saturating;     /* per layer: the all-32 row stays at 32 */
} loop_net;

static float weight_at(const snig_layer *L, uint32_t k)
{
    return L->val ? L->val[k] : L->uniform;
}

/* One row through every layer; returns 1 when it is nonzero at the end. */
static int run_row(const loop_net *net, const snig_inputs *in, uint64_t r,
                   int skip_sat, float *y, float *z, uint32_t *nz,
                   uint64_t *madds)
{
    const uint32_t n = net->n;
    uint32_t count = 0;
    memset(y, 0, n * sizeof *y);
    for (uint64_t k = in->rowptr[r]; k < in->rowptr[r + 1]; k++)
        if (in->val[k] != 0.0f) {
            y[in->col[k]] = in->val[k];
            nz[count++] = in->col[k];
        }
    for (uint32_t l = 0; l < net->layers && count > 0; l++) {
        const snig_layer *L = &net->layer[l];
        if (skip_sat && net->saturating[l] && count == n) {
            int at_cap = 1;
            for (uint32_t i = 0; i < n && at_cap; i++)
                at_cap = y[i] == SNIG_YMAX;
            if (at_cap)
                continue;
        }
        memset(z, 0, n * sizeof *z);
        /* by input neuron in increasing order, as the reference does */
        for (uint32_t q = 0; q < count; q++) {
            uint32_t i = nz[q];
            float yi = y[i];
            for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++)
                z[L->col16 ? L->col16[k] : L->col32[k]] += yi * weight_at(L, k);
            *madds += L->rowptr[i + 1] - L->rowptr[i];
        }
        count = 0;
        for (uint32_t j = 0; j < n; j++) {
            y[j] = snig_activate(z[j], net->bias[l]);
            if (y[j] != 0.0f)
                nz[count++] = j;
        }
    }
    return count > 0;
}

/* Runs every row; returns the categories count, sets *seconds. */
static uint64_t run_loop(const loop_net *net, const snig_inputs *in,
                         int threads, int skip_sat, double *seconds,
                         uint64_t *madds_out)
{
    uint64_t cats = 0, madds = 0;
    double t0 = snig_now();
#pragma omp parallel num_threads(threads) reduction(+ : cats, madds)
    {
        float *y = malloc(net->n * sizeof *y), *z = malloc(net->n * sizeof *z);
        uint32_t *nz = malloc(net->n * sizeof *nz);
        if (y != NULL && z != NULL && nz != NULL) {
#pragma omp for schedule(dynamic, 16)
            for (uint64_t r = 0; r < in->rows; r++)
                cats += (uint64_t)run_row(net, in, r, skip_sat, y, z, nz,
                                          &madds);
        }
        free(y);
        free(z);
        free(nz);
    }
    *seconds = snig_now() - t0;
    *madds_out = madds;
    return cats;
}

int main(int argc, char **argv)
{
    const char *netpath = NULL, *inpath = NULL;
    int threads = 2, runs = 5, skip_sat = 0, with_snig = 0, shortcuts = 1;
    int with_loop = 1;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--network") == 0 && a + 1 < argc)
            netpath = argv[++a];
        else if (strcmp(argv[a], "--input") == 0 && a + 1 < argc)
            inpath = argv[++a];
        else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc)
            threads = atoi(argv[++a]);
        else if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc)
            runs = atoi(argv[++a]);
        else if (strcmp(argv[a], "--skip-saturated") == 0)
            skip_sat = 1;
        else if (strcmp(argv[a], "--snig") == 0)
            with_snig = 1;
        else if (strcmp(argv[a], "--no-shortcuts") == 0)
            shortcuts = 0;
        else if (strcmp(argv[a], "--snig-only") == 0)
            with_snig = 1, with_loop = 0;
        else {
            fprintf(stderr, "simple_loop: unknown argument '%s'\n", argv[a]);
            return 2;
        }
    }
    if (netpath == NULL || inpath == NULL || threads < 1 || runs < 1 ||
        runs > 1000) {
        fprintf(stderr, "usage: simple_loop --network PATH --input PATH "
                        "[--threads T] [--runs N] [--skip-saturated] "
                        "[--snig | --snig-only] [--no-shortcuts]\n");
        return 2;
    }
    int code = 2;
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan = NULL;
    loop_net ln = {0};
    double *tl = calloc((size_t)runs, sizeof *tl);
    double *ts = calloc((size_t)runs, sizeof *ts);
    snig_load_options lo;
    snig_load_options_init(&lo);
    if (tl == NULL || ts == NULL || snig_ctx_new(&ctx, NULL) != SNIG_OK)
        goto cleanup;
    if (snig_network_load(ctx, netpath, &lo, &net) != SNIG_OK)
        goto fail;
    lo.neurons = snig_network_neurons(net);
    if (snig_inputs_load(ctx, inpath, &lo, &in) != SNIG_OK)
        goto fail;
    float bias = 0.0f;
    if (!snig_network_recorded_bias(net, &bias))
        snig_official_bias(net->neurons, &bias);
    ln = (loop_net){.n = net->neurons, .layers = net->layers,
                    .layer = net->layer};
    ln.bias = calloc(net->layers + 1u, sizeof *ln.bias);
    ln.saturating = calloc(net->layers + 1u, 1);
    float *z = calloc(net->neurons, sizeof *z);
    if (ln.bias == NULL || ln.saturating == NULL || z == NULL) {
        free(z);
        goto cleanup;
    }
    for (uint32_t l = 0; l < net->layers; l++) {
        const snig_layer *L = &net->layer[l];
        if (!snig__network_is_square(net, net->layers)) {
            fprintf(stderr, "simple_loop: only the challenge's layers\n");
            free(z);
            goto cleanup;
        }
        ln.bias[l] = L->has_bias && L->bias == NULL ? L->bias_value : bias;
        if (L->bias != NULL) {
            fprintf(stderr, "simple_loop: per-neuron biases not handled\n");
            free(z);
            goto cleanup;
        }
        /* the saturation property, in the loop's own arithmetic */
        memset(z, 0, net->neurons * sizeof *z);
        for (uint32_t i = 0; i < net->neurons; i++)
            for (uint32_t k = L->rowptr[i]; k < L->rowptr[i + 1]; k++)
                z[L->col16 ? L->col16[k] : L->col32[k]] +=
                    SNIG_YMAX * weight_at(L, k);
        ln.saturating[l] = 1;
        for (uint32_t j = 0; j < net->neurons; j++)
            if (snig_activate(z[j], ln.bias[l]) != SNIG_YMAX)
                ln.saturating[l] = 0;
    }
    free(z);
    double prepare_s = 0;
    if (with_snig) {
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = "cpu";
        opt.threads = threads;
        opt.shortcuts = shortcuts;
        if (snig_plan_new(ctx, net, &opt, &plan) != SNIG_OK)
            goto fail;
        prepare_s = snig_plan_seconds(plan);
    }
    uint64_t cats = 0, snig_cats = 0, madds = 0, snig_madds = 0;
    for (int r = 0; r < runs; r++) {
        if (with_loop)
            cats = run_loop(&ln, in, threads, skip_sat, &tl[r], &madds);
        if (with_snig) {
            snig_result *res = NULL;
            if (snig_plan_infer(ctx, plan, in, &res) != SNIG_OK)
                goto fail;
            ts[r] = snig_result_seconds(res);
            snig_result_categories(res, &snig_cats);
            snig_madds = snig_result_madds(res);
            snig_result_free(&res);
        }
    }
    double ml = bench_median(tl, runs), ms = with_snig ? bench_median(ts, runs) : 0;
    /* bench_median() sorted them: the fastest run of each is first */
    double fl = tl[0], fs = ts[0];
    printf("{\"peer\": \"simple_loop\", \"skip_saturated\": %s, "
           "\"threads\": %d, \"runs\": %d, \"seconds\": %.6f, "
           "\"min_seconds\": %.6f, \"categories\": %llu, \"madds\": %llu",
           skip_sat ? "true" : "false", threads, runs, ml, fl,
           (unsigned long long)cats, (unsigned long long)madds);
    if (with_snig)
        printf(", \"snig_shortcuts\": %s, \"snig_prepare_seconds\": %.6f, "
               "\"snig_seconds\": %.6f, \"snig_min_seconds\": %.6f, "
               "\"snig_categories\": %llu, "
               "\"snig_madds\": %llu, \"ratio\": %.3f",
               shortcuts ? "true" : "false", prepare_s, ms, fs,
               (unsigned long long)snig_cats, (unsigned long long)snig_madds,
               ms > 0 ? ml / ms : 0.0);
    printf("}\n");
    code = with_snig && with_loop && cats != snig_cats ? 1 : 0;
    if (code)
        fprintf(stderr, "simple_loop: categories differ: %llu vs snig %llu\n",
                (unsigned long long)cats, (unsigned long long)snig_cats);
    goto cleanup;
fail:
    fprintf(stderr, "simple_loop: %s\n", snig_errmsg(ctx));
cleanup:
    free(ln.bias);
    free(ln.saturating);
    free(tl);
    free(ts);
    snig_plan_free(&plan);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return code;
}
