/* Writing .snb files: the streaming network writer (one layer in memory at a
 * time, so the generator can write 4e9-edge networks) and the inputs writer.
 * Both write to a temporary file renamed into place only when complete. */
#define _POSIX_C_SOURCE 200809L
#include "binary.h"
#include "atomic_file.h"
#include "checksum.h"
#include "snb_layout.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

struct snig_snb_writer {
    snig_ctx *ctx;
    snig_atomic_file af;
    snb_header h;
    snb_entry *e;            /* h.entries */
    uint32_t done;           /* layers written */
    uint64_t at;             /* bytes written so far */
    unsigned char *buf;      /* the span being built */
    size_t cap;
    snig_status failed;      /* first failure; the file is gone then */
};

/* ------------------------------------------------------------ output */

static snig_status write_bytes(snig_snb_writer *w, const void *p, size_t n)
{
    if (n > 0 && fwrite(p, 1, n, w->af.f) != n)
        return snig__error(w->ctx, SNIG_IO, "%s: cannot write: %s",
                           w->af.path, strerror(errno));
    w->at += n;
    return SNIG_OK;
}

/* Zero bytes up to `offset` (the alignment gaps, and the space kept for the
 * header and table, which commit writes last). */
static snig_status pad_to(snig_snb_writer *w, uint64_t offset)
{
    static const unsigned char zeros[4096];
    snig_status st = SNIG_OK;
    while (st == SNIG_OK && w->at < offset) {
        uint64_t n = offset - w->at;
        st = write_bytes(w, zeros, n < sizeof zeros ? (size_t)n : sizeof zeros);
    }
    return st;
}

/* Appends one span at the next aligned offset; fills its entry's place and
 * checksum. */
static snig_status write_span(snig_snb_writer *w, snb_entry *e, size_t len)
{
    e->offset = snb_align(w->at, SNB_SPAN_ALIGN);
    e->length = len;
    e->checksum = snig__checksum(w->buf, len);
    snig_status st = pad_to(w, e->offset);
    if (st == SNIG_OK)
        st = write_bytes(w, w->buf, len);
    return st;
}

static snig_status grow(snig_snb_writer *w, uint64_t len)
{
    if (len > SIZE_MAX)
        return snig__error(w->ctx, SNIG_SIZE, "%s: a span of %llu bytes does "
                           "not fit in memory", w->af.path,
                           (unsigned long long)len);
    if (len > w->cap) {
        unsigned char *b = snig__realloc(w->ctx, w->buf, (size_t)len);
        if (b == NULL)
            return SNIG_NOMEM;
        w->buf = b;
        w->cap = (size_t)len;
    }
    memset(w->buf, 0, (size_t)len); /* padding inside the span is zero */
    return SNIG_OK;
}

static void writer_free(snig_snb_writer *w)
{
    snig__atomic_abort(w->ctx, &w->af);
    snig__free(w->ctx, w->buf);
    snig__free(w->ctx, w->e);
    snig__free(w->ctx, w);
}

