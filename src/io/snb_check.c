/* Checking what was read of an .snb file: a layer's or chunk's span is
 * trusted only after its checksum and structure hold (docs/FORMAT.md,
 * "Reading and checking"). */
#include "checksum.h"
#include "snb_layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>



void snig__snb_layer_describe(const snb_file *f, uint32_t k, snig_layer *L)
{
    const snb_entry *e = &f->e[k];
    snig__layer_init(L, e->n_in, e->n_out);
    L->bias_rule = e->bias_rule;
    L->activation = e->activation;
    if (e->activation == SNIG_ACT_RELU_CAP)
        L->cap = e->cap;  /* else the default of snig__layer_init */
    L->nnz = e->nnz;
    L->uniform = e->uniform;
    uint32_t bias = snb_bias_kind(e->flags);
    L->has_bias = bias != SNB_BIAS_NONE;
    /* Per-neuron: version 2 keeps neuron 1's bias in the entry. */
    L->bias_value = bias != SNB_BIAS_NONE ? e->bias : 0.0f;
    L->bias_stored = bias == SNB_BIAS_PER_NEURON;
    L->values_stored = (e->flags & SNB_FLAG_VALUES) != 0;
}

void snig__snb_layer_view(const snb_file *f, uint32_t k,
                          const unsigned char *span, snig_layer *L)
{
    const snb_entry *e = &f->e[k];
    snb_span_layout s;
    snig__snb_layer_layout(e->n_in, e->n_out, f->h.index_bits, e->nnz,
                           e->flags, &s);
    snig__snb_layer_describe(f, k, L);
    L->rowptr = (const uint32_t *)(span + s.rowptr);
    L->col16 = f->h.index_bits == 16 ? (const uint16_t *)(span + s.col) : NULL;
    L->col32 = f->h.index_bits == 32 ? (const uint32_t *)(span + s.col) : NULL;
    L->val = L->values_stored ? (const float *)(span + s.val) : NULL;
    L->bias = L->bias_stored ? (const float *)(span + s.bias) : NULL;
}

static int columns_ok(const unsigned char *col, uint32_t bits, uint64_t nnz,
                      uint32_t n)
{
    if (bits == 16) {
        const uint16_t *c = (const uint16_t *)col;
        for (uint64_t q = 0; q < nnz; q++)
            if (c[q] >= n)
                return 0;
    } else {
        const uint32_t *c = (const uint32_t *)col;
        for (uint64_t q = 0; q < nnz; q++)
            if (c[q] >= n)
                return 0;
    }
    return 1;
}

static snig_status check_chunk(snig_ctx *ctx, const snb_file *f, uint32_t k,
                               const unsigned char *span)
{
    const snb_entry *e = &f->e[k];
    const snb_header *h = &f->h;
    uint64_t rows = snb_chunk_rows(h, k);
    snb_span_layout s;
    snig__snb_chunk_layout(rows, h->index_bits, e->nnz, e->flags, &s);
    const uint64_t *rp = (const uint64_t *)(span + s.rowptr);
    int ok = rp[0] == 0 && rp[rows] == e->nnz;
    for (uint64_t r = 0; ok && r < rows; r++)
        ok = rp[r] <= rp[r + 1];
    if (ok)
        ok = columns_ok(span + s.col, h->index_bits, e->nnz, h->neurons);
    if (!ok)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: chunk %u: row offsets or column indices out of "
                           "range (corrupt file)", f->path, k + 1);
    if (e->flags & SNB_FLAG_VALUES) {
        const float *v = (const float *)(span + s.val);
        for (uint64_t q = 0; q < e->nnz; q++)
            if (!isfinite(v[q]))
                return snig__error(ctx, SNIG_FORMAT, "%s: chunk %u: value %llu "
                                   "is not finite", f->path, k + 1,
                                   (unsigned long long)q + 1);
    }
    return SNIG_OK;
}

snig_status snig__snb_check_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                 const unsigned char *span, int check_crc)
{
    const snb_entry *e = &f->e[k];
    if (check_crc && snig__checksum(span, (size_t)e->length) != e->checksum)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: checksum mismatch (corrupt file)",
                           f->path, snb_entry_name(f), k + 1);
    if (f->h.kind == SNB_KIND_INPUTS)
        return check_chunk(ctx, f, k, span);
    snig_layer L;
    memset(&L, 0, sizeof L);
    snig__snb_layer_view(f, k, span, &L);
    char name[SNIG_ERRMSG_MAX];
    snprintf(name, sizeof name, "%s: layer %u", f->path, k + 1);
    return snig__layer_check(ctx, &L, name);
}

snig_status snig__snb_load_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                int check_crc, unsigned char **out)
{
    *out = NULL;
    unsigned char *span = snig__malloc(ctx, (size_t)f->e[k].length);
    if (span == NULL)
        return SNIG_NOMEM;
    snig_status st = snig__snb_read_span(ctx, f, k, span);
    if (st == SNIG_OK)
        st = snig__snb_check_span(ctx, f, k, span, check_crc);
    if (st != SNIG_OK)
        snig__free(ctx, span);
    else
        *out = span;
    return st;
}
