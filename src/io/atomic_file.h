/* Files that appear whole or not at all: written under a temporary name in
 * the same folder, flushed, then renamed onto the final name.
 *
 * What the final name is decides how:
 *   - a regular file, or nothing yet: the temporary file and the rename (an
 *     existing file's permission bits are kept);
 *   - a symbolic link: followed, so the file it points to is replaced and
 *     the link stays a link;
 *   - "-": standard output, written directly;
 *   - something that is not a regular file (a device such as /dev/null or
 *     /dev/full, a FIFO): written into directly, never replaced, so a
 *     failing write (a full disk) is an error and nothing is renamed;
 *   - a directory: refused with a message. */
#ifndef SNIG_ATOMIC_FILE_H
#define SNIG_ATOMIC_FILE_H

#include "../core/internal.h"

#include <stdio.h>

typedef struct snig_atomic_file {
    FILE *f;
    char *path;      /* final name, as the caller gave it (for messages) */
    char *target;    /* the file that is replaced (symlinks followed) */
    char *tmp;       /* temporary name; NULL when written directly */
} snig_atomic_file;

snig_status snig__atomic_open(snig_ctx *ctx, const char *path,
                              snig_atomic_file *af);
/* Flushes, syncs and renames; on failure removes the temporary file. */
snig_status snig__atomic_commit(snig_ctx *ctx, snig_atomic_file *af);
/* Removes the temporary file; safe on a file never opened. */
void snig__atomic_abort(snig_ctx *ctx, snig_atomic_file *af);

#endif
