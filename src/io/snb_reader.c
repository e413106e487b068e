/* Loading .snb files.  A network is memory-mapped and its layers point
 * straight into the mapping; inputs are copied (only the chunks holding the
 * rows asked for are touched), since engines want uint32 columns, float
 * values and row offsets relative to the rows kept. */
#include "binary.h"
#include "snb_layout.h"

#include <string.h>

int snig__snb_detect(const unsigned char *head, size_t n)
{
    return head != NULL && n >= 8 && memcmp(head, SNB_MAGIC, 8) == 0;
}

static const snig_load_options *options(const snig_load_options *opt,
                                        snig_load_options *defaults)
{
    if (opt != NULL)
        return opt;
    snig_load_options_init(defaults);
    return defaults;
}

/* Points layer l of net into the mapping at entry e. */
static void map_layer(const snb_file *f, const snb_entry *e, snig_layer *L)
{
    snb_span_layout s;
    const unsigned char *span = f->map + e->offset;
    snig__snb_layer_layout(f->h.neurons, f->h.index_bits, e->nnz, e->flags, &s);
    L->nnz = e->nnz;
    L->rowptr = (const uint32_t *)(span + s.rowptr);
    L->col16 = f->h.index_bits == 16 ? (const uint16_t *)(span + s.col) : NULL;
    L->col32 = f->h.index_bits == 32 ? (const uint32_t *)(span + s.col) : NULL;
    L->val = (e->flags & SNB_FLAG_VALUES) ? (const float *)(span + s.val) : NULL;
    L->uniform = e->uniform;
    uint32_t bias = snb_bias_kind(e->flags);
    L->has_bias = bias != SNB_BIAS_NONE;
    L->bias = bias == SNB_BIAS_PER_NEURON ? (const float *)(span + s.bias) : NULL;
    L->bias_value = bias == SNB_BIAS_ONE ? e->bias : 0.0f;
    L->span = span;
    L->span_len = (size_t)e->length;
    L->checksum = e->checksum;
}

snig_status snig__snb_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *opt,
                                   snig_network **out)
{
    snig_load_options defaults;
    opt = options(opt, &defaults);
    *out = NULL;
    snig_network *net = NULL;
    snb_file f;
    snig_status st = snig__snb_open(ctx, path, SNB_KIND_NETWORK, &f);
    if (st != SNIG_OK)
        return st;
    uint32_t layers = f.h.entries;
    if (opt->neurons != 0 && opt->neurons != f.h.neurons) {
        st = snig__error(ctx, SNIG_SIZE, "%s: %u neurons, but %u asked for",
                         path, f.h.neurons, opt->neurons);
        goto cleanup;
    }
    if (opt->layers > layers) {
        st = snig__error(ctx, SNIG_MISSING, "%s: %u layers asked for, the "
                         "file has only %u", path, opt->layers, layers);
        goto cleanup;
    }
    if (opt->layers != 0)
        layers = opt->layers;
    st = snig__network_new(ctx, f.h.neurons, layers, path, &net);
    if (st != SNIG_OK)
        goto cleanup;
    net->index16 = f.h.index_bits == 16;
    for (uint32_t l = 0; l < layers && st == SNIG_OK; l++) {
        map_layer(&f, &f.e[l], &net->layer[l]);
        /* verify = 0: snig__layer_ready checks the checksum when an engine
         * first uses the layer, so loading costs no read of the data. */
        if (opt->verify)
            st = snig__snb_check_entry(ctx, &f, l, 1);
        atomic_store(&net->layer[l].verified, opt->verify ? 1 : 0);
    }
    if (st != SNIG_OK)
        goto cleanup;
    net->map = (void *)f.map;
    net->map_len = f.size;
    snig__snb_close(ctx, &f, 1);
    *out = net;
    return SNIG_OK;
cleanup:
    snig_network_free(&net);
    snig__snb_close(ctx, &f, 0);
    return st;
}

/* Copies the rows [r0, r1) (global numbers) of chunk k to output row
 * r0 - first on, nonzero *q on; advances *q. */
