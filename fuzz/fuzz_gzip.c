/* Compressed text (.gz, inflated by the readers' source): the input as a
 * gzip file of input rows, then of one layer. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    fuzz_load_inputs(ctx, fuzz_write(0, "sparse-images-1024.tsv.gz", data, size),
                     NULL, 0);
    fuzz_load_network(ctx, fuzz_write(1, "n1024-l1.tsv.gz", data, size), NULL,
                      0);
    return 0;
}
