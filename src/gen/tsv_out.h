/* Writing a network as a folder of layer files atomically: built in a
 * temporary folder next to the target (PATH.tmp.PID.N, made with the
 * umask's permissions) and renamed onto it at the end; any failure or
 * cancellation removes the temporary folder with everything in it.  Used by
 * the generator (--format tsv) and by export (snig_network_export). */
#ifndef SNIG_GEN_TSV_OUT_H
#define SNIG_GEN_TSV_OUT_H

#include "../core/internal.h"

#include <stdio.h>

/* ---- a network as a folder of layer files */
typedef struct snig_tsvdir snig_tsvdir;

/* Fails (SNIG_IO) when path exists and is not an empty directory.  mtx: the
 * layer files are Matrix Market (.mtx), else the official TSV. */
snig_status snig__tsvdir_open(snig_ctx *ctx, const char *path, int mtx,
                              snig_tsvdir **w);
/* Writes layer l (0-based) as nN-l{l+1}.tsv when it is N x N, else as
 * nIxO-l{l+1}.tsv (I inputs, O outputs); .mtx for Matrix Market.  TSV:
 * "row\tcol\tvalue" 1-based, sorted by column then row like the official
 * files, values printed "%.6e" as they are when that is exact, else with
 * the nine digits that give the float back. */
snig_status snig__tsvdir_layer(snig_tsvdir *w, uint32_t l, const snig_layer *L);
/* The temporary folder, for more files that should appear with the rest. */
const char *snig__tsvdir_tmp(const snig_tsvdir *w);
snig_status snig__tsvdir_commit(snig_tsvdir **w);
void snig__tsvdir_abort(snig_tsvdir **w);

/* Writes v in decimal into buf (at least 11 bytes); returns the length. */
int snig__utoa(uint32_t v, char *buf);

#endif
