/* Writing the official TSV layouts atomically: a directory of layer files
 * (networks) or one file (inputs), built under a temporary name next to the
 * target and renamed onto it at the end (single files use
 * ../io/atomic_file.h).  Generator-internal. */
#ifndef SNIG_GEN_TSV_OUT_H
#define SNIG_GEN_TSV_OUT_H

#include "../core/internal.h"

#include <stdio.h>

/* ---- a network as a directory of nN-lK.tsv files */
typedef struct snig_tsvdir snig_tsvdir;

/* Fails (SNIG_IO) when path exists and is not an empty directory. */
snig_status snig__tsvdir_open(snig_ctx *ctx, const char *path, uint32_t neurons,
                              snig_tsvdir **w);
/* Writes layer l (0-based) as nN-l{l+1}.tsv: "row\tcol\tvalue" 1-based,
 * sorted by column then row, values printed "%.6e", like the official
 * files. */
snig_status snig__tsvdir_layer(snig_tsvdir *w, uint32_t l, const snig_layer *L);
snig_status snig__tsvdir_commit(snig_tsvdir **w);
void snig__tsvdir_abort(snig_tsvdir **w);

/* Writes v in decimal into buf (at least 11 bytes); returns the length. */
int snig__utoa(uint32_t v, char *buf);

#endif
