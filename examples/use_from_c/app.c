/* A program that uses the installed snig library: loads a network and input
 * rows (any format snig reads), infers with the default engine, prints the
 * categories, and checks them against a truth file when one is given.
 *
 *   cc app.c $(pkg-config --cflags --libs snig) -o app
 *   ./app neuron1024.tar.gz sparse-images-1024.tsv.gz 120 neuron1024-l120-categories.tsv
 *
 * usage: app NETWORK INPUTS [LAYERS [TRUTH]]; exit 0 ran (and matched the
 * truth), 1 did not match, 2 failed. */
#include <snig.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s NETWORK INPUTS [LAYERS [TRUTH]]\n", argv[0]);
        return 2;
    }
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    uint64_t *truth = NULL, truth_count = 0;
    int code = 2;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 2;

    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;
    if (snig_network_load(ctx, argv[1], &lo, &net) != SNIG_OK)
        goto fail;
    lo.neurons = snig_network_neurons(net);
    snig_options opt;
    snig_options_init(&opt);   /* engine "auto", every core, shortcuts on */
    if (snig_inputs_load(ctx, argv[2], &lo, &in) != SNIG_OK ||
        snig_infer(ctx, net, in, &opt, &res) != SNIG_OK)
        goto fail;

    uint64_t count = 0;
    const uint64_t *rows = snig_result_categories(res, &count);
    printf("snig %s, engine %s: %llu of %llu rows nonzero after %u layers (%.3f s):",
           SNIG_VERSION, snig_result_engine(res), (unsigned long long)count,
           (unsigned long long)snig_inputs_rows(in), snig_result_layers(res),
           snig_result_seconds(res));
    for (uint64_t i = 0; i < count && i < 10; i++)
        printf(" %llu", (unsigned long long)rows[i]);
    printf(count > 10 ? " ...\n" : "\n");

    code = 0;
    if (argc > 4) {
        uint64_t missing = 0, extra = 0;
        if (snig_truth_load(ctx, argv[4], &truth, &truth_count) != SNIG_OK)
            goto fail;
        int same = snig_check_truth(res, in, truth, truth_count, &missing, &extra);
        printf("truth: %s (%llu missing, %llu extra)\n", same ? "PASS" : "FAIL",
               (unsigned long long)missing, (unsigned long long)extra);
        code = same ? 0 : 1;
    }
    goto cleanup;
fail:
    code = 2;
    fprintf(stderr, "app: %s\n", snig_errmsg(ctx));
cleanup:
    snig_free(ctx, truth);
    snig_result_free(&res);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return code;
}
