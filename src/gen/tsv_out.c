/* Atomic TSV output of networks: a directory of layer files. */
#define _DEFAULT_SOURCE
#include "tsv_out.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUFFER (1u << 20)

struct snig_tsvdir {
    snig_ctx *ctx;
    char *path, *tmp;
    uint32_t neurons;
    uint32_t written;        /* layer files made in tmp */
    uint32_t *colptr, *rows; /* the layer by column, for the official order */
    char *buf;
};

static char *join(snig_ctx *ctx, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = snig__malloc(ctx, la + lb + 1);
    if (s != NULL) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

int snig__utoa(uint32_t v, char *buf)
{
    char t[10];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = 0; i < n; i++)
        buf[i] = t[n - 1 - i];
    return n;
}

snig_status snig__tsvdir_open(snig_ctx *ctx, const char *path, uint32_t neurons,
                              snig_tsvdir **out)
{
    snig_status st = SNIG_OK;
    *out = NULL;
    snig_tsvdir *w = snig__calloc(ctx, 1, sizeof *w);
    if (w == NULL)
        return SNIG_NOMEM;
    w->ctx = ctx;
    w->neurons = neurons;
    struct stat sb;
    if (stat(path, &sb) == 0) {
        DIR *d = S_ISDIR(sb.st_mode) ? opendir(path) : NULL;
        int empty = d != NULL;
        for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                empty = 0;
        if (d != NULL)
            closedir(d);
        if (!empty) {
            st = snig__error(ctx, SNIG_IO, "%s: exists and is not an empty "
                             "directory; remove it first", path);
            goto cleanup;
        }
    }
    w->path = join(ctx, path, "");
    w->tmp = join(ctx, path, ".tmp.XXXXXX");
    w->colptr = snig__malloc(ctx, ((size_t)neurons + 1) * sizeof *w->colptr);
    w->buf = snig__malloc(ctx, OUT_BUFFER);
    if (w->path == NULL || w->tmp == NULL || w->colptr == NULL ||
        w->buf == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (mkdtemp(w->tmp) == NULL) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot create a directory: %s",
                         w->tmp, strerror(errno));
        goto cleanup;
    }
    *out = w;
    w = NULL;
cleanup:
    if (w != NULL) {
        snig__free(ctx, w->buf);
        snig__free(ctx, w->colptr);
        snig__free(ctx, w->tmp);
        snig__free(ctx, w->path);
        snig__free(ctx, w);
    }
    return st;
}

static char *layer_name(snig_tsvdir *w, const char *dir, uint32_t l)
{
    char name[64];
    snprintf(name, sizeof name, "/n%u-l%u.tsv", w->neurons, l + 1);
    return join(w->ctx, dir, name);
}

snig_status snig__tsvdir_layer(snig_tsvdir *w, uint32_t l, const snig_layer *L)
{
    snig_ctx *ctx = w->ctx;
    snig_status st = SNIG_OK;
    uint32_t n = w->neurons;
    FILE *fp = NULL;
    char *file = layer_name(w, w->tmp, l);
    if (file == NULL)
        return SNIG_NOMEM;
    snig__free(ctx, w->rows);
    w->rows = snig__malloc(ctx, (L->nnz ? L->nnz : 1) * sizeof *w->rows);
    if (w->rows == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    /* Transpose: the official files list each column's rows, ascending. */
    memset(w->colptr, 0, ((size_t)n + 1) * sizeof *w->colptr);
    for (uint64_t p = 0; p < L->nnz; p++)
        w->colptr[(L->col16 ? L->col16[p] : L->col32[p]) + 1]++;
    for (uint32_t j = 0; j < n; j++)
        w->colptr[j + 1] += w->colptr[j];
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t p = L->rowptr[i]; p < L->rowptr[i + 1]; p++)
            w->rows[w->colptr[L->col16 ? L->col16[p] : L->col32[p]]++] = i;
    for (uint32_t j = n; j > 0; j--)
        w->colptr[j] = w->colptr[j - 1];
    w->colptr[0] = 0;
    fp = fopen(file, "wb");
    if (fp == NULL) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot create: %s", file,
                         strerror(errno));
        goto cleanup;
    }
    setvbuf(fp, w->buf, _IOFBF, OUT_BUFFER);
    char value[32];
    int vlen = snprintf(value, sizeof value, "\t%.6e\n", (double)L->uniform);
    for (uint32_t j = 0; j < n; j++) {
        char colbuf[12];
        int clen = snig__utoa(j + 1, colbuf);
        for (uint32_t p = w->colptr[j]; p < w->colptr[j + 1]; p++) {
            char line[64];
            int len = snig__utoa(w->rows[p] + 1, line);
            line[len++] = '\t';
            memcpy(line + len, colbuf, (size_t)clen);
            len += clen;
            if (L->val != NULL) {
                len += snprintf(line + len, sizeof line - (size_t)len,
                                "\t%.6e\n", (double)L->val[p]);
            } else {
                memcpy(line + len, value, (size_t)vlen);
                len += vlen;
            }
            fwrite(line, 1, (size_t)len, fp);
        }
    }
    if (ferror(fp) || fclose(fp) != 0) {
        fp = NULL;
        st = snig__error(ctx, SNIG_IO, "%s: write failed: %s", file,
                         strerror(errno));
        goto cleanup;
    }
    fp = NULL;
    if (l + 1 > w->written)
        w->written = l + 1;
cleanup:
    if (fp != NULL)
        fclose(fp);
    snig__free(ctx, file);
    return st;
}

static void tsvdir_free(snig_tsvdir *w, int remove_tmp)
{
    snig_ctx *ctx = w->ctx;
    if (remove_tmp) {
        for (uint32_t l = 0; l < w->written; l++) {
            char *file = layer_name(w, w->tmp, l);
            if (file != NULL)
                unlink(file);
            snig__free(ctx, file);
        }
        rmdir(w->tmp);
    }
    snig__free(ctx, w->rows);
    snig__free(ctx, w->buf);
    snig__free(ctx, w->colptr);
    snig__free(ctx, w->tmp);
    snig__free(ctx, w->path);
    snig__free(ctx, w);
}

snig_status snig__tsvdir_commit(snig_tsvdir **pw)
{
    snig_tsvdir *w = *pw;
    snig_status st = SNIG_OK;
    *pw = NULL;
    /* rename() replaces an empty directory, and only an empty one. */
    if (rename(w->tmp, w->path) != 0) {
        st = snig__error(w->ctx, SNIG_IO, "%s: cannot rename %s onto it: %s",
                         w->path, w->tmp, strerror(errno));
        tsvdir_free(w, 1);
        return st;
    }
    tsvdir_free(w, 0);
    return st;
}

void snig__tsvdir_abort(snig_tsvdir **pw)
{
    if (pw == NULL || *pw == NULL)
        return;
    tsvdir_free(*pw, 1);
    *pw = NULL;
}
