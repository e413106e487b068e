/* Files that appear whole or not at all: written under a temporary name in
 * the same folder, flushed, then renamed onto the final name. */
#ifndef SNIG_ATOMIC_FILE_H
#define SNIG_ATOMIC_FILE_H

#include "../core/internal.h"

#include <stdio.h>

typedef struct snig_atomic_file {
    FILE *f;
    char *path;      /* final name */
    char *tmp;       /* temporary name */
} snig_atomic_file;

snig_status snig__atomic_open(snig_ctx *ctx, const char *path,
                              snig_atomic_file *af);
/* Flushes, syncs and renames; on failure removes the temporary file. */
snig_status snig__atomic_commit(snig_ctx *ctx, snig_atomic_file *af);
/* Removes the temporary file; safe on a file never opened. */
void snig__atomic_abort(snig_ctx *ctx, snig_atomic_file *af);

#endif
