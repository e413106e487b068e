/* Official layer and input files: `row<TAB>col<TAB>value`, 1-based. */
#include "tsv.h"

#include <stdlib.h>
#include <string.h>

snig_status snig__triple_error(snig_ctx *ctx, snig_triple t, const char *path,
                               uint64_t line)
{
    const char *what = "malformed line";
    snig_status st = SNIG_FORMAT;
    switch (t) {
    case SNIG_TRIPLE_INDEX:
        what = "malformed line: expected `row col value` with integer indices";
        break;
    case SNIG_TRIPLE_BIG:
        what = "index too large";
        st = SNIG_RANGE;
        break;
    case SNIG_TRIPLE_VALUE:
        what = "missing or non-numeric value";
        break;
    case SNIG_TRIPLE_NONFINITE:
        what = "value is NaN or infinite";
        break;
    case SNIG_TRIPLE_TRAILING:
        what = "unexpected text after the value";
        break;
    default:
        break;
    }
    return snig__error(ctx, st, "%s:%llu: %s", path, (unsigned long long)line,
                       what);
}

snig_status snig__index_error(snig_ctx *ctx, const char *path, uint64_t line,
                              uint64_t index, uint64_t n)
{
    if (index == 0)
        return snig__error(ctx, SNIG_RANGE,
                           "%s:%llu: index 0 (indices are 1-based)", path,
                           (unsigned long long)line);
    return snig__error(ctx, SNIG_RANGE, "%s:%llu: index %llu out of range 1..%llu",
                       path, (unsigned long long)line,
                       (unsigned long long)index, (unsigned long long)n);
}

snig_status snig__tsv_read_layer(snig_ctx *ctx, snig_scan *s, uint32_t n_in,
                                 uint32_t n_out, snig_coo *c)
{
    snig_status st = SNIG_OK;
    c->n = 0;
    for (;;) {
        const char *p, *e;
        st = snig__scan_block(s, &p, &e);
        if (st != SNIG_OK || p == e)
            break;
        while (p < e) {
            uint64_t i, j;
            float v;
            s->line++;
            snig_triple t = snig__parse_triple(&p, &i, &j, &v, true);
            if (t == SNIG_TRIPLE_BLANK)
                continue;
            if (t != SNIG_TRIPLE_OK)
                return snig__triple_error(ctx, t, s->path, s->line);
            if (i - 1 >= n_in || j - 1 >= n_out)
                return snig__index_error(ctx, s->path, s->line,
                                         i - 1 >= n_in ? i : j,
                                         i - 1 >= n_in ? n_in : n_out);
            st = snig__coo_push(ctx, c, (uint32_t)(i - 1), (uint32_t)(j - 1),
                                v, s->line);
            if (st != SNIG_OK)
                return st;
        }
    }
    if (st == SNIG_OK && c->n == 0)
        st = snig__error(ctx, SNIG_FORMAT, "%s: no entries (empty file)",
                         s->path);
    return st;
}

snig_status snig__rows_push(snig_ctx *ctx, snig_rows *r, const char *path,
                            uint64_t line, uint64_t row, uint32_t col,
                            float val)
{
    r->entries++;
    if (row + 1 > r->rows)
        r->rows = row + 1;
    if (row < r->first || (r->count && row - r->first >= r->count))
        return SNIG_OK;
    uint64_t local = row - r->first;
    if (local > UINT32_MAX)
        return snig__error(ctx, SNIG_RANGE, "%s:%llu: row %llu: too many rows",
                           path, (unsigned long long)line,
                           (unsigned long long)row + 1);
    const snig_coo *k = &r->kept;
    if (k->n > 0 && k->row[k->n - 1] == local && k->col[k->n - 1] == col)
        return snig__error(ctx, SNIG_FORMAT,
                           "%s:%llu: duplicate entry (row %llu, column %u)",
                           path, (unsigned long long)line,
                           (unsigned long long)row + 1, col + 1);
    if (k->n > 0 && local < k->row[k->n - 1])
        r->rows_sorted = false;
    r->kept.no_lines = true;
    return snig__coo_push(ctx, &r->kept, (uint32_t)local, col, val, line);
}

void snig__rows_clear(snig_ctx *ctx, snig_rows *r)
{
    snig__coo_clear(ctx, &r->kept);
}

typedef struct col_val {
    uint32_t col;
    float val;
} col_val;

static int cmp_col(const void *a, const void *b)
{
    uint32_t x = ((const col_val *)a)->col, y = ((const col_val *)b)->col;
    return (x > y) - (x < y);
}

/* Sorts every row by column (rows are usually sorted already) and finds
 * duplicates, which are then next to each other. */
static snig_status sort_rows(snig_ctx *ctx, const char *path, uint64_t rows,
                             uint64_t first, const uint64_t *rowptr,
                             uint32_t *col, float *val)
{
    snig_status st = SNIG_OK;
    col_val *tmp = NULL;
    uint64_t tmp_cap = 0;
    for (uint64_t i = 0; i < rows; i++) {
        uint64_t a = rowptr[i], b = rowptr[i + 1];
        bool sorted = true;
        for (uint64_t p = a + 1; p < b && sorted; p++)
            sorted = col[p - 1] < col[p];
        if (!sorted) {
            if (b - a > tmp_cap) {
                snig__free(ctx, tmp);
                tmp_cap = b - a;
                tmp = snig__malloc(ctx, tmp_cap * sizeof *tmp);
                if (tmp == NULL) {
                    st = SNIG_NOMEM;
                    goto cleanup;
                }
            }
            for (uint64_t p = a; p < b; p++)
                tmp[p - a] = (col_val){col[p], val[p]};
            qsort(tmp, b - a, sizeof *tmp, cmp_col);
            for (uint64_t p = a; p < b; p++) {
                col[p] = tmp[p - a].col;
                val[p] = tmp[p - a].val;
            }
        }
        for (uint64_t p = a + 1; p < b; p++) {
            if (col[p - 1] == col[p]) {
                st = snig__error(ctx, SNIG_FORMAT,
                                 "%s: duplicate entry (row %llu, column %u)",
                                 path, (unsigned long long)(first + i + 1),
                                 col[p] + 1);
                goto cleanup;
            }
        }
    }
cleanup:
    snig__free(ctx, tmp);
    return st;
}

