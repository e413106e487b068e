/* snig's binary format (.snb), internal entry points.  The layout is in
 * docs/FORMAT.md.  The readers' dispatcher (load.c) calls the loaders; the
 * generator streams networks through the writer. */
#ifndef SNIG_BINARY_H
#define SNIG_BINARY_H

#include "../core/internal.h"

#include <stdio.h>

/* 1 when the first bytes (at least 8) are the magic of an .snb file. */
int snig__snb_detect(const unsigned char *head, size_t n);

snig_status snig__snb_load_network(snig_ctx *ctx, const char *path,
                                   const snig_load_options *opt,
                                   snig_network **net);
snig_status snig__snb_load_inputs(snig_ctx *ctx, const char *path,
                                  const snig_load_options *opt,
                                  snig_inputs **in);

/* A network written one layer at a time, to a temporary file renamed onto
 * `path` by commit; abort (or a failed call) removes the temporary file. */
typedef struct snig_snb_writer snig_snb_writer;

/* neurons: layer 1's n_in; widest: the largest n_out of any layer (it
 * decides the index width). */
snig_status snig__snb_writer_open(snig_ctx *ctx, const char *path,
                                  uint32_t neurons, uint32_t layers,
                                  uint32_t widest, snig_snb_writer **w);
/* Appends the next layer (its arrays as in snig_layer, bias, rule and
 * activation included); it must chain onto the one before. */
snig_status snig__snb_writer_layer(snig_snb_writer *w, const snig_layer *L);
snig_status snig__snb_writer_commit(snig_snb_writer **w);
void snig__snb_writer_abort(snig_snb_writer **w);

/* Writes inputs (atomically) in chunks of chunk_rows rows, each with its own
 * checksum, so a row range reads only its chunks; 0 = the default (4096).
 * snig_inputs_save uses the default; tests use small chunks. */
snig_status snig__snb_save_inputs(snig_ctx *ctx, const snig_inputs *in,
                                  const char *path, uint64_t chunk_rows);

#endif
