/* IDX image files (MNIST format, plain or gzip) through
 * snig_generate_inputs, in both output formats; the rows written are loaded
 * back. */
#include "fuzz_common.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *images = fuzz_write(0, "images-idx3-ubyte", data, size);
    const char *out = fuzz_path(1, "generated.snb");
    snig_image_options o;
    snig_image_options_init(&o);
    o.neurons = 1024;
    snig_status st = snig_generate_inputs(ctx, images, &o, out);
    fuzz_check(ctx, st, st == SNIG_OK ? out : NULL);
    if (st == SNIG_OK) {
        snig_inputs *in = NULL;
        st = snig_inputs_load(ctx, out, NULL, &in);
        /* What snig wrote, snig reads. */
        if (st != SNIG_OK || snig_inputs_neurons(in) != 1024)
            abort();
        snig_inputs_free(&in);
    }
    /* A fixed number of rows, as TSV. */
    o.format = "tsv";
    o.count = 5;
    o.neurons = 256;
    st = snig_generate_inputs(ctx, images, &o, fuzz_path(2, "generated.tsv"));
    fuzz_check(ctx, st, st == SNIG_OK ? out : NULL);
    return 0;
}
