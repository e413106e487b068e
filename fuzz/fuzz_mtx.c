/* Matrix Market files: as a one-layer network, as input rows, and through
 * snig_file_info_get; what loads is run through the engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "matrix.mtx", data, size);
    fuzz_load_network(ctx, file, NULL, 1);
    fuzz_load_inputs(ctx, file, NULL, 1);
    fuzz_file_info(ctx, file);
    return 0;
}
