/* The layout of .snb files: encoding of the header and table, where the
 * arrays of a span sit, and the checks every reader runs before it trusts
 * a single offset (docs/FORMAT.md). */
#define _DEFAULT_SOURCE
#include "snb_layout.h"
#include "checksum.h"
#include "readers.h"

#include <math.h>
#include <stdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ encoding */

static void put32(unsigned char *b, size_t at, uint32_t v) { memcpy(b + at, &v, 4); }
static void put64(unsigned char *b, size_t at, uint64_t v) { memcpy(b + at, &v, 8); }
static void putf(unsigned char *b, size_t at, float v) { memcpy(b + at, &v, 4); }

static uint32_t get32(const unsigned char *b, size_t at)
{
    uint32_t v;
    memcpy(&v, b + at, 4);
    return v;
}

static uint64_t get64(const unsigned char *b, size_t at)
{
    uint64_t v;
    memcpy(&v, b + at, 8);
    return v;
}

static float getf(const unsigned char *b, size_t at)
{
    float v;
    memcpy(&v, b + at, 4);
    return v;
}

/* Header offsets: see docs/FORMAT.md, "Header". */
enum {
    H_MAGIC = 0, H_VERSION = 8, H_BOM = 12, H_KIND = 16, H_NEURONS = 20,
    H_COUNT = 24, H_INDEX_BITS = 32, H_ENTRIES = 36, H_NONZEROS = 40,
    H_CHUNK_ROWS = 48, H_FIRST_ROW = 56, H_CHECKSUM = 124
};
/* Entry offsets: see docs/FORMAT.md, "Table". */
enum {
    E_NNZ = 0, E_OFFSET = 8, E_LENGTH = 16, E_FLAGS = 24, E_UNIFORM = 28,
    E_BIAS = 32, E_CHECKSUM = 36, E_N_IN = 40, E_N_OUT = 44, E_RULE = 48,
    E_ACTIVATION = 49, E_CAP = 52
};

void snig__snb_header_encode(const snb_header *h, unsigned char *b)
{
    memset(b, 0, SNB_HEADER_SIZE);
    memcpy(b + H_MAGIC, SNB_MAGIC, 8);
    put32(b, H_VERSION, h->version);
    put32(b, H_BOM, h->bom);
    put32(b, H_KIND, h->kind);
    put32(b, H_NEURONS, h->neurons);
    put64(b, H_COUNT, h->count);
    put32(b, H_INDEX_BITS, h->index_bits);
    put32(b, H_ENTRIES, h->entries);
    put64(b, H_NONZEROS, h->nonzeros);
    put64(b, H_CHUNK_ROWS, h->chunk_rows);
    put64(b, H_FIRST_ROW, h->first_row);
    put32(b, H_CHECKSUM, h->checksum);
}

void snig__snb_header_decode(const unsigned char *b, snb_header *h)
{
    h->version = get32(b, H_VERSION);
    h->bom = get32(b, H_BOM);
    h->kind = get32(b, H_KIND);
    h->neurons = get32(b, H_NEURONS);
    h->count = get64(b, H_COUNT);
    h->index_bits = get32(b, H_INDEX_BITS);
    h->entries = get32(b, H_ENTRIES);
    h->nonzeros = get64(b, H_NONZEROS);
    h->chunk_rows = get64(b, H_CHUNK_ROWS);
    h->first_row = get64(b, H_FIRST_ROW);
    h->checksum = get32(b, H_CHECKSUM);
}

void snig__snb_entry_encode(const snb_entry *e, unsigned char *b)
{
    memset(b, 0, SNB_ENTRY_SIZE);
    put64(b, E_NNZ, e->nnz);
    put64(b, E_OFFSET, e->offset);
    put64(b, E_LENGTH, e->length);
    put32(b, E_FLAGS, e->flags);
    putf(b, E_UNIFORM, e->uniform);
    putf(b, E_BIAS, e->bias);
    put32(b, E_CHECKSUM, e->checksum);
    put32(b, E_N_IN, e->n_in);
    put32(b, E_N_OUT, e->n_out);
    b[E_RULE] = e->bias_rule;
    b[E_ACTIVATION] = e->activation;
    putf(b, E_CAP, e->cap);
}

