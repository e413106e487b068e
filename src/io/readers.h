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
/* Reads the entries as one layer (h->rows inputs, h->cols outputs). */
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

/* The kinds of layer files. */
#define SNIG_LAYER_TSV 0     /* nN-lK.tsv, nIxO-lK.tsv */
#define SNIG_LAYER_TSV_GZ 1  /* the same, gzip-compressed */
#define SNIG_LAYER_MTX 2     /* nN-lK.mtx, nIxO-lK.mtx (Matrix Market) */

/* Parses a layer file name (directories before it allowed): "nN-lK" for an
 * N x N layer (the official name) or "nIxO-lK" for a layer of I inputs and
 * O outputs, then ".tsv", ".tsv.gz" or ".mtx".  Returns 1 and sets the
 * shape, K and *kind when it is one. */
int snig__layer_name(const char *name, uint32_t *n_in, uint32_t *n_out,
                     uint32_t *k, int *kind);

/* A network whose layers arrive one by one in any order (tar members,
 * directory entries).  Memory follows what arrives, never the layer numbers
 * announced by names: slot i holds layer number[i]. */
typedef struct snig_layer_set {
    snig_network *net;       /* net->layers: slots allocated */
    uint32_t *number;        /* 1-based layer number of each slot */
    uint32_t want;           /* layers asked for, 0: all */
    uint32_t found;          /* slots filled */
    uint32_t max;            /* largest layer number read */
} snig_layer_set;

/* Reads layer k (1-based) of shape n_in x n_out from s (a layer TSV, or a
 * Matrix Market file when mm) into the set.  A layer beyond set->want is
 * not read. */
snig_status snig__layer_set_add(snig_ctx *ctx, snig_layer_set *set,
                                const char *path, uint32_t n_in,
                                uint32_t n_out, uint32_t k, bool mm,
                                snig_scan *s, snig_coo *c);
/* Checks that layers 1..L are all there (L = want, or max when want is 0)
 * and chain (each layer's n_in is the n_out before), orders them and hands
 * the network over.  `where` names the directory or archive. */
snig_status snig__layer_set_finish(snig_ctx *ctx, snig_layer_set *set,
                                   const char *where, snig_network **net);
void snig__layer_set_clear(snig_ctx *ctx, snig_layer_set *set);

/* The file of a layer folder that records what the layer files cannot say
 * (manifest.c): per layer its shape, bias rule, activation, cap and bias
 * (bias-lK.tsv holds a per-neuron bias). */
#define SNIG_MANIFEST_NAME "snig-network.tsv"
/* Applies dir's manifest, when there is one, to net (loaded from dir). */
snig_status snig__manifest_read(snig_ctx *ctx, const char *dir,
                                snig_network *net);
/* Writes the manifest of the first `layers` layers (and the per-neuron bias
 * files) into dir; nothing when every layer is the challenge's without a
 * recorded bias. */
snig_status snig__manifest_write(snig_ctx *ctx, const char *dir,
                                 const snig_network *net, uint32_t layers);

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
