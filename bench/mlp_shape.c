/* The shape of a pruned MLP (the Python example's Fashion-MNIST network):
 * 784-1024-1024-10, weights with SPARSITY of them zero, a bias on every
 * output (torch Linear's rule), ReLU, ReLU, identity; 10,000 input rows of
 * about 150 real nonzeros.  Random, so no data is needed.  Times
 * snig_plan_infer with the engine's defaults and with BATCH rows per batch,
 * alternating, and prints one JSON line with the medians.
 *
 *   mlp_shape [THREADS [RUNS [SPARSITY [BATCH [KEEP_VALUES]]]]] */
#include "bench_median.h"
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x243f6a8885a308d3ull;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* One layer of n_in x n_out with each weight kept with probability keep. */
static int make_layer(uint32_t n_in, uint32_t n_out, double keep,
                      snig_activation act, snig_layer_desc *d)
{
    uint32_t *rowptr = malloc((n_in + 1) * sizeof *rowptr);
    uint32_t *col = malloc((size_t)n_in * n_out * sizeof *col);
    float *val = malloc((size_t)n_in * n_out * sizeof *val);
    float *bias = malloc(n_out * sizeof *bias);
    if (!rowptr || !col || !val || !bias)
        return 1;
    uint32_t k = 0;
    rowptr[0] = 0;
    for (uint32_t i = 0; i < n_in; i++) {
        for (uint32_t j = 0; j < n_out; j++)
            if (uniform() < keep) {
                col[k] = j;
                val[k++] = (float)((uniform() - 0.5) * 0.6);
            }
        rowptr[i + 1] = k;
    }
    for (uint32_t j = 0; j < n_out; j++)
        bias[j] = (float)((uniform() - 0.4) * 0.1);
    *d = (snig_layer_desc){.n_in = n_in, .n_out = n_out, .rowptr = rowptr,
                           .col = col, .val = val, .bias = bias,
                           .bias_rule = SNIG_BIAS_DENSE, .activation = act};
    return 0;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    int runs = argc > 2 ? atoi(argv[2]) : 11;
    double sparsity = argc > 3 ? atof(argv[3]) : 0.97;
    uint32_t batch = argc > 4 ? (uint32_t)atoi(argv[4]) : 256;
    int keep_values = argc > 5 ? atoi(argv[5]) : 1;
    if (runs < 1 || runs > 1000)
        runs = 11;
    const uint32_t width[4] = {784, 1024, 1024, 10};
    const snig_activation act[3] = {SNIG_ACT_RELU, SNIG_ACT_RELU,
                                    SNIG_ACT_IDENTITY};
    snig_layer_desc d[3];
    for (int l = 0; l < 3; l++)
        if (make_layer(width[l], width[l + 1], 1.0 - sparsity, act[l], &d[l]))
            return 1;
    const uint64_t rows = 10000;
    uint64_t *rowptr = malloc((rows + 1) * sizeof *rowptr);
    uint32_t *col = malloc(rows * 784 * sizeof *col);
    float *val = malloc(rows * 784 * sizeof *val);
    double *t_def = calloc((size_t)runs, sizeof *t_def);
    double *t_b = calloc((size_t)runs, sizeof *t_b);
    double *o_def = calloc((size_t)runs, sizeof *o_def);
    double *o_b = calloc((size_t)runs, sizeof *o_b);
    if (!rowptr || !col || !val || !t_def || !t_b || !o_def || !o_b)
        return 1;
    rowptr[0] = 0;
    for (uint64_t r = 0; r < rows; r++) {
        uint64_t k = rowptr[r];
        for (uint32_t c = 0; c < 784; c++)
            if (uniform() < 150.0 / 784) {
                col[k] = c;
                val[k++] = (float)(uniform() + 1.0 / 255);
            }
        rowptr[r + 1] = k;
    }
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan_def = NULL, *plan_b = NULL;
    snig_result *res = NULL;
    int code = 1;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 1;
    if (snig_network_from_layers(ctx, d, 3, 0, &net) != SNIG_OK ||
        snig_inputs_from_csr(ctx, rows, 784, rowptr, col, val, 0, &in) != SNIG_OK)
        goto fail;
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "cpu";
    opt.threads = threads;
    opt.keep_values = keep_values;
    if (snig_plan_new(ctx, net, &opt, &plan_def) != SNIG_OK)
        goto fail;
    opt.batch = batch;
    if (snig_plan_new(ctx, net, &opt, &plan_b) != SNIG_OK)
        goto fail;
    for (int i = 0; i < runs; i++) {
        for (int w = 0; w < 2; w++) {
            double t0 = snig_now();
            if (snig_plan_infer(ctx, w ? plan_b : plan_def, in, &res) != SNIG_OK)
                goto fail;
            double t = snig_now() - t0, in_layers = 0;
            const double *ls = snig_result_layer_seconds(res);
            for (uint32_t l = 0; ls != NULL && l < snig_result_layers(res); l++)
                in_layers += ls[l];
            (w ? t_b : t_def)[i] = t;
            /* outside the layers: duplicate search, allocation, result */
            (w ? o_b : o_def)[i] = t - in_layers / threads;
            snig_result_free(&res);
        }
    }
    printf("{\"bench\": \"mlp_shape\", \"model\": \"784-1024-1024-10\", "
           "\"sparsity\": %g, \"rows\": %llu, \"threads\": %d, \"runs\": %d, "
           "\"keep_values\": %d, \"seconds_default_batch\": %.6f, "
           "\"outside_layers_default_batch\": %.6f, "
           "\"batch\": %u, \"seconds_batch\": %.6f, "
           "\"outside_layers_batch\": %.6f}\n",
           sparsity, (unsigned long long)rows, threads, runs, keep_values,
           bench_median(t_def, runs), bench_median(o_def, runs), batch, bench_median(t_b, runs),
           bench_median(o_b, runs));
    code = 0;
fail:
    if (code)
        fprintf(stderr, "mlp_shape: %s\n", snig_errmsg(ctx));
    snig_plan_free(&plan_def);
    snig_plan_free(&plan_b);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    for (int l = 0; l < 3; l++) {
        free((void *)d[l].rowptr);
        free((void *)d[l].col);
        free((void *)d[l].val);
        free((void *)d[l].bias);
    }
    free(rowptr);
    free(col);
    free(val);
    free(t_def);
    free(t_b);
    free(o_def);
    free(o_b);
    return code;
}