void snig__snb_entry_decode(const unsigned char *b, uint32_t version,
                            uint32_t neurons, snb_entry *e)
{
    e->nnz = get64(b, E_NNZ);
    e->offset = get64(b, E_OFFSET);
    e->length = get64(b, E_LENGTH);
    e->flags = get32(b, E_FLAGS);
    e->uniform = getf(b, E_UNIFORM);
    e->bias = getf(b, E_BIAS);
    e->checksum = get32(b, E_CHECKSUM);
    if (version == 1) {
        e->n_in = e->n_out = neurons;
        e->bias_rule = SNIG_BIAS_NONZERO;
        e->activation = SNIG_ACT_RELU_CAP;
        e->cap = 32.0f;
        return;
    }
    e->n_in = get32(b, E_N_IN);
    e->n_out = get32(b, E_N_OUT);
    e->bias_rule = b[E_RULE];
    e->activation = b[E_ACTIVATION];
    e->cap = getf(b, E_CAP);
}

/* ------------------------------------------------------------ layouts */

/* Places arrays one after the other, each 8-byte aligned; 0 on overflow. */
static int place(uint64_t *at, uint64_t count, uint64_t width, uint64_t *out)
{
    uint64_t start = snb_align(*at, SNB_ARRAY_ALIGN);
    if (start < *at || (width && count > (UINT64_MAX - start) / width))
        return 0;
    *out = start;
    *at = start + count * width;
    return 1;
}

int snig__snb_layer_layout(uint32_t n_in, uint32_t n_out, uint32_t index_bits,
                           uint64_t nnz, uint32_t flags, snb_span_layout *s)
{
    uint64_t at = 0;
    *s = (snb_span_layout){0};
    if (!place(&at, (uint64_t)n_in + 1, 4, &s->rowptr) ||
        !place(&at, nnz, index_bits / 8, &s->col))
        return 0;
    if ((flags & SNB_FLAG_VALUES) && !place(&at, nnz, 4, &s->val))
        return 0;
    if (snb_bias_kind(flags) == SNB_BIAS_PER_NEURON &&
        !place(&at, n_out, 4, &s->bias))
        return 0;
    s->length = at;
    return 1;
}

int snig__snb_chunk_layout(uint64_t rows, uint32_t index_bits, uint64_t nnz,
                           uint32_t flags, snb_span_layout *s)
{
    uint64_t at = 0;
    *s = (snb_span_layout){0};
    if (rows == UINT64_MAX || !place(&at, rows + 1, 8, &s->rowptr) ||
        !place(&at, nnz, index_bits / 8, &s->col))
        return 0;
    if ((flags & SNB_FLAG_VALUES) && !place(&at, nnz, 4, &s->val))
        return 0;
    s->length = at;
    return 1;
}

uint32_t snig__snb_header_checksum(snig_ctx *ctx, const unsigned char *buf,
                                   size_t len, int *nomem)
{
    /* The checksum field counts as zero; the table is small (48 bytes a
     * layer), so a copy is cheaper than a CRC that skips four bytes. */
    *nomem = 0;
    unsigned char *copy = snig__malloc(ctx, len);
    if (copy == NULL) {
        *nomem = 1;
        return 0;
    }
    memcpy(copy, buf, len);
    memset(copy + H_CHECKSUM, 0, 4);
    uint32_t crc = snig__checksum(copy, len);
    snig__free(ctx, copy);
    return crc;
}

/* ------------------------------------------------------------ opening */



/* Reads n bytes at `offset`; 1 when all came. */
static int read_at(int fd, void *buf, size_t n, uint64_t offset)
{
    unsigned char *b = buf;
    while (n > 0) {
        ssize_t got = pread(fd, b, n, (off_t)offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        b += got;
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 1;
}

static uint32_t entry_size(uint32_t version)
{
    return version == 1 ? SNB_ENTRY_SIZE_V1 : SNB_ENTRY_SIZE;
}

static snig_status check_magic(snig_ctx *ctx, snb_file *f,
                               const unsigned char *head)
{
    const char *p = f->path;
    if (f->size == 0)
        return snig__error(ctx, SNIG_CORRUPT, "%s: empty file (0 bytes)", p);
    if (f->size < 8 && memcmp(head, SNB_MAGIC, (size_t)f->size) == 0)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: %llu bytes, the header alone has %u",
                           p, (unsigned long long)f->size, SNB_HEADER_SIZE);
    if (f->size < 8 || memcmp(head, SNB_MAGIC, 8) != 0)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: not a snig binary file (wrong magic; expected "
                           "\"SNIGBIN\")", p);
    if (f->size < SNB_HEADER_SIZE)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: %llu bytes, the header alone has %u",
                           p, (unsigned long long)f->size, SNB_HEADER_SIZE);
    return SNIG_OK;
}

