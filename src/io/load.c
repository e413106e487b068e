/* STUB: replaced by the readers work. */
#include "../core/internal.h"
snig_status snig_network_load(snig_ctx *ctx, const char *path,
                              const snig_load_options *opt, snig_network **net)
{ (void)opt; (void)net; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: readers not built yet", path); }
snig_status snig_inputs_load(snig_ctx *ctx, const char *path,
                             const snig_load_options *opt, snig_inputs **in)
{ (void)opt; (void)in; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: readers not built yet", path); }
snig_status snig_truth_load(snig_ctx *ctx, const char *path, uint64_t **rows, uint64_t *count)
{ (void)rows; (void)count; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: readers not built yet", path); }
