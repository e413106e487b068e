/* The cpu engine on the official data: the 1024 x 120 network and its first
 * 1200 inputs give the 19 official categories, with and without shortcuts,
 * and the same live rows and final values as the reference engine.  Skips
 * (77) when the shared data folder is absent. */
#include "testutil.h"

#include <string.h>

int main(void)
{
    const char *netpath = TEST_OFFICIAL_NETWORK;
    const char *inpath = TEST_OFFICIAL_INPUTS;
    const char *truthpath = TEST_OFFICIAL_TRUTH;
    if (!test_have_official("test_cpu_official"))
        return TEST_SKIP;
    snig_ctx *ctx = NULL;
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    snig_result *ref = NULL;
    uint64_t *truth = NULL, ntruth = 0;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    snig_load_options lo;
    snig_load_options_init(&lo);
    CHECK_OK(ctx, snig_network_load(ctx, netpath, &lo, &net));
    lo.neurons = 1024;
    CHECK_OK(ctx, snig_inputs_load(ctx, inpath, &lo, &in));
    CHECK_OK(ctx, snig_truth_load(ctx, truthpath, &truth, &ntruth));
    if (net == NULL || in == NULL || truth == NULL)
        goto cleanup;
    snig_options opt;
    snig_options_init(&opt);
    opt.keep_values = 1;
    opt.engine = "reference";
    CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &ref));
    if (ref == NULL)
        goto cleanup;
    for (int shortcuts = 0; shortcuts <= 1; shortcuts++) {
        snig_result *got = NULL;
        opt.engine = "cpu";
        opt.threads = 2;
        opt.shortcuts = shortcuts;
        CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &got));
        if (got == NULL)
            continue;
        uint64_t missing = 0, extra = 0, count = 0;
        CHECK(snig_check_truth(got, in, truth, ntruth, &missing, &extra) == 1);
        snig_result_categories(got, &count);
        CHECK(count == 19);
        const uint64_t *lr = snig_result_live_rows(ref);
        const uint64_t *lg = snig_result_live_rows(got);
        CHECK(lg != NULL && memcmp(lr, lg, 120 * sizeof *lr) == 0);
        if (!shortcuts)
            CHECK(snig_result_madds(got) == snig_result_madds(ref));
        else
            CHECK(snig_result_madds(got) < snig_result_madds(ref) / 2);
        for (uint64_t r = 0; r < 1200; r++) {
            const float *a = snig_result_row(ref, r);
            const float *b = snig_result_row(got, r);
            CHECK((a == NULL) == (b == NULL));
            if (a != NULL && b != NULL)
                CHECK(memcmp(a, b, 1024 * sizeof *a) == 0);
        }
        snig_result_free(&got);
    }
cleanup:
    snig_free(ctx, truth);
    snig_result_free(&ref);
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);
    return test_result("test_cpu_official");
}
