/* snig_generate_network: a RadiX-Net network written one layer at a time, in
 * snig's binary format (through the streaming .snb writer) or the official
 * TSV layout, so memory stays at one layer whatever the depth. */
#include "../io/binary.h"
#include "radixnet.h"
#include "tsv_out.h"

#include <string.h>

void snig_generate_options_init(snig_generate_options *o)
{
    *o = (snig_generate_options){.seed = 1, .format = "snb"};
}

snig_status snig_generate_network(snig_ctx *ctx, const snig_generate_options *o,
                                  const char *path)
{
    snig__enter(ctx);
    snig_status st = SNIG_OK;
    snig_radixnet rx = {0};
    snig_snb_writer *snb = NULL;
    snig_tsvdir *tsv = NULL;
    uint32_t *rowptr = NULL;
    void *col = NULL;
    if (!SNIG_VALID(ctx, SNIG_MAGIC_CTX))
        return SNIG_USAGE;
    if (o == NULL || path == NULL || path[0] == '\0')
        return snig__error(ctx, SNIG_USAGE, "generate: no options or no "
                           "output path");
    const char *format = o->format != NULL ? o->format : "snb";
    int as_tsv = strcmp(format, "tsv") == 0;
    if (!as_tsv && strcmp(format, "snb") != 0)
        return snig__error(ctx, SNIG_USAGE, "generate: format \"%s\": use "
                           "snb or tsv", format);
    if (o->layers == 0)
        return snig__error(ctx, SNIG_USAGE, "generate: --layers must be at "
                           "least 1");
    float bias = o->bias;
    if (!o->has_bias && !snig_official_bias(o->neurons, &bias))
        return snig__error(ctx, SNIG_USAGE, "generate: no official bias for "
                           "%u neurons (only 1024, 4096, 16384, 65536): give "
                           "one with --bias", o->neurons);
    st = snig__radixnet_init(ctx, &rx, o->neurons, o->seed);
    if (st != SNIG_OK)
        goto cleanup;
    uint32_t n = o->neurons;
    uint64_t nnz = (uint64_t)SNIG_RADIX_FANOUT * n;
    int index16 = n <= 65536;
    rowptr = snig__malloc(ctx, ((size_t)n + 1) * sizeof *rowptr);
    col = snig__malloc(ctx, nnz * (index16 ? 2 : 4));
    if (rowptr == NULL || col == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    st = as_tsv ? snig__tsvdir_open(ctx, path, 0, &tsv)
                : snig__snb_writer_open(ctx, path, n, o->layers, n, &snb);
    if (st != SNIG_OK)
        goto cleanup;
    snig_layer L = {
        .nnz = nnz,
        .rowptr = rowptr,
        .col16 = index16 ? col : NULL,
        .col32 = index16 ? NULL : col,
        .uniform = SNIG_RADIX_WEIGHT,
        .bias_value = bias,
        .has_bias = true,
    };
    snig__layer_init(&L, n, n);
    atomic_init(&L.verified, 1);
    double start = snig__now();
    for (uint32_t l = 0; l < o->layers; l++) {
        st = snig__check_cancel(ctx);
        if (st != SNIG_OK)
            break;
        st = snig__radixnet_layer(&rx, l, rowptr, index16 ? col : NULL,
                                  index16 ? NULL : col);
        if (st != SNIG_OK)
            break;
        st = as_tsv ? snig__tsvdir_layer(tsv, l, &L)
                    : snig__snb_writer_layer(snb, &L);
        if (st != SNIG_OK)
            break;
        snig__progress(ctx, "generate", l + 1, o->layers, 0, start);
    }
    if (st != SNIG_OK)
        goto cleanup;
    st = as_tsv ? snig__tsvdir_commit(&tsv) : snig__snb_writer_commit(&snb);
cleanup:
    snig__tsvdir_abort(&tsv);
    if (snb != NULL)
        snig__snb_writer_abort(&snb);
    snig__free(ctx, col);
    snig__free(ctx, rowptr);
    snig__radixnet_free(&rx);
    return st;
}
