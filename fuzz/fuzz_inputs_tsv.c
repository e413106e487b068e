/* The official inputs TSV reader (sparse-images-N.tsv): all rows, then a
 * row range; what loads is run through the engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "sparse-images-1024.tsv", data, size);
    fuzz_load_inputs(ctx, file, NULL, 1);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.row_first = 2;
    lo.row_count = 3;
    fuzz_load_inputs(ctx, file, &lo, 1);
    return 0;
}
