/* The readers behind snig_network_load / snig_inputs_load / snig_truth_load
 * (load.c picks one from the path and the first bytes). */
#ifndef SNIG_READERS_H
#define SNIG_READERS_H

#include "tsv.h"

/* ---- Matrix Market coordinate files (mmread.c) */

typedef struct snig_mm_header {
    uint64_t rows, cols, nnz;
    bool pattern;            /* no value column: every value is 1 */
    bool symmetric;          /* entries below the diagonal stand for both */
} snig_mm_header;

/* 1 when the data starts like a Matrix Market file. */
int snig__mm_detect(const unsigned char *head, size_t n);
/* Reads the banner, comments and size line. */
snig_status snig__mm_read_header(snig_ctx *ctx, snig_scan *s,
                                 snig_mm_header *h);
/* Reads the entries as one square layer (h->rows == h->cols == n). */
snig_status snig__mm_read_layer(snig_ctx *ctx, snig_scan *s,
                                const snig_mm_header *h, snig_coo *c);
/* Reads the entries as input rows (h->cols columns). */
snig_status snig__mm_read_inputs(snig_ctx *ctx, snig_scan *s,
                                 const snig_mm_header *h, uint64_t row_first,
                                 uint64_t row_count, snig_inputs **in);

/* ---- networks made of official layer files (layers.c, tar.c) */

/* Sanity bounds that keep a mistyped file name from asking for terabytes:
 * the largest official network has 65536 neurons and 1920 layers. */
#define SNIG_MAX_NEURONS (1u << 26)
#define SNIG_MAX_LAYERS (1u << 24)

/* SNIG_RANGE unless 1 <= n <= SNIG_MAX_NEURONS and k <= SNIG_MAX_LAYERS. */
snig_status snig__check_sizes(snig_ctx *ctx, const char *path, uint64_t n,
                              uint64_t k);

/* Parses a file name "nN-lK.tsv" or "nN-lK.tsv.gz" (directories before it
 * allowed); returns 1 and sets *n, *k when it is one. */
int snig__layer_name(const char *name, uint32_t *n, uint32_t *k);

/* A network whose layers arrive one by one in any order (tar members,
 * directory entries). */
typedef struct snig_layer_set {
    snig_network *net;       /* net->layers is the capacity so far */
    uint8_t *have;           /* have[k - 1]: layer k was read */
    uint32_t want;           /* layers asked for, 0: all */
    uint32_t found;          /* layers read among those wanted */
    uint32_t max;            /* largest layer number read */
} snig_layer_set;

/* Reads layer k (1-based) of an n-neuron network from s into the set.  A
 * layer beyond set->want is not read. */
snig_status snig__layer_set_add(snig_ctx *ctx, snig_layer_set *set,
                                const char *path, uint32_t n, uint32_t k,
                                snig_scan *s, snig_coo *c);
/* Checks that layers 1..L are all there (L = want, or max when want is 0)
 * and hands the network over.  `where` names the directory or archive. */
snig_status snig__layer_set_finish(snig_ctx *ctx, snig_layer_set *set,
                                   const char *where, snig_network **net);
void snig__layer_set_clear(snig_ctx *ctx, snig_layer_set *set);

snig_status snig__dir_read_network(snig_ctx *ctx, const char *dir,
                                   const snig_load_options *opt,
                                   snig_network **net);
/* Reads a tar stream (plain or gzip) of layer files. */
snig_status snig__tar_read_network(snig_ctx *ctx, snig_src *src,
                                   const char *path,
                                   const snig_load_options *opt,
                                   snig_network **net);
/* 1 when the 512-byte block is a ustar header. */
int snig__tar_detect(const unsigned char *head, size_t n);

/* ---- truth files (truth.c) */
snig_status snig__truth_read(snig_ctx *ctx, snig_scan *s, uint64_t **rows,
                             uint64_t *count);

#endif
