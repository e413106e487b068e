/* The official check through the binary path: the 1024 x 120 network read
 * from neuron1024.tar.gz and the first 1200 official inputs, both saved as
 * .snb and loaded back with snig_network_load / snig_inputs_load, give the
 * 19 official categories with the reference engine.  Skips (77) without the
 * shared data or while the text readers are not built. */
#include "testutil.h"

#include "core/internal.h"

#include <string.h>
#include <unistd.h>


static int same_network(const snig_network *a, const snig_network *b)
{
    if (a->neurons != b->neurons || a->layers != b->layers)
        return 0;
    for (uint32_t l = 0; l < a->layers; l++) {
        const snig_layer *x = &a->layer[l], *y = &b->layer[l];
        if (x->nnz != y->nnz || (x->val == NULL) != (y->val == NULL) ||
            memcmp(x->rowptr, y->rowptr, (a->neurons + 1) * 4) != 0 ||
            memcmp(x->col16, y->col16, x->nnz * 2) != 0)
            return 0;
    }
    return 1;
}

int main(void)
{
    const char *tar = TEST_OFFICIAL_NETWORK;
    const char *tsv = TEST_OFFICIAL_INPUTS;
    if (!test_have_official("test_binary_official"))
        return TEST_SKIP;
    snig_ctx *ctx = NULL;
    CHECK_OK(ctx, snig_ctx_new(&ctx, NULL));
    snig_load_options o;
    snig_load_options_init(&o);
    o.layers = 120;
    o.neurons = 1024;
    snig_network *net = NULL, *back = NULL;
    snig_inputs *in = NULL, *inb = NULL;
    CHECK_OK(ctx, snig_network_load(ctx, tar, &o, &net));
    CHECK_OK(ctx, snig_inputs_load(ctx, tsv, &o, &in));
    char pn[600], pi[600];
    snprintf(pn, sizeof pn, "%s/testfiles/%d-official.snb", SNIG_BINARY_DIR,
             (int)getpid());
    snprintf(pi, sizeof pi, "%s/testfiles/%d-official-inputs.snb",
             SNIG_BINARY_DIR, (int)getpid());
    const char *made = test_write_file(0, "probe", "");
    if (made != NULL)
        unlink(made);
    if (net != NULL && in != NULL) {
        CHECK_OK(ctx, snig_network_save(ctx, net, pn));
        CHECK_OK(ctx, snig_inputs_save(ctx, in, pi));
        o.layers = 0;
        o.neurons = 0;
        CHECK_OK(ctx, snig_network_load(ctx, pn, &o, &back));
        CHECK_OK(ctx, snig_inputs_load(ctx, pi, &o, &inb));
    }
    if (back != NULL && inb != NULL) {
        CHECK(back->layers == 120 && back->index16);
        CHECK(same_network(net, back));
        CHECK(inb->rows == 1200 && snig_inputs_nonzeros(inb) == 122713);
        /* No bias recorded in the TSV: the official -0.3 for N = 1024. */
        float bias = 0.0f;
        CHECK(snig_network_recorded_bias(back, &bias) == 0);
        snig_file_info info;
        CHECK_OK(ctx, snig_file_info_get(ctx, pn, &info));
        CHECK(info.layers == 120 && info.nonzeros == 120ull * 32 * 1024);
        CHECK(info.index_bits == 16 && info.checksums_ok == 1);
        CHECK(info.uniform_values == 1);
        snig_options opt;
        snig_options_init(&opt);
        opt.engine = "reference";
        snig_result *res = NULL;
        CHECK_OK(ctx, snig_infer(ctx, back, inb, &opt, &res));
        uint64_t count = 0;
        const uint64_t *cat = res ? snig_result_categories(res, &count) : NULL;
        CHECK(count == 19);
        CHECK(cat != NULL && count == 19 &&
              memcmp(cat, test_official_categories,
                     sizeof test_official_categories) == 0);
        snig_result_free(&res);
    }
    unlink(pn);
    unlink(pi);
    snig_network_free(&back);
    snig_network_free(&net);
    snig_inputs_free(&inb);
    snig_inputs_free(&in);
    snig_ctx_free(&ctx);
    return test_result("test_binary_official");
}
