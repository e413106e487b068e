/* Contexts, status strings, messages, handle checks, cancellation.  The
 * out-of-memory paths of every public call are in test_nomem.c. */
#include "testutil.h"

#include "core/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    /* Every status has a distinct, non-empty name. */
    for (int s = 0; s < SNIG_STATUS_COUNT; s++) {
        CHECK(strlen(snig_status_str((snig_status)s)) > 0);
        for (int t = 0; t < s; t++)
            CHECK(strcmp(snig_status_str((snig_status)s),
                         snig_status_str((snig_status)t)) != 0);
    }
    CHECK(strcmp(snig_status_str((snig_status)999), "unknown status") == 0);

    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    CHECK(strcmp(snig_errmsg(ctx), "") == 0);
    /* The first failure wins; clearing forgets it. */
    snig__error(ctx, SNIG_FORMAT, "%s:%d: first", "a.tsv", 3);
    snig__error(ctx, SNIG_RANGE, "second");
    CHECK(strcmp(snig_errmsg(ctx), "a.tsv:3: first") == 0);
    snig_clear_error(ctx);
    CHECK(strcmp(snig_errmsg(ctx), "") == 0);

    /* Handles are checked at every entry. */
    snig_result *res = NULL;
    CHECK(snig_infer(ctx, NULL, NULL, NULL, &res) == SNIG_USAGE);
    CHECK(res == NULL);
    CHECK(snig_network_neurons(NULL) == 0);
    uint64_t count = 99;
    CHECK(snig_result_categories(NULL, &count) == NULL && count == 0);
    snig_network *bogus = (snig_network *)ctx; /* wrong magic */
    CHECK(snig_network_layers(bogus) == 0);
    CHECK(snig_errmsg(NULL) != NULL);

    /* The engine list: reference and cpu always, auto names one of them. */
    int have_reference = 0, have_cpu = 0;
    for (size_t i = 0; snig_engine_name(i) != NULL; i++) {
        have_reference |= strcmp(snig_engine_name(i), "reference") == 0;
        have_cpu |= strcmp(snig_engine_name(i), "cpu") == 0;
        CHECK(snig_engine_summary(snig_engine_name(i)) != NULL);
    }
    CHECK(have_reference && have_cpu);
    CHECK(snig_engine_available(snig_engine_auto()));
    CHECK(snig_engine_summary("nope") == NULL);
    snig_ctx_free(&ctx);
    CHECK(ctx == NULL);

    /* A failing allocation while making the context. */
    test_failing f;
    snig_allocator a = test_failing_allocator(&f);
    f.left = 0;
    CHECK(snig_ctx_new(&ctx, &a) == SNIG_NOMEM && ctx == NULL);

    /* A cancelled context stops every engine with SNIG_CANCELLED and no
     * result; clearing the error makes it usable again. */
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    snig_network *net = NULL;
    snig_inputs *in = NULL;
    CHECK_OK(ctx, test_random_network(ctx, 64, 4, 8, 0.5f, 0, 0, 0, 0, 3, &net));
    CHECK_OK(ctx, test_random_inputs(ctx, 64, 40, 0.3, 1.0f, 0, 0, 5, &in));
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.1f));
    const char *cancel_engines[] = {"reference", "cpu"};
    for (int e = 0; e < 2; e++) {
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = cancel_engines[e];
        snig_cancel(ctx);
        CHECK(snig_infer(ctx, net, in, &opt, &res) == SNIG_CANCELLED);
        CHECK(res == NULL);
        CHECK(strstr(snig_errmsg(ctx), "interrupted") != NULL);
        snig_clear_error(ctx);
        CHECK_OK(ctx, snig_infer(ctx, net, in, &opt, &res));
        snig_result_free(&res);
    }

    /* NULL and non-finite arguments are refused, never a crash: engine
     * names, a truth pointer with a count, a bias of NaN or infinity. */
    CHECK(snig_engine_available(NULL) == 0);
    CHECK(snig_engine_summary(NULL) == NULL);
    CHECK_OK(ctx, snig_infer(ctx, net, in, NULL, &res));
    uint64_t missing = 7, extra = 7;
    CHECK(snig_check_truth(res, in, NULL, 5, &missing, &extra) == 0);
    CHECK(snig_check_truth(res, NULL, NULL, 0, &missing, &extra) == 0);
    CHECK(snig_check_truth(NULL, in, NULL, 0, NULL, NULL) == 0);
    snig_result_free(&res);
    const float bad_bias[] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        CHECK(snig_network_set_bias(ctx, net, bad_bias[i]) == SNIG_USAGE);
        CHECK(strstr(snig_errmsg(ctx), "finite") != NULL);
    }
    CHECK_OK(ctx, snig_network_set_bias(ctx, net, -0.1f));
    snig_inputs_free(&in);
    snig_network_free(&net);
    snig_ctx_free(&ctx);

    return test_result("test_context");
}
