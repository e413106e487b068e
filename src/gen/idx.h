/* Reading MNIST-format IDX image files (magic 0x00000803: unsigned bytes,
 * three dimensions count x rows x cols, big-endian header), plain or gzip.
 * Generator-internal. */
#ifndef SNIG_GEN_IDX_H
#define SNIG_GEN_IDX_H

#include "../core/internal.h"

#define SNIG_IDX_MAGIC_U8_3D 0x00000803u
#define SNIG_IDX_MAX_SIDE 4096u

typedef struct snig_idx {
    uint32_t count, rows, cols;
    uint8_t *pixels;         /* count * rows * cols, image after image */
} snig_idx;

/* Reads the whole file.  A wrong magic, a zero dimension, a truncated body
 * or bytes after the last image are SNIG_FORMAT errors naming the file. */
snig_status snig__idx_read(snig_ctx *ctx, const char *path, snig_idx *out);
void snig__idx_free(snig_ctx *ctx, snig_idx *idx);

#endif
