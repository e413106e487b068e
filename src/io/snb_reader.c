/* Loading .snb files.  Nothing is memory-mapped: a file truncated or
 * rewritten while a run uses it must give an error, not a signal.  A
 * network's layers are read with pread into memory the network owns, at
 * load (verify = 1) or the first time an engine uses each (verify = 0,
 * through net->fetch), and every layer is checked (checksum and structure)
 * before any engine sees it.  Inputs are copied (only the chunks holding the
 * rows asked for are read), since engines want uint32 columns, float values
 * and row offsets relative to the rows kept. */
#include "binary.h"
#include "snb_layout.h"

#include <stdlib.h>
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

/* The open file behind a lazily loaded network (net->source). */
typedef struct snb_source {
    snb_file f;
    char *path;              /* f.path points here */
} snb_source;

static void source_free(snig_ctx *net_ctx, void *p)
{
    snb_source *src = p;
    if (src == NULL)
        return;
    snig__snb_close(net_ctx, &src->f);
    snig__free(net_ctx, src->path);
    snig__free(net_ctx, src);
}

/* Memory for a layer, from the network's allocator but without touching
 * the network's private context, which other threads may use at once. */
static void *net_alloc(const snig_network *net, size_t n)
{
    const snig_allocator *a = &net->ctx->alloc;
    return a->malloc_fn ? a->malloc_fn(n ? n : 1, a->user) : malloc(n ? n : 1);
}

static void net_free(const snig_network *net, void *p)
{
    const snig_allocator *a = &net->ctx->alloc;
    if (a->free_fn)
        a->free_fn(p, a->user);
    else
        free(p);
}

/* Reads layer l from the file, checks it and hands it to the layer. */
static snig_status read_layer(snig_ctx *ctx, const snig_network *net,
                              const snb_file *f, uint32_t l)
{
    snig_layer *L = &net->layer[l];
    size_t len = (size_t)f->e[l].length;
    unsigned char *span = net_alloc(net, len);
    if (span == NULL)
        return snig__error(ctx, SNIG_NOMEM, "%s: layer %u: out of memory "
                           "(%zu bytes)", f->path, l + 1, len);
    snig_status st = snig__snb_read_span(ctx, f, l, span);
    if (st == SNIG_OK)
        st = snig__snb_check_span(ctx, f, l, span, 1);
    if (st != SNIG_OK) {
        net_free(net, span);
        return st;
    }
    snig__snb_layer_view(f, l, span, L);
    L->own_rowptr = span; /* every array lies in the span */
    return SNIG_OK;
}

/* net->fetch of lazily loaded networks (snig__layer_ready calls it once per
 * layer, one thread at a time per layer). */
static snig_status fetch(snig_ctx *ctx, const snig_network *net, uint32_t l)
{
    const snb_source *src = net->source;
    return read_layer(ctx, net, &src->f, l);
}

