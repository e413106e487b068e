/* Turning triplets into the kernel-ready layer form, shared by every reader,
 * the generator and the tests. */
#ifndef SNIG_LAYER_BUILD_H
#define SNIG_LAYER_BUILD_H

#include "../core/internal.h"

/* A growing list of (row, col, value) triplets, 0-based. */
typedef struct snig_coo {
    uint64_t n, cap;
    uint32_t *row, *col;
    float *val;
    uint64_t *line;          /* source line of each entry (messages), or NULL */
    bool no_lines;           /* set before the first push: keep no lines */
} snig_coo;

snig_status snig__coo_push(snig_ctx *ctx, snig_coo *c, uint32_t row,
                           uint32_t col, float val, uint64_t line);
void snig__coo_clear(snig_ctx *ctx, snig_coo *c);

/* Fills layer l of net from the triplets (rows: input neurons < L->n_in,
 * cols: output neurons < L->n_out, checked).  Duplicate (row, col) pairs are
 * an error naming `path` and the line.  Uses 16-bit columns when n_out <=
 * 65536 and
 * drops the value array when every value is the same.  The triplets are
 * left in an unspecified order. */
snig_status snig__layer_from_coo(snig_ctx *ctx, snig_network *net, uint32_t l,
                                 snig_coo *c, const char *path);

#endif
