/* A classifier built in memory and run by snig: 6 inputs -> 4 hidden
 * neurons (ReLU) -> 3 scores (identity), each layer a sparse matrix with a
 * bias on every output, as torch.nn.Linear computes it.  Prints the scores
 * and the winning class of each input row.
 *
 *   cc from_memory.c $(pkg-config --cflags --libs snig) && ./a.out
 */
#include <snig.h>

#include <stdio.h>

int main(void)
{
    /* Layer 1, W1 (6 x 4) in CSR by input: input i feeds outputs col[...]. */
    static const uint32_t rp1[] = {0, 2, 3, 5, 6, 7, 8};
    static const uint32_t c1[] = {0, 1, 1, 2, 3, 0, 2, 3};
    static const float v1[] = {0.5f, -0.3f, 0.8f, 0.4f, 0.2f, -0.6f, 0.9f, 0.7f};
    static const float b1[] = {0.1f, 0.0f, -0.2f, 0.05f};
    /* Layer 2, W2 (4 x 3). */
    static const uint32_t rp2[] = {0, 2, 3, 5, 6};
    static const uint32_t c2[] = {0, 2, 1, 0, 1, 2};
    static const float v2[] = {1.0f, -0.5f, 0.7f, 0.3f, -0.9f, 1.2f};
    static const float b2[] = {0.0f, 0.1f, -0.1f};

    snig_layer_desc layers[2];
    snig_layer_desc_init(&layers[0]);
    layers[0] = (snig_layer_desc){.n_in = 6, .n_out = 4, .rowptr = rp1,
                                  .col = c1, .val = v1, .bias = b1,
                                  .bias_rule = SNIG_BIAS_DENSE,
                                  .activation = SNIG_ACT_RELU};
    layers[1] = (snig_layer_desc){.n_in = 4, .n_out = 3, .rowptr = rp2,
                                  .col = c2, .val = v2, .bias = b2,
                                  .bias_rule = SNIG_BIAS_DENSE,
                                  .activation = SNIG_ACT_IDENTITY};
    /* Three input rows, dense. */
    static const float x[3][6] = {{1, 0, 0.5f, 0, 0, 1},
                                  {0, 1, 0, 1, 0, 0},
                                  {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f}};

    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    int code = 1;
    if (snig_ctx_new(&ctx, NULL) != SNIG_OK)
        return 1;
    snig_options opt;
    snig_options_init(&opt);
    opt.keep_values = 1;   /* the scores, not only the nonzero rows */
    if (snig_network_from_layers(ctx, layers, 2, SNIG_BORROW, &net) != SNIG_OK ||
        snig_inputs_from_dense(ctx, 3, 6, &x[0][0], &in) != SNIG_OK ||
        snig_infer(ctx, net, in, &opt, &res) != SNIG_OK) {
        fprintf(stderr, "snig: %s\n", snig_errmsg(ctx));
        goto cleanup;
    }
    printf("engine %s\n", snig_result_engine(res));
    for (uint64_t r = 0; r < 3; r++) {
        const float *s = snig_result_row(res, r);   /* NULL: all zero */
        float zero[3] = {0, 0, 0};
        if (s == NULL)
            s = zero;
        int best = 0;
        for (int j = 1; j < 3; j++)
            best = s[j] > s[best] ? j : best;
        printf("row %llu: scores %.4f %.4f %.4f -> class %d\n",
               (unsigned long long)r + 1, s[0], s[1], s[2], best);
    }
    code = 0;
cleanup:
    snig_result_free(&res);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return code;
}
