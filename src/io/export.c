/* snig_network_export: any network as snig's binary format, a folder of
 * official TSV layer files or a folder of Matrix Market files. */
#include "../gen/tsv_out.h"
#include "readers.h"

#include <string.h>

snig_status snig_network_export(snig_ctx *ctx, const snig_network *net,
                                const char *format, const char *path)
{
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    snig__enter(ctx);
    if (!SNIG_VALID(net, SNIG_MAGIC_NETWORK) || format == NULL ||
        path == NULL || path[0] == '\0')
        return snig__error(ctx, SNIG_USAGE, "snig_network_export: invalid "
                           "network, format or path");
    if (strcmp(format, "snb") == 0)
        return snig_network_save(ctx, net, path);
    int mtx = strcmp(format, "mtx") == 0;
    if (!mtx && strcmp(format, "tsv") != 0)
        return snig__error(ctx, SNIG_USAGE, "export: format \"%s\": use snb, "
                           "tsv or mtx", format);
    snig_tsvdir *w = NULL;
    snig_status st = snig__tsvdir_open(ctx, path, mtx, &w);
    double start = snig__now();
    for (uint32_t l = 0; st == SNIG_OK && l < net->layers; l++) {
        st = snig__check_cancel(ctx);
        if (st == SNIG_OK)
            st = snig__layer_ready(ctx, net, l);
        if (st == SNIG_OK)
            st = snig__tsvdir_layer(w, l, &net->layer[l]);
        snig__progress(ctx, "export", l + 1, net->layers, 0, start);
    }
    if (st == SNIG_OK)
        st = snig__manifest_write(ctx, snig__tsvdir_tmp(w), net, net->layers);
    if (st == SNIG_OK)
        st = snig__check_cancel(ctx);
    if (st == SNIG_OK)
        return snig__tsvdir_commit(&w);
    snig__tsvdir_abort(&w);
    return st;
}
