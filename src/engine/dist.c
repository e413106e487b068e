/* The snig_dist_* calls: runs over several processes, reached through the
 * optional `dist` slots of the one engine that spans processes (mpi).  This
 * file names no transport; without such an engine in the build, or before
 * a launcher started the process, there is one rank and every call does the
 * single-process thing. */
#include "engine.h"

#include <string.h>

/* The first engine of the registry that spans processes, or NULL. */
static const struct snig_engine_i *dist_engine(void)
{
    for (size_t i = 0; snig_engine_name(i) != NULL; i++) {
        const struct snig_engine_i *e = snig__engine_find(snig_engine_name(i));
        if (e != NULL && e->dist != NULL)
            return e;
    }
    return NULL;
}

static int dist_size(const struct snig_engine_i *e)
{
    int rank = 0, size = 1;
    if (e != NULL)
        e->dist->world(&rank, &size);
    return size;
}

snig_status snig_dist_init(snig_ctx *ctx, int *rank, int *size)
{
    snig__enter(ctx);
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (rank == NULL || size == NULL)
        return snig__error(ctx, SNIG_USAGE, "snig_dist_init: NULL argument");
    *rank = 0;
    *size = 1;
    const struct snig_engine_i *e = dist_engine();
    return e != NULL ? e->dist->init(ctx, rank, size) : SNIG_OK;
}

void snig_dist_finalize(void)
{
    const struct snig_engine_i *e = dist_engine();
    if (e != NULL)
        e->dist->finalize();
}

const char *snig_dist_engine(void)
{
    const struct snig_engine_i *e = dist_engine();
    return dist_size(e) > 1 ? e->name : NULL;
}

snig_status snig_dist_agree(snig_ctx *ctx, snig_status st)
{
    const struct snig_engine_i *e = dist_engine();
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX) || dist_size(e) == 1)
        return st;
    return e->dist->agree(ctx, st);
}

snig_status snig_dist_network_load(snig_ctx *ctx, const char *path,
                                   const snig_load_options *lo,
                                   const snig_options *opt,
                                   snig_network **net)
{
    snig__enter(ctx);
    const struct snig_engine_i *e = dist_engine();
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX) || dist_size(e) == 1)
        return snig_network_load(ctx, path, lo, net);
    return e->dist->load_network(ctx, path, lo, opt, net);
}

snig_status snig_dist_inputs_load(snig_ctx *ctx, const char *path,
                                  const snig_load_options *lo,
                                  const snig_options *opt, snig_inputs **in,
                                  uint64_t *all_rows, uint64_t *all_nonzeros)
{
    snig__enter(ctx);
    const struct snig_engine_i *e = dist_engine();
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX) || dist_size(e) == 1) {
        snig_status st = snig_inputs_load(ctx, path, lo, in);
        if (all_rows != NULL)
            *all_rows = st == SNIG_OK ? snig_inputs_rows(*in) : 0;
        if (all_nonzeros != NULL)
            *all_nonzeros = st == SNIG_OK ? snig_inputs_nonzeros(*in) : 0;
        return st;
    }
    return e->dist->load_inputs(ctx, path, lo, opt, in, all_rows,
                                all_nonzeros);
}
