/* The layout of .snb files: encoding of the header and table, where the
 * arrays of a span sit, and the checks every reader runs before it trusts
 * a single offset (docs/FORMAT.md). */
#define _DEFAULT_SOURCE
#include "snb_layout.h"
#include "checksum.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
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
    E_BIAS = 32, E_CHECKSUM = 36
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
}

void snig__snb_entry_decode(const unsigned char *b, snb_entry *e)
{
    e->nnz = get64(b, E_NNZ);
    e->offset = get64(b, E_OFFSET);
    e->length = get64(b, E_LENGTH);
    e->flags = get32(b, E_FLAGS);
    e->uniform = getf(b, E_UNIFORM);
    e->bias = getf(b, E_BIAS);
    e->checksum = get32(b, E_CHECKSUM);
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

int snig__snb_layer_layout(uint32_t neurons, uint32_t index_bits, uint64_t nnz,
                           uint32_t flags, snb_span_layout *s)
{
    uint64_t at = 0;
    *s = (snb_span_layout){0};
    if (!place(&at, (uint64_t)neurons + 1, 4, &s->rowptr) ||
        !place(&at, nnz, index_bits / 8, &s->col))
        return 0;
    if ((flags & SNB_FLAG_VALUES) && !place(&at, nnz, 4, &s->val))
        return 0;
    if (snb_bias_kind(flags) == SNB_BIAS_PER_NEURON &&
        !place(&at, neurons, 4, &s->bias))
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

static const char *what(const snb_file *f)
{
    return f->h.kind == SNB_KIND_INPUTS ? "chunk" : "layer";
}

/* Rows of input chunk k. */
static uint64_t chunk_rows(const snb_header *h, uint64_t k)
{
    uint64_t first = k * h->chunk_rows;
    uint64_t left = h->count - first;
    return left < h->chunk_rows ? left : h->chunk_rows;
}

static snig_status check_header(snig_ctx *ctx, snb_file *f, uint32_t want_kind)
{
    const char *p = f->path;
    snb_header *h = &f->h;
    if (f->size == 0)
        return snig__error(ctx, SNIG_CORRUPT, "%s: empty file (0 bytes)", p);
    if (f->size < 8 && memcmp(f->map, SNB_MAGIC, f->size) == 0)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: %zu bytes, the header alone has %u",
                           p, f->size, SNB_HEADER_SIZE);
    if (f->size < 8 || memcmp(f->map, SNB_MAGIC, 8) != 0)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: not a snig binary file (wrong magic; expected "
                           "\"SNIGBIN\")", p);
    if (f->size < SNB_HEADER_SIZE)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: %zu bytes, the header alone has %u",
                           p, f->size, SNB_HEADER_SIZE);
    snig__snb_header_decode(f->map, h);
    if (h->bom == SNB_BOM_SWAPPED)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: written on a machine of the other byte order "
                           "(byte-order mark 0x%08x); convert it again on "
                           "this machine", p, h->bom);
    if (h->bom != SNB_BOM)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: bad byte-order mark 0x%08x (expected 0x%08x)",
                           p, h->bom, SNB_BOM);
    if (h->version != SNB_VERSION)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: format version %u, this snig reads version %u",
                           p, h->version, SNB_VERSION);
    uint64_t table_end = SNB_HEADER_SIZE + (uint64_t)h->entries * SNB_ENTRY_SIZE;
    if (table_end > f->size)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: truncated: the table of %u entries ends at "
                           "byte %llu, the file has %zu bytes", p, h->entries,
                           (unsigned long long)table_end, f->size);
    int nomem = 0;
    uint32_t crc = snig__snb_header_checksum(ctx, f->map, (size_t)table_end,
                                             &nomem);
    if (nomem)
        return SNIG_NOMEM;
    if (crc != h->checksum)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: header checksum mismatch (stored 0x%08x, "
                           "computed 0x%08x): corrupt header or table", p,
                           h->checksum, crc);
    if (h->kind != SNB_KIND_NETWORK && h->kind != SNB_KIND_INPUTS)
        return snig__error(ctx, SNIG_CORRUPT, "%s: unknown kind %u", p,
                           h->kind);
    if (want_kind != 0 && h->kind != want_kind)
        return snig__error(ctx, SNIG_FORMAT, "%s: holds %s, not %s", p,
                           h->kind == SNB_KIND_INPUTS ? "inputs" : "a network",
                           want_kind == SNB_KIND_INPUTS ? "inputs"
                                                        : "a network");
    uint32_t bits = h->neurons <= 65536 ? 16 : 32;
    if (h->neurons == 0 || h->index_bits != bits)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %u neurons with %u-bit indices (expected %u)",
                           p, h->neurons, h->index_bits, bits);
    uint64_t want_entries = h->count;
    if (h->kind == SNB_KIND_INPUTS) {
        if (h->count > 0 && h->chunk_rows == 0)
            return snig__error(ctx, SNIG_CORRUPT, "%s: chunks of 0 rows", p);
        want_entries = h->count ? (h->count - 1) / h->chunk_rows + 1 : 0;
    }
    if (want_entries != h->entries)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %u table entries for %llu %s", p, h->entries,
                           (unsigned long long)h->count,
                           h->kind == SNB_KIND_INPUTS ? "rows" : "layers");
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
    if (e->flags & ~(uint32_t)SNB_FLAGS_KNOWN)
        return snig__error(ctx, SNIG_CORRUPT, "%s: %s %u: unknown flags 0x%x",
                           p, what(f), k + 1, e->flags);
    if (h->kind == SNB_KIND_NETWORK) {
        if (snb_bias_kind(e->flags) > SNB_BIAS_PER_NEURON || e->nnz > UINT32_MAX)
            return snig__error(ctx, SNIG_CORRUPT,
                               "%s: layer %u: bad bias kind or %llu nonzeros",
                               p, k + 1, (unsigned long long)e->nnz);
        ok = snig__snb_layer_layout(h->neurons, h->index_bits, e->nnz, e->flags,
                                    &s);
    } else {
        if (snb_bias_kind(e->flags) != SNB_BIAS_NONE)
            return snig__error(ctx, SNIG_CORRUPT, "%s: chunk %u: inputs with "
                               "a bias", p, k + 1);
        ok = snig__snb_chunk_layout(chunk_rows(h, k), h->index_bits, e->nnz,
                                    e->flags, &s);
    }
    if (!ok || s.length != e->length)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: %llu bytes of data recorded, %llu "
                           "expected for %llu nonzeros", p, what(f), k + 1,
                           (unsigned long long)e->length,
                           (unsigned long long)s.length,
                           (unsigned long long)e->nnz);
    if (e->offset % SNB_SPAN_ALIGN != 0 || e->offset < table_end)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: bad data offset %llu", p, what(f),
                           k + 1, (unsigned long long)e->offset);
    if (e->offset > f->size || e->length > f->size - e->offset)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u lies at bytes %llu..%llu, beyond the "
                           "end of the file (%zu bytes): truncated or corrupt",
                           p,
                           what(f), k + 1, (unsigned long long)e->offset,
                           (unsigned long long)(e->offset + e->length),
                           f->size);
    return SNIG_OK;
}

