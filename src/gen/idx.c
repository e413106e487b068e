/* IDX image files, read through zlib so that .gz and plain files take the
 * same path (gzread passes plain files through). */
#include "idx.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

/* The first allocation for the pixels; it doubles as the data comes. */
#define IDX_FIRST_BYTES ((size_t)1 << 24)

/* Reads up to n bytes; returns how many were read, or -1 on a read error. */
static int64_t read_all(gzFile gz, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        int r = gzread(gz, (char *)buf + got, (unsigned)want);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (int64_t)got;
}

static snig_status read_error(snig_ctx *ctx, const char *path, gzFile gz)
{
    int code = 0;
    const char *msg = gzerror(gz, &code);
    return snig__error(ctx, SNIG_FORMAT, "%s: read failed: %s", path,
                       code == Z_ERRNO ? strerror(errno) : msg);
}

snig_status snig__idx_read(snig_ctx *ctx, const char *path, snig_idx *out)
{
    snig_status st = SNIG_OK;
    gzFile gz = NULL;
    uint8_t *pixels = NULL;
    *out = (snig_idx){0};
    if (path == NULL)
        return snig__error(ctx, SNIG_USAGE, "images: no file given");
    gz = gzopen(path, "rb");
    if (gz == NULL) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot open: %s", path,
                         errno ? strerror(errno) : "out of memory");
        goto cleanup;
    }
    unsigned char head[16];
    int64_t got = read_all(gz, head, sizeof head);
    if (got < 0) {
        st = read_error(ctx, path, gz);
        goto cleanup;
    }
    if (got < 4 || ((uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
                    (uint32_t)head[2] << 8 | head[3]) != SNIG_IDX_MAGIC_U8_3D) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: not an IDX image file (an "
                         "MNIST-format file starts with 00 00 08 03: unsigned "
                         "bytes, 3 dimensions)", path);
        goto cleanup;
    }
    if (got < 16) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: truncated IDX header (%lld of "
                         "16 bytes)", path, (long long)got);
        goto cleanup;
    }
    uint32_t dim[3];
    for (int d = 0; d < 3; d++) {
        const unsigned char *p = head + 4 + 4 * d;
        dim[d] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                 (uint32_t)p[2] << 8 | p[3];
    }
    if (dim[0] == 0) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: the IDX file holds no images",
                         path);
        goto cleanup;
    }
    if (dim[1] == 0 || dim[2] == 0 || dim[1] > SNIG_IDX_MAX_SIDE ||
        dim[2] > SNIG_IDX_MAX_SIDE) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: image size %u x %u out of "
                         "range 1..%u", path, dim[1], dim[2],
                         SNIG_IDX_MAX_SIDE);
        goto cleanup;
    }
    uint64_t size = (uint64_t)dim[0] * dim[1] * dim[2];
    if (size > SIZE_MAX / 2) {
        st = snig__error(ctx, SNIG_NOMEM, "%s: %u images of %u x %u do not fit "
                         "in memory", path, dim[0], dim[1], dim[2]);
        goto cleanup;
    }
    /* The buffer grows with what the file holds, never to a size that only
     * the header claims (a 16-byte file may announce gigabytes). */
    size_t cap = size < IDX_FIRST_BYTES ? (size_t)size : IDX_FIRST_BYTES;
    uint64_t have = 0;
    pixels = snig__malloc(ctx, cap ? cap : 1);
    for (;;) {
        if (pixels == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
        got = read_all(gz, pixels + have, cap - (size_t)have);
        if (got < 0) {
            st = read_error(ctx, path, gz);
            goto cleanup;
        }
        have += (uint64_t)got;
        if (have < cap || cap == size)
            break;
        size_t more = size - cap < cap ? (size_t)size : 2 * cap;
        uint8_t *grown = snig__realloc(ctx, pixels, more);
        if (grown == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
        pixels = grown;
        cap = more;
    }
    got = (int64_t)have;
    if ((uint64_t)got < size) {
        st = snig__error(ctx, SNIG_FORMAT, "%s: truncated: the header says %u "
                         "images of %u x %u (%llu bytes) but only %lld bytes "
                         "follow", path, dim[0], dim[1], dim[2],
                         (unsigned long long)size, (long long)got);
        goto cleanup;
    }
    unsigned char extra;
    got = read_all(gz, &extra, 1);
    if (got != 0) {
        st = got < 0 ? read_error(ctx, path, gz)
                     : snig__error(ctx, SNIG_FORMAT, "%s: data after the %u "
                                   "images the header announces", path, dim[0]);
        goto cleanup;
    }
    *out = (snig_idx){.count = dim[0], .rows = dim[1], .cols = dim[2],
                      .pixels = pixels};
    pixels = NULL;
cleanup:
    snig__free(ctx, pixels);
    if (gz != NULL)
        gzclose(gz);
    return st;
}

void snig__idx_free(snig_ctx *ctx, snig_idx *idx)
{
    if (idx == NULL)
        return;
    snig__free(ctx, idx->pixels);
    *idx = (snig_idx){0};
}
