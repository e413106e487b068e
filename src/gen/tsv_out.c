/* Atomic output of networks as a folder of layer files (tsv_out.h). */
#define _DEFAULT_SOURCE
#include "tsv_out.h"
#include "../io/stale_tmp.h"

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
    int mtx;
    uint32_t *colptr, *rows; /* the layer by column, for the official order */
    size_t colptr_cap, rows_cap;
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

/* Makes PATH.tmp.PID.N with mkdir, so the umask decides its permissions
 * (mkdtemp would make it 0700). */
static snig_status make_tmp(snig_ctx *ctx, snig_tsvdir *w)
{
    size_t n = strlen(w->path) + 48;
    w->tmp = snig__malloc(ctx, n);
    if (w->tmp == NULL)
        return SNIG_NOMEM;
    for (unsigned k = 0; k < 1000; k++) {
        snprintf(w->tmp, n, "%s.tmp.%ld.%u", w->path, (long)getpid(), k);
        if (mkdir(w->tmp, 0777) == 0)
            return SNIG_OK;
        if (errno != EEXIST)
            break;
    }
    return snig__error(ctx, SNIG_IO, "%s: cannot create a directory: %s",
                       w->tmp, strerror(errno));
}

static void remove_tmp(snig_tsvdir *w)
{
    DIR *d = opendir(w->tmp);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *file = join(w->ctx, w->tmp, "/");
            char *full = file ? join(w->ctx, file, e->d_name) : NULL;
            if (full != NULL)
                unlink(full);
            snig__free(w->ctx, full);
            snig__free(w->ctx, file);
        }
        closedir(d);
    }
    rmdir(w->tmp);
}

static void tsvdir_free(snig_tsvdir *w, int remove)
{
    snig_ctx *ctx = w->ctx;
    if (remove && w->tmp != NULL)
        remove_tmp(w);
    snig__free(ctx, w->rows);
    snig__free(ctx, w->buf);
    snig__free(ctx, w->colptr);
    snig__free(ctx, w->tmp);
    snig__free(ctx, w->path);
    snig__free(ctx, w);
}