snig_status snig__snb_open(snig_ctx *ctx, const char *path, uint32_t want_kind,
                           snb_file *f)
{
    *f = (snb_file){.path = path};
    snig_status st = SNIG_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                         strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = snig__error(ctx, SNIG_IO, "%s: not a regular file", path);
        goto cleanup;
    }
    if ((uint64_t)sb.st_size > SIZE_MAX) {
        st = snig__error(ctx, SNIG_IO, "%s: too large to map", path);
        goto cleanup;
    }
    f->size = (size_t)sb.st_size;
    if (f->size > 0) {
        void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            st = snig__error(ctx, SNIG_IO, "%s: cannot map: %s", path,
                             strerror(errno));
            goto cleanup;
        }
        f->map = m;
    }
    st = check_header(ctx, f, want_kind);
    if (st != SNIG_OK)
        goto cleanup;
    f->e = snig__calloc(ctx, f->h.entries ? f->h.entries : 1, sizeof *f->e);
    if (f->e == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    uint64_t table_end = SNB_HEADER_SIZE + (uint64_t)f->h.entries * SNB_ENTRY_SIZE;
    uint64_t total = 0;
    for (uint32_t k = 0; k < f->h.entries && st == SNIG_OK; k++) {
        snig__snb_entry_decode(f->map + SNB_HEADER_SIZE + (size_t)k * SNB_ENTRY_SIZE,
                               &f->e[k]);
        st = check_entry_place(ctx, f, k, table_end);
        total += f->e[k].nnz;
    }
    if (st == SNIG_OK && total != f->h.nonzeros)
        st = snig__error(ctx, SNIG_CORRUPT,
                         "%s: %llu nonzeros in the header, %llu in the table",
                         path, (unsigned long long)f->h.nonzeros,
                         (unsigned long long)total);
cleanup:
    if (fd >= 0)
        close(fd); /* the mapping stays valid without the descriptor */
    if (st != SNIG_OK)
        snig__snb_close(ctx, f, 0);
    return st;
}

void snig__snb_close(snig_ctx *ctx, snb_file *f, int keep_map)
{
    if (f->map != NULL && !keep_map)
        munmap((void *)f->map, f->size);
    snig__free(ctx, f->e);
    f->e = NULL;
    f->map = NULL;
    f->size = 0;
}

/* ------------------------------------------------------------ checking */

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

snig_status snig__snb_check_entry(snig_ctx *ctx, const snb_file *f, uint32_t k,
                                  int check_crc)
{
    const snb_entry *e = &f->e[k];
    const snb_header *h = &f->h;
    const unsigned char *span = f->map + e->offset;
    if (check_crc && snig__checksum(span, e->length) != e->checksum)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: checksum mismatch (corrupt file)",
                           f->path, what(f), k + 1);
    snb_span_layout s;
    int ok = 1;
    if (h->kind == SNB_KIND_NETWORK) {
        snig__snb_layer_layout(h->neurons, h->index_bits, e->nnz, e->flags, &s);
        const uint32_t *rp = (const uint32_t *)(span + s.rowptr);
        ok = rp[0] == 0 && rp[h->neurons] == e->nnz;
        for (uint32_t i = 0; ok && i < h->neurons; i++)
            ok = rp[i] <= rp[i + 1];
    } else {
        uint64_t rows = chunk_rows(h, k);
        snig__snb_chunk_layout(rows, h->index_bits, e->nnz, e->flags, &s);
        const uint64_t *rp = (const uint64_t *)(span + s.rowptr);
        ok = rp[0] == 0 && rp[rows] == e->nnz;
        for (uint64_t r = 0; ok && r < rows; r++)
            ok = rp[r] <= rp[r + 1];
    }
    if (ok)
        ok = columns_ok(span + s.col, h->index_bits, e->nnz, h->neurons);
    if (!ok)
        return snig__error(ctx, SNIG_CORRUPT,
                           "%s: %s %u: row offsets or column indices out of "
                           "range (corrupt file)", f->path, what(f), k + 1);
    return SNIG_OK;
}
