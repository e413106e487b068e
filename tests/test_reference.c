/* The reference engine on networks small enough to compute by hand. */
#include "testutil.h"

#include "core/internal.h"
#include "io/layer_build.h"

#include <math.h>
#include <string.h>

/* Builds an N=4 network from dense matrices (row-major, [layer][i][j]). */
static snig_network *dense_network(snig_ctx *ctx, uint32_t n, uint32_t layers,
                                   const float *w)
{
    snig_network *net = NULL;
    CHECK_OK(ctx, snig__network_new(ctx, n, layers, "hand", &net));
    snig_coo c = {0};
    for (uint32_t l = 0; l < layers; l++) {
        c.n = 0;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < n; j++)
                if (w[(l * n + i) * n + j] != 0.0f)
                    CHECK_OK(ctx, snig__coo_push(ctx, &c, i, j,
                                                 w[(l * n + i) * n + j], 0));
        CHECK_OK(ctx, snig__layer_from_coo(ctx, net, l, &c, "hand"));
    }
    snig__coo_clear(ctx, &c);
    return net;
}

static snig_inputs *dense_inputs(snig_ctx *ctx, uint32_t n, uint64_t rows,
                                 const float *y)
{
    snig_inputs *in = NULL;
    CHECK_OK(ctx, snig__inputs_new(ctx, n, &in));
    in->rows = rows;
    in->rowptr = snig__calloc(ctx, rows + 1, sizeof *in->rowptr);
    in->col = snig__malloc(ctx, rows * n * sizeof *in->col);
    in->val = snig__malloc(ctx, rows * n * sizeof *in->val);
    uint64_t p = 0;
    for (uint64_t r = 0; r < rows; r++) {
        for (uint32_t j = 0; j < n; j++)
            if (y[r * n + j] != 0.0f) {
                in->col[p] = j;
                in->val[p++] = y[r * n + j];
            }
        in->rowptr[r + 1] = p;
    }
    return in;
}

int main(void)
{
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    /* Two layers, N = 4, bias -1.
     * Layer 1: W1 = [[2,0,0,0],[0,1,0,0],[0,0,0,40],[1,1,1,1]].
     * Layer 2: W2 = identity * 0.5, plus W2[3][0] = 1. */
    const float w[2 * 16] = {
        2, 0, 0, 0,  0, 1, 0, 0,  0, 0, 0, 40,  1, 1, 1, 1,
        0.5f, 0, 0, 0,  0, 0.5f, 0, 0,  0, 0, 0.5f, 0,  1, 0, 0, 0.5f,
    };
    /* Row 0: y = [1, 0, 0, 0]     -> z1 = [2,0,0,0] -> y1 = [1,0,0,0]
     *                              -> z2 = [0.5,0,0,0] -> y2 = 0 (dies)
     * Row 1: y = [0, 0, 1, 0]     -> z1 = [0,0,0,40] -> y1 = [0,0,0,32]
     *                              -> z2 = [32,0,0,16] -> y2 = [31,0,0,15]
     * Row 2: y = [0, 1.5, 0, 0.5] -> z1 = [.5,2,.5,.5] -> y1 = [0,1,0,0]
     *                              -> z2 = [0,.5,0,0] -> y2 = 0 (dies)
     * Row 3: y = 0                -> stays 0. */
    const float y[4 * 4] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 1.5f, 0, 0.5f, 0, 0, 0, 0};
    snig_network *net = dense_network(ctx, 4, 2, w);
    snig_inputs *in = dense_inputs(ctx, 4, 4, y);
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -1.0f));
    snig_options opt;
    snig_options_init(&opt);
    opt.engine = "reference";
    opt.keep_values = 1;
    snig_result *res = NULL;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
    uint64_t count = 0;
    const uint64_t *cat = snig_result_categories(res, &count);
    CHECK(count == 1);
    CHECK(count >= 1 && cat[0] == 2);
    const float *row = snig_result_row(res, 1);
    CHECK(row != NULL);
    if (row != NULL) {
        CHECK(row[0] == 31.0f && row[1] == 0.0f && row[2] == 0.0f &&
              row[3] == 15.0f);
    }
    const uint64_t *live = snig_result_live_rows(res);
    CHECK(live != NULL && live[0] == 3 && live[1] == 1);
    /* One layer only: rows 0, 1 and 2 are alive. */
    snig_result_free(&res);
    opt.layers = 1;
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
    snig_result_categories(res, &count);
    CHECK(count == 3);
    snig_result_free(&res);
    CHECK(res == NULL);
    /* More layers than the network has: an error, no result. */
    opt.layers = 3;
    CHECK(snig_infer(ctx, net, in, &opt, &res) == SNIG_MISSING);
    CHECK(res == NULL);
    CHECK(strstr(snig_errmsg(ctx), "only 2") != NULL);
    snig_clear_error(ctx);
    /* N = 4 has no official bias: without one set, a usage error. */
    snig_network *net2 = dense_network(ctx, 4, 2, w);
    opt.layers = 0;
    CHECK(snig_infer(ctx, net2, in, &opt, &res) == SNIG_USAGE);
    /* The bias in the options serves instead, and overrides a network's. */
    opt.has_bias = 1;
    opt.bias = -1.0f;
    CHECK_OK(ctx, snig_infer(ctx, net2, in, &opt, &res));
    snig_result_categories(res, &count);
    CHECK(count == 1);
    snig_result_free(&res);
    opt.bias = -0.25f; /* row 0: z2 = 0.5 - 0.25 > 0 survives too */
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
    snig_result_categories(res, &count);
    CHECK(count == 3);
    snig_result_free(&res);
    opt.has_bias = 0;
    snig_network_free(&net2);
    snig_network_free(&net);
    CHECK(net == NULL);
    snig_network_free(&net); /* NULL is fine */
    snig_inputs_free(&in);
    snig_ctx_free(&ctx);
    return test_result("test_reference");
}
