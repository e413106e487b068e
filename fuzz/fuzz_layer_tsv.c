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
    fuzz_load_network(ctx, file, NULL, 1);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 1;
    fuzz_load_network(ctx, fuzz_path(2, "layers"), &lo, 0);
    fuzz_file_info(ctx, file);
    return 0;
}
