/* One case of bench/gpu-run.sh: loads a network and inputs, prepares a
 * plan once, runs it `repeat` times and prints one JSON line with the
 * figures docs/CUDA.md explains (seconds end to end, kernel seconds from
 * CUDA events, the engine's own figures, rows alive along the layers, and
 * whether the categories equal an expected file, e.g. the cpu engine's).
 *
 * The first run of a plan makes the GPU's buffers, graph and page-locked
 * staging; later runs reuse them (engine_info "reused"): with REPEAT >= 2
 * the figure is the steady state, the first run is reported beside it.
 *
 * usage: gpu_case NETWORK INPUTS LAYERS ENGINE MODE CAP REPEAT EXPECTED OUT
 *   MODE default or faithful (--no-shortcuts); CAP bytes or 0; EXPECTED a
 *   categories file or "-"; OUT where the categories go.
 * Extra fields (a JSON fragment, e.g. "\"machine\": \"H200\"") come from
 * the environment variable SNIG_CASE_FIELDS. */
#include "snig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* -1: no file to compare with; 0 or 1: the two files' bytes differ or not. */
static int same_file(const char *expected, const char *got)
{
    if (strcmp(expected, "-") == 0)
        return -1;
    FILE *a = fopen(expected, "rb"), *b = fopen(got, "rb");
    int same = a != NULL && b != NULL;
    while (same) {
        int x = fgetc(a), y = fgetc(b);
        same = x == y;
        if (x == EOF || y == EOF)
            break;
    }
    if (a != NULL)
        fclose(a);
    if (b != NULL)
        fclose(b);
    return a == NULL ? -1 : same;
}

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: gpu_case NETWORK INPUTS LAYERS ENGINE MODE "
                        "CAP REPEAT EXPECTED OUT\n");
        return 2;
    }
    const char *netpath = argv[1], *inpath = argv[2], *engine = argv[4];
    const char *mode = argv[5], *expected = argv[8], *out = argv[9];
    uint32_t layers = (uint32_t)strtoul(argv[3], NULL, 10);
    uint64_t cap = strtoull(argv[6], NULL, 10);
    int repeat = atoi(argv[7]);
    repeat = repeat < 1 ? 1 : repeat > 50 ? 50 : repeat;
    const char *fields = getenv("SNIG_CASE_FIELDS");
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_plan *plan = NULL;
    snig_result *res = NULL;
    double runs[50];
    int code = 1;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 1;
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = layers;
    double t0 = snig_now();
    if (snig_network_load(ctx, netpath, &lo, &net) != SNIG_OK)
        goto fail;
    lo.neurons = snig_network_neurons(net);
    lo.layers = 0;
    if (snig_inputs_load(ctx, inpath, &lo, &in) != SNIG_OK)
        goto fail;
    double load = snig_now() - t0;
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = engine;
    opt.layers = layers;
    opt.shortcuts = strcmp(mode, "faithful") != 0;
    opt.gpu_memory = cap;
    if (snig_plan_new(ctx, net, &opt, &plan) != SNIG_OK)
        goto fail;
    double kernel = 0.0;
    for (int r = 0; r < repeat; r++) {
        snig_result_free(&res);
        if (snig_plan_infer(ctx, plan, in, &res) != SNIG_OK)
            goto fail;
        runs[r] = snig_result_seconds(res);
        kernel = r == 0 || snig_result_kernel_seconds(res) < kernel
                     ? snig_result_kernel_seconds(res)
                     : kernel;
    }
    if (snig_result_write_categories(ctx, res, out) != SNIG_OK)
        goto fail;
    double first = runs[0];
    qsort(runs, (size_t)repeat, sizeof *runs, cmp_double);
    double infer = runs[(repeat - 1) / 2];   /* the median; of 2, the less */
    /* The upload of resident weights is part of the plan; counted here. */
    const char *info = snig_result_engine_info(res);
    const char *up = strstr(info, "\"upload_seconds\": ");
    double upload = up ? atof(up + strlen("\"upload_seconds\": ")) : 0.0;
    uint64_t ncat = 0;
    snig_result_categories(res, &ncat);
    int agrees = same_file(expected, out);
    uint32_t nl = snig_result_layers(res);
    const uint64_t *live = snig_result_live_rows(res);
    uint64_t row_layers = 0;
    for (uint32_t l = 0; live != NULL && l < nl; l++)
        row_layers += live[l];
    printf("{%s%s\"engine\": \"%s\", \"neurons\": %u, \"layers\": %u, "
           "\"inputs\": %llu, \"mode\": \"%s\", \"memory_cap\": ",
           fields ? fields : "", fields && *fields ? ", " : "",
           snig_result_engine(res), snig_network_neurons(net), nl,
           (unsigned long long)snig_inputs_rows(in), mode);
    if (cap)
        printf("%llu", (unsigned long long)cap);
    else
        printf("null");
    printf(", \"seconds\": %.6f, \"kernel_seconds\": ", infer + upload);
    if (kernel > 0.0)
        printf("%.6f", kernel);
    else
        printf("null");
    printf(", \"infer_seconds\": %.6f, \"first_infer_seconds\": %.6f, "
           "\"repeat\": %d, \"upload_seconds\": %.6f, "
           "\"prepare_seconds\": %.6f, \"load_seconds\": %.6f, "
           "\"edges\": %llu, \"categories\": %llu, \"agrees_with_cpu\": %s, "
           "\"row_layers\": %llu, \"live_rows\": [",
           infer, first, repeat, upload, snig_result_prepare_seconds(res),
           load, (unsigned long long)snig_result_edges(res),
           (unsigned long long)ncat,
           agrees < 0 ? "null" : agrees ? "true" : "false",
           (unsigned long long)row_layers);
    /* Rows alive after layers 1, 2, 4, 8, ... and the last. */
    for (uint32_t l = 1, first_item = 1; live != NULL && l <= nl;
         l = l * 2 > nl && l < nl ? nl : l * 2, first_item = 0)
        printf("%s[%u, %llu]", first_item ? "" : ", ", l,
               (unsigned long long)live[l - 1]);
    printf("], \"engine_info\": %s}\n", info);
    code = agrees == 0 ? 3 : 0;
    goto cleanup;
fail:
    fprintf(stderr, "gpu_case: %s\n", snig_errmsg(ctx));
cleanup:
    snig_result_free(&res);
    snig_plan_free(&plan);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return code;
}