/* The header's fields before the table is read. */
static snig_status check_header(snig_ctx *ctx, snb_file *f)
{
    const char *p = f->path;
    snb_header *h = &f->h;
    if (h->bom == SNB_BOM_SWAPPED)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: written on a machine of the other byte order "
                           "(byte-order mark 0x%08x); convert it again on "
                           "this machine", p, h->bom);
    if (h->bom != SNB_BOM)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: bad byte-order mark 0x%08x (expected 0x%08x)",
                           p, h->bom, SNB_BOM);
    if (h->version != 1 && h->version != SNB_VERSION)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: format version %u, this snig reads versions 1 "
                           "and %u", p, h->version, SNB_VERSION);
    uint64_t table_end = SNB_HEADER_SIZE +
                         (uint64_t)h->entries * entry_size(h->version);
    if (table_end > f->size)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: the table of %u entries ends at "
                           "byte %llu, the file has %llu bytes", p, h->entries,
                           (unsigned long long)table_end,
                           (unsigned long long)f->size);
    return SNIG_OK;
}

/* The header's fields once its checksum holds. */
static snig_status check_fields(snig_ctx *ctx, snb_file *f, uint32_t want_kind)
{
    const char *p = f->path;
    snb_header *h = &f->h;
    if (h->kind != SNB_KIND_NETWORK && h->kind != SNB_KIND_INPUTS)
        return snig__error(ctx, SNIG_CORRUPT, "%s: unknown kind %u", p,
                           h->kind);
    if (want_kind != 0 && h->kind != want_kind)
        return snig__error(ctx, SNIG_FORMAT, "%s: holds %s, not %s", p,
                           h->kind == SNB_KIND_INPUTS ? "inputs" : "a network",
                           want_kind == SNB_KIND_INPUTS ? "inputs"
                                                        : "a network");
    if (h->neurons == 0 || h->neurons > SNIG_MAX_NEURONS)
        return snig__error(ctx, SNIG_RANGE, "%s: %u %s: not supported (1..%u)",
                           p, h->neurons,
                           h->kind == SNB_KIND_INPUTS ? "columns" : "neurons",
                           SNIG_MAX_NEURONS);
    /* Version 2 networks: the widest layer decides (checked per entry). */
    uint32_t bits = h->neurons <= 65536 ? 16 : 32;
    bool general = h->kind == SNB_KIND_NETWORK && h->version >= 2;
    if (general ? h->index_bits != 16 && h->index_bits != 32
                : h->index_bits != bits)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %u neurons with %u-bit indices (expected %u)",
                           p, h->neurons, h->index_bits, bits);
    uint64_t want_entries = h->count;
    if (h->kind == SNB_KIND_INPUTS) {
        if (h->count > 0 && h->chunk_rows == 0)
            return snig__error(ctx, SNIG_CORRUPT, "%s: chunks of 0 rows", p);
        want_entries = h->count ? (h->count - 1) / h->chunk_rows + 1 : 0;
        /* Categories are first_row + r + 1: they must not wrap. */
        if (h->first_row >= UINT64_MAX - h->count)
            return snig__error(ctx, SNIG_RANGE, "%s: rows %llu + %llu pass "
                               "the largest row number (2^64 - 1)", p,
                               (unsigned long long)h->first_row,
                               (unsigned long long)h->count);
    } else if (h->count > SNIG_MAX_LAYERS) {
        return snig__error(ctx, SNIG_RANGE, "%s: %llu layers: not supported "
                           "(1..%u)", p, (unsigned long long)h->count,
                           SNIG_MAX_LAYERS);
    }
    if (want_entries != h->entries)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %u table entries for %llu %s", p, h->entries,
                           (unsigned long long)h->count,
                           h->kind == SNB_KIND_INPUTS ? "rows" : "layers");
    return SNIG_OK;
}