static snig_status writer_new(snig_ctx *ctx, const char *path,
                              const snb_header *h, snig_snb_writer **out)
{
    *out = NULL;
    snig_status st = SNIG_OK;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return snig__error(ctx, SNIG_IO, "%s: is a directory", path);
    snig_snb_writer *w = snig__calloc(ctx, 1, sizeof *w);
    if (w == NULL)
        return SNIG_NOMEM;
    w->ctx = ctx;
    w->h = *h;
    w->e = snig__calloc(ctx, h->entries ? h->entries : 1, sizeof *w->e);
    if (w->e == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    st = snig__atomic_open(ctx, path, &w->af);
    if (st != SNIG_OK)
        goto cleanup;
    /* The header and table come last (they hold every layer's checksum):
     * keep their place now. */
    st = pad_to(w, SNB_HEADER_SIZE + (uint64_t)h->entries * SNB_ENTRY_SIZE);
cleanup:
    if (st != SNIG_OK)
        writer_free(w);
    else
        *out = w;
    return st;
}

/* Writes header and table at the start, then syncs and renames. */
static snig_status writer_finish(snig_snb_writer *w)
{
    snig_status st = SNIG_OK;
    size_t len = SNB_HEADER_SIZE + (size_t)w->h.entries * SNB_ENTRY_SIZE;
    unsigned char *b = snig__malloc(w->ctx, len);
    if (b == NULL)
        return SNIG_NOMEM;
    w->h.nonzeros = 0;
    for (uint32_t k = 0; k < w->h.entries; k++) {
        w->h.nonzeros += w->e[k].nnz;
        snig__snb_entry_encode(&w->e[k], b + SNB_HEADER_SIZE +
                                             (size_t)k * SNB_ENTRY_SIZE);
    }
    w->h.checksum = 0;
    snig__snb_header_encode(&w->h, b);
    int nomem = 0;
    w->h.checksum = snig__snb_header_checksum(w->ctx, b, len, &nomem);
    snig__snb_header_encode(&w->h, b);
    if (nomem) {
        st = SNIG_NOMEM;
    } else if (fseeko(w->af.f, 0, SEEK_SET) != 0 ||
               fwrite(b, 1, len, w->af.f) != len) {
        st = snig__error(w->ctx, SNIG_IO, "%s: cannot write: %s", w->af.path,
                         strerror(errno));
    } else {
        st = snig__atomic_commit(w->ctx, &w->af);
    }
    snig__free(w->ctx, b);
    return st;
}

/* ------------------------------------------------------------ networks */

snig_status snig__snb_writer_open(snig_ctx *ctx, const char *path,
                                  uint32_t neurons, uint32_t layers,
                                  uint32_t widest, snig_snb_writer **w)
{
    if (w == NULL || path == NULL || neurons == 0 || widest == 0)
        return snig__error(ctx, SNIG_USAGE, "%s: cannot write a network of "
                           "%u neurons", path ? path : "(null)", neurons);
    snb_header h = {.version = SNB_VERSION, .bom = SNB_BOM,
                    .kind = SNB_KIND_NETWORK, .neurons = neurons,
                    .count = layers, .entries = layers,
                    .index_bits = widest <= 65536 ? 16 : 32};
    return writer_new(ctx, path, &h, w);
}

/* The layer's structure must hold before it gets a checksum, and it must
 * chain onto the layer before: the reader rejects anything else. */
static snig_status check_layer(snig_snb_writer *w, const snig_layer *L)
{
    const char *p = w->af.path;
    uint32_t l = w->done + 1;
    uint32_t want_in = w->done == 0 ? w->h.neurons : w->e[w->done - 1].n_out;
    if (L->rowptr == NULL || (L->nnz > 0 && L->col16 == NULL && L->col32 == NULL))
        return snig__error(w->ctx, SNIG_USAGE, "%s: layer %u has no arrays",
                           p, l);
    if (L->n_in != want_in)
        return snig__error(w->ctx, SNIG_SIZE, "%s: layer %u takes %u inputs, "
                           "but %u come to it", p, l, L->n_in, want_in);
    if (L->nnz > UINT32_MAX || (w->h.index_bits == 16 && L->n_out > 65536))
        return snig__error(w->ctx, SNIG_SIZE, "%s: layer %u: %u outputs, "
                           "%llu nonzeros: too large for this file", p, l,
                           L->n_out, (unsigned long long)L->nnz);
    char what[SNIG_ERRMSG_MAX];
    snprintf(what, sizeof what, "%s: layer %u", p, l);
    return snig__layer_check(w->ctx, L, what);
}

snig_status snig__snb_writer_layer(snig_snb_writer *w, const snig_layer *L)
{
    if (w == NULL)
        return SNIG_USAGE;
    if (w->failed != SNIG_OK)
        return w->failed;
    snig_status st = SNIG_OK;
    if (w->done == w->h.entries) {
        st = snig__error(w->ctx, SNIG_USAGE, "%s: more than the %u layers "
                         "announced", w->af.path, w->h.entries);
        goto cleanup;
    }
    st = check_layer(w, L);
    if (st != SNIG_OK)
        goto cleanup;
    snb_entry *e = &w->e[w->done];
    *e = (snb_entry){.nnz = L->nnz, .uniform = L->uniform, .n_in = L->n_in,
                     .n_out = L->n_out, .bias_rule = L->bias_rule,
                     .activation = L->activation,
                     .cap = L->activation == SNIG_ACT_RELU_CAP ? L->cap : 0.0f};
    /* A value array whose values are all equal is left out. */
    bool values = false;
    if (L->val != NULL && L->nnz > 0) {
        e->uniform = L->val[0];
        for (uint64_t q = 1; q < L->nnz && !values; q++)
            values = memcmp(&L->val[q], &L->val[0], sizeof(float)) != 0;
    }
    if (values)
        e->flags |= SNB_FLAG_VALUES;
    uint32_t bias = !L->has_bias ? SNB_BIAS_NONE
                    : L->bias != NULL ? SNB_BIAS_PER_NEURON : SNB_BIAS_ONE;
    e->flags |= bias << SNB_BIAS_SHIFT;
    /* Per-neuron: neuron 1's bias too, so the table describes the layer. */
    e->bias = bias == SNB_BIAS_ONE             ? L->bias_value
              : bias == SNB_BIAS_PER_NEURON ? L->bias[0]
                                            : 0.0f;
    snb_span_layout s;
    if (!snig__snb_layer_layout(L->n_in, L->n_out, w->h.index_bits, L->nnz,
                                e->flags, &s)) {
        st = snig__error(w->ctx, SNIG_SIZE, "%s: layer %u too large",
                         w->af.path, w->done + 1);
        goto cleanup;
    }
    st = grow(w, s.length);
    if (st != SNIG_OK)
        goto cleanup;
    memcpy(w->buf + s.rowptr, L->rowptr, ((size_t)L->n_in + 1) * sizeof(uint32_t));
    for (uint64_t q = 0; q < L->nnz; q++) {
        uint32_t j = L->col16 ? L->col16[q] : L->col32[q];
        if (w->h.index_bits == 16)
            ((uint16_t *)(w->buf + s.col))[q] = (uint16_t)j;
        else
            ((uint32_t *)(w->buf + s.col))[q] = j;
    }
    if (values)
        memcpy(w->buf + s.val, L->val, (size_t)L->nnz * sizeof(float));
    if (bias == SNB_BIAS_PER_NEURON)
        memcpy(w->buf + s.bias, L->bias, (size_t)L->n_out * sizeof(float));
    st = write_span(w, e, (size_t)s.length);
    if (st == SNIG_OK)
        w->done++;
cleanup:
    if (st != SNIG_OK) {
        /* No partial file outlives a failure. */
        snig__atomic_abort(w->ctx, &w->af);
        w->failed = st;
    }
    return st;
}

snig_status snig__snb_writer_commit(snig_snb_writer **pw)
{
    if (pw == NULL || *pw == NULL)
        return SNIG_USAGE;
    snig_snb_writer *w = *pw;
    snig_status st = w->failed;
    if (st == SNIG_OK && w->done != w->h.entries)
        st = snig__error(w->ctx, SNIG_USAGE, "%s: %u of %u layers written",
                         w->af.path, w->done, w->h.entries);
    if (st == SNIG_OK)
        st = writer_finish(w);
    writer_free(w); /* removes the temporary file when not renamed */
    *pw = NULL;
    return st;
}

void snig__snb_writer_abort(snig_snb_writer **pw)
{
    if (pw == NULL || *pw == NULL)
        return;
    writer_free(*pw);
    *pw = NULL;
}

/* ------------------------------------------------------------ inputs */

static snig_status check_inputs(snig_ctx *ctx, const snig_inputs *in,
                                const char *path)
{
    uint64_t base = in->rowptr[0];
    for (uint64_t r = 0; r < in->rows; r++)
        if (in->rowptr[r] > in->rowptr[r + 1])
            return snig__error(ctx, SNIG_SIZE, "%s: row offsets decrease at "
                               "row %llu", path, (unsigned long long)r + 1);
    for (uint64_t q = base; q < in->rowptr[in->rows]; q++) {
        if (in->col[q] >= in->neurons)
            return snig__error(ctx, SNIG_RANGE, "%s: column %u out of range "
                               "1..%u", path, in->col[q] + 1, in->neurons);
        if (!isfinite(in->val[q]))
            return snig__error(ctx, SNIG_FORMAT, "%s: value %llu is not "
                               "finite", path, (unsigned long long)q + 1);
    }
    return SNIG_OK;
}

/* Builds chunk k (rows [r0, r1)) into w->buf and appends it. */
static snig_status write_chunk(snig_snb_writer *w, const snig_inputs *in,
                               uint32_t k, uint64_t r0, uint64_t r1)
{
    snb_entry *e = &w->e[k];
    uint64_t q0 = in->rowptr[r0], nnz = in->rowptr[r1] - q0;
    *e = (snb_entry){.nnz = nnz, .uniform = nnz ? in->val[q0] : 1.0f};
    for (uint64_t q = q0 + 1; q < q0 + nnz; q++)
        if (memcmp(&in->val[q], &in->val[q0], sizeof(float)) != 0) {
            e->flags = SNB_FLAG_VALUES;
            break;
        }
    snb_span_layout s;
    if (!snig__snb_chunk_layout(r1 - r0, w->h.index_bits, nnz, e->flags, &s))
        return snig__error(w->ctx, SNIG_SIZE, "%s: rows too large",
                           w->af.path);
    snig_status st = grow(w, s.length);
    if (st != SNIG_OK)
        return st;
    uint64_t *rp = (uint64_t *)(w->buf + s.rowptr);
    for (uint64_t r = r0; r <= r1; r++)
        rp[r - r0] = in->rowptr[r] - q0;
    for (uint64_t q = 0; q < nnz; q++) {
        if (w->h.index_bits == 16)
            ((uint16_t *)(w->buf + s.col))[q] = (uint16_t)in->col[q0 + q];
        else
            ((uint32_t *)(w->buf + s.col))[q] = in->col[q0 + q];
    }
    if (e->flags & SNB_FLAG_VALUES)
        memcpy(w->buf + s.val, in->val + q0, (size_t)nnz * sizeof(float));
    return write_span(w, e, (size_t)s.length);
}

snig_status snig__snb_save_inputs(snig_ctx *ctx, const snig_inputs *in,
                                  const char *path, uint64_t chunk_rows)
{
    if (!SNIG_VALID(in, SNIG_MAGIC_INPUTS) || path == NULL ||
        in->neurons == 0 || (in->rows > 0 && in->rowptr == NULL))
        return snig__error(ctx, SNIG_USAGE, "%s: invalid inputs to save",
                           path ? path : "(null)");
    if (chunk_rows == 0)
        chunk_rows = SNB_CHUNK_ROWS;
    uint64_t chunks = in->rows ? (in->rows - 1) / chunk_rows + 1 : 0;
    if (chunks > UINT32_MAX)
        return snig__error(ctx, SNIG_SIZE, "%s: too many rows", path);
    snig_status st = in->rows ? check_inputs(ctx, in, path) : SNIG_OK;
    if (st != SNIG_OK)
        return st;
    snb_header h = {.version = SNB_VERSION, .bom = SNB_BOM,
                    .kind = SNB_KIND_INPUTS, .neurons = in->neurons,
                    .count = in->rows, .entries = (uint32_t)chunks,
                    .index_bits = in->neurons <= 65536 ? 16 : 32,
                    .chunk_rows = chunk_rows, .first_row = in->first_row};
    snig_snb_writer *w = NULL;
    st = writer_new(ctx, path, &h, &w);
    double start = snig__now();
    for (uint32_t k = 0; st == SNIG_OK && k < chunks; k++) {
        uint64_t r0 = (uint64_t)k * chunk_rows;
        uint64_t r1 = in->rows - r0 < chunk_rows ? in->rows : r0 + chunk_rows;
        st = snig__check_cancel(ctx);
        if (st == SNIG_OK)
            st = write_chunk(w, in, k, r0, r1);
        snig__progress(ctx, "save", k + 1, chunks, 0, start);
    }
    if (st == SNIG_OK)
        st = writer_finish(w);
    if (w != NULL)
        writer_free(w);
    return st;
}
