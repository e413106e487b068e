/* Compressed text (.gz, inflated by the readers' source): the input as a
 * gzip file of input rows, then of one layer. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *in_file = fuzz_write(0, "sparse-images-1024.tsv.gz", data, size);
    const char *net_file = fuzz_write(1, "n1024-l1.tsv.gz", data, size);
    snig_inputs *in = NULL;
    snig_status st = snig_inputs_load(ctx, in_file, NULL, &in);
    fuzz_check(ctx, st, in);
    snig_inputs_free(&in);

    snig_network *net = NULL;
    st = snig_network_load(ctx, net_file, NULL, &net);
    fuzz_check(ctx, st, net);
    snig_network_free(&net);
    return 0;
}
