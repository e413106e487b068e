/* Writes categories in the official truth format. */
#include "atomic_file.h"

#include <inttypes.h>

snig_status snig_result_write_categories(snig_ctx *ctx, const snig_result *res,
                                         const char *path)
{
    snig__enter(ctx);
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (!SNIG_VALID(res, SNIG_MAGIC_RESULT) || path == NULL)
        return snig__error(ctx, SNIG_USAGE, "write categories: invalid argument");
    snig_atomic_file af;
    snig_status st = snig__atomic_open(ctx, path, &af);
    if (st != SNIG_OK)
        return st;
    for (uint64_t i = 0; i < res->ncategories; i++)
        fprintf(af.f, "%" PRIu64 "\n", res->categories[i]);
    return snig__atomic_commit(ctx, &af);
}
