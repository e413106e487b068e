/* Networks in snig's binary format (.snb), checksums recomputed after every
 * mutation (fuzz_snb.h), loaded in both verify modes: verify = 1 checks
 * every layer at load; verify = 0 reads and checks each layer when an
 * engine first uses it, so every network that loads is run through the
 * reference and cpu engines (a layer whose column indices or offsets lie
 * must give an error there, never a bad access). */
#include "fuzz_common.h"
#include "fuzz_snb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    snig_ctx *ctx = fuzz_ctx();
    const char *file = fuzz_write(0, "network.snb", data, size);
    snig_load_options lo;
    snig_load_options_init(&lo);
    for (int verify = 1; verify >= 0; verify--) {
        lo.verify = verify;
        fuzz_load_network(ctx, file, &lo, 1);
    }
    fuzz_file_info(ctx, file);
    return 0;
}
