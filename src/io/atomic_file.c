#define _POSIX_C_SOURCE 200809L
#include "atomic_file.h"
#include "stale_tmp.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

snig_status snig__atomic_open(snig_ctx *ctx, const char *path,
                              snig_atomic_file *af)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->path = snig__malloc(ctx, n + 1);
    af->tmp = snig__malloc(ctx, n + 32);
    if (af->path == NULL || af->tmp == NULL) {
        snig__atomic_abort(ctx, af);
        return SNIG_NOMEM;
    }
    memcpy(af->path, path, n + 1);
    snig__stale_tmp_clean(path);   /* temporaries of writers that died */
    snprintf(af->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "wb");
    if (af->f == NULL) {
        snig_status st = snig__error(ctx, SNIG_IO, "%s: cannot create: %s",
                                     path, strerror(errno));
        snig__atomic_abort(ctx, af);
        return st;
    }
    return SNIG_OK;
}

snig_status snig__atomic_commit(snig_ctx *ctx, snig_atomic_file *af)
{
    snig_status st = SNIG_OK;
    int bad = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int err = errno;
    bad = fclose(af->f) != 0 || bad;
    af->f = NULL;
    if (bad) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot write: %s", af->path,
                         strerror(err));
    } else if (rename(af->tmp, af->path) != 0) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot rename into place: %s",
                         af->path, strerror(errno));
    }
    if (st != SNIG_OK) {
        snig__atomic_abort(ctx, af);
        return st;
    }
    snig__free(ctx, af->tmp);
    snig__free(ctx, af->path);
    memset(af, 0, sizeof *af);
    return SNIG_OK;
}

void snig__atomic_abort(snig_ctx *ctx, snig_atomic_file *af)
{
    if (af->f != NULL)
        fclose(af->f);
    if (af->tmp != NULL)
        unlink(af->tmp);
    snig__free(ctx, af->tmp);
    snig__free(ctx, af->path);
    memset(af, 0, sizeof *af);
}
