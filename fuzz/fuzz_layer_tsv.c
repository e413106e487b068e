/* The official layer TSV reader ("row<TAB>col<TAB>value", 1-based): the
 * input as one layer file n1024-l1.tsv, then as the only layer of a
 * directory of layer files; what loads is run through the engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "n1024-l1.tsv", data, size);
    fuzz_write(1, "layers/n1024-l1.tsv", data, size);
    const char *dir = fuzz_path(2, "layers");
    snig_network *net = NULL;
    snig_status st = snig_network_load(ctx, file, NULL, &net);
    fuzz_check(ctx, st, net);
    if (net != NULL)
        fuzz_infer_network(ctx, net);
    snig_network_free(&net);

    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 1;
    st = snig_network_load(ctx, dir, &lo, &net);
    fuzz_check(ctx, st, net);
    snig_network_free(&net);

    snig_file_info info;
    st = snig_file_info_get(ctx, file, &info);
    fuzz_check(ctx, st, st == SNIG_OK ? &info : NULL);
    return 0;
}