snig_status snig__snb_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *opt,
                                   snig_network **out)
{
    snig_load_options defaults;
    opt = options(opt, &defaults);
    *out = NULL;
    snig_network *net = NULL;
    snb_source *src = NULL;
    snb_file f;
    snig_status st = snig__snb_open(ctx, path, SNB_KIND_NETWORK, &f);
    if (st != SNIG_OK)
        return st;
    uint32_t layers = f.h.entries;
    if (opt->neurons != 0 && opt->neurons != f.h.neurons) {
        st = snig__error(ctx, SNIG_SIZE, "%s: the network takes %u inputs, "
                         "but %u were asked for", path, f.h.neurons,
                         opt->neurons);
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
    double start = snig__now();
    for (uint32_t l = 0; l < layers && st == SNIG_OK; l++) {
        snig__snb_layer_describe(&f, l, &net->layer[l]);
        atomic_store(&net->layer[l].verified, SNIG_LAYER_UNREAD);
        if (!opt->verify)
            continue;
        st = snig__check_cancel(ctx);
        if (st == SNIG_OK)
            st = read_layer(ctx, net, &f, l);
        if (st == SNIG_OK)
            atomic_store(&net->layer[l].verified, SNIG_LAYER_GOOD);
        snig__progress(ctx, "load", l + 1, layers, 0, start);
    }
    if (st != SNIG_OK)
        goto cleanup;
    if (!opt->verify) {
        /* The file stays open: layers are read when first used. */
        src = snig__calloc(net->ctx, 1, sizeof *src);
        size_t plen = strlen(path) + 1;
        char *p = src ? snig__malloc(net->ctx, plen) : NULL;
        if (p == NULL) {
            snig__free(net->ctx, src);
            st = snig__error(ctx, SNIG_NOMEM, "out of memory");
            goto cleanup;
        }
        memcpy(p, path, plen);
        /* f's table was allocated from ctx: move it to the network's. */
        src->f = f;
        src->f.e = snig__malloc(net->ctx, (f.h.entries ? f.h.entries : 1) *
                                              sizeof *f.e);
        if (src->f.e == NULL) {
            snig__free(net->ctx, p);
            snig__free(net->ctx, src);
            st = snig__error(ctx, SNIG_NOMEM, "out of memory");
            goto cleanup;
        }
        memcpy(src->f.e, f.e, f.h.entries * sizeof *f.e);
        src->path = p;
        src->f.path = p;
        f.fd = -1;                /* now src's */
        net->source = src;
        net->fetch = fetch;
        net->source_free = source_free;
    }
    *out = net;
    net = NULL;
cleanup:
    snig_network_free(&net);
    snig__snb_close(ctx, &f);
    return st;
}

/* Copies the rows [r0, r1) (global numbers) of chunk k, read into `span`, to
 * output row r0 - first on, nonzero *q on; advances *q. */
static void copy_chunk(const snb_file *f, uint32_t k, const unsigned char *span,
                       uint64_t r0, uint64_t r1, uint64_t first,
                       snig_inputs *in, uint64_t *q)
{
    const snb_entry *e = &f->e[k];
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

snig_status snig__snb_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *opt,
                                  snig_inputs **out)
{
    snig_load_options defaults;
    opt = options(opt, &defaults);
    *out = NULL;
    snig_inputs *in = NULL;
    unsigned char *span = NULL;
    snb_file f;
    snig_status st = snig__snb_open(ctx, path, SNB_KIND_INPUTS, &f);
    if (st != SNIG_OK)
        return st;
    const uint64_t rows = f.h.count, first = opt->row_first;
    uint64_t count = opt->row_count;
    if (opt->neurons != 0 && opt->neurons != f.h.neurons) {
        st = snig__error(ctx, SNIG_SIZE, "%s: the inputs have %u columns, "
                         "but %u are needed (the network's input width, or "
                         "the neuron count given)", path, f.h.neurons,
                         opt->neurons);
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
    /* Sizes from the table (checked against the file's size): the rows and
     * nonzeros of the chunks touched bound what is allocated. */
    uint64_t nnz = 0;
    for (uint32_t k = k0; k < k1; k++)
        nnz += f.e[k].nnz;
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
    double start = snig__now();
    for (uint32_t k = k0; k < k1 && st == SNIG_OK; k++) {
        uint64_t c0 = (uint64_t)k * cr;
        st = snig__check_cancel(ctx);
        if (st == SNIG_OK)
            st = snig__snb_load_span(ctx, &f, k, 1, &span);
        if (st != SNIG_OK)
            break;
        copy_chunk(&f, k, span, c0 > first ? c0 : first,
                   c0 + cr < end ? c0 + cr : end, first, in, &q);
        snig__free(ctx, span);
        span = NULL;
        snig__progress(ctx, "load", k + 1 - k0, k1 - k0, 0, start);
    }
    if (st != SNIG_OK)
        goto cleanup;
    *out = in;
    in = NULL;
cleanup:
    snig__free(ctx, span);
    snig_inputs_free(&in);
    snig__snb_close(ctx, &f);
    return st;
}
