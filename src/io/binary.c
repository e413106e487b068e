/* STUB: replaced by the binary format work. */
#include "../core/internal.h"
snig_status snig_network_save(snig_ctx *ctx, const snig_network *net, const char *path)
{ (void)net; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: not built yet", path); }
snig_status snig_inputs_save(snig_ctx *ctx, const snig_inputs *in, const char *path)
{ (void)in; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: not built yet", path); }
snig_status snig_file_info_get(snig_ctx *ctx, const char *path, snig_file_info *info)
{ (void)info; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: not built yet", path); }
