/* The official network archive neuronN.tar.gz (streamed tar of layer TSV
 * files): every layer, then the first two; what loads is run through the
 * engines. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "neuron1024.tar.gz", data, size);
    snig_network *net = NULL;
    snig_status st = snig_network_load(ctx, file, NULL, &net);
    fuzz_check(ctx, st, net);
    if (net != NULL)
        fuzz_infer_network(ctx, net);
    snig_network_free(&net);

    snig_load_options lo;
    snig_load_options_init(&lo);
    lo.layers = 2;
    st = snig_network_load(ctx, file, &lo, &net);
    fuzz_check(ctx, st, net);
    snig_network_free(&net);
    return 0;
}
