/* STUB: replaced by the generator work. */
#include "../core/internal.h"
void snig_generate_options_init(snig_generate_options *o) { *o = (snig_generate_options){.seed = 1, .format = "snb", .progress = -1}; }
void snig_image_options_init(snig_image_options *o) { *o = (snig_image_options){.threshold = -1.0f, .format = "snb"}; }
snig_status snig_generate_network(snig_ctx *ctx, const snig_generate_options *o, const char *path)
{ (void)o; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: not built yet", path); }
snig_status snig_generate_inputs(snig_ctx *ctx, const char *images, const snig_image_options *o, const char *path)
{ (void)o; (void)images; return snig__error(ctx, SNIG_UNSUPPORTED, "%s: not built yet", path); }
