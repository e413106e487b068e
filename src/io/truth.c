/* Truth files: one 1-based row index per line (the official
 * neuronN-lL-categories.tsv), returned sorted. */
#include "readers.h"

#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

snig_status snig__truth_read(snig_ctx *ctx, snig_scan *s, uint64_t **out,
                             uint64_t *count)
{
    snig_status st = SNIG_OK;
    uint64_t n = 0, cap = 0;
    uint64_t *rows = NULL;
    for (;;) {
        const char *p = NULL;
        st = snig__scan_line(s, &p);
        if (st != SNIG_OK || p == NULL)
            break;
        p = snig__skip_blank(p);
        if (*p == '\n')
            continue;
        uint64_t v = 0;
        snig_num r = snig__parse_u64(&p, &v);
        p = snig__skip_blank(p);
        if (r != SNIG_NUM_OK || *p != '\n') {
            st = snig__error(ctx, SNIG_FORMAT, "%s:%llu: malformed line "
                             "(expected one row index)", s->path,
                             (unsigned long long)s->line);
            goto cleanup;
        }
        if (v == 0) {
            st = snig__index_error(ctx, s->path, s->line, 0, 0);
            goto cleanup;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            uint64_t *more = snig__realloc(ctx, rows, cap * sizeof *more);
            if (more == NULL) {
                st = SNIG_NOMEM;
                goto cleanup;
            }
            rows = more;
        }
        rows[n++] = v;
    }
    if (st != SNIG_OK)
        goto cleanup;
    if (rows == NULL) {
        /* An empty truth file is valid: no category. */
        rows = snig__malloc(ctx, sizeof *rows);
        if (rows == NULL) {
            st = SNIG_NOMEM;
            goto cleanup;
        }
    }
    qsort(rows, n, sizeof *rows, cmp_u64);
    for (uint64_t i = 1; i < n; i++) {
        if (rows[i] == rows[i - 1]) {
            st = snig__error(ctx, SNIG_FORMAT, "%s: row %llu listed twice",
                             s->path, (unsigned long long)rows[i]);
            goto cleanup;
        }
    }
    *out = rows;
    *count = n;
    rows = NULL;
cleanup:
    snig__free(ctx, rows);
    return st;
}