static void copy_chunk(const snb_file *f, uint32_t k, uint64_t r0, uint64_t r1,
                       uint64_t first, snig_inputs *in, uint64_t *q)
{
    const snb_entry *e = &f->e[k];
    const unsigned char *span = f->map + e->offset;
    uint64_t c0 = (uint64_t)k * f->h.chunk_rows;
    uint64_t rows = f->h.count - c0 < f->h.chunk_rows ? f->h.count - c0
                                                      : f->h.chunk_rows;
    snb_span_layout s;
    snig__snb_chunk_layout(rows, f->h.index_bits, e->nnz, e->flags, &s);
    const uint64_t *rp = (const uint64_t *)(span + s.rowptr);
    const uint16_t *c16 = (const uint16_t *)(span + s.col);
    const uint32_t *c32 = (const uint32_t *)(span + s.col);
    const float *val = (e->flags & SNB_FLAG_VALUES) ? (const float *)(span + s.val)
                                                    : NULL;
    for (uint64_t r = r0; r < r1; r++) {
        for (uint64_t p = rp[r - c0]; p < rp[r - c0 + 1]; p++, (*q)++) {
            in->col[*q] = f->h.index_bits == 16 ? c16[p] : c32[p];
            in->val[*q] = val ? val[p] : e->uniform;
        }
        in->rowptr[r - first + 1] = *q;
    }
}

/* Nonzeros of the rows [r0, r1) of chunk k (structure already checked). */
static uint64_t chunk_nnz(const snb_file *f, uint32_t k, uint64_t r0,
                          uint64_t r1)
{
    const snb_entry *e = &f->e[k];
    const uint64_t *rp = (const uint64_t *)(f->map + e->offset);
    uint64_t c0 = (uint64_t)k * f->h.chunk_rows;
    return rp[r1 - c0] - rp[r0 - c0];
}

snig_status snig__snb_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *opt,
                                  snig_inputs **out)
{
    snig_load_options defaults;
    opt = options(opt, &defaults);
    *out = NULL;
    snig_inputs *in = NULL;
    snb_file f;
    snig_status st = snig__snb_open(ctx, path, SNB_KIND_INPUTS, &f);
    if (st != SNIG_OK)
        return st;
    const uint64_t rows = f.h.count, first = opt->row_first;
    uint64_t count = opt->row_count;
    if (opt->neurons != 0 && opt->neurons != f.h.neurons) {
        st = snig__error(ctx, SNIG_SIZE, "%s: %u columns, but %u asked for",
                         path, f.h.neurons, opt->neurons);
        goto cleanup;
    }
    if (first > rows || count > rows - first) {
        st = snig__error(ctx, SNIG_RANGE, "%s: rows %llu..%llu asked for, the "
                         "file has %llu", path, (unsigned long long)first + 1,
                         (unsigned long long)(first + count),
                         (unsigned long long)rows);
        goto cleanup;
    }
    if (count == 0)
        count = rows - first;
    const uint64_t end = first + count, cr = f.h.chunk_rows;
    const uint32_t k0 = count ? (uint32_t)(first / cr) : 0;
    const uint32_t k1 = count ? (uint32_t)((end - 1) / cr) + 1 : 0;
    /* Inputs are read anyway: every chunk touched is checked in full. */
    uint64_t nnz = 0;
    for (uint32_t k = k0; k < k1 && st == SNIG_OK; k++) {
        st = snig__snb_check_entry(ctx, &f, k, 1);
        uint64_t c0 = (uint64_t)k * cr;
        if (st == SNIG_OK)
            nnz += chunk_nnz(&f, k, c0 > first ? c0 : first,
                             c0 + cr < end ? c0 + cr : end);
    }
    if (st != SNIG_OK)
        goto cleanup;
    st = snig__inputs_new(ctx, f.h.neurons, &in);
    if (st != SNIG_OK)
        goto cleanup;
    in->rows = count;
    in->first_row = f.h.first_row + first;
    in->rowptr = snig__calloc(ctx, count + 1, sizeof *in->rowptr);
    in->col = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof *in->col);
    in->val = snig__malloc(ctx, (nnz ? nnz : 1) * sizeof *in->val);
    if (in->rowptr == NULL || in->col == NULL || in->val == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    uint64_t q = 0;
    for (uint32_t k = k0; k < k1; k++) {
        uint64_t c0 = (uint64_t)k * cr;
        copy_chunk(&f, k, c0 > first ? c0 : first,
                   c0 + cr < end ? c0 + cr : end, first, in, &q);
    }
    *out = in;
    in = NULL;
cleanup:
    snig_inputs_free(&in);
    snig__snb_close(ctx, &f, 0);
    return st;
}