/* A network layer's shape and rule, against its neighbours. */
static snig_status check_layer_entry(snig_ctx *ctx, snb_file *f, uint32_t k)
{
    const char *p = f->path;
    const snb_entry *e = &f->e[k];
    uint32_t want_in = k == 0 ? f->h.neurons : f->e[k - 1].n_out;
    if (e->n_in == 0 || e->n_out == 0 || e->n_in > SNIG_MAX_NEURONS ||
        e->n_out > SNIG_MAX_NEURONS)
        return snig__error(ctx, SNIG_RANGE, "%s: layer %u: %u x %u neurons: "
                           "not supported (1..%u each)", p, k + 1, e->n_in,
                           e->n_out, SNIG_MAX_NEURONS);
    if (e->n_in != want_in)
        return snig__error(ctx, SNIG_CORRUPT, "%s: layer %u takes %u inputs, "
                           "but %s %u", p, k + 1, e->n_in,
                           k == 0 ? "the network's input width is"
                                  : "the layer before gives",
                           want_in);
    if (f->h.index_bits == 16 && e->n_out > 65536)
        return snig__error(ctx, SNIG_CORRUPT, "%s: layer %u: %u outputs with "
                           "16-bit indices", p, k + 1, e->n_out);
    if (snb_bias_kind(e->flags) > SNB_BIAS_PER_NEURON || e->nnz > UINT32_MAX)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: layer %u: bad bias kind or %llu nonzeros", p,
                           k + 1, (unsigned long long)e->nnz);
    if (e->bias_rule > SNIG_BIAS_DENSE || e->activation > SNIG_ACT_IDENTITY)
        return snig__error(ctx, SNIG_CORRUPT, "%s: layer %u: unknown bias "
                           "rule %u or activation %u", p, k + 1, e->bias_rule,
                           e->activation);
    if (!isfinite(e->uniform) || !isfinite(e->bias) ||
        (e->activation == SNIG_ACT_RELU_CAP &&
         !(isfinite(e->cap) && e->cap > 0.0f)))
        return snig__error(ctx, SNIG_FORMAT, "%s: layer %u: a weight, bias "
                           "or cap is not a finite number", p, k + 1);
    return SNIG_OK;
}

static snig_status check_entry_place(snig_ctx *ctx, snb_file *f, uint32_t k,
                                     uint64_t table_end)
{
    const char *p = f->path;
    const snb_entry *e = &f->e[k];
    const snb_header *h = &f->h;
    snb_span_layout s;
    int ok;
    snig_status st = SNIG_OK;
    if (e->flags & ~(uint32_t)SNB_FLAGS_KNOWN)
        return snig__error(ctx, SNIG_CORRUPT, "%s: %s %u: unknown flags 0x%x",
                           p, snb_entry_name(f), k + 1, e->flags);
    if (h->kind == SNB_KIND_NETWORK) {
        st = check_layer_entry(ctx, f, k);
        if (st != SNIG_OK)
            return st;
        ok = snig__snb_layer_layout(e->n_in, e->n_out, h->index_bits, e->nnz,
                                    e->flags, &s);
    } else {
        if (snb_bias_kind(e->flags) != SNB_BIAS_NONE)
            return snig__error(ctx, SNIG_CORRUPT, "%s: chunk %u: inputs with "
                               "a bias", p, k + 1);
        if (!isfinite(e->uniform))
            return snig__error(ctx, SNIG_FORMAT, "%s: chunk %u: value is not "
                               "finite", p, k + 1);
        ok = snig__snb_chunk_layout(snb_chunk_rows(h, k), h->index_bits, e->nnz,
                                    e->flags, &s);
    }
    if (!ok || s.length != e->length)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: %llu bytes of data recorded, %llu "
                           "expected for %llu nonzeros", p, snb_entry_name(f), k + 1,
                           (unsigned long long)e->length,
                           (unsigned long long)s.length,
                           (unsigned long long)e->nnz);
    if (e->offset % SNB_SPAN_ALIGN != 0 || e->offset < table_end)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: bad data offset %llu", p, snb_entry_name(f),
                           k + 1, (unsigned long long)e->offset);
    if (e->offset > f->size || e->length > f->size - e->offset)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u lies at bytes %llu..%llu, beyond the "
                           "end of the file (%llu bytes): truncated or "
                           "corrupt", p, snb_entry_name(f), k + 1,
                           (unsigned long long)e->offset,
                           (unsigned long long)(e->offset + e->length),
                           (unsigned long long)f->size);
    if ((uint64_t)e->length > SIZE_MAX)
        return snig__error(ctx, SNIG_SIZE, "%s: %s %u does not fit in memory",
                           p, snb_entry_name(f), k + 1);
    return SNIG_OK;
}

