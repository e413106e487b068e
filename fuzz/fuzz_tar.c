/* The official network archive neuronN.tar.gz (streamed tar of layer TSV
 * files): every layer, then the first two; what loads is run through the
 * engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "neuron1024.tar.gz", data, size);
    fuzz_load_network(ctx, file, NULL, 1);
    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 2;
    fuzz_load_network(ctx, file, &lo, 0);
    return 0;
}