snig_status snig__rows_finish(snig_ctx *ctx, snig_rows *r, const char *path,
                              uint64_t rows_total, snig_inputs **out)
{
    snig_status st = SNIG_OK;
    snig_inputs *in = NULL;
    uint32_t *col = NULL;
    float *val = NULL;
    uint64_t *rowptr = NULL;
    uint64_t rows = rows_total > r->first ? rows_total - r->first : 0;
    if (r->count && rows > r->count)
        rows = r->count;
    /* Memory follows what the file holds: a row number far beyond the
     * entries (a 14-byte file naming row 10^8) is refused, not allocated. */
    if (rows > SNIG_ROWS_FREE + SNIG_ROWS_PER_ENTRY * r->entries) {
        st = snig__error(ctx, SNIG_RANGE, "%s: %llu rows for %llu entries: "
                         "at most %u empty rows per entry (plus %u) are "
                         "accepted; is a row index wrong?", path,
                         (unsigned long long)rows_total,
                         (unsigned long long)r->entries, SNIG_ROWS_PER_ENTRY,
                         SNIG_ROWS_FREE);
        goto cleanup;
    }
    rowptr = snig__calloc(ctx, rows + 2, sizeof *rowptr);
    if (rowptr == NULL) {
        st = SNIG_NOMEM;
        goto cleanup;
    }
    for (uint64_t k = 0; k < r->kept.n; k++)
        rowptr[r->kept.row[k] + 2]++;
    for (uint64_t i = 0; i < rows; i++)
        rowptr[i + 2] += rowptr[i + 1];
    if (r->rows_sorted) {
        col = r->kept.col;
        val = r->kept.val;
        r->kept.col = NULL;
        r->kept.val = NULL;
    } else {
        /* Stable counting sort by row. */
        col = snig__malloc(ctx, (r->kept.n ? r->kept.n : 1) * sizeof *col);
        val = snig__malloc(ctx, (r->kept.n ? r->kept.n : 1) * sizeof *val);
        if (col == NULL || val == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
        for (uint64_t k = 0; k < r->kept.n; k++) {
            uint64_t at = rowptr[r->kept.row[k] + 1]++;
            col[at] = r->kept.col[k];
            val[at] = r->kept.val[k];
        }
    }
    if (r->rows_sorted)
        for (uint64_t i = 0; i < rows; i++)
            rowptr[i + 1] = rowptr[i + 2];
    /* rowptr[i] is now the start of row i either way. */
    if (col == NULL) {
        col = snig__malloc(ctx, sizeof *col);
        val = snig__malloc(ctx, sizeof *val);
        if (col == NULL || val == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
    }
    st = sort_rows(ctx, path, rows, r->first, rowptr, col, val);
    if (st != SNIG_OK)
        goto cleanup;
    st = snig__inputs_new(ctx, r->neurons, &in);
    if (st != SNIG_OK)
        goto cleanup;
    in->rows = rows;
    in->first_row = r->first;
    in->rowptr = rowptr;
    in->col = col;
    in->val = val;
    rowptr = NULL;
    col = NULL;
    val = NULL;
    *out = in;
cleanup:
    snig__free(ctx, val);
    snig__free(ctx, col);
    snig__free(ctx, rowptr);
    snig__rows_clear(ctx, r);
    return st;
}

snig_status snig__tsv_read_inputs(snig_ctx *ctx, snig_scan *s, uint32_t n,
                                  uint64_t row_first, uint64_t row_count,
                                  snig_inputs **in)
{
    snig_status st = SNIG_OK;
    snig_rows r = {.first = row_first, .count = row_count, .neurons = n,
                   .rows_sorted = true};
    for (;;) {
        const char *p, *e;
        st = snig__scan_block(s, &p, &e);
        if (st != SNIG_OK || p == e)
            break;
        while (p < e && st == SNIG_OK) {
            uint64_t i, j;
            float v;
            s->line++;
            snig_triple t = snig__parse_triple(&p, &i, &j, &v, true);
            if (t == SNIG_TRIPLE_BLANK)
                continue;
            if (t != SNIG_TRIPLE_OK)
                st = snig__triple_error(ctx, t, s->path, s->line);
            else if (i == 0 || j - 1 >= n)
                st = snig__index_error(ctx, s->path, s->line, i == 0 ? 0 : j, n);
            else
                st = snig__rows_push(ctx, &r, s->path, s->line, i - 1,
                                     (uint32_t)(j - 1), v);
        }
        if (st != SNIG_OK)
            break;
    }
    if (st == SNIG_OK && r.entries == 0)
        st = snig__error(ctx, SNIG_FORMAT, "%s: no entries (empty file)",
                         s->path);
    if (st == SNIG_OK)
        st = snig__rows_finish(ctx, &r, s->path, r.rows, in);
    snig__rows_clear(ctx, &r);
    return st;
}
