#include "layer_build.h"

#include <string.h>

snig_status snig__coo_push(snig_ctx *ctx, snig_coo *c, uint32_t row,
                           uint32_t col, float val, uint64_t line)
{
    if (c->n == c->cap) {
        uint64_t cap = c->cap ? 2 * c->cap : 4096;
        uint32_t *r = snig__realloc(ctx, c->row, cap * sizeof *r);
        if (r == NULL)
            return SNIG_NOMEM;
        c->row = r;
        uint32_t *k = snig__realloc(ctx, c->col, cap * sizeof *k);
        if (k == NULL)
            return SNIG_NOMEM;
        c->col = k;
        float *v = snig__realloc(ctx, c->val, cap * sizeof *v);
        if (v == NULL)
            return SNIG_NOMEM;
        c->val = v;
        if (!c->no_lines) {
            uint64_t *ln = snig__realloc(ctx, c->line, cap * sizeof *ln);
            if (ln == NULL)
                return SNIG_NOMEM;
            c->line = ln;
        }
        c->cap = cap;
    }
    c->row[c->n] = row;
    c->col[c->n] = col;
    c->val[c->n] = val;
    if (c->line != NULL)
        c->line[c->n] = line;
    c->n++;
    return SNIG_OK;
}

void snig__coo_clear(snig_ctx *ctx, snig_coo *c)
{
    snig__free(ctx, c->row);
    snig__free(ctx, c->col);
    snig__free(ctx, c->val);
    snig__free(ctx, c->line);
    bool no_lines = c->no_lines;
    memset(c, 0, sizeof *c);
    c->no_lines = no_lines;
}

snig_status snig__layer_from_coo(snig_ctx *ctx, snig_network *net, uint32_t l,
                                 snig_coo *c, const char *path)
{
    snig_layer *L = &net->layer[l];
    const uint32_t n = L->n_in, n_out = L->n_out;
    snig_status st = SNIG_OK;
    uint32_t *rowptr = snig__calloc(ctx, (size_t)n + 2, sizeof *rowptr);
    uint32_t *order = snig__malloc(ctx, (c->n ? c->n : 1) * sizeof *order);
    uint32_t *mark = snig__malloc(ctx, (size_t)(n_out ? n_out : 1) * sizeof *mark);
    bool index16 = n_out <= 65536;
    void *col = snig__malloc(ctx, (c->n ? c->n : 1) * (index16 ? 2 : 4));
    float *val = snig__malloc(ctx, (c->n ? c->n : 1) * sizeof *val);
    if (rowptr == NULL || order == NULL || mark == NULL || col == NULL ||
        val == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    if (c->n > UINT32_MAX) {
        st = snig__error(ctx, SNIG_SIZE, "%s: layer %u has more than 2^32 "
                         "entries", path, l + 1);
        goto cleanup;
    }
    for (uint64_t k = 0; k < c->n; k++) {
        if (c->row[k] >= n || c->col[k] >= n_out) {
            st = snig__error(ctx, SNIG_RANGE,
                             "%s:%llu: index %u out of range 1..%u", path,
                             (unsigned long long)(c->line ? c->line[k] : k + 1),
                             (c->row[k] >= n ? c->row[k] : c->col[k]) + 1,
                             c->row[k] >= n ? n : n_out);
            goto cleanup;
        }
        rowptr[c->row[k] + 2]++;
    }
    for (uint32_t i = 0; i < n; i++)
        rowptr[i + 2] += rowptr[i + 1];
    /* Counting sort by row, stable, so entries keep file order in a row. */
    for (uint64_t k = 0; k < c->n; k++)
        order[rowptr[c->row[k] + 1]++] = (uint32_t)k;
    /* rowptr[i] now is the start of row i. */
    bool uniform = true;
    float first = c->n ? c->val[0] : 0.0f;
    for (uint32_t j = 0; j < n_out; j++)
        mark[j] = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t p = rowptr[i]; p < rowptr[i + 1]; p++) {
            uint32_t k = order[p];
            uint32_t j = c->col[k];
            if (mark[j] == i) {
                st = snig__error(ctx, SNIG_FORMAT,
                                 "%s:%llu: duplicate entry (%u, %u)", path,
                                 (unsigned long long)(c->line ? c->line[k] : k + 1),
                                 i + 1, j + 1);
                goto cleanup;
            }
            mark[j] = i;
            if (index16)
                ((uint16_t *)col)[p] = (uint16_t)j;
            else
                ((uint32_t *)col)[p] = j;
            val[p] = c->val[k];
            uniform = uniform && c->val[k] == first;
        }
    }
    L->nnz = c->n;
    L->rowptr = L->own_rowptr = rowptr;
    L->col16 = index16 ? col : NULL;
    L->col32 = index16 ? NULL : col;
    L->own_col = col;
    L->uniform = first;
    if (uniform) {
        snig__free(ctx, val);
        val = NULL;
    }
    L->val = L->own_val = val;
    atomic_store(&L->verified, SNIG_LAYER_GOOD);
    net->index16 = index16 && (l == 0 || net->index16);
    rowptr = NULL;
    col = NULL;
    val = NULL;
cleanup:
    snig__free(ctx, val);
    snig__free(ctx, col);
    snig__free(ctx, mark);
    snig__free(ctx, order);
    snig__free(ctx, rowptr);
    return st;
}
