/* Matrix Market files: as a one-layer network, as input rows, and through
 * snig_file_info_get; what loads is run through the engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "matrix.mtx", data, size);
    snig_network *net = NULL;
    snig_status st = snig_network_load(ctx, file, NULL, &net);
    fuzz_check(ctx, st, net);
    if (net != NULL)
        fuzz_infer_network(ctx, net);
    snig_network_free(&net);

    snig_inputs *in = NULL;
    st = snig_inputs_load(ctx, file, NULL, &in);
    fuzz_check(ctx, st, in);
    if (in != NULL)
        fuzz_infer_inputs(ctx, in);
    snig_inputs_free(&in);

    snig_file_info info;
    st = snig_file_info_get(ctx, file, &info);
    fuzz_check(ctx, st, st == SNIG_OK ? &info : NULL);
    return 0;
}
