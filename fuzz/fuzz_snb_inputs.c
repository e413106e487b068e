/* Input rows in snig's binary format (.snb), checksums recomputed after
 * every mutation (fuzz_snb.h), loaded in both verify modes, whole and as a
 * row range; what loads is run through the engines. */
#include "fuzz_common.h"
#include "fuzz_snb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "inputs.snb", data, size);
    snig_load_options lo;
    snig_load_options_init(&lo);
    for (int v = 0; v < 4; v++) {
        lo.verify = !(v & 1);
        lo.row_first = v & 2 ? 1 : 0;
        lo.row_count = v & 2 ? 3 : 0;
        fuzz_load_inputs(ctx, file, &lo, 1);
    }
    fuzz_file_info(ctx, file);
    return 0;
}
