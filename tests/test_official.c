/* The official check: the 120 layers read straight from the shared
 * neuron1024.tar.gz and the first 1200 official inputs, through the
 * reference engine, give exactly the 19 official categories. */
#include "testutil.h"

#include <string.h>

int main(void)
{
    const char *net_path = TEST_OFFICIAL_NETWORK;
    const char *in_path = TEST_OFFICIAL_INPUTS;
    const char *truth_path = TEST_OFFICIAL_TRUTH;
    if (!test_have_official("test_official"))
        return TEST_SKIP;
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *res = NULL;
    uint64_t *truth = NULL, ntruth = 0;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 120;
    CHECK_OK(ctx, snig_network_load(ctx, net_path, &lo, &net));
    CHECK_OK(ctx, snig_inputs_load(ctx, in_path, NULL, &in));
    CHECK_OK(ctx, snig_truth_load(ctx, truth_path, &truth, &ntruth));
    if (net == NULL || in == NULL || truth == NULL)
        goto done;
    CHECK(snig_network_neurons(net) == 1024);
    CHECK(snig_network_layers(net) == 120);
    CHECK(snig_network_edges(net) == 120ull * 1024 * 32);
    CHECK(snig_inputs_rows(in) == 1200);
    CHECK(snig_inputs_neurons(in) == 1024);
    CHECK(snig_inputs_nonzeros(in) == 122713);
    CHECK(ntruth == 1812);
    snig_options o;
    snig_options_init(&o);
    o.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, in, &o, &res));
    if (res == NULL)
        goto done;
    uint64_t count = 0;
    const uint64_t *cat = snig_result_categories(res, &count);
    CHECK(count == 19);
    CHECK(count == 19 && memcmp(cat, test_official_categories,
                                   sizeof test_official_categories) == 0);
    uint64_t missing = 0, extra = 0;
    CHECK(snig_check_truth(res, in, truth, ntruth, &missing, &extra) == 1);
    CHECK(missing == 0 && extra == 0);
    /* The second half alone (what an MPI rank reads): global row numbers. */
    snig_result_free(&res);
    snig_inputs_free(&in);
    lo.row_first = 600;
    lo.row_count = 600;
    CHECK_OK(ctx, snig_inputs_load(ctx, in_path, &lo, &in));
    if (in == NULL)
        goto done;
    CHECK(snig_inputs_rows(in) == 600 && snig_inputs_first_row(in) == 600);
    CHECK_OK(ctx, snig_infer(ctx, net, in, &o, &res));
    if (res == NULL)
        goto done;
    cat = snig_result_categories(res, &count);
    CHECK(count == 12 && memcmp(cat, test_official_categories + 7, 12 * sizeof *cat) == 0);
    CHECK(snig_check_truth(res, in, truth, ntruth, &missing, &extra) == 1);
done:
    snig_free(ctx, truth);
    snig_result_free(&res);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return test_result("test_official");
}