snig_status snig__snb_open(snig_ctx *ctx, const char *path, uint32_t want_kind,
                           snb_file *f)
{
    *f = (snb_file){.path = path, .fd = -1};
    snig_status st = SNIG_OK;
    unsigned char head[SNB_HEADER_SIZE] = {0};
    unsigned char *table = NULL;
    struct stat sb;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &sb) != 0) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                         strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = snig__error(ctx, SNIG_IO, "%s: not a regular file", path);
        goto cleanup;
    }
    f->size = (uint64_t)sb.st_size;
    size_t want = f->size < SNB_HEADER_SIZE ? (size_t)f->size : SNB_HEADER_SIZE;
    if (!read_at(f->fd, head, want, 0)) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot read: %s", path,
                         errno ? strerror(errno) : "the file shrank");
        goto cleanup;
    }
    st = check_magic(ctx, f, head);
    if (st != SNIG_OK)
        goto cleanup;
    snig__snb_header_decode(head, &f->h);
    st = check_header(ctx, f);
    if (st != SNIG_OK)
        goto cleanup;
    /* The table is bounded by the file's size (check_header). */
    const uint32_t esize = entry_size(f->h.version);
    const uint64_t table_end = SNB_HEADER_SIZE + (uint64_t)f->h.entries * esize;
    table = snig__malloc(ctx, (size_t)table_end);
    if (table == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (!read_at(f->fd, table, (size_t)table_end, 0)) {
        st = snig__error(ctx, SNIG_CORRUPT, "%s: truncated while reading the "
                         "table", path);
        goto cleanup;
    }
    int nomem = 0;
    uint32_t crc = snig__snb_header_checksum(ctx, table, (size_t)table_end,
                                             &nomem);
    if (nomem) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (crc != f->h.checksum) {
        st = snig__error(ctx, SNIG_CORRUPT,
                         "%s: header checksum mismatch (stored 0x%08x, "
                         "computed 0x%08x): corrupt header or table", path,
                         f->h.checksum, crc);
        goto cleanup;
    }
    st = check_fields(ctx, f, want_kind);
    if (st != SNIG_OK)
        goto cleanup;
    f->e = snig__calloc(ctx, f->h.entries ? f->h.entries : 1, sizeof *f->e);
    if (f->e == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    uint64_t total = 0;
    for (uint32_t k = 0; k < f->h.entries && st == SNIG_OK; k++) {
        snig__snb_entry_decode(table + SNB_HEADER_SIZE + (size_t)k * esize,
                               f->h.version, f->h.neurons, &f->e[k]);
        st = check_entry_place(ctx, f, k, table_end);
        total += f->e[k].nnz;
    }
    if (st == SNIG_OK && total != f->h.nonzeros)
        st = snig__error(ctx, SNIG_CORRUPT,
                         "%s: %llu nonzeros in the header, %llu in the table",
                         path, (unsigned long long)f->h.nonzeros,
                         (unsigned long long)total);
cleanup:
    snig__free(ctx, table);
    if (st != SNIG_OK)
        snig__snb_close(ctx, f);
    return st;
}

void snig__snb_close(snig_ctx *ctx, snb_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    snig__free(ctx, f->e);
    f->e = NULL;
    f->size = 0;
}

snig_status snig__snb_read_span(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                void *buf)
{
    const snb_entry *e = &f->e[k];
    if (!read_at(f->fd, buf, (size_t)e->length, e->offset))
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: cannot read bytes %llu..%llu: the file "
                           "was truncated or changed after it was opened",
                           f->path, snb_entry_name(f), k + 1,
                           (unsigned long long)e->offset,
                           (unsigned long long)(e->offset + e->length));
    return SNIG_OK;
}
