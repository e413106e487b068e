/* Truth files (one 1-based row index per line). */
#include "fuzz_common.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "neuron1024-l120-categories.tsv", data,
                                  size);
    uint64_t *rows = NULL, count = 0;
    snig_status st = snig_truth_load(ctx, file, &rows, &count);
    fuzz_check(ctx, st, rows);
    /* Sorted, distinct, 1-based. */
    for (uint64_t i = 0; rows != NULL && i < count; i++)
        if (rows[i] == 0 || (i > 0 && rows[i] <= rows[i - 1]))
            abort();
    snig_free(ctx, rows);
    return 0;
}