snig_status snig__tsvdir_open(snig_ctx *ctx, const char *path, int mtx,
                              snig_tsvdir **out)
{
    snig_status st = SNIG_OK;
    *out = NULL;
    snig_tsvdir *w = snig__calloc(ctx, 1, sizeof *w);
    if (w == NULL)
        return SNIG_NOMEM;
    w->ctx = ctx;
    w->mtx = mtx;
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
    w->buf = snig__malloc(ctx, OUT_BUFFER);
    if (w->path == NULL || w->buf == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    snig__stale_tmp_clean(path);
    st = make_tmp(ctx, w);
    if (st != SNIG_OK)
        goto cleanup;
    *out = w;
    w = NULL;
cleanup:
    if (w != NULL) {
        snig__free(ctx, w->tmp);
        w->tmp = NULL;      /* not made: nothing to remove */
        tsvdir_free(w, 0);
    }
    return st;
}

const char *snig__tsvdir_tmp(const snig_tsvdir *w)
{
    return w->tmp;
}

static char *layer_file(snig_tsvdir *w, const snig_layer *L, uint32_t l)
{
    char name[96];
    const char *ext = w->mtx ? "mtx" : "tsv";
    if (L->n_in == L->n_out)
        snprintf(name, sizeof name, "/n%u-l%u.%s", L->n_in, l + 1, ext);
    else
        snprintf(name, sizeof name, "/n%ux%u-l%u.%s", L->n_in, L->n_out, l + 1,
                 ext);
    return join(w->ctx, w->tmp, name);
}

/* sep value "\n": the official "%.6e" when it reads back exactly. */
static int format_value(char *out, size_t cap, char sep, float v)
{
    int n = snprintf(out, cap, "%c%.6e\n", sep, (double)v);
    if (strtof(out + 1, NULL) != v)
        n = snprintf(out, cap, "%c%.9g\n", sep, (double)v);
    return n;
}

static snig_status grow(snig_tsvdir *w, uint32_t n_out, uint64_t nnz)
{
    if ((size_t)n_out + 1 > w->colptr_cap) {
        snig__free(w->ctx, w->colptr);
        w->colptr_cap = (size_t)n_out + 1;
        w->colptr = snig__malloc(w->ctx, w->colptr_cap * sizeof *w->colptr);
    }
    if (nnz > w->rows_cap || w->rows == NULL) {
        snig__free(w->ctx, w->rows);
        w->rows_cap = nnz ? nnz : 1;
        w->rows = snig__malloc(w->ctx, w->rows_cap * sizeof *w->rows);
    }
    return w->colptr == NULL || w->rows == NULL ? SNIG_NOMEM : SNIG_OK;
}

/* Transpose: the official files list each column's rows, ascending; so do
 * the Matrix Market files. */
static void by_column(snig_tsvdir *w, const snig_layer *L)
{
    uint32_t n_out = L->n_out;
    memset(w->colptr, 0, ((size_t)n_out + 1) * sizeof *w->colptr);
    for (uint64_t p = 0; p < L->nnz; p++)
        w->colptr[(L->col16 ? L->col16[p] : L->col32[p]) + 1]++;
    for (uint32_t j = 0; j < n_out; j++)
        w->colptr[j + 1] += w->colptr[j];
    /* rows[] holds the entry index: the row is found from it below. */
    for (uint32_t i = 0; i < L->n_in; i++)
        for (uint32_t p = L->rowptr[i]; p < L->rowptr[i + 1]; p++)
            w->rows[w->colptr[L->col16 ? L->col16[p] : L->col32[p]]++] = p;
    for (uint32_t j = n_out; j > 0; j--)
        w->colptr[j] = w->colptr[j - 1];
    w->colptr[0] = 0;
}

snig_status snig__tsvdir_layer(snig_tsvdir *w, uint32_t l, const snig_layer *L)
{
    snig_ctx *ctx = w->ctx;
    snig_status st = grow(w, L->n_out, L->nnz);
    FILE *fp = NULL;
    uint32_t *row_of = NULL;
    char *file = layer_file(w, L, l);
    if (file == NULL || st != SNIG_OK) {
        snig__free(ctx, file);
        return SNIG_NOMEM;
    }
    row_of = snig__malloc(ctx, (L->nnz ? L->nnz : 1) * sizeof *row_of);
    if (row_of == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (uint32_t i = 0; i < L->n_in; i++)
        for (uint32_t p = L->rowptr[i]; p < L->rowptr[i + 1]; p++)
            row_of[p] = i;
    by_column(w, L);
    fp = fopen(file, "wb");
    if (fp == NULL) {
        st = snig__error(ctx, SNIG_IO, "%s: cannot create: %s", file,
                         strerror(errno));
        goto cleanup;
    }
    setvbuf(fp, w->buf, _IOFBF, OUT_BUFFER);
    if (w->mtx)
        fprintf(fp, "%%%%MatrixMarket matrix coordinate real general\n"
                    "%% layer %u of a snig network: row i = input neuron, "
                    "column j = output neuron\n%u %u %llu\n",
                l + 1, L->n_in, L->n_out, (unsigned long long)L->nnz);
    const char sep = w->mtx ? ' ' : '\t';
    char value[48];
    int vlen = format_value(value, sizeof value, sep, L->uniform);
    for (uint32_t j = 0; j < L->n_out; j++) {
        char colbuf[12];
        int clen = snig__utoa(j + 1, colbuf);
        for (uint32_t q = w->colptr[j]; q < w->colptr[j + 1]; q++) {
            uint32_t p = w->rows[q];
            char line[96];
            int len = snig__utoa(row_of[p] + 1, line);
            line[len++] = sep;
            memcpy(line + len, colbuf, (size_t)clen);
            len += clen;
            if (L->val != NULL) {
                len += format_value(line + len, sizeof line - (size_t)len, sep,
                                    L->val[p]);
            } else {
                memcpy(line + len, value, (size_t)vlen);
                len += vlen;
            }
            fwrite(line, 1, (size_t)len, fp);
        }
    }
    if (ferror(fp) | (fclose(fp) != 0)) {
        fp = NULL;
        st = snig__error(ctx, SNIG_IO, "%s: write failed: %s", file,
                         strerror(errno));
        goto cleanup;
    }
    fp = NULL;
cleanup:
    /* A file left half-written is removed with the folder on abort. */
    if (fp != NULL)
        fclose(fp);
    snig__free(ctx, row_of);
    snig__free(ctx, file);
    return st;
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
